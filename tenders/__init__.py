"""Merchants and the tender process (built in the tender issue)."""
