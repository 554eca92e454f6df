"""The tender's reports, registered with the station reports' registry (``report NAME``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy

from stations.reports import TOTAL, register, report_stations, two_places
from tenders.models import Award

RENT_COLUMNS = [
    "round",
    "lot",
    "station",
    "business_type",
    "area_m2",
    "reserve_annual_rent",
    "awarded_annual_rent",
    "premium_pct",
]


def premium_pct(awarded: Decimal, reserve: Decimal) -> Decimal:
    """How far the rent won lies above the reserve, in percent of the reserve (2 places)."""
    return ((awarded - reserve) / reserve * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


@register("rent-vs-reserve", gettext_lazy("Rent won against the reserve price, by lot"))
def rent_vs_reserve(*, stations=None) -> pd.DataFrame:
    """One row per awarded lot and a last TOTAL row: the lot's area, its reserve annual rent,
    the annual rent awarded and the premium over the reserve (the TOTAL's premium is that of
    the sums). Amounts and area are Decimal with 2 places; one query."""
    awards = (
        Award.objects.filter(lot__station__in=report_stations(stations))
        .values(
            round=F("lot__round__code"),
            lot_number=F("lot__number"),
            station=F("lot__station__code"),
            business_type=F("lot__business_type__code"),
            reserve=F("lot__reserve_annual_rent"),
            awarded=F("annual_rent"),
        )
        .annotate(area=Sum("lot__units__area_m2"))
        .order_by("lot__round__code", "lot__number")
    )
    records = [
        {
            "round": row["round"],
            "lot": row["lot_number"],
            "station": row["station"],
            "business_type": row["business_type"],
            "area_m2": two_places(row["area"]),
            "reserve_annual_rent": two_places(row["reserve"]),
            "awarded_annual_rent": two_places(row["awarded"]),
            "premium_pct": premium_pct(row["awarded"], row["reserve"]),
        }
        for row in awards
    ]
    reserve = sum((r["reserve_annual_rent"] for r in records), Decimal("0.00"))
    awarded = sum((r["awarded_annual_rent"] for r in records), Decimal("0.00"))
    total = {
        "round": TOTAL,
        "lot": None,
        "station": "",
        "business_type": "",
        "area_m2": sum((r["area_m2"] for r in records), Decimal("0.00")),
        "reserve_annual_rent": reserve,
        "awarded_annual_rent": awarded,
        "premium_pct": premium_pct(awarded, reserve) if reserve else None,
    }
    frame = pd.DataFrame([*records, total], columns=RENT_COLUMNS)
    frame["lot"] = frame["lot"].astype("Int64")
    frame.attrs["total_row"] = True
    return frame
