"""Leases and operation (built in the leasing issue)."""
