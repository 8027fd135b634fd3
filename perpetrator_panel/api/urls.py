"""URLs of the perpetrator panel API: panel cases, and panel actions with their steps."""

urlpatterns: list = []
