"""The passengers' directory (商业业态指示图) at /stations/<code>/directory/: a station's open
outlets on each level's plan, by business type, searchable.

An outlet is a lease in status open; it shows under its merchant's brand (the merchant's one
brand, or of several the one registered for the outlet's type), as the type it was let for —
or, let directly without one, the one specific type its units are designated for. Searching
(``?q=``) and the type filter (``?type=``) run on the server, so the page works without
JavaScript; a small script filters the same list as one types. A fixed number of queries per
level, whatever the number of outlets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cms.station_pages import level_svg
from leasing.models import Lease
from leasing.occupants import trading_brands
from leasing.operation import marketing_events_on
from stations.models import BusinessCategory, Station, Unit
from stations.plans import plan_data, unit_dom_id

app_name = "directory"

MAX_QUERY = 100


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@dataclass
class OutletUnit:
    code: str
    dom_id: str
    level_id: int


@dataclass
class Outlet:
    key: str  # the lease's contract number
    name: str  # in the page's language (the other one when that is missing)
    other_name: str
    type_code: str | None
    type_name: str
    class_code: str | None
    units: list[OutletUnit] = field(default_factory=list)
    haystack: str = ""
    number: int = 0  # its place in the list, written on its units on the plans

    def matches(self, words: list[str]) -> bool:
        return all(word in self.haystack for word in words)


def _categories() -> dict[int, BusinessCategory]:
    return {c.pk: c for c in BusinessCategory.objects.all()}


def open_outlets(station: Station) -> list[Outlet]:
    """The station's open outlets, by name (the brand as leasing.occupants chooses it). Seven
    queries, whatever their number."""
    units = Prefetch(
        "units",
        queryset=Unit.objects.only("pk", "code", "level_id").prefetch_related(
            Prefetch(
                "business_types",
                queryset=BusinessCategory.objects.filter(parent__isnull=False).only("pk"),
            )
        ),
    )
    leases = list(
        Lease.objects.filter(station=station, status=Lease.Status.OPEN)
        .select_related("merchant")
        .only("pk", "code", "merchant__name", "merchant_id", "business_type_id")
        .prefetch_related(units)
        .order_by("code")
    )
    categories = _categories()
    types = {}
    for lease in leases:
        type_id = lease.business_type_id
        if type_id is None:  # let directly without a type: the one its units are designated for
            designated = {t.pk for unit in lease.units.all() for t in unit.business_types.all()}
            type_id = designated.pop() if len(designated) == 1 else None
        types[lease.pk] = type_id
    brands = trading_brands((lease.merchant_id, types[lease.pk]) for lease in leases)
    chinese = _chinese()
    outlets = []
    for lease in leases:
        lease_units = sorted(lease.units.all(), key=lambda unit: unit.code)
        category = categories.get(types[lease.pk])
        brand = brands[lease.merchant_id, types[lease.pk]]
        name_zh = brand.name_zh if brand else lease.merchant.name
        name_en = (brand.name_en if brand else "") or ""
        name, other = (name_zh, name_en) if chinese or not name_en else (name_en, name_zh)
        parent = categories.get(category.parent_id) if category else None
        type_names = [category.name_zh, category.name_en] if category else []
        class_names = [parent.name_zh, parent.name_en] if parent else []
        outlet = Outlet(
            key=lease.code,
            name=name,
            other_name=other if other != name else "",
            type_code=category.code if category else None,
            type_name=(category.name_zh if chinese else category.name_en) if category else "",
            class_code=(parent or category).code if category else None,
            units=[OutletUnit(u.code, unit_dom_id(u.code), u.level_id) for u in lease_units],
        )
        outlet.haystack = " ".join(
            [name_zh, name_en, lease.merchant.name, *type_names, *class_names]
            + [u.code for u in lease_units]
        ).casefold()
        outlets.append(outlet)
    outlets.sort(key=lambda o: o.name.casefold())
    return outlets


def _station(code: str) -> Station:
    station = Station.objects.filter(code=code).first() or (
        Station.objects.filter(code=code.upper()).first() if code != code.upper() else None
    )
    if station is None:
        raise Http404(_("No such station."))
    return station


def _type_groups(outlets: list[Outlet], categories: dict[str, BusinessCategory]) -> list[dict]:
    """Outlets by business class, then type, in the catalogue's order."""
    chinese = _chinese()
    by_class: dict[str | None, dict[str | None, list[Outlet]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for outlet in outlets:
        by_class[outlet.class_code][outlet.type_code].append(outlet)

    def order(code):
        category = categories.get(code)
        return (category is None, category.sort_order if category else 0, code or "")

    def name(code):
        category = categories.get(code)
        if category is None:
            return _("Other")
        return category.name_zh if chinese else category.name_en

    return [
        {
            "code": class_code,
            "name": name(class_code),
            "count": sum(len(o) for o in types.values()),
            "types": [
                {"code": code, "name": name(code), "outlets": types[code]}
                for code in sorted(types, key=order)
            ],
        }
        for class_code, types in sorted(by_class.items(), key=lambda item: order(item[0]))
    ]


_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
_EM = re.compile(r'<svg [^>]*?font-size="([0-9.]+)"')
_LEGEND_TOP = re.compile(r'<g id="legend"[^>]*>\s*<text x="[0-9.]+" y="([0-9.]+)"')


def _passenger_svg(svg: str, level_pk: int) -> tuple[str, int]:
    """The plan made fit for the page: no XML declaration, the legend (unit statuses, zones and
    utilities, which passengers do not need) cut off below the scale bar, and the width in CSS
    pixels at which its numbers read well (4 px a metre, within 640–1400)."""
    body = svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg
    box, em, legend = _VIEWBOX.search(body), _EM.search(body), _LEGEND_TOP.search(body)
    width = float(box.group(1)) if box else 0.0
    if box and em and legend:
        height = float(legend.group(1)) - 0.9 * float(em.group(1))
        body = body.replace(box.group(0), f'viewBox="0 0 {box.group(1)} {height:.3f}"', 1)
    body = body.replace('id="legend"', f'id="plan{level_pk}-legend"', 1)
    return body, int(min(max(width * 4, 640), 1400))


def _level_plans(station: Station, outlets: list[Outlet], at: str) -> list:
    """Each level's plan, every outlet's unit marked with the outlet's number in the list."""
    by_unit = {unit.code: outlet for outlet in outlets for unit in outlet.units}
    plans = []
    for level in station.levels.order_by("-ordinal"):
        data = plan_data(level)
        labels = {}
        for row in data.units:
            outlet = by_unit.get(row.code)
            labels[row.code] = (str(outlet.number),) if outlet else ()
        codes = {row.code for row in data.units}
        svg = level_svg(data, labels=labels, highlight=at if at in codes else None)
        body, width_px = _passenger_svg(svg, level.pk)
        plans.append(
            {
                "level": data.level,
                "svg": mark_safe(body),
                "width_px": width_px,
                "outlets": [o for o in outlets if any(u.level_id == level.pk for u in o.units)],
            }
        )
    return plans


def _campaigns(station: Station) -> list[dict]:
    """The station's and the network's marketing events running today, each with this
    station's outlets taking part (leasing.operation keeps them; two queries)."""
    today = timezone.localdate()
    events = marketing_events_on(today).filter(starts_on__lte=today)
    return [
        {
            "event": event,
            "outlets": [o for o in event.outlets.all() if o.station_id == station.pk],
        }
        for event in events.filter(Q(station=None) | Q(station=station))
    ]


@require_safe
def station_directory(request, code: str):
    station = _station(code)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    chosen_type = request.GET.get("type", "").strip()
    at = request.GET.get("at", "").strip()
    outlets = open_outlets(station)
    categories = {c.code: c for c in BusinessCategory.objects.all()}
    # Numbered in the order of the whole list, so a number stays with its outlet when filtered.
    every_group = _type_groups(outlets, categories)
    number = 0
    for group in every_group:
        for type_ in group["types"]:
            for outlet in type_["outlets"]:
                number += 1
                outlet.number = number
    words = query.casefold().split()
    shown = [
        outlet
        for outlet in outlets
        if outlet.matches(words)
        and (not chosen_type or chosen_type in (outlet.type_code, outlet.class_code))
    ]
    shown_keys = {outlet.key for outlet in shown}
    filtered = bool(words or chosen_type)
    dimmed = [
        unit.dom_id for outlet in outlets if outlet.key not in shown_keys for unit in outlet.units
    ]
    chinese = _chinese()
    context = {
        "station": station,
        "station_name": station.name_zh if chinese else station.name_en,
        "other_name": station.name_en if chinese else station.name_zh,
        "query": query,
        "chosen_type": chosen_type,
        "at": at,
        "filtered": filtered,
        "outlet_count": len(outlets),
        "shown": shown,
        "groups": _type_groups(shown, categories),
        "classes": [
            {"code": group["code"], "name": group["name"], "count": group["count"]}
            for group in every_group
        ],
        "plans": _level_plans(station, outlets, at),
        "dimmed": dimmed if filtered else [],
        "campaigns": _campaigns(station),
    }
    return render(request, "cms/directory/station.html", context)


urlpatterns = [
    path("<str:code>/directory/", station_directory, name="station"),
]
