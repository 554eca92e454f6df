"""Officer endpoints: an officer's token carries the officer's own permissions — a station
officer sees and changes their stations only (another station's id answers 404), an inspector
reads and changes nothing. What a finance system needs to bill: leases, the rent schedule and
payments; and every report as JSON.

Reads go through the selectors the admin uses (stations.selectors, tenders.round_selectors,
leasing.selectors); the writes — a unit's status by hand, a round's award, an instalment's
payment — call the admin's services, which decide who may (403 when the object is visible but
not theirs to change)."""

import datetime as dt
import math
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from api.auth import TokenAuth
from api.errors import ERRORS
from api.lists import MAX_OFFSET, AnnotatedPage, PageOf, Pagination, ordered
from leasing import services as leasing_services
from leasing.models import Instalment, Lease, LeaseUnit
from leasing.selectors import get_lease_for, leases_for, overdue_instalments
from stations import roles
from stations import services as space
from stations.models import Unit
from stations.selectors import get_unit_for, report_scope, stations_for, units_for
from stations.transitions import InvalidTransition
from tenders import result as outcome
from tenders.models import Award, Lot, TenderRound
from tenders.round_selectors import get_round_for, lots_for, reserve_visible_to, rounds_for

router = Router(tags=["officer"], auth=TokenAuth())

STAFF_ROLES = (roles.LEASING_OFFICER, roles.STATION_MANAGER, roles.DISCIPLINE_INSPECTOR)


def ensure_staff(user) -> None:
    """Only the railway's people use these endpoints; anyone else gets 404 (nothing here
    exists for them)."""
    if not (user.is_superuser or user.groups.filter(name__in=STAFF_ROLES).exists()):
        raise Http404


def money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _choices(choices) -> type:
    return Literal[tuple(choices.values)]


UnitStatus = _choices(Unit.Status)
UnitKind = _choices(Unit.Kind)
RoundStatus = _choices(TenderRound.Status)
LeaseStatus = _choices(Lease.Status)
InstalmentKind = _choices(Instalment.Kind)
# Ids as the databases hold them (a bigger number would overflow before it could miss).
MAX_ID = 2**63 - 1


def _id_query():
    return Query(None, ge=1, le=MAX_ID)


def _id_path():
    return Path(..., ge=1, le=MAX_ID)


class WhoAmIOut(Schema):
    username: str
    roles: list[str]


@router.get("/me/", response={200: WhoAmIOut, **ERRORS})
def me(request):
    """The token's user and roles."""
    user = request.user
    ensure_staff(user)
    return {
        "username": user.get_username(),
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }


# --- units --------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    station: str  # the station's code
    level_id: int
    level: str
    code: str
    name: str
    kind: str
    status: str
    area_m2: str
    power_kw: str
    has_exhaust: bool
    in_paid_area: bool
    business_types: list[str]  # codes

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.station.code

    @staticmethod
    def resolve_level(obj) -> str:
        return obj.level.name

    @staticmethod
    def resolve_area_m2(obj) -> str:
        return money(obj.area_m2)

    @staticmethod
    def resolve_power_kw(obj) -> str:
        return money(obj.power_kw)

    @staticmethod
    def resolve_business_types(obj) -> list[str]:
        return [category.code for category in obj.business_types.all()]


class UnitStatusIn(Schema):
    """A status an officer sets by hand (available, planned, closed); reserved, let, fitting
    out and open follow the award and the lease and are refused here."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(max_length=24)
    reason: str = Field("", max_length=500)


UNIT_ORDERING = {
    "code": "code",
    "station": "station__code",
    "area_m2": "area_m2",
    "status": "status",
}


def _units(user):
    return units_for(user).prefetch_related("business_types")


@router.get("/units/", response={200: list[UnitOut], **ERRORS})
@paginate(Pagination)
def units(
    request,
    station: str | None = None,
    level: int | None = _id_query(),
    status: UnitStatus | None = None,
    kind: UnitKind | None = None,
    business_type: str | None = None,
    ordering: str | None = None,
):
    """The units of the stations the token's user may see. Filters: ``station`` (its code),
    ``level`` (its id), ``status``, ``kind``, ``business_type`` (a designated type's code);
    ``ordering`` by code, station, area_m2, status."""
    ensure_staff(request.user)
    queryset = _units(request.user)
    if station:
        queryset = queryset.filter(station__code=station)
    if level is not None:
        queryset = queryset.filter(level_id=level)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if business_type:
        queryset = queryset.filter(business_types__code=business_type).distinct()
    return ordered(queryset, ordering, UNIT_ORDERING, "pk")


@router.get("/units/{unit_id}/", response={200: UnitOut, **ERRORS})
def unit(request, unit_id: int = _id_path()):
    """One unit; 404 for a unit of a station the user may not see."""
    ensure_staff(request.user)
    get_unit_for(request.user, unit_id)
    return _units(request.user).get(pk=unit_id)


@router.post("/units/{unit_id}/status/", response={200: UnitOut, **ERRORS})
def unit_status(request, payload: UnitStatusIn, unit_id: int = _id_path()):
    """Move a unit along its status table by hand (stations.services.unit_change_status):
    release it for letting, take it back to planning, close it. The service refuses the
    statuses that follow the award and the lease, and anyone who may not change the station's
    space (403: an inspector)."""
    ensure_staff(request.user)
    unit = get_unit_for(request.user, unit_id)
    try:
        space.unit_change_status(
            actor=request.user, unit=unit, status=payload.status, reason=payload.reason
        )
    except InvalidTransition as refusal:
        # The guard words the whole move; the field at fault is the status asked for.
        raise ValidationError({"status": refusal.messages}) from refusal
    return _units(request.user).get(pk=unit_id)


# --- rounds and awards --------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    code: str
    title: str
    status: str
    publication_at: dt.datetime
    application_opens_at: dt.datetime
    application_closes_at: dt.datetime
    bid_deadline: dt.datetime
    opening_at: dt.datetime
    publicity_ends_at: dt.datetime | None
    lot_count: int


class LotOut(Schema):
    id: int
    number: int
    title: str
    station: str
    business_type: str
    term_months: int
    units: list[str]
    # None where the user may not see it yet (before the award, without the right).
    reserve_annual_rent: str | None
    status: str

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.station.code

    @staticmethod
    def resolve_business_type(obj) -> str:
        return obj.business_type.code

    @staticmethod
    def resolve_units(obj) -> list[str]:
        return sorted(unit.code for unit in obj.units.all())

    @staticmethod
    def resolve_reserve_annual_rent(obj) -> str | None:
        return money(obj.reserve_annual_rent)


class RoundDetailOut(RoundOut):
    lots: list[LotOut]


ROUND_ORDERING = {
    "publication_at": "publication_at",
    "bid_deadline": "bid_deadline",
    "code": "code",
}


@router.get("/rounds/", response={200: list[RoundOut], **ERRORS})
@paginate(Pagination)
def rounds(
    request,
    status: RoundStatus | None = None,
    station: str | None = None,
    ordering: str | None = None,
):
    """The tender rounds the user may see (tenders.round_selectors.rounds_for). Filters:
    ``status``, ``station`` (rounds with a lot in that station, by code); ``ordering`` by
    publication_at, bid_deadline, code (default: the latest publication first)."""
    ensure_staff(request.user)
    queryset = rounds_for(request.user).annotate(lot_count=Count("lots"))
    if status:
        queryset = queryset.filter(status=status)
    if station:
        queryset = queryset.filter(
            Exists(Lot.objects.filter(round=OuterRef("pk"), station__code=station))
        )
    return ordered(queryset, ordering or "-publication_at", ROUND_ORDERING, "pk")


@router.get("/rounds/{round_id}/", response={200: RoundDetailOut, **ERRORS})
def round_detail(request, round_id: int = _id_path()):
    """One round with its lots; a lot's reserve price only to those who may see it now."""
    ensure_staff(request.user)
    round = get_round_for(request.user, round_id)
    lots = lots_for(request.user, round)
    round.lot_count = len(lots)
    return RoundOut.model_validate(round).model_dump() | {"lots": lots}


class MerchantRef(Schema):
    id: int
    name: str
    credit_code: str


class AwardOut(Schema):
    id: int
    round_id: int
    round: str  # the round's number
    lot_id: int
    lot_number: int
    lot_title: str
    station: str
    business_type: str
    units: list[str]
    merchant: MerchantRef
    annual_rent: str
    reserve_annual_rent: str | None
    awarded_at: dt.datetime
    lease_id: int | None


AWARD_ORDERING = {"awarded_at": "awarded_at", "annual_rent": "annual_rent"}


def _award_rows():
    return Award.objects.select_related(
        "lot__round", "lot__station", "lot__business_type", "merchant", "lease"
    ).prefetch_related(Prefetch("lot__units", queryset=Unit.objects.only("pk", "code")))


def _awards(user):
    return _award_rows().filter(
        lot__round__in=rounds_for(user), lot__station__in=stations_for(user)
    )


def _award_out(user, award: Award, memo: dict) -> dict:
    lot = award.lot
    # Whether a reserve shows depends only on the round's status and the user: asked once.
    status = lot.round.status
    if status not in memo:
        memo[status] = reserve_visible_to(user, lot)
    lease = getattr(award, "lease", None)
    return {
        "id": award.pk,
        "round_id": lot.round_id,
        "round": lot.round.code,
        "lot_id": lot.pk,
        "lot_number": lot.number,
        "lot_title": lot.title,
        "station": lot.station.code,
        "business_type": lot.business_type.code,
        "units": sorted(unit.code for unit in lot.units.all()),
        "merchant": award.merchant,
        "annual_rent": money(award.annual_rent),
        "reserve_annual_rent": money(lot.reserve_annual_rent) if memo[status] else None,
        "awarded_at": award.awarded_at,
        "lease_id": lease.pk if lease is not None else None,
    }


@router.get("/awards/", response={200: list[AwardOut], **ERRORS})
@paginate(Pagination)
def awards(
    request,
    round: int | None = _id_query(),
    station: str | None = None,
    merchant: int | None = _id_query(),
    ordering: str | None = None,
):
    """The awards of the rounds and stations the user may see. Filters: ``round`` (id),
    ``station`` (code), ``merchant`` (id); ``ordering`` by awarded_at, annual_rent."""
    ensure_staff(request.user)
    queryset = _awards(request.user)
    if round is not None:
        queryset = queryset.filter(lot__round_id=round)
    if station:
        queryset = queryset.filter(lot__station__code=station)
    if merchant is not None:
        queryset = queryset.filter(merchant_id=merchant)
    memo: dict = {}
    # The page's ids are cut on the awards alone; the page's rows are then read with their
    # lot, round, station and merchant (sorting the whole join took 0.3 s nationally).
    return PageOf(
        AnnotatedPage(
            ordered(queryset, ordering or "-awarded_at", AWARD_ORDERING, "pk"), _award_rows()
        ),
        lambda award: _award_out(request.user, award, memo),
    )


@router.get("/awards/{award_id}/", response={200: AwardOut, **ERRORS})
def award(request, award_id: int = _id_path()):
    """One award; 404 for an award of a station or round the user may not see."""
    ensure_staff(request.user)
    found = _awards(request.user).filter(pk=award_id).first()
    if found is None:
        raise Http404
    return _award_out(request.user, found, {})


class RoundAwardOut(Schema):
    round_id: int
    round: str
    status: str = Field(description="awarded, or failed when no lot could be awarded")
    awards: list[AwardOut]


@router.post("/rounds/{round_id}/award/", response={200: RoundAwardOut, **ERRORS})
def round_award(request, round_id: int = _id_path()):
    """Make the award of a round (tenders.result.round_award, as the admin's "Make the award"):
    after the publicity period, with no objection awaiting its decision, each open lot goes to
    its first-ranked bid and a lot without one fails, in one transaction. 404 for a round the
    user may not see; 403 for one who may see it but not run rounds; the service's refusals
    (400) otherwise. Send an ``Idempotency-Key``: a retry then answers the award made."""
    ensure_staff(request.user)
    round = get_round_for(request.user, round_id)
    with transaction.atomic():
        made = outcome.round_award(actor=request.user, round=round)
    round.refresh_from_db(fields=["status"])
    memo: dict = {}
    # The awards the officer just made, whatever the stations the list would show them.
    awards = _award_rows().filter(pk__in=[award.pk for award in made]).order_by("lot__number")
    return {
        "round_id": round.pk,
        "round": round.code,
        "status": round.status,
        "awards": [_award_out(request.user, award, memo) for award in awards],
    }


# --- leases, the rent schedule, payments --------------------------------------------------


class LeaseOut(Schema):
    id: int
    code: str
    status: str
    station: str
    tenant: MerchantRef
    units: list[str]
    business_type: str | None
    award_id: int | None
    renewal_of_id: int | None
    start_date: dt.date
    end_date: dt.date  # the first day no longer let
    rent_free_months: int
    annual_rent: str  # the first lease year's fixed rent
    escalation_pct: str
    turnover_rate_pct: str | None
    minimum_guarantee: str | None
    payment_frequency_months: int
    deposit_months: int
    deposit: str
    signed_at: dt.datetime | None
    opened_on: dt.date | None
    ended_on: dt.date | None
    responsible_officer: str | None  # username

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.station.code

    @staticmethod
    def resolve_tenant(obj):
        return obj.merchant

    @staticmethod
    def resolve_units(obj) -> list[str]:
        return sorted(row.unit.code for row in obj.lease_units.all())

    @staticmethod
    def resolve_business_type(obj) -> str | None:
        return obj.business_type.code if obj.business_type_id else None

    @staticmethod
    def resolve_annual_rent(obj) -> str:
        return money(obj.annual_rent)

    @staticmethod
    def resolve_escalation_pct(obj) -> str:
        return money(obj.escalation_pct)

    @staticmethod
    def resolve_turnover_rate_pct(obj) -> str | None:
        return money(obj.turnover_rate_pct)

    @staticmethod
    def resolve_minimum_guarantee(obj) -> str | None:
        return money(obj.minimum_guarantee)

    @staticmethod
    def resolve_payment_frequency_months(obj) -> int:
        return obj.payment_frequency

    @staticmethod
    def resolve_deposit(obj) -> str:
        return money(obj.deposit)

    @staticmethod
    def resolve_responsible_officer(obj) -> str | None:
        officer = obj.responsible_officer
        return officer.get_username() if officer is not None else None


LEASE_ORDERING = {"code": "code", "start_date": "start_date", "end_date": "end_date"}


def _leases(user):
    return (
        leases_for(user)
        .select_related("station", "merchant", "business_type", "responsible_officer")
        .prefetch_related(
            Prefetch(
                "lease_units",
                queryset=LeaseUnit.objects.select_related("unit").only(
                    "pk", "lease_id", "unit__code"
                ),
            )
        )
    )


@router.get("/leases/", response={200: list[LeaseOut], **ERRORS})
@paginate(Pagination)
def leases(
    request,
    station: str | None = None,
    status: LeaseStatus | None = None,
    tenant: int | None = _id_query(),
    ordering: str | None = None,
):
    """The leases of the stations the user may see. Filters: ``station`` (code), ``status``,
    ``tenant`` (the merchant's id); ``ordering`` by code, start_date, end_date."""
    ensure_staff(request.user)
    queryset = _leases(request.user)
    if station:
        queryset = queryset.filter(station__code=station)
    if status:
        queryset = queryset.filter(status=status)
    if tenant is not None:
        queryset = queryset.filter(merchant_id=tenant)
    return ordered(queryset, ordering, LEASE_ORDERING, "pk")


@router.get("/leases/{lease_id}/", response={200: LeaseOut, **ERRORS})
def lease(request, lease_id: int = _id_path()):
    """One lease; 404 for a lease of a station the user may not see."""
    ensure_staff(request.user)
    get_lease_for(request.user, lease_id)
    return _leases(request.user).get(pk=lease_id)


class InstalmentOut(Schema):
    id: int
    lease_id: int
    lease: str  # the contract number
    station: str
    tenant_id: int
    kind: str
    lease_year: int
    period_start: dt.date
    period_end: dt.date  # exclusive
    due_date: dt.date
    amount: str
    paid_on: dt.date | None
    paid_amount: str | None
    outstanding: str
    overdue: bool  # due before today, unpaid, of a lease past its draft

    @staticmethod
    def resolve_lease(obj) -> str:
        return obj.lease.code

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.lease.station.code

    @staticmethod
    def resolve_tenant_id(obj) -> int:
        return obj.lease.merchant_id

    @staticmethod
    def resolve_amount(obj) -> str:
        return money(obj.amount)

    @staticmethod
    def resolve_paid_amount(obj) -> str | None:
        return money(obj.paid_amount)

    @staticmethod
    def resolve_outstanding(obj) -> str:
        return money(obj.amount - (obj.paid_amount or Decimal("0")))


class ScheduleOut(Schema):
    lease_id: int
    lease: str
    total_due: str
    total_paid: str
    outstanding: str
    overdue: str
    instalments: list[InstalmentOut]


class PaymentIn(Schema):
    """The payment of one whole instalment, as the finance system received it."""

    model_config = ConfigDict(extra="forbid")

    paid_on: dt.date
    amount: Decimal = Field(max_digits=14, decimal_places=2)


def _instalments(user):
    """The instalments of the leases ``user`` may see, each flagged ``overdue`` as
    leasing.selectors.overdue_instalments has it today."""
    late = overdue_instalments(user, on=timezone.localdate()).filter(pk=OuterRef("pk"))
    return (
        Instalment.objects.filter(lease__in=leases_for(user))
        .select_related("lease__station")
        .annotate(overdue=Exists(late))
    )


INSTALMENT_ORDERING = {"due_date": "due_date", "amount": "amount", "paid_on": "paid_on"}


@router.get("/leases/{lease_id}/schedule/", response={200: ScheduleOut, **ERRORS})
def schedule(request, lease_id: int = _id_path()):
    """The lease's rent schedule: every instalment with its period, due date, amount, what is
    paid and what is outstanding, and the totals (a draft lease has none yet: it is fixed
    when the lease is signed)."""
    ensure_staff(request.user)
    lease = get_lease_for(request.user, lease_id)
    rows = list(_instalments(request.user).filter(lease=lease).order_by("due_date", "pk"))
    zero = Decimal("0")
    due = sum((row.amount for row in rows), zero)
    paid = sum((row.paid_amount or zero for row in rows), zero)
    return {
        "lease_id": lease.pk,
        "lease": lease.code,
        "total_due": money(due),
        "total_paid": money(paid),
        "outstanding": money(due - paid),
        "overdue": money(sum((row.amount for row in rows if row.overdue), zero)),
        "instalments": rows,
    }


def _filter_instalments(queryset, *, station, lease, tenant):
    if station:
        queryset = queryset.filter(lease__station__code=station)
    if lease is not None:
        queryset = queryset.filter(lease_id=lease)
    if tenant is not None:
        queryset = queryset.filter(lease__merchant_id=tenant)
    return queryset


@router.get("/instalments/", response={200: list[InstalmentOut], **ERRORS})
@paginate(Pagination)
def instalments(
    request,
    station: str | None = None,
    lease: int | None = _id_query(),
    tenant: int | None = _id_query(),
    kind: InstalmentKind | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    paid: bool | None = None,
    overdue: bool | None = None,
    ordering: str | None = None,
):
    """What to bill: the instalments of the leases the user may see. Filters: ``station``
    (code), ``lease`` (id), ``tenant`` (merchant id), ``kind``, ``due_from``/``due_to``
    (inclusive), ``paid``, ``overdue``; ``ordering`` by due_date, amount, paid_on."""
    ensure_staff(request.user)
    queryset = _filter_instalments(
        _instalments(request.user), station=station, lease=lease, tenant=tenant
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if due_from is not None:
        queryset = queryset.filter(due_date__gte=due_from)
    if due_to is not None:
        queryset = queryset.filter(due_date__lte=due_to)
    if paid is not None:
        queryset = queryset.filter(paid_on__isnull=not paid)
    if overdue is not None:
        queryset = queryset.filter(overdue=overdue)
    return ordered(queryset, ordering or "due_date", INSTALMENT_ORDERING, "pk")


@router.get("/payments/", response={200: list[InstalmentOut], **ERRORS})
@paginate(Pagination)
def payments(
    request,
    station: str | None = None,
    lease: int | None = _id_query(),
    tenant: int | None = _id_query(),
    paid_from: dt.date | None = None,
    paid_to: dt.date | None = None,
    ordering: str | None = None,
):
    """The payments recorded: the instalments paid, with the day and the amount. Filters:
    ``station`` (code), ``lease`` (id), ``tenant`` (merchant id), ``paid_from``/``paid_to``
    (inclusive); ``ordering`` by paid_on, due_date, amount (default: the latest first)."""
    ensure_staff(request.user)
    queryset = _filter_instalments(
        _instalments(request.user).filter(paid_on__isnull=False),
        station=station,
        lease=lease,
        tenant=tenant,
    )
    if paid_from is not None:
        queryset = queryset.filter(paid_on__gte=paid_from)
    if paid_to is not None:
        queryset = queryset.filter(paid_on__lte=paid_to)
    return ordered(queryset, ordering or "-paid_on", INSTALMENT_ORDERING, "pk")


@router.post("/instalments/{instalment_id}/payment/", response={201: InstalmentOut, **ERRORS})
def pay(request, payload: PaymentIn, instalment_id: int = _id_path()):
    """Record the payment of one instalment (leasing.services.instalment_pay, as the admin's
    payment form): the whole amount, on a day not in the future, once. 403 for a user who
    sees the lease but may not manage its station's leases (an inspector, a station manager)."""
    ensure_staff(request.user)
    found = _instalments(request.user).filter(pk=instalment_id).first()
    if found is None:
        raise Http404
    with transaction.atomic():
        leasing_services.instalment_pay(
            actor=request.user, instalment=found, paid_on=payload.paid_on, amount=payload.amount
        )
    return Status(201, _instalments(request.user).get(pk=instalment_id))


# --- reports ------------------------------------------------------------------------------


class ReportRef(Schema):
    name: str
    title: str


Cell = bool | int | float | str | None


class ReportOut(Schema):
    name: str
    title: str
    count: int  # the report's rows, its TOTAL row apart
    columns: list[str]
    # A row a list of cells in the columns' order: amounts as strings with their places,
    # counts as integers, ratios as numbers, empty cells null; the total row first cell TOTAL.
    rows: list[list[Cell]]


def _cell(value) -> Cell:
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@router.get("/reports/", response={200: list[ReportRef], **ERRORS})
def reports(request):
    """Every registered report (stations.reports and those of tenders and leasing)."""
    ensure_staff(request.user)
    from stations import reports as registry  # pandas: loaded when asked for

    return [
        {"name": name, "title": str(report.title)}
        for name, report in registry.all_reports().items()
    ]


@router.get("/reports/{name}/", response={200: ReportOut, **ERRORS})
def report(
    request,
    name: str,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(
        settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
    ),
):
    """A page of a report on the stations the user may see, as columns and rows (``limit``
    and ``offset`` as in the lists), its TOTAL row last on every page (the whole report's),
    and ``count``, its rows besides the TOTAL; 404 for a name that is not a report."""
    ensure_staff(request.user)
    from stations import reports as registry

    try:
        found = registry.get_report(name)
    except registry.UnknownReport:
        raise Http404 from None
    frame, count = registry.report_page(
        found, start=offset, size=limit, stations=report_scope(request.user)
    )
    return {
        "name": found.name,
        "title": str(found.title),
        "count": count,
        "columns": [str(column) for column in frame.columns],
        "rows": [
            [_cell(value) for value in record]
            for record in frame.itertuples(index=False, name=None)
        ],
    }
