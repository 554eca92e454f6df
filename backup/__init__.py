"""Backup and restore of the system of record: the PostgreSQL database and the media files,
with a manifest that a restore is checked against (backup.archive)."""
