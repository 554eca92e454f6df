"""Merchant endpoints: a merchant user's token acts for its company only (api.auth.merchant_of);
another company's id answers 404. Writes call the same services as the portal; the client never
sets a status, a receipt time, an owner or a score.

- ``/profile/``: the company (GET; PATCH what the portal's company form lets it change).
- ``/demands/``: its demands (list, get, create, PATCH; ``/demands/{id}/withdraw/`` withdraws
  one — the portal's delete: it stays on record, inactive).
- ``/applications/``: its applications with the stored threshold checks; POST applies (or
  re-applies while pending) for lots of a round — the response carries the checks.
- ``/bids/``: its sealed bids as receipts (never an amount); POST (JSON, documents in base64)
  seals a bid — a new bid on a lot replaces the active one — and answers with the receipt;
  ``/bids/{id}/withdraw/`` withdraws the active bid.
- ``/leases/``: its leases, their instalments (paid, due, overdue) and turnover reports (POST
  reports a month).
"""

import base64
import binascii
import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from api.auth import TokenAuth, merchant_of
from api.errors import ERRORS
from api.lists import Pagination, ordered
from cms.arrival import arrival_of
from cms.portal.tendering import portal_rounds
from leasing.models import Instalment, Lease, LeaseUnit, TurnoverReport
from leasing.selectors import leases_for
from leasing.services import turnover_report
from stations.models import Station
from tenders import selectors, services
from tenders.applications import application_submit
from tenders.bids import DEADLINE_JUDGED_BY, bid_submit, bid_withdraw, deadline_rule
from tenders.models import Application, Bid, BidDocument, Brand, Demand, Lot, Merchant

router = Router(tags=["merchant"], auth=TokenAuth())

# Amounts a client sends: at most 12 digits before the point and 2 after (the columns' size).
AMOUNT_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
MONTH_PATTERN = r"^\d{4}-\d{2}(-\d{2})?$"
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def cents(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


class In(Schema):
    """An input: a field the client may not set (status, owner, time…) is refused by name."""

    model_config = ConfigDict(extra="forbid")


# --- the profile ------------------------------------------------------------------------------


class MerchantProfileOut(Schema):
    name: str
    credit_code: str
    legal_form: str
    registered_capital: str
    founded_on: dt.date
    operation_mode: str
    store_count: int
    contact_name: str
    contact_phone: str

    @staticmethod
    def resolve_registered_capital(obj) -> str:
        return f"{obj.registered_capital:.2f}"


class MerchantProfileIn(In):
    """What a merchant changes itself (the portal's company form): not its credit code nor the
    railway's rating of it. Every field is optional; those sent are changed."""

    name: str | None = Field(None, max_length=200)
    legal_form: Literal[tuple(Merchant.LegalForm.values)] | None = None
    registered_capital: str | None = Field(None, pattern=AMOUNT_PATTERN)
    founded_on: dt.date | None = None
    operation_mode: Literal[tuple(Merchant.OperationMode.values)] | None = None
    store_count: int | None = Field(None, ge=0, le=2_147_483_647)
    contact_name: str | None = Field(None, max_length=64)
    contact_phone: str | None = Field(None, max_length=32)


@router.get("/profile/", response={200: MerchantProfileOut, **ERRORS})
def profile(request):
    """The company the token acts for."""
    return merchant_of(request)


@router.patch("/profile/", response={200: MerchantProfileOut, **ERRORS})
def profile_update(request, payload: MerchantProfileIn):
    """Change the company's particulars (tenders.services.merchant_update, as the portal)."""
    merchant = merchant_of(request)
    changes = payload.model_dump(exclude_unset=True)
    for name in ("contact_name", "contact_phone"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    if changes:
        merchant = services.merchant_update(actor=request.user, merchant=merchant, **changes)
    return merchant


# --- demands ----------------------------------------------------------------------------------


class MerchantDemandOut(Schema):
    id: int
    business_type: str
    brand: int | None
    stations: list[str]
    tiers: list[str]
    location_wish: str
    area_min_m2: str
    area_max_m2: str
    power_kw: str
    floor_sockets: int
    needs_water: bool
    needs_drainage: bool
    needs_exhaust: bool
    intended_rent_m2_month: str
    lease_mode: str
    term_months: int
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_business_type(obj) -> str:
        return obj.business_type.code

    @staticmethod
    def resolve_brand(obj) -> int | None:
        return obj.brand_id

    @staticmethod
    def resolve_stations(obj) -> list[str]:
        return sorted(station.code for station in obj.stations.all())

    @staticmethod
    def resolve_area_min_m2(obj) -> str:
        return cents(obj.area_min_m2)

    @staticmethod
    def resolve_area_max_m2(obj) -> str:
        return cents(obj.area_max_m2)

    @staticmethod
    def resolve_power_kw(obj) -> str:
        return cents(obj.power_kw)

    @staticmethod
    def resolve_intended_rent_m2_month(obj) -> str:
        return cents(obj.intended_rent_m2_month)


Tier = Literal[tuple(Station.Tier.values)]
ApplicationStatus = Literal[tuple(Application.Status.values)]
BidStatus = Literal[tuple(Bid.Status.values)]
LeaseStatus = Literal[tuple(Lease.Status.values)]
LeaseMode = Literal[tuple(Demand.LeaseMode.values)]
SMALL = {"ge": 0, "le": 32767}


class MerchantDemandFields(In):
    brand: Id | None = Field(None, description="the id of one of the company's brands")
    stations: list[str] = Field([], description="station codes, e.g. CSS", max_length=100)
    tiers: list[Tier] = []
    location_wish: str = Field("", max_length=255)
    power_kw: str = Field("0", pattern=r"^\d{1,6}(\.\d{1,2})?$")
    floor_sockets: int = Field(0, **SMALL)
    needs_water: bool = False
    needs_drainage: bool = False
    needs_exhaust: bool = False


class MerchantDemandIn(MerchantDemandFields):
    """A demand; the business type is a specific type's code (see /public/business-types/)."""

    business_type: str = Field(max_length=32)
    area_min_m2: str = Field(pattern=r"^\d{1,8}(\.\d{1,2})?$")
    area_max_m2: str = Field(pattern=r"^\d{1,8}(\.\d{1,2})?$")
    intended_rent_m2_month: str = Field(pattern=r"^\d{1,8}(\.\d{1,2})?$")
    lease_mode: LeaseMode
    term_months: int = Field(ge=0, le=32767)


class MerchantDemandPatch(In):
    """Any field of a demand; those sent are changed (``stations`` replaces the list)."""

    brand: Id | None = None
    business_type: str | None = Field(None, max_length=32)
    stations: list[str] | None = Field(None, max_length=100)
    tiers: list[Tier] | None = None
    location_wish: str | None = Field(None, max_length=255)
    area_min_m2: str | None = Field(None, pattern=r"^\d{1,8}(\.\d{1,2})?$")
    area_max_m2: str | None = Field(None, pattern=r"^\d{1,8}(\.\d{1,2})?$")
    power_kw: str | None = Field(None, pattern=r"^\d{1,6}(\.\d{1,2})?$")
    floor_sockets: int | None = Field(None, **SMALL)
    needs_water: bool | None = None
    needs_drainage: bool | None = None
    needs_exhaust: bool | None = None
    intended_rent_m2_month: str | None = Field(None, pattern=r"^\d{1,8}(\.\d{1,2})?$")
    lease_mode: LeaseMode | None = None
    term_months: int | None = Field(None, ge=0, le=32767)


def _brand(merchant: Merchant, brand_id: int | None) -> Brand | None:
    if brand_id is None:
        return None
    brand = Brand.objects.filter(merchant=merchant, pk=brand_id).first()
    if brand is None:
        raise ValidationError({"brand": _("The company has no brand %(id)s.") % {"id": brand_id}})
    return brand


def _demands(request, merchant: Merchant):
    return selectors.demands_for(request.user, merchant=merchant).prefetch_related(
        Prefetch("stations", queryset=Station.objects.only("code"))
    )


def _demand(request, merchant: Merchant, pk: int) -> Demand:
    demand = _demands(request, merchant).filter(pk=pk).first()
    if demand is None:
        raise Http404
    return demand


DEMAND_ORDERING = {
    "created_at": "created_at",
    "area_min_m2": "area_min_m2",
    "intended_rent_m2_month": "intended_rent_m2_month",
}


@router.get("/demands/", response={200: list[MerchantDemandOut], **ERRORS})
@paginate(Pagination)
def demands(
    request,
    active: bool | None = None,
    business_type: str | None = None,
    ordering: str | None = Query(None, description="created_at, area_min_m2, …; -name descends"),
):
    """The company's demands (``active`` true: the live ones; false: the withdrawn)."""
    merchant = merchant_of(request)
    queryset = _demands(request, merchant)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    if business_type:
        queryset = queryset.filter(business_type__code=business_type)
    return ordered(queryset, ordering, DEMAND_ORDERING, "-pk")


@router.get("/demands/{demand_id}/", response={200: MerchantDemandOut, **ERRORS})
def demand(request, demand_id: int):
    return _demand(request, merchant_of(request), demand_id)


@router.post("/demands/", response={201: MerchantDemandOut, **ERRORS})
def demand_create(request, payload: MerchantDemandIn):
    """Record a demand (tenders.services.demand_create)."""
    merchant = merchant_of(request)
    values = payload.model_dump()
    values["brand"] = _brand(merchant, values["brand"])
    demand = services.demand_create(actor=request.user, merchant=merchant, **values)
    return Status(201, _demand(request, merchant, demand.pk))


@router.patch("/demands/{demand_id}/", response={200: MerchantDemandOut, **ERRORS})
def demand_update(request, demand_id: int, payload: MerchantDemandPatch):
    """Change an active demand (tenders.services.demand_update); a withdrawn one is refused."""
    merchant = merchant_of(request)
    demand = _demand(request, merchant, demand_id)
    changes = payload.model_dump(exclude_unset=True)
    if "brand" in changes:
        changes["brand"] = _brand(merchant, changes["brand"])
    if "location_wish" in changes and changes["location_wish"] is None:
        changes["location_wish"] = ""
    for name in ("stations", "tiers"):
        if name in changes and changes[name] is None:
            changes[name] = []
    if changes:
        services.demand_update(actor=request.user, demand=demand, **changes)
    return _demand(request, merchant, demand.pk)


class MerchantWithdrawalIn(In):
    reason: str = Field("", max_length=500, description="optional; kept with the withdrawal")


@router.post("/demands/{demand_id}/withdraw/", response={200: MerchantDemandOut, **ERRORS})
def demand_withdraw(request, demand_id: int, payload: MerchantWithdrawalIn):
    """Withdraw a demand (tenders.services.demand_withdraw, the portal's "delete"): it stays
    on record, inactive, and no longer matches any unit. The withdrawn demand is returned."""
    merchant = merchant_of(request)
    demand = _demand(request, merchant, demand_id)
    services.demand_withdraw(actor=request.user, demand=demand, reason=payload.reason)
    return _demand(request, merchant, demand.pk)


# --- applications -----------------------------------------------------------------------------


class MerchantCheckOut(Schema):
    threshold: str
    passed: bool
    required: str
    actual: str
    reason: str


class MerchantRoundRef(Schema):
    id: int
    code: str
    title: str


class MerchantLotRef(Schema):
    id: int
    number: int
    title: str


class MerchantApplicationOut(Schema):
    id: int
    round: MerchantRoundRef
    lots: list[MerchantLotRef]
    status: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    passed_all_checks: bool
    checks: list[MerchantCheckOut]

    @staticmethod
    def resolve_lots(obj) -> list:
        return sorted(obj.lots.all(), key=lambda lot: lot.number)


class MerchantApplicationIn(In):
    round: Id = Field(description="the round's id")
    lots: list[Id] = Field(description="ids of open lots of the round", max_length=200)


def _applications(merchant: Merchant):
    return (
        Application.objects.filter(merchant=merchant)
        .select_related("round")
        .prefetch_related(Prefetch("lots", queryset=Lot.objects.only("number", "title")))
    )


APPLICATION_ORDERING = {"submitted_at": "submitted_at", "round": "round__code"}


@router.get("/applications/", response={200: list[MerchantApplicationOut], **ERRORS})
@paginate(Pagination)
def applications(
    request,
    round: Id | None = None,
    status: ApplicationStatus | None = None,
    ordering: str | None = Query(None, description="submitted_at, round; -name descends"),
):
    """The company's applications, each with the threshold checks stored when it applied."""
    queryset = _applications(merchant_of(request))
    if round is not None:
        queryset = queryset.filter(round_id=round)
    if status:
        queryset = queryset.filter(status=status)
    return ordered(queryset, ordering, APPLICATION_ORDERING, "-pk")


@router.get("/applications/{application_id}/", response={200: MerchantApplicationOut, **ERRORS})
def application(request, application_id: int):
    found = _applications(merchant_of(request)).filter(pk=application_id).first()
    if found is None:
        raise Http404
    return found


@router.post(
    "/applications/", response={200: MerchantApplicationOut, 201: MerchantApplicationOut, **ERRORS}
)
def application_create(request, payload: MerchantApplicationIn):
    """Apply for lots of a round while it takes applications (tenders.applications.
    application_submit): every threshold is checked and the result is in the response. While
    the officer has not decided, applying again changes the lots (200); the first time, 201."""
    merchant = merchant_of(request)
    round = portal_rounds(request.user, merchant).filter(pk=payload.round).first()
    if round is None:
        raise Http404
    existed = Application.objects.filter(round=round, merchant=merchant).exists()
    with transaction.atomic():
        submitted = application_submit(
            actor=request.user, round=round, merchant=merchant, lots=payload.lots
        )
    return Status(200 if existed else 201, _applications(merchant).get(pk=submitted.pk))


# --- sealed bids ------------------------------------------------------------------------------


class MerchantDocumentIn(In):
    name: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(description="the file's bytes, base64 (RFC 4648)")


class MerchantBidIn(In):
    """A sealed bid for a lot the company applied for and is admitted to. A new bid on a lot
    replaces the company's active bid for it."""

    lot: Id = Field(description="the lot's id")
    annual_rent: str = Field(
        description="CNY, at most 2 decimals, e.g. 150000.00", pattern=r"^\d{1,12}(\.\d{1,6})?$"
    )
    proposal: str = Field(max_length=20000)
    documents: list[MerchantDocumentIn] = Field([], max_length=20)


class MerchantDocumentDigest(Schema):
    position: int
    digest: str


class MerchantReceiptOut(Schema):
    """A bid's receipt: the number, the server's time of receipt and the SHA-256 of the sealed
    bid. Never the amount: the bid is sealed until the opening."""

    id: int
    receipt_number: str
    received_at: dt.datetime = Field(
        description="when the server received the request (its clock, before any wait for a lock)"
    )
    deadline_judged_by: Literal["received_at"] = Field(
        DEADLINE_JUDGED_BY,
        description="the deadline (of the bid, and of its withdrawal) was judged by received_at",
    )
    deadline_rule: str = Field(description="the same, in words, in the caller's language")
    digest: str
    status: str
    version: int
    withdrawn_at: dt.datetime | None
    round: MerchantRoundRef
    lot: MerchantLotRef
    documents: list[MerchantDocumentDigest]

    @staticmethod
    def resolve_deadline_rule(obj) -> str:
        return deadline_rule()


def _bids(merchant: Merchant):
    return (
        Bid.objects.filter(merchant=merchant)
        .select_related("round", "lot")
        .only(
            "receipt_number",
            "received_at",
            "digest",
            "status",
            "version",
            "withdrawn_at",
            "merchant_id",
            "round__id",
            "round__code",
            "round__title",
            "lot__id",
            "lot__number",
            "lot__title",
        )
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=BidDocument.objects.only("position", "digest", "bid_id").order_by(
                    "position"
                ),
            )
        )
    )


def _bid(merchant: Merchant, pk: int) -> Bid:
    found = _bids(merchant).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _decoded(documents: list[MerchantDocumentIn]) -> list[tuple[str, bytes]]:
    files = []
    for document in documents:
        try:
            content = base64.b64decode(document.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                {
                    "documents": _("Document “%(name)s” is not valid base64.")
                    % {"name": document.name}
                }
            ) from None
        files.append((document.name, content))
    return files


BID_ORDERING = {"received_at": "received_at", "lot": "lot__number"}


@router.get("/bids/", response={200: list[MerchantReceiptOut], **ERRORS})
@paginate(Pagination)
def bids(
    request,
    round: Id | None = None,
    lot: Id | None = None,
    status: BidStatus | None = None,
    ordering: str | None = Query(None, description="received_at, lot; -name descends"),
):
    """The company's bids as receipts, every version (replaced and withdrawn ones too)."""
    queryset = _bids(merchant_of(request))
    if round is not None:
        queryset = queryset.filter(round_id=round)
    if lot is not None:
        queryset = queryset.filter(lot_id=lot)
    if status:
        queryset = queryset.filter(status=status)
    return ordered(queryset, ordering, BID_ORDERING, "-pk")


@router.get("/bids/{bid_id}/", response={200: MerchantReceiptOut, **ERRORS})
def bid(request, bid_id: int):
    """A bid's receipt."""
    return _bid(merchant_of(request), bid_id)


@router.post("/bids/", response={201: MerchantReceiptOut, **ERRORS})
def bid_create(request, payload: MerchantBidIn):
    """Seal a bid (tenders.bids.bid_submit) before the deadline; the response is the receipt.
    Documents (PDF, PNG, JPEG, DWG, DXF) are judged by their content, as in the portal."""
    merchant = merchant_of(request)
    lot = (
        Lot.objects.filter(
            pk=payload.lot,
            round__in=portal_rounds(request.user, merchant),
            applications__merchant=merchant,
        )
        .select_related("round")
        .first()
    )
    if lot is None:
        raise Http404
    documents = _decoded(payload.documents)
    with transaction.atomic():
        receipt = bid_submit(
            actor=request.user,
            round=lot.round,
            lot=lot,
            annual_rent=payload.annual_rent,
            proposal=payload.proposal,
            documents=documents,
            merchant=merchant,
            arrived_at=arrival_of(request),
        )
    return Status(201, _bids(merchant).get(receipt_number=receipt.receipt_number))


@router.post("/bids/{bid_id}/withdraw/", response={200: MerchantReceiptOut, **ERRORS})
def bid_withdrawal(request, bid_id: int):
    """Withdraw the active bid before the deadline (tenders.bids.bid_withdraw); its receipt
    comes back, withdrawn."""
    merchant = merchant_of(request)
    found = _bid(merchant, bid_id)
    with transaction.atomic():
        bid_withdraw(actor=request.user, bid=found, arrived_at=arrival_of(request))
    return _bid(merchant, bid_id)


# --- leases, instalments, turnover ------------------------------------------------------------


class MerchantLeaseOut(Schema):
    id: int
    code: str
    station: str
    units: list[str]
    business_type: str | None
    status: str
    start_date: dt.date
    end_date: dt.date = Field(description="the first day no longer let")
    opened_on: dt.date | None
    rent_free_months: int
    annual_rent: str
    escalation_pct: str
    turnover_rate_pct: str | None
    minimum_guarantee: str | None
    payment_frequency_months: int
    deposit: str

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.station.code

    @staticmethod
    def resolve_units(obj) -> list[str]:
        return [lease_unit.unit.code for lease_unit in obj.lease_units.all()]

    @staticmethod
    def resolve_business_type(obj) -> str | None:
        return obj.business_type.code if obj.business_type_id else None

    @staticmethod
    def resolve_annual_rent(obj) -> str:
        return cents(obj.annual_rent)

    @staticmethod
    def resolve_escalation_pct(obj) -> str:
        return cents(obj.escalation_pct)

    @staticmethod
    def resolve_turnover_rate_pct(obj) -> str | None:
        return cents(obj.turnover_rate_pct)

    @staticmethod
    def resolve_minimum_guarantee(obj) -> str | None:
        return cents(obj.minimum_guarantee)

    @staticmethod
    def resolve_payment_frequency_months(obj) -> int:
        return obj.payment_frequency

    @staticmethod
    def resolve_deposit(obj) -> str:
        return cents(obj.deposit)


def _leases(request, merchant: Merchant):
    return (
        leases_for(request.user)
        .filter(merchant=merchant)
        .select_related("station", "business_type")
        .prefetch_related(
            Prefetch(
                "lease_units",
                queryset=LeaseUnit.objects.select_related("unit").order_by("unit__code"),
            )
        )
    )


def _lease(request, merchant: Merchant, pk: int) -> Lease:
    found = _leases(request, merchant).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


LEASE_ORDERING = {"start_date": "start_date", "code": "code", "end_date": "end_date"}


@router.get("/leases/", response={200: list[MerchantLeaseOut], **ERRORS})
@paginate(Pagination)
def leases(
    request,
    status: LeaseStatus | None = None,
    station: str | None = Query(None, description="a station code"),
    ordering: str | None = Query(None, description="start_date, end_date, code"),
):
    """The company's leases."""
    queryset = _leases(request, merchant_of(request))
    if status:
        queryset = queryset.filter(status=status)
    if station:
        queryset = queryset.filter(station__code=station)
    return ordered(queryset, ordering, LEASE_ORDERING, "-pk")


@router.get("/leases/{lease_id}/", response={200: MerchantLeaseOut, **ERRORS})
def lease(request, lease_id: int):
    return _lease(request, merchant_of(request), lease_id)


class MerchantInstalmentOut(Schema):
    id: int
    kind: str
    lease_year: int
    period_start: dt.date
    period_end: dt.date = Field(description="exclusive")
    due_date: dt.date
    amount: str
    state: Literal["paid", "due", "overdue"]
    paid_on: dt.date | None
    paid_amount: str | None

    @staticmethod
    def resolve_amount(obj) -> str:
        return cents(obj.amount)

    @staticmethod
    def resolve_paid_amount(obj) -> str | None:
        return cents(obj.paid_amount)

    @staticmethod
    def resolve_state(obj) -> str:
        if obj.paid_on is not None:
            return "paid"
        late = obj.due_date < timezone.localdate() and obj.lease.status != Lease.Status.DRAFT
        return "overdue" if late else "due"


@router.get(
    "/leases/{lease_id}/instalments/", response={200: list[MerchantInstalmentOut], **ERRORS}
)
@paginate(Pagination)
def instalments(
    request,
    lease_id: int,
    state: Literal["paid", "unpaid", "overdue"] | None = None,
):
    """The lease's rent schedule by due date: each instalment paid, due or overdue (unpaid
    after its due date)."""
    found = _lease(request, merchant_of(request), lease_id)
    queryset = Instalment.objects.filter(lease=found).select_related("lease")
    if state == "paid":
        queryset = queryset.filter(paid_on__isnull=False)
    elif state == "unpaid":
        queryset = queryset.filter(paid_on__isnull=True)
    elif state == "overdue":
        queryset = queryset.filter(paid_on__isnull=True, due_date__lt=timezone.localdate())
        if found.status == Lease.Status.DRAFT:
            queryset = queryset.none()
    return queryset.order_by("due_date", "pk")


class MerchantTurnoverOut(Schema):
    id: int
    month: str = Field(description="YYYY-MM")
    amount: str
    reported_at: dt.datetime

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_amount(obj) -> str:
        return cents(obj.amount)


class MerchantTurnoverIn(In):
    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM (or any day of the month)")
    amount: str = Field(pattern=AMOUNT_PATTERN, description="CNY, e.g. 86000.00")


def _month(value: str) -> dt.date:
    match = re.match(r"^(\d{4})-(\d{2})", value)
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    except (AttributeError, ValueError):
        raise ValidationError(
            {"month": _("“%(value)s” is not a month (YYYY-MM).") % {"value": value}}
        ) from None


@router.get("/leases/{lease_id}/turnover/", response={200: list[MerchantTurnoverOut], **ERRORS})
@paginate(Pagination)
def turnover(request, lease_id: int):
    """The lease's monthly turnover reports, the latest month first."""
    found = _lease(request, merchant_of(request), lease_id)
    return TurnoverReport.objects.filter(lease=found).order_by("-month", "-pk")


@router.post("/leases/{lease_id}/turnover/", response={201: MerchantTurnoverOut, **ERRORS})
def turnover_create(request, lease_id: int, payload: MerchantTurnoverIn):
    """Report a month's turnover (leasing.services.turnover_report, as the portal): once a
    month, within the lease, the outlet open, the month begun."""
    found = _lease(request, merchant_of(request), lease_id)
    month = _month(payload.month)
    with transaction.atomic():
        report = turnover_report(
            actor=request.user, lease=found, month=month, amount=payload.amount
        )
    return Status(201, report)
