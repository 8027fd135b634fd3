"""URLs of the reviews API: reviews and recommendations (with their actions)."""

urlpatterns: list = []
