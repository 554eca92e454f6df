"""Station pages of the public site: the network by tier, and a station's levels drawn as plans
(stations.plans) with the units offered for letting highlighted, each with its area, utilities
and designated business types, and a link for a signed-in merchant to register interest.

What is offered for letting is public (招租), so nothing here depends on who asks but the link.

A station's plans and offers are built with a fixed number of queries per level, whatever the
number of units, and then cached under the audit journal's head: every change to the space is
journalled, so a new entry makes a new key and a stale page is never shown; a page seen again
costs one indexed read.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from urllib.parse import urlencode

import shapely
from django import forms
from django.core.cache import cache
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

import audit
from cms.site_pager import page_of, pager
from stations.models import Station, Unit, UtilityPoint
from stations.plans import plan_data, render_level_svg, unit_dom_id
from stations.selectors import network_overview

Kind = UtilityPoint.Kind
# The provisions a merchant asks about first, in that order (cabinets serve several units).
UTILITY_ORDER = (
    Kind.FLOOR_SOCKET,
    Kind.LIGHTBOX_SOCKET,
    Kind.WATER,
    Kind.DRAINAGE,
    Kind.TOILET,
    Kind.WASHBASIN,
    Kind.CABINET,
)


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def station_name(station) -> str:
    return station.name_zh if _chinese() else station.name_en


def station_urls(station_ids, request) -> dict[int, str]:
    """The URL of each station's live page, by station id (one query)."""
    from cms.models import StationPage

    return {
        page.station_id: page.get_url(request)
        for page in StationPage.objects.live().filter(station__in=list(station_ids))
    }


def url_or_none(name: str) -> str | None:
    """A URL another part of the site provides, or None while it does not exist yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def tiers_of(stations) -> list[tuple[str, list]]:
    return [
        (label, [s for s in stations if s.tier == value]) for value, label in Station.Tier.choices
    ]


STATIONS_PER_PAGE = 30
# The tiers in the order of their choices (provincial capitals first), for the database.
TIER_RANK = Case(
    *(When(tier=value, then=Value(rank)) for rank, value in enumerate(Station.Tier.values)),
    default=Value(len(Station.Tier.values)),
)


class StationSearch(forms.Form):
    """The station list's search: a name (Chinese or English) or code, and a tier."""

    q = forms.CharField(
        label=_("Station name or code"), required=False, max_length=100, strip=True
    )
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("Every tier")), *Station.Tier.choices]
    )


def searched_stations(data) -> tuple[StationSearch, QuerySet[Station]]:
    """The stations the search asks for, provincial capitals first then by code. What does not
    validate (a tier that is not one) is left out of the search rather than refused."""
    search = StationSearch(data)
    stations = Station.objects.all()
    if search.is_valid():
        text = search.cleaned_data["q"]
        if text:
            stations = stations.filter(
                Q(code__iexact=text) | Q(name_zh__icontains=text) | Q(name_en__icontains=text)
            )
        if search.cleaned_data["tier"]:
            stations = stations.filter(tier=search.cleaned_data["tier"])
    return search, stations.order_by(TIER_RANK, "code")


def with_offers(page_stations: QuerySet, request) -> list[Station]:
    """The stations of ``page_stations`` (a sliced queryset, a page of searched_stations) with
    their levels, what they offer for letting and their page's URL: the units are counted for
    the page's stations only (the page is a subquery), never for the whole network."""
    stations = list(
        network_overview().filter(pk__in=page_stations.values("pk")).order_by(TIER_RANK, "code")
    )
    urls = station_urls([station.pk for station in stations], request)
    for station in stations:
        station.page_url = urls.get(station.pk)
    return stations


def station_list(request, per_page: int | None = None) -> dict:
    """A page of the stations searched for (``q``, ``tier``, ``page``), grouped by tier."""
    search, stations = searched_stations(request.GET)
    page = page_of(stations, request, "page", per_page or STATIONS_PER_PAGE)
    shown = with_offers(page.object_list, request)
    return {
        "search": search,
        "searched": bool(search.is_valid() and any(search.cleaned_data.values())),
        "tiers": tiers_of(shown),
        "station_pager": pager(request, page, "page"),
    }


def index_context(page, request) -> dict:
    return station_list(request)


# --- a station ------------------------------------------------------------------------------


@dataclass
class UnitOffer:
    """A unit offered for letting, as a merchant reads it."""

    code: str
    dom_id: str
    name: str
    kind: str
    area_m2: Decimal
    power_kw: Decimal
    has_exhaust: bool
    in_paid_area: bool
    business_types: str
    utilities: list[tuple[str, int]] = field(default_factory=list)
    interest_url: str | None = None


@dataclass
class LevelPlan:
    level: object
    svg: str
    offers: list[UnitOffer]
    unit_count: int


SVG_CACHE_SECONDS = 24 * 3600


def level_svg(data, **options) -> str:
    """stations.plans.render_level_svg, cached under a digest of everything the drawing is made
    from (the level's data as loaded, the options, the language): laying out the labels takes
    a good part of a second on a large level, and a plan changes far less often than it is
    seen. A changed unit, zone or point changes the digest, so a stale drawing is never shown.
    """
    station, level = data.station, data.level
    digest = hashlib.sha256()
    for part in (
        get_language(),
        repr(sorted(options.items())),
        level.pk,
        level.name,
        level.outline_wkt,
        station.code,
        station.name_zh,
        station.name_en,
        station.plan_rotation_deg,
        repr(data.units),
        repr(data.zones),
        repr(data.points),
        repr(data.underlay),
    ):
        digest.update(str(part).encode())
        digest.update(b"\0")
    for polygons in (data.unit_polygons, data.zone_polygons):
        if len(polygons):
            digest.update(b"".join(shapely.to_wkb(polygons).tolist()))
        digest.update(b"\0")
    key = f"cms:level-svg:{digest.hexdigest()}"
    svg = cache.get(key)
    if svg is None:
        svg = render_level_svg(level, data=data, **options)
        cache.set(key, svg, SVG_CACHE_SECONDS)
    return svg


def _svg_inline(svg: str, level_pk: int) -> str:
    """The standalone drawing made fit to sit in a page: no XML declaration, and the one id
    not yet unique to its level (the legend) made so."""
    body = svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg
    return mark_safe(body.replace('id="legend"', f'id="plan{level_pk}-legend"', 1))


def _unit_facts(station) -> tuple[dict[str, dict], dict[str, list[tuple[str, int]]]]:
    """Power, exhaust and paid area of the available units, and their utility points by kind:
    two queries for the whole station."""
    facts = {
        row["code"]: row
        for row in Unit.objects.filter(station=station, status=Unit.Status.AVAILABLE).values(
            "code", "power_kw", "has_exhaust", "in_paid_area"
        )
    }
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for code, kind, n in (
        UtilityPoint.objects.filter(unit__station=station, unit__status=Unit.Status.AVAILABLE)
        .values_list("unit__code", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[code][kind] = n
    labels = dict(Kind.choices)
    utilities = {
        code: [(labels[kind], by_kind[kind]) for kind in UTILITY_ORDER if by_kind.get(kind)]
        for code, by_kind in counts.items()
    }
    return facts, utilities


def interest_link(request, station, unit_code: str, *, merchant: bool) -> str | None:
    """Where a merchant registers interest in a unit: the portal's demand form, prefilled with
    the station and unit codes (None while the portal has no such form, or for a visitor who
    is not a merchant)."""
    form = url_or_none("portal:demand_create")
    if form is None or not merchant:
        return None
    return f"{form}?{urlencode({'station': station.code, 'unit': unit_code})}"


def _is_merchant(request) -> bool:
    from tenders.services import company_of

    user = request.user
    return bool(user.is_authenticated and company_of(user) is not None)


def level_plans(station) -> list[LevelPlan]:
    """Each level's drawing and the units it offers (without the merchant's links)."""
    facts, utilities = _unit_facts(station)
    kinds = dict(Unit.Kind.choices)
    chinese = _chinese()
    plans = []
    for level in station.levels.order_by("-ordinal"):
        data = plan_data(level)
        offers = []
        for row in data.units:
            if row.status != Unit.Status.AVAILABLE:
                continue
            fact = facts.get(row.code, {})
            offers.append(
                UnitOffer(
                    code=row.code,
                    dom_id=unit_dom_id(row.code),
                    name=row.name,
                    kind=kinds.get(row.kind, row.kind),
                    area_m2=row.area_m2,
                    power_kw=fact.get("power_kw", Decimal("0")),
                    has_exhaust=fact.get("has_exhaust", False),
                    in_paid_area=fact.get("in_paid_area", False),
                    business_types=("、" if chinese else ", ").join(
                        zh if chinese else en for _c, zh, en in row.business_types
                    ),
                    utilities=utilities.get(row.code, []),
                )
            )
        plans.append(
            LevelPlan(
                level=data.level,
                svg=_svg_inline(level_svg(data), data.level.pk),
                offers=offers,
                unit_count=len(data.units),
            )
        )
    return plans


STATION_CACHE_SECONDS = 3600


def _with_interest_links(plans, station, request) -> list[LevelPlan]:
    """The plans with each offer's link to register interest, for a signed-in merchant."""
    if not _is_merchant(request):
        return plans
    return [
        replace(
            plan,
            offers=[
                replace(
                    offer, interest_url=interest_link(request, station, offer.code, merchant=True)
                )
                for offer in plan.offers
            ],
        )
        for plan in plans
    ]


def station_context(page, request) -> dict:
    key = f"cms:station:{page.station_id}:{get_language()}:{audit.head()}"
    cached = cache.get(key)
    if cached is None:
        # The station with its units offered for letting, and its plans.
        station = network_overview().filter(pk=page.station_id).first()
        cached = (station, level_plans(station))
        cache.set(key, cached, STATION_CACHE_SECONDS)
    station, plans = cached
    plans = _with_interest_links(plans, station, request)
    sign_in = url_or_none("portal:sign_in")
    return {
        "station": station,
        "station_name": station_name(station),
        "plans": plans,
        "offer_count": sum(len(p.offers) for p in plans),
        "directory_url": reverse("directory:station", args=(station.code,)),
        "demand_form_exists": url_or_none("portal:demand_create") is not None,
        "sign_in_url": (
            f"{sign_in}?{urlencode({'next': request.get_full_path()})}" if sign_in else None
        ),
    }
