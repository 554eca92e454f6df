"""Portal: tendering."""

urlpatterns: list = []
