"""Public endpoints: what anyone may read without a token — the business types, the stations
with their levels and units (plans as GeoJSON), published tender rounds and their lots (public
fields only: never a reserve before the award, never a bid), result notices.

Everything here is what the public site shows (cms.station_pages, cms.notices), read through
the same selectors as an anonymous visitor: a token changes nothing, so an officer's or a
merchant's token sees no draft round, no reserve before the award, no more of a unit.

No ``from __future__ import annotations`` here: ninja reads the parameter types of a paginated
view from the pagination wrapper's module, where a string annotation would not resolve.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

import shapely
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from shapely.geometry import mapping

from api.auth import PUBLIC_AUTH
from api.errors import ERRORS
from api.lists import AnnotatedPage, PageOf, Pagination, ordered
from cms.notices import RESULT_STATUSES, phase_of
from cms.result_views import report_view
from cms.station_pages import UTILITY_ORDER
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint
from tenders import rounds as round_rules
from tenders.models import Criterion, Lot, Result, RoundDocument, TenderRound
from tenders.round_selectors import PUBLIC_STATUSES, reserve_visible_to, rounds_for

router = Router(tags=["public"], auth=PUBLIC_AUTH)
# A token is optional here, and the OpenAPI document says so with an empty requirement (ninja
# appends it to the token's): without it the document claims every public call needs a token.
OPTIONAL_TOKEN = [{}]


def get(path: str, **options):
    """``router.get`` for an operation that anyone may call, with or without a token."""
    extra = {"security": OPTIONAL_TOKEN, **options.pop("openapi_extra", {})}
    return router.get(path, openapi_extra=extra, **options)


UnitStatus = Unit.Status
RoundStatus = TenderRound.Status


def choice(choices) -> object:
    """A TextChoices as an inline enum of its values: enums of the same class name (every
    model's Status, Kind) would share one component of the OpenAPI document otherwise."""
    return Literal[tuple(choices.values)]


TierValue = choice(Station.Tier)
UnitStatusValue = choice(Unit.Status)
UnitKindValue = choice(Unit.Kind)
UtilityKindValue = choice(UtilityPoint.Kind)
RoundStatusValue = choice(TenderRound.Status)
LotStatusValue = choice(Lot.Status)
CriterionKindValue = choice(Criterion.Kind)
DocumentKindValue = choice(RoundDocument.Kind)
# The statuses a published round may be in (a filter on anything else is refused).
PublicRoundStatus = Literal[tuple(status.value for status in PUBLIC_STATUSES)]
# Text a client sends is matched against the database, which (PostgreSQL) cannot hold a NUL.
TEXT = r"^[^\x00]*$"
StationCode = Annotated[str, Path(pattern=TEXT, description="e.g. CSS")]
# Whoever calls, the public endpoints answer as they would a visitor without an account.
PUBLIC = AnonymousUser()


def two_places(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def ordering_pattern(allowed: dict[str, str]) -> str:
    """The ``?ordering=`` the OpenAPI document allows: names of ``allowed``, comma-separated,
    each may start with "-" (api.lists.ordered checks them again)."""
    names = "|".join(sorted(allowed))
    return rf"^-?({names})(,-?({names}))*$"


# A queryset stand-in for the paginator: each object of a page made public by ``make``.
_Public = PageOf


# --- business types -------------------------------------------------------------------------


class BusinessTypeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    major_class: str | None  # the code of its class; None for a class itself
    min_power_kw: str
    needs_water: bool
    needs_drainage: bool
    needs_exhaust: bool
    is_basic: bool

    @staticmethod
    def resolve_major_class(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_min_power_kw(obj) -> str:
        return f"{obj.min_power_kw:.2f}"


@get("/business-types/", response={200: list[BusinessTypeOut], **ERRORS})
def business_types(request):
    """Every business type (业态) and major class, in the catalogue's order."""
    return BusinessCategory.objects.select_related("parent").order_by("sort_order", "code")


# --- stations -------------------------------------------------------------------------------


class PublicUnitsByStatus(Schema):
    planned: int
    available: int
    reserved: int
    let: int
    fitting_out: int
    open: int
    closed: int


class PublicStationOut(Schema):
    code: str
    name_zh: str
    name_en: str
    city: str
    line: str
    tier: TierValue
    annual_passengers: int | None = Field(
        None, description="Passengers a year, from the station's page; null when not known."
    )
    passengers_year: int | None = Field(None, description="The year of the passenger figure.")
    level_count: int
    unit_count: int
    units_by_status: PublicUnitsByStatus
    available_area_m2: str = Field(description="The area of the units offered for letting.")

    @staticmethod
    def resolve_units_by_status(obj) -> dict:
        return {status: getattr(obj, f"n_{status}") for status in UnitStatus.values}

    @staticmethod
    def resolve_available_area_m2(obj) -> str:
        return two_places(obj.available_area or 0)


class PublicLevelOut(Schema):
    id: int
    name: str
    short_name: str
    ordinal: int
    unit_count: int
    plan_url: str = Field(description="The level's plan as GeoJSON.")

    @staticmethod
    def resolve_plan_url(obj) -> str:
        return reverse("api-v1:public_level_plan", args=(obj.station.code, obj.pk))


class PublicStationDetailOut(PublicStationOut):
    levels: list[PublicLevelOut]

    @staticmethod
    def resolve_levels(obj) -> list:
        return obj.level_list


def _stations():
    """Every station with its public facts, in one query: what the station pages show."""
    from cms.models import StationPage

    page = StationPage.objects.live().filter(station=OuterRef("pk")).order_by("pk")
    levels = (
        Level.objects.filter(station=OuterRef("pk"))
        .order_by()
        .values("station")
        .annotate(n=Count("pk"))
        .values("n")
    )
    by_status = {
        f"n_{status}": Count("units", filter=Q(units__status=status))
        for status in UnitStatus.values
    }
    return Station.objects.annotate(
        unit_count=Count("units"),
        available_area=Sum("units__area_m2", filter=Q(units__status=UnitStatus.AVAILABLE)),
        level_count=Coalesce(Subquery(levels, output_field=IntegerField()), Value(0)),
        annual_passengers=Subquery(page.values("annual_passengers")[:1]),
        passengers_year=Subquery(page.values("passengers_year")[:1]),
        **by_status,
    )


STATION_ORDERING = {"code": "code", "name": "name_en", "tier": "tier", "city": "city"}


@get("/stations/", response={200: list[PublicStationOut], **ERRORS})
@paginate(Pagination)
def stations(
    request,
    tier: TierValue | None = None,
    line: str | None = Query(None, pattern=TEXT, description="The line's exact name."),
    ordering: str | None = Query(
        None,
        pattern=ordering_pattern(STATION_ORDERING),
        description="code, name, tier, city; '-' descends.",
    ),
):
    """The stations of the network: tier, passenger figures where known, levels, and units by
    status (the plans show every unit's status)."""
    queryset = Station.objects.all()
    if tier:
        queryset = queryset.filter(tier=tier)
    if line:
        queryset = queryset.filter(line=line)
    return AnnotatedPage(ordered(queryset, ordering, STATION_ORDERING, "code"), _stations())


def _public_station(code: str) -> Station:
    return get_object_or_404(_stations(), code=code)


@get("/stations/{code}/", response={200: PublicStationDetailOut, **ERRORS})
def station(request, code: StationCode):
    """One station with its levels, the highest first (as its page shows them)."""
    station = _public_station(code)
    station.level_list = list(
        station.levels.select_related("station")
        .annotate(unit_count=Count("units"))
        .order_by("-ordinal")
    )
    return station


# --- units ----------------------------------------------------------------------------------


class PublicUtilityCount(Schema):
    kind: UtilityKindValue
    count: int


class PublicUnitOut(Schema):
    id: int
    code: str
    name: str
    kind: UnitKindValue
    level_id: int
    level: str
    area_m2: str
    status: UnitStatusValue
    business_types: list[str] = Field(description="Codes of the designated business types.")
    power_kw: str | None = Field(
        description="Allocated power; shown, as on the station page, for units offered only."
    )
    has_exhaust: bool | None
    in_paid_area: bool | None
    utilities: list[PublicUtilityCount] | None = Field(
        description="Utility points reserved inside the unit, by kind (units offered only)."
    )


def _unit_queryset():
    counts = {
        f"u_{kind}": Count("utility_points", filter=Q(utility_points__kind=kind))
        for kind in UTILITY_ORDER
    }
    types = BusinessCategory.objects.order_by("sort_order", "code").only("code", "sort_order")
    return (
        Unit.objects.select_related("level")
        .prefetch_related(Prefetch("business_types", queryset=types))
        .annotate(**counts)
    )


def unit_public(unit: Unit) -> dict:
    """A unit as the station page shows it: power, exhaust, location and utilities only for
    a unit offered for letting."""
    offered = unit.status == UnitStatus.AVAILABLE
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "level_id": unit.level_id,
        "level": unit.level.name,
        "area_m2": two_places(unit.area_m2),
        "status": unit.status,
        "business_types": [t.code for t in unit.business_types.all()],
        "power_kw": two_places(unit.power_kw) if offered else None,
        "has_exhaust": unit.has_exhaust if offered else None,
        "in_paid_area": unit.in_paid_area if offered else None,
        "utilities": (
            [
                {"kind": kind, "count": getattr(unit, f"u_{kind}")}
                for kind in UTILITY_ORDER
                if getattr(unit, f"u_{kind}")
            ]
            if offered
            else None
        ),
    }


UNIT_ORDERING = {"code": "code", "area_m2": "area_m2", "level": "level__ordinal"}


@get("/stations/{code}/units/", response={200: list[PublicUnitOut], **ERRORS})
@paginate(Pagination)
def units(
    request,
    code: StationCode,
    status: UnitStatusValue | None = None,
    business_type: str | None = Query(
        None,
        pattern=TEXT,
        description="A business type's code (or a major class's: any of its types).",
    ),
    level: int | None = Query(None, description="A level's id."),
    ordering: str | None = Query(
        None,
        pattern=ordering_pattern(UNIT_ORDERING),
        description="code, area_m2, level; '-' descends.",
    ),
):
    """The units of a station, filtered by status, business type and level."""
    station = _public_station(code)
    queryset = _unit_queryset().filter(station=station)
    if status:
        queryset = queryset.filter(status=status)
    if business_type:
        queryset = queryset.filter(
            Q(business_types__code=business_type) | Q(business_types__parent__code=business_type)
        ).distinct()
    if level is not None:
        queryset = queryset.filter(level_id=level)
    return _Public(ordered(queryset, ordering, UNIT_ORDERING, "code"), unit_public)


# --- a level's plan as GeoJSON ----------------------------------------------------------------

Ring = list[list[float]]


class PublicPolygonGeometry(Schema):
    type: Literal["Polygon"]
    coordinates: list[Ring]


class PublicMultiPolygonGeometry(Schema):
    type: Literal["MultiPolygon"]
    coordinates: list[list[Ring]]


Geometry = Annotated[
    PublicPolygonGeometry | PublicMultiPolygonGeometry, Field(discriminator="type")
]


class PublicLevelProperties(Schema):
    feature_type: Literal["level"]
    station: str
    level_id: int
    name: str
    short_name: str
    ordinal: int


class PublicUnitProperties(Schema):
    feature_type: Literal["unit"]
    id: int
    code: str
    name: str
    kind: UnitKindValue
    area_m2: str
    status: UnitStatusValue
    business_types: list[str]
    power_kw: str | None
    has_exhaust: bool | None
    in_paid_area: bool | None
    utilities: list[PublicUtilityCount] | None


class PublicFeature(Schema):
    type: Literal["Feature"]
    id: str
    geometry: Geometry
    properties: Annotated[
        PublicLevelProperties | PublicUnitProperties, Field(discriminator="feature_type")
    ]


class PublicFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[PublicFeature]


def _geometry(wkt: str) -> dict:
    geometry = mapping(shapely.from_wkt(wkt))
    return {"type": geometry["type"], "coordinates": _lists(geometry["coordinates"])}


def _lists(value):
    if isinstance(value, tuple | list):
        return [_lists(item) for item in value]
    return float(value)


@get(
    "/stations/{code}/levels/{level_id}/plan/",
    response={200: PublicFeatureCollection, **ERRORS},
    url_name="public_level_plan",
)
def level_plan(request, code: StationCode, level_id: int):
    """The level's plan as a GeoJSON FeatureCollection in plan metres (x east, y north of the
    plan's origin; the station's rotation and position place it on the globe): the level's
    outline, then each unit with its code, kind, area, status and business types."""
    level = get_object_or_404(
        Level.objects.select_related("station"), station__code=code, pk=level_id
    )
    features = [
        {
            "type": "Feature",
            "id": f"level-{level.pk}",
            "geometry": _geometry(level.outline_wkt),
            "properties": {
                "feature_type": "level",
                "station": level.station.code,
                "level_id": level.pk,
                "name": level.name,
                "short_name": level.short_name,
                "ordinal": level.ordinal,
            },
        }
    ]
    for unit in _unit_queryset().filter(level=level).order_by("code"):
        properties = unit_public(unit)
        for key in ("level_id", "level"):
            del properties[key]
        features.append(
            {
                "type": "Feature",
                "id": f"unit-{unit.pk}",
                "geometry": _geometry(unit.polygon_wkt),
                "properties": {"feature_type": "unit", **properties},
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- tender rounds --------------------------------------------------------------------------


class PublicScheduleOut(Schema):
    publication_at: dt.datetime
    application_opens_at: dt.datetime
    application_closes_at: dt.datetime
    bid_deadline: dt.datetime
    opening_at: dt.datetime
    publicity_ends_at: dt.datetime | None = Field(
        description="The objection deadline, once the result is published."
    )


class PublicThresholdOut(Schema):
    name: str = Field(description="min_registered_capital, min_years_in_business, …")
    value: str | int | bool


class PublicTierOut(Schema):
    threshold: str
    share: str
    points: str


class PublicCriterionOut(Schema):
    name: str
    kind: CriterionKindValue
    weight: str
    tiers: list[PublicTierOut]


class PublicDocumentOut(Schema):
    id: int
    kind: DocumentKindValue
    version: int
    current: bool
    name: str
    sha256: str
    note: str
    uploaded_at: dt.datetime
    url: str


class PublicAwardOut(Schema):
    merchant: str
    annual_rent: str


class PublicLotOut(Schema):
    number: int
    title: str
    station: str = Field(description="The station's code.")
    units: list[str]
    area_m2: str
    business_type: str
    term_months: int
    status: LotStatusValue
    reserve_annual_rent: str | None = Field(description="Published with the award; null before.")
    award: PublicAwardOut | None = Field(description="Once the round is awarded.")


class PublicRoundOut(Schema):
    id: int
    code: str
    title: str
    status: RoundStatusValue
    phase: str = Field(
        description="upcoming, applying, bidding, closed, evaluation, publicity, awarded, failed"
    )
    schedule: PublicScheduleOut
    thresholds: list[PublicThresholdOut]
    criteria: list[PublicCriterionOut]
    lots: list[PublicLotOut]
    documents: list[PublicDocumentOut]


def lot_public(lot: Lot) -> dict:
    """A lot as the public notice shows it: the reserve only once the round is awarded."""
    units = sorted(lot.units.all(), key=lambda unit: unit.code)
    award = getattr(lot, "award", None) if lot.round.status == RoundStatus.AWARDED else None
    return {
        "number": lot.number,
        "title": lot.title,
        "station": lot.station.code,
        "units": [unit.code for unit in units],
        "area_m2": two_places(sum((unit.area_m2 for unit in units), Decimal("0"))),
        "business_type": lot.business_type.code,
        "term_months": lot.term_months,
        "status": lot.status,
        "reserve_annual_rent": (
            two_places(lot.reserve_annual_rent) if reserve_visible_to(PUBLIC, lot) else None
        ),
        "award": (
            {"merchant": award.merchant.name, "annual_rent": two_places(award.annual_rent)}
            if award
            else None
        ),
    }


def _thresholds(round: TenderRound) -> list[dict]:
    rows = []
    for name in round_rules.THRESHOLD_FIELDS:
        value = getattr(round, name)
        if not value:
            continue
        if isinstance(value, Decimal):
            value = two_places(value)
        rows.append({"name": name, "value": value})
    return rows


def _criteria(round: TenderRound) -> list[dict]:
    rows = []
    for criterion in round.criteria.all():
        tiers = []
        for threshold, share in criterion.tiers or []:
            tiers.append(
                {
                    "threshold": str(threshold),
                    "share": str(share),
                    "points": two_places(criterion.weight * Decimal(share)),
                }
            )
        rows.append(
            {
                "name": criterion.name,
                "kind": criterion.kind,
                "weight": two_places(criterion.weight),
                "tiers": tiers,
            }
        )
    return rows


def _documents(round: TenderRound) -> list[dict]:
    rows, seen = [], set()
    for document in sorted(round.documents.all(), key=lambda d: (d.kind, -d.version)):
        rows.append(
            {
                "id": document.pk,
                "kind": document.kind,
                "version": document.version,
                "current": document.kind not in seen,
                "name": document.file.name.rsplit("/", 1)[-1],
                "sha256": document.sha256,
                "note": document.note,
                "uploaded_at": document.uploaded_at,
                "url": reverse("api-v1:public_round_document", args=(round.pk, document.pk)),
            }
        )
        seen.add(document.kind)
    return rows


def round_public(round: TenderRound, now: dt.datetime) -> dict:
    return {
        "id": round.pk,
        "code": round.code,
        "title": round.title,
        "status": round.status,
        "phase": phase_of(round, now).key,
        "schedule": {
            **{name: getattr(round, name) for name in TenderRound.SCHEDULE_FIELDS},
            "publicity_ends_at": round.publicity_ends_at,
        },
        "thresholds": _thresholds(round),
        "criteria": _criteria(round),
        "lots": [lot_public(lot) for lot in round.lots.all()],
        "documents": _documents(round),
    }


def _lots_prefetch() -> Prefetch:
    return Prefetch(
        "lots",
        queryset=Lot.objects.select_related("station", "business_type", "award__merchant")
        .prefetch_related("units")
        .order_by("number"),
    )


def public_rounds():
    """The rounds a visitor reads: published, from their publication time on (the notices)."""
    return rounds_for(PUBLIC).prefetch_related(
        _lots_prefetch(),
        Prefetch("criteria", queryset=Criterion.objects.order_by("sort_order", "pk")),
        "documents",
    )


def get_public_round(pk: int) -> TenderRound:
    round = public_rounds().filter(pk=pk).first()
    if round is None:
        raise Http404
    return round


ROUND_ORDERING = {
    "publication_at": "publication_at",
    "bid_deadline": "bid_deadline",
    "code": "code",
}


@get("/rounds/", response={200: list[PublicRoundOut], **ERRORS})
@paginate(Pagination)
def tender_rounds(
    request,
    status: PublicRoundStatus | None = None,
    station: str | None = Query(
        None, pattern=TEXT, description="A station's code: rounds with a lot there."
    ),
    ordering: str | None = Query(
        None,
        pattern=ordering_pattern(ROUND_ORDERING),
        description="publication_at, bid_deadline, code; '-' descends (newest first).",
    ),
):
    """The published tender rounds (招租公告): schedule, thresholds, criteria and weights,
    lots (the reserve only after the award) and documents with their SHA-256."""
    queryset = public_rounds()
    if status:
        queryset = queryset.filter(status=status)
    if station:
        queryset = queryset.filter(lots__station__code=station).distinct()
    now = timezone.now()
    queryset = ordered(queryset, ordering or "-publication_at", ROUND_ORDERING, "pk")
    return _Public(queryset, lambda round: round_public(round, now))


@get("/rounds/{round_id}/", response={200: PublicRoundOut, **ERRORS})
def tender_round(request, round_id: int):
    """One published round, as its notice shows it."""
    return round_public(get_public_round(round_id), timezone.now())


@get("/rounds/{round_id}/lots/", response={200: list[PublicLotOut], **ERRORS})
@paginate(Pagination)
def round_lots(request, round_id: int):
    """The lots of a published round, by number."""
    return [lot_public(lot) for lot in get_public_round(round_id).lots.all()]


DOCUMENT_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
    "application/octet-stream",
)


@get(
    "/rounds/{round_id}/documents/{document_id}/",
    response=ERRORS,
    url_name="public_round_document",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document as published; check it against its SHA-256.",
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in DOCUMENT_TYPES
                },
            }
        }
    },
)
def round_document(request, round_id: int, document_id: int):
    """A version of one of a published round's documents, as uploaded."""
    round = rounds_for(PUBLIC).filter(pk=round_id).first()
    if round is None:
        raise Http404
    document = get_object_or_404(RoundDocument, round=round, pk=document_id)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
    )


# --- result notices -------------------------------------------------------------------------


class PublicPointsOut(Schema):
    criterion: str
    points: str | None


class PublicRankedOut(Schema):
    rank: int
    merchant: str
    annual_rent: str | None
    points: list[PublicPointsOut]
    total: str | None


class PublicInvalidBidOut(Schema):
    merchant: str
    reason: str


class PublicResultLotOut(Schema):
    number: int
    title: str
    ranking: list[PublicRankedOut]
    invalid: list[PublicInvalidBidOut]
    award: PublicAwardOut | None = Field(description="Once the round is awarded.")


class PublicResultCriterionOut(Schema):
    name: str
    kind: CriterionKindValue
    weight: str


class PublicResultNoticeOut(Schema):
    round_id: int
    code: str
    title: str
    status: RoundStatusValue
    version: int = Field(description="The version of the committee's result.")
    signed_at: dt.datetime
    objection_deadline: dt.datetime
    objections_open: bool
    criteria: list[PublicResultCriterionOut]
    lots: list[PublicResultLotOut]


def _points(value) -> str | None:
    return None if value is None else two_places(value)


def result_public(round: TenderRound, now: dt.datetime) -> dict:
    """A round's standing result as its public notice shows it (cms.result_views.report_view):
    rank, merchant, offered rent, points per criterion and total; the invalid bids; the award."""
    view = report_view(round.standing_results[0])
    awards = {
        lot.number: lot_public(lot)["award"]
        for lot in round.lots.all()
        if round.status == RoundStatus.AWARDED
    }
    return {
        "round_id": round.pk,
        "code": round.code,
        "title": round.title,
        "status": round.status,
        "version": view["version"],
        "signed_at": view["signed_at"],
        "objection_deadline": round.publicity_ends_at,
        "objections_open": round.status == RoundStatus.PUBLICITY and now < round.publicity_ends_at,
        "criteria": [
            {"name": c["name"], "kind": c["kind"], "weight": _points(c["weight"])}
            for c in view["criteria"]
        ],
        "lots": [
            {
                "number": lot["lot"],
                "title": lot["title"] or "",
                "ranking": [
                    {
                        "rank": row["rank"],
                        "merchant": row["merchant"] or "",
                        # report_view writes money as the page does (150,000.00)
                        "annual_rent": (row["annual_rent"] or "").replace(",", "") or None,
                        "points": [
                            {"criterion": p["criterion"], "points": _points(p["points"])}
                            for p in row["points"]
                        ],
                        "total": _points(row["total"]),
                    }
                    for row in lot["ranking"]
                ],
                "invalid": [
                    {"merchant": bid.get("merchant") or "", "reason": bid.get("reason") or ""}
                    for bid in lot["invalid"]
                ],
                "award": awards.get(lot["lot"]),
            }
            for lot in view["lots"]
        ],
    }


def result_notices():
    """Rounds whose result is published (in publicity, then awarded or failed) with their
    standing result: what the notices show under “Result notice”."""
    standing = Result.objects.filter(withdrawn_at__isnull=True).select_related("signed_by")
    return (
        rounds_for(PUBLIC)
        .filter(status__in=RESULT_STATUSES, publicity_ends_at__isnull=False)
        .filter(results__withdrawn_at__isnull=True)
        .prefetch_related(
            Prefetch("results", queryset=standing, to_attr="standing_results"), _lots_prefetch()
        )
    )


RESULT_ORDERING = {"objection_deadline": "publicity_ends_at", "code": "code"}


@get("/results/", response={200: list[PublicResultNoticeOut], **ERRORS})
@paginate(Pagination)
def results(
    request,
    status: Literal["publicity", "awarded", "failed"] | None = None,
    ordering: str | None = Query(
        None,
        pattern=ordering_pattern(RESULT_ORDERING),
        description="objection_deadline, code; '-' descends (default: newest first).",
    ),
):
    """Result notices: each round's ranking as the committee signed it, with the objection
    deadline."""
    queryset = result_notices()
    if status:
        queryset = queryset.filter(status=status)
    now = timezone.now()
    queryset = ordered(queryset, ordering or "-objection_deadline", RESULT_ORDERING, "pk")
    return _Public(queryset, lambda round: result_public(round, now))


@get("/results/{round_id}/", response={200: PublicResultNoticeOut, **ERRORS})
def result(request, round_id: int):
    """One round's result notice; 404 while its result is not published."""
    round = result_notices().filter(pk=round_id).first()
    if round is None:
        raise Http404
    return result_public(round, timezone.now())
