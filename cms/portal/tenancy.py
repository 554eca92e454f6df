"""Portal: tenancy."""

urlpatterns: list = []
