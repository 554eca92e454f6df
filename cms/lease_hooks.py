"""Wagtail admin hooks of the lease screens (leases, rent, fit-out, the route map)."""
