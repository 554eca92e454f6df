"""The pipeline's counts counted afresh from the rows, against the ones the services keep
(tenders.pipeline): to fill the table after a bulk load (generate_network) and to check it
(``manage.py pipeline_counts --check``). Here, not in tenders, because leases are a stage.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth

from audit.journal import hold_chain
from leasing.models import Lease
from tenders.models import Application, Award, Bid, Demand, PipelineMonth
from tenders.pipeline import STAGES, month_of

Counts = dict[tuple[int, dt.date], dict[str, int]]


def sources(station_filter: dict) -> dict:
    """Each stage's rows as (rows, station lookup, when lookup), narrowed by
    ``station_filter`` (keyword arguments naming the stations as ``station``)."""
    lot = {f"lot__{key}": value for key, value in station_filter.items()}
    return {
        "demands": (
            Demand.stations.through.objects.filter(**station_filter),
            "station",
            "demand__created_at",
        ),
        "applications": (
            Application.lots.through.objects.filter(**lot),
            "lot__station",
            "application__submitted_at",
        ),
        "bids": (
            Bid.objects.filter(**lot).exclude(status=Bid.Status.REPLACED),
            "lot__station",
            "received_at",
        ),
        "awards": (Award.objects.filter(**lot), "lot__station", "awarded_at"),
        "leases": (
            Lease.objects.filter(**station_filter, signed_at__isnull=False),
            "station",
            "signed_at",
        ),
        "openings": (
            Lease.objects.filter(**station_filter, opened_on__isnull=False),
            "station",
            "opened_on",
        ),
    }


def recount(station_filter: dict | None = None) -> Counts:
    """The stages' counts per (station pk, first day of the month) from the rows: six
    grouped queries. An application counts once for each station of its lots."""
    counts: Counts = defaultdict(dict)
    for stage, (rows, station, when) in sources(station_filter or {}).items():
        rows = rows.values_list(station, TruncMonth(when))
        if stage == "applications":
            rows = rows.annotate(n=Count("application", distinct=True))
        else:
            rows = rows.annotate(n=Count("pk"))
        for pk, month, n in rows.order_by():
            key = (pk, month_of(month))
            counts[key][stage] = counts[key].get(stage, 0) + n
    return counts


def stored(station_filter: dict | None = None) -> Counts:
    """The counts the table holds, without its rows of nothing."""
    rows = PipelineMonth.objects.filter(**(station_filter or {})).values_list(
        "station", "month", *STAGES
    )
    return {
        (pk, month): {stage: n for stage, n in zip(STAGES, ns, strict=True) if n}
        for pk, month, *ns in rows
        if any(ns)
    }


def differences(station_filter: dict | None = None) -> list[tuple]:
    """(station pk, month, stage, stored, counted) wherever the table and the rows disagree."""
    kept, counted = stored(station_filter), recount(station_filter)
    found = []
    for key in sorted(set(kept) | set(counted)):
        for stage in STAGES:
            have, want = kept.get(key, {}).get(stage, 0), counted.get(key, {}).get(stage, 0)
            if have != want:
                found.append((*key, stage, have, want))
    return found


@transaction.atomic
def rebuild() -> int:
    """Replace the table with the counts of the rows, under the journal's lock (no service
    adds to it meanwhile). Returns the number of (station, month) rows."""
    hold_chain()
    counted = recount()
    PipelineMonth.objects.all().delete()
    PipelineMonth.objects.bulk_create(
        (
            PipelineMonth(station_id=station, month=month, **stages)
            for (station, month), stages in counted.items()
        ),
        batch_size=5000,
    )
    return len(counted)
