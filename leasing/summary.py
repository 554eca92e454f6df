"""`network-summary`: the figures a commercial company reports for its network, in one table.

Each figure is computed from the data, by the same rules as the detailed reports (the area
and rent of awarded lots as in `rent-vs-reserve`, the open outlets as in `chains`); DOMAIN.md's
figures for the Hunan section are what this report shows on the demo network.
"""

from __future__ import annotations

import pandas as pd
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leasing.models import Lease
from leasing.reports import brand_presence, open_leases, rent_total
from stations.models import BusinessCategory
from stations.reports import in_stations, register, report_stations, utilities_total
from tenders.models import Demand, Lot, Objection, TenderRound

COMPLETED = (TenderRound.Status.AWARDED, TenderRound.Status.FAILED)
# The provisions reserved for the shops (the `utilities` report's TOTAL row).
PROVISIONS = (
    ("power_kw", gettext_lazy("Commercial power capacity (kW)")),
    ("distribution_cabinets", gettext_lazy("Distribution cabinets")),
    ("floor_sockets", gettext_lazy("Floor sockets")),
    ("lightbox_sockets", gettext_lazy("Lightbox power sockets")),
    ("toilet_interfaces", gettext_lazy("Water/power interfaces for toilets")),
    ("washbasin_interfaces", gettext_lazy("Water/power interfaces for washbasins")),
)


def _brands_wanting(demands) -> int:
    """Distinct brands among the demands; a demand that names no brand counts its merchant."""
    named = demands.exclude(brand=None).values("brand").distinct().count()
    return named + demands.filter(brand=None).values("merchant").distinct().count()


def _first_opening(stations) -> str:
    lease = (
        in_stations(Lease.objects.filter(opened_on__isnull=False), "station", stations)
        .select_related("merchant", "station")
        .prefetch_related("units__level")
        .order_by("opened_on", "pk")
        .first()
    )
    if lease is None:
        return ""
    brand = lease.merchant.brands.order_by("pk").first() or lease.merchant
    levels = sorted({unit.level.name for unit in lease.units.all()})
    return f"{lease.opened_on:%Y-%m-%d} {brand} · {lease.station} {', '.join(levels)}"


@register("network-summary", gettext_lazy("The network in figures"))
def network_summary(*, stations=None) -> pd.DataFrame:
    """One row per figure: ``figure`` (a stable key), ``label`` and ``value``.

    Tender projects are lots; a project is completed when its round is awarded or failed,
    let when its lot is awarded. Brands are counted by brand (a merchant's own brand where it
    has several, as in `chains`); outlets are open leases."""
    scope = report_stations(stations)
    # The demands that concern these stations: naming one of them, or naming none.
    demands = Demand.objects.all()
    if stations is not None:
        demands = demands.filter(Q(stations__in=scope) | Q(stations__isnull=True)).distinct()
    demand_types = demands.values_list("business_type", flat=True).distinct()
    classes = (
        BusinessCategory.objects.filter(pk__in=demand_types)
        .values_list("parent", flat=True)
        .distinct()
    )
    lots = in_stations(Lot.objects.filter(round__status__in=COMPLETED), "station", stations)
    # The completed lots' figures in one pass (a lot has at most one award).
    tendered = lots.aggregate(
        completed=Count("pk"),
        failed=Count("pk", filter=Q(status=Lot.Status.FAILED)),
        let=Count("award"),
        brands=Count("award__merchant", distinct=True),
        types=Count("business_type", distinct=True, filter=Q(status=Lot.Status.AWARDED)),
    )
    area, reserve, won, premium = rent_total(stations)  # rent-vs-reserve's TOTAL row
    operating = open_leases(stations).aggregate(
        outlets=Count("pk"), stations=Count("station", distinct=True)
    )
    # The brands as `chains` counts them, without its column for each station.
    reported, brands = brand_presence(stations)
    everywhere = [name for name, brand in brands.items() if brand.stations == len(reported)]
    # The types the chains' outlets trade as.
    chain_types = BusinessCategory.objects.filter(
        pk__in={business_type for name in everywhere for _m, business_type in brands[name].traders}
    )
    provisions = utilities_total(stations)  # the utilities report's TOTAL row
    figures = [
        ("stations", _("Stations"), len(reported)),
        *((column, label, provisions[column]) for column, label in PROVISIONS),
        ("brands_with_demands", _("Brands that registered interest"),
         _brands_wanting(demands)),
        ("demand_classes", _("Business classes wanted"), classes.count()),
        ("demand_types", _("Business types wanted"), demand_types.count()),
        ("projects_completed", _("Tender projects completed (lots)"), tendered["completed"]),
        ("objections_upheld", _("Objections upheld in them"),
         Objection.objects.filter(lot__in=lots, status=Objection.Status.UPHELD).count()),
        ("projects_let", _("Projects let by tender"), tendered["let"]),
        ("projects_failed", _("Projects failed"), tendered["failed"]),
        ("brands_by_tender", _("Brands brought in by tender"), tendered["brands"]),
        ("types_by_tender", _("Business types let by tender"), tendered["types"]),
        ("area_let_m2", _("Area let by tender (m²)"), area),
        ("reserve", _("Reserve prices of the lots let (CNY a year)"), reserve),
        ("rent_won", _("Rent won (CNY a year)"), won),
        ("premium_pct", _("Rent won above the reserve (%)"), premium),
        ("outlets_open", _("Outlets operating"), operating["outlets"]),
        ("brands_open", _("Brands operating"), len(brands)),
        ("stations_with_outlets", _("Stations with outlets operating"), operating["stations"]),
        ("chains_everywhere", _("Chains in every station"),
         ", ".join(sorted(everywhere))),
        ("chain_types_everywhere", _("Their business types"),
         ", ".join(sorted(str(category) for category in chain_types))),
        ("first_opening", _("First opening"), _first_opening(stations)),
    ]  # fmt: skip
    frame = pd.DataFrame(
        [(key, str(label), value) for key, label, value in figures],
        columns=["figure", "label", "value"],
    )
    frame["value"] = frame["value"].astype(object)
    return frame
