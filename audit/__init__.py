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
