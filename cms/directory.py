"""The passengers' directory (/stations/<code>/directory/)."""

urlpatterns: list = []
