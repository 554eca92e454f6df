"""Lots as outlets for the spread rule (stations.spread): an open lot of a round neither
failed nor cancelled holds its units for one outlet-to-be. (An awarded lot counts until its
lease is made; leasing, which knows the leases, reports those.)"""

from __future__ import annotations

from stations.spread import Outlet, excluded_pks
from tenders.models import Lot, TenderRound

DEAD_ROUNDS = (TenderRound.Status.FAILED, TenderRound.Status.CANCELLED)


def open_lot_outlets(*, station, type_ids, during=None, excluding=()) -> list[Outlet]:
    lots = (
        Lot.objects.filter(station=station, business_type__in=type_ids, status=Lot.Status.OPEN)
        .exclude(round__status__in=DEAD_ROUNDS)
        .exclude(pk__in=excluded_pks(excluding, Lot))
        .select_related("round")
        .prefetch_related("units")
    )
    return [
        Outlet(str(lot), lot.business_type_id, frozenset(u.pk for u in lot.units.all()))
        for lot in lots
    ]
