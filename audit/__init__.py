"""The tamper-evident journal: an append-only, hash-chained record of every change.

Services call ``audit.record(actor=..., action=..., target=..., before=..., after=...)``.
"""


def record(**kwargs):
    """Append one entry to the journal; see :func:`audit.journal.record`."""
    from audit.journal import record as _record

    return _record(**kwargs)
