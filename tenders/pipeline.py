"""The `pipeline` report's counts per station and month, kept as the stages happen.

A demand naming a station, an application for its lots (once per application and station), a
bid for one of its lots (a replaced bid stops counting, its later version counts), an award,
a signed lease and an opening each add one to their station's month (tenders.models.
PipelineMonth). The services that record them call :func:`count` in their own transaction,
so the counts change exactly when the rows do. ``leasing.pipeline`` counts them afresh from
the rows: to rebuild the table after a bulk load and to check it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import IntegrityError, connection
from django.db.models import F
from django.utils import timezone

from audit.journal import hold_chain
from tenders.models import PipelineMonth

STAGES = ("demands", "applications", "bids", "awards", "leases", "openings")


def month_of(when: dt.date | dt.datetime) -> dt.date:
    """The first day of the month of ``when``: a moment's in the site's time zone."""
    if isinstance(when, dt.datetime) and timezone.is_aware(when):
        when = timezone.localtime(when)
    return dt.date(when.year, when.month, 1)


def count(stage: str, events: Iterable[tuple[int, dt.date | dt.datetime]], by: int = 1) -> None:
    """Add ``by`` (-1 takes one away) to ``stage`` for each (station pk, when) in ``events``.

    Adding is one upsert per station and month, each adding to what is stored, so concurrent
    writers lose nothing; taking away updates the stored row. The journal's lock is taken
    first (the services hold it already for their entry), so the writers of a station's
    month queue in one order and cannot deadlock. Taking away what no service added raises
    IntegrityError (the table's check constraint, or no row to take it from)."""
    if stage not in STAGES:
        raise ValueError(f"no pipeline stage {stage!r}")
    tally = Counter((station, month_of(when)) for station, when in events)
    rows = [(station, month, n * by) for (station, month), n in sorted(tally.items()) if n]
    if not rows:
        return
    hold_chain()
    if by < 0:
        for station, month, n in rows:
            months = PipelineMonth.objects.filter(station_id=station, month=month)
            if not months.update(**{stage: F(stage) + n}):
                raise IntegrityError(f"no {stage} counted at station {station} in {month:%Y-%m}")
        return
    quote = connection.ops.quote_name
    table = quote(PipelineMonth._meta.db_table)
    columns = [quote("station_id"), quote("month"), *(quote(s) for s in STAGES)]
    values = ["%s", "%s", *("%s" if s == stage else "0" for s in STAGES)]
    column = quote(stage)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)}) "
        f"ON CONFLICT ({quote('station_id')}, {quote('month')}) "
        f"DO UPDATE SET {column} = {table}.{column} + EXCLUDED.{column}"
    )
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(station, adapt(month), n) for station, month, n in rows])
