"""Portal: accounts."""

urlpatterns: list = []
