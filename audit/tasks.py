"""The audit journal's background task: its daily head export, for the worker (db_worker)."""

from __future__ import annotations

from django_tasks import task

from audit.heads import export_head


@task()
def export_journal_head() -> str:
    """Append the journal's head to today's file in JOURNAL_HEAD_DIR; returns the line."""
    _path, line = export_head()
    return line
