"""The tamper-evident journal: an append-only, hash-chained record of every change.

Services call ``audit.record(actor=..., action=..., target=..., before=..., after=...)``.
"""


def record(**kwargs):
    """Append one entry to the journal; see :func:`audit.journal.record`."""
    from audit.journal import record as _record

    return _record(**kwargs)


def record_many(**kwargs):
    """Append one entry per change in one insert; see :func:`audit.journal.record_many`."""
    from audit.journal import record_many as _record_many

    return _record_many(**kwargs)


def head() -> str:
    """The hash of the journal's latest entry ("" while it is empty): it changes with every
    change anything makes, so it keys caches of what the data looks like (one indexed read)."""
    from audit.models import Entry

    return Entry.objects.order_by("-seq").values_list("hash", flat=True).first() or ""
