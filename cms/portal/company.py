"""Portal: company."""

urlpatterns: list = []
