"""URLs of the review pages."""

urlpatterns: list = []
