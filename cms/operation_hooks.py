"""Wagtail admin hooks of the operation screens (inspections, complaints, penalties, prices, events)."""
