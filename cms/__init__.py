"""Wagtail: the back office (admin viewsets, hooks) and the portal pages."""
