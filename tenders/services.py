"""Every write to merchants, their brands, credit records and demands: atomic, checked, audited.

A merchant's own users act only for it; tender officers act for every merchant and alone keep
credit records and customer ratings (see tenders.permissions). The tender round's services
live in tenders.rounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_objects_for_user

import audit
from stations import roles
from stations.models import BusinessCategory, Station
from tenders import pipeline
from tenders.credit_code import validate_credit_code
from tenders.models import Brand, CreditRecord, Demand, Merchant
from tenders.permissions import (
    ACT_FOR_MERCHANT,
    STAFF_ROLES,
    can_act_for_merchant,
    can_register_for_others,
    can_register_own_company,
    ensure_can_act_for,
    ensure_tender_officer,
    is_tender_officer,
)

CENT = Decimal("0.01")
MERCHANT_FIELDS = (
    "name",
    "credit_code",
    "legal_form",
    "registered_capital",
    "founded_on",
    "operation_mode",
    "store_count",
    "customer_rating",
    "contact_name",
    "contact_phone",
)
# What only a tender officer may set: the code identifies the company, the rating is the
# railway's evaluation of it, not the merchant's own claim.
OFFICER_ONLY_FIELDS = frozenset({"credit_code", "customer_rating"})
DEMAND_FIELDS = (
    "brand",
    "business_type",
    "tiers",
    "location_wish",
    "area_min_m2",
    "area_max_m2",
    "power_kw",
    "floor_sockets",
    "needs_water",
    "needs_drainage",
    "needs_exhaust",
    "intended_rent_m2_month",
    "lease_mode",
    "term_months",
)
TIERS = tuple(Station.Tier.values)


def _snapshot(obj, fields: Iterable[str]) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _full_clean(obj, *, exclude: Sequence[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def _decimal(value, *, field_name: str) -> Decimal:
    """``value`` as a Decimal to 2 places; refuses text that is not a finite number."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field_name: _("“%(value)s” is not a number.") % {"value": value}})
    try:
        return number.quantize(CENT)
    except InvalidOperation:
        raise ValidationError(
            {field_name: _("%(value)s is too large.") % {"value": value}}
        ) from None


# --- merchants ----------------------------------------------------------------------------


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def _check_credit_code(code: str, *, merchant_pk: int | None = None) -> None:
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        raise ValidationError({"credit_code": exc.messages}) from None
    taken = Merchant.objects.filter(credit_code=code).exclude(pk=merchant_pk)
    if taken.exists():
        raise ValidationError(
            {
                "credit_code": _("A merchant with credit code %(code)s is already registered.")
                % {"code": code}
            }
        )


def _clean_merchant(merchant: Merchant) -> None:
    merchant.registered_capital = _decimal(
        merchant.registered_capital, field_name="registered_capital"
    )
    if merchant.customer_rating not in (None, ""):
        merchant.customer_rating = _decimal(merchant.customer_rating, field_name="customer_rating")
    if isinstance(merchant.founded_on, dt.date) and merchant.founded_on > timezone.localdate():
        raise ValidationError({"founded_on": _("The founding date cannot be in the future.")})
    _full_clean(merchant, exclude=["credit_code"])


@transaction.atomic
def merchant_register(
    *,
    actor,
    name: str,
    credit_code: str,
    legal_form: str,
    registered_capital,
    founded_on: dt.date,
    operation_mode: str,
    store_count: int,
    customer_rating=None,
    contact_name: str = "",
    contact_phone: str = "",
    brands: Iterable = (),
) -> Merchant:
    """Register a company. An officer registers it for the merchant; a portal user registers
    their own company and becomes its first user (``act_for_merchant`` on it, "merchant" group).

    The credit code is upper-cased, checked (GB 32100) and must be new. Only an officer may
    set the customer rating. ``brands`` are Chinese names or mappings of ``brand_add`` fields.
    """
    for_others = can_register_for_others(actor)
    if not for_others and not can_register_own_company(actor):
        raise PermissionDenied(_("You may not register a merchant."))
    if customer_rating is not None and not is_tender_officer(actor):
        raise PermissionDenied(_("Only a tender officer may set the customer rating."))
    if not for_others:
        _ensure_no_other_company(actor)
    code = normalise_credit_code(credit_code)
    merchant = Merchant(
        name=(name or "").strip(),
        credit_code=code,
        legal_form=legal_form,
        registered_capital=registered_capital,
        founded_on=founded_on,
        operation_mode=operation_mode,
        store_count=store_count,
        customer_rating=customer_rating,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    _check_credit_code(code)
    _clean_merchant(merchant)
    merchant.save()
    audit.record(
        actor=actor,
        action="merchant.register",
        target=merchant,
        after=_snapshot(merchant, MERCHANT_FIELDS),
    )
    if not for_others:
        _add_member(actor=actor, merchant=merchant, user=actor)
    for brand in brands:
        fields = {"name_zh": brand} if isinstance(brand, str) else dict(brand)
        _brand_add(actor=actor, merchant=merchant, **fields)
    return merchant


@transaction.atomic
def merchant_update(*, actor, merchant: Merchant, **changes) -> Merchant:
    """Change a merchant's particulars; its users may not change its code or rating."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    ensure_can_act_for(actor, merchant)
    officer = is_tender_officer(actor)
    before = _snapshot(merchant, MERCHANT_FIELDS)
    for name, value in changes.items():
        if name not in MERCHANT_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        if name in OFFICER_ONLY_FIELDS and not officer:
            raise PermissionDenied(
                _("Only a tender officer may change the %(field)s.")
                % {"field": Merchant._meta.get_field(name).verbose_name}
            )
        if name == "credit_code":
            value = normalise_credit_code(value)
        setattr(merchant, name, value)
    if "credit_code" in changes:
        _check_credit_code(merchant.credit_code, merchant_pk=merchant.pk)
    _clean_merchant(merchant)
    merchant.save()
    audit.record(
        actor=actor,
        action="merchant.update",
        target=merchant,
        before=before,
        after=_snapshot(merchant, MERCHANT_FIELDS),
    )
    return merchant


def company_of(user) -> Merchant | None:
    """The merchant ``user`` belongs to (a user belongs to one company), if any."""
    return (
        Merchant.objects.filter(
            pk__in=get_objects_for_user(
                user, ACT_FOR_MERCHANT, klass=Merchant, accept_global_perms=False
            ).values("pk")
        )
        .order_by("pk")
        .first()
    )


def _ensure_no_other_company(user, merchant: Merchant | None = None) -> None:
    company = company_of(user)
    if company is not None and company != merchant:
        raise ValidationError(
            {
                "user": _("User %(user)s belongs to %(merchant)s; a user acts for one company.")
                % {"user": user, "merchant": company.name}
            }
        )


def _add_member(*, actor, merchant: Merchant, user) -> None:
    assign_perm(ACT_FOR_MERCHANT, user, merchant)
    group, _created = Group.objects.get_or_create(name=roles.MERCHANT)
    user.groups.add(group)
    audit.record(
        actor=actor,
        action="merchant.add_member",
        target=merchant,
        data={"user": user.pk, "username": user.get_username()},
    )


@transaction.atomic
def merchant_add_member(*, actor, merchant: Merchant, user) -> Merchant:
    """Let ``user`` act for ``merchant``; an officer or one of the merchant's users may.

    A user belongs to one company: one who acts for another merchant is refused."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    ensure_can_act_for(actor, merchant)
    if not user.is_active:
        raise ValidationError({"user": _("User %(user)s is inactive.") % {"user": user}})
    if user.groups.filter(name__in=STAFF_ROLES).exists():
        raise ValidationError(
            {
                "user": _("User %(user)s is railway staff and cannot act for a merchant.")
                % {"user": user}
            }
        )
    if can_act_for_merchant(user, merchant) and not is_tender_officer(user):
        raise ValidationError(
            {
                "user": _("User %(user)s already acts for %(merchant)s.")
                % {"user": user, "merchant": merchant.name}
            }
        )
    _ensure_no_other_company(user, merchant)
    _add_member(actor=actor, merchant=merchant, user=user)
    return merchant


# --- brands -------------------------------------------------------------------------------


def _business_type(value, *, field_name: str = "business_type") -> BusinessCategory:
    """A specific business type, given as the object or its code; a major class is refused."""
    if isinstance(value, BusinessCategory):
        category = value
    else:
        category = BusinessCategory.objects.filter(code=str(value).strip()).first()
        if category is None:
            raise ValidationError(
                {field_name: _("“%(value)s” is not a business type.") % {"value": value}}
            )
    if category.is_class:
        raise ValidationError(
            {
                field_name: _(
                    "%(name)s is a major class; choose a specific business type within it."
                )
                % {"name": category}
            }
        )
    return category


def _brand_add(
    *, actor, merchant: Merchant, name_zh: str, name_en: str = "", business_types: Iterable = ()
) -> Brand:
    name_zh = (name_zh or "").strip()
    brand = Brand(merchant=merchant, name_zh=name_zh, name_en=(name_en or "").strip())
    _full_clean(brand, exclude=["merchant"])
    if Brand.objects.filter(merchant=merchant, name_zh=name_zh).exists():
        raise ValidationError(
            {
                "name_zh": _("%(merchant)s already has a brand %(brand)s.")
                % {"merchant": merchant.name, "brand": name_zh}
            }
        )
    types = [_business_type(b, field_name="business_types") for b in business_types]
    brand.save()
    brand.business_types.set(types)
    audit.record(
        actor=actor,
        action="brand.add",
        target=brand,
        after={
            "merchant": merchant.pk,
            "name_zh": brand.name_zh,
            "name_en": brand.name_en,
            "business_types": [t.code for t in types],
        },
    )
    return brand


@transaction.atomic
def brand_add(
    *, actor, merchant: Merchant, name_zh: str, name_en: str = "", business_types: Iterable = ()
) -> Brand:
    """Add a brand (its Chinese name unique within the merchant) with its business types."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    ensure_can_act_for(actor, merchant)
    return _brand_add(
        actor=actor,
        merchant=merchant,
        name_zh=name_zh,
        name_en=name_en,
        business_types=business_types,
    )


# --- credit records -----------------------------------------------------------------------


@transaction.atomic
def credit_record_add(
    *,
    actor,
    merchant: Merchant,
    kind: str,
    source: str,
    recorded_on: dt.date,
    expires_on: dt.date | None = None,
    note: str = "",
) -> CreditRecord:
    """Record a market-integrity entry; only a tender officer may (never the merchant)."""
    ensure_tender_officer(actor, what=_("credit records"))
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    record = CreditRecord(
        merchant=merchant,
        kind=kind,
        source=(source or "").strip(),
        recorded_on=recorded_on,
        expires_on=expires_on,
        note=note,
    )
    _full_clean(record, exclude=["merchant"])
    if expires_on is not None and expires_on < recorded_on:
        raise ValidationError(
            {
                "expires_on": _("The expiry %(expires)s is before the record date %(recorded)s.")
                % {"expires": expires_on, "recorded": recorded_on}
            }
        )
    record.save()
    audit.record(
        actor=actor,
        action="credit_record.add",
        target=record,
        after=_snapshot(record, ("kind", "source", "recorded_on", "expires_on", "note")),
        data={"merchant": merchant.pk},
    )
    return record


def credit_bars_in_force(*, on: dt.date) -> QuerySet[CreditRecord]:
    """Blacklist records in force on the date ``on``: from their date through their expiry
    date, no expiry meaning for good. The one statement of the rule, for one merchant
    (merchant_credit_bar) and for lists (``Exists(...filter(merchant=OuterRef("pk")))``)."""
    return CreditRecord.objects.filter(
        kind=CreditRecord.Kind.BLACKLIST, recorded_on__lte=on
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


def merchant_credit_bar(merchant: Merchant, *, on: dt.date) -> CreditRecord | None:
    """The blacklist record barring ``merchant`` on the date ``on`` (latest first), if any."""
    return (
        credit_bars_in_force(on=on)
        .filter(merchant=merchant)
        .order_by("-recorded_on", "-pk")
        .first()
    )


# --- demands ------------------------------------------------------------------------------


def _stations(values: Iterable) -> list[Station]:
    values = list(values)
    codes = [v for v in values if not isinstance(v, Station)]
    found = {s.code: s for s in Station.objects.filter(code__in=[str(c) for c in codes])}
    unknown = [str(c) for c in codes if str(c) not in found]
    if unknown:
        raise ValidationError(
            {"stations": _("Unknown station: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    stations = [v if isinstance(v, Station) else found[str(v)] for v in values]
    return list(dict.fromkeys(stations))


def _clean_demand(demand: Demand) -> None:
    """Numbers to 2 places and every rule of a demand, each refusal naming its field."""
    demand.business_type = _business_type(demand.business_type)
    for name in ("area_min_m2", "area_max_m2", "power_kw", "intended_rent_m2_month"):
        setattr(demand, name, _decimal(getattr(demand, name), field_name=name))
    if demand.area_min_m2 <= 0:
        raise ValidationError({"area_min_m2": _("The smallest area must be more than 0 m².")})
    if demand.area_max_m2 < demand.area_min_m2:
        raise ValidationError(
            {
                "area_max_m2": _(
                    "The largest area %(max)s m² is smaller than the smallest %(min)s m²."
                )
                % {"max": demand.area_max_m2, "min": demand.area_min_m2}
            }
        )
    if demand.power_kw < 0:
        raise ValidationError({"power_kw": _("The power needed cannot be negative.")})
    if demand.intended_rent_m2_month < 0:
        raise ValidationError(
            {"intended_rent_m2_month": _("The intended rent cannot be negative.")}
        )
    if not isinstance(demand.term_months, int) or demand.term_months <= 0:
        raise ValidationError(
            {"term_months": _("The term must be a whole number of months above 0.")}
        )
    tiers = list(dict.fromkeys(demand.tiers or []))
    bad = [str(t) for t in tiers if t not in TIERS]
    if bad:
        raise ValidationError(
            {
                "tiers": _("Unknown station tier: %(tiers)s (the tiers are: %(known)s).")
                % {"tiers": ", ".join(bad), "known": ", ".join(TIERS)}
            }
        )
    demand.tiers = tiers
    if demand.brand is not None and demand.brand.merchant_id != demand.merchant_id:
        raise ValidationError(
            {"brand": _("Brand %(brand)s is not this merchant's.") % {"brand": demand.brand}}
        )
    _full_clean(demand, exclude=["merchant", "brand", "business_type", "stations"])


def _demand_snapshot(demand: Demand, stations: Iterable[Station]) -> dict:
    data = _snapshot(demand, DEMAND_FIELDS)
    data["brand"] = demand.brand_id
    data["business_type"] = demand.business_type.code
    data["stations"] = sorted(s.code for s in stations)
    return data


@transaction.atomic
def demand_create(
    *,
    actor,
    merchant: Merchant,
    business_type,
    area_min_m2,
    area_max_m2,
    intended_rent_m2_month,
    lease_mode: str,
    term_months: int,
    brand: Brand | None = None,
    stations: Iterable = (),
    tiers: Sequence[str] = (),
    location_wish: str = "",
    power_kw=Decimal("0"),
    floor_sockets: int = 0,
    needs_water: bool = False,
    needs_drainage: bool = False,
    needs_exhaust: bool = False,
) -> Demand:
    """Record what a merchant wants; by one of its users or an officer.

    ``business_type`` (object or code) must be a specific type, ``stations`` objects or codes,
    ``tiers`` Station.Tier values; the area range must be positive and ordered, the rent ≥ 0
    and the term at least a month.
    """
    ensure_can_act_for(actor, merchant)
    demand = Demand(
        merchant=merchant,
        brand=brand,
        business_type=business_type if isinstance(business_type, BusinessCategory) else None,
        tiers=list(tiers),
        location_wish=location_wish,
        area_min_m2=area_min_m2,
        area_max_m2=area_max_m2,
        power_kw=power_kw,
        floor_sockets=floor_sockets,
        needs_water=needs_water,
        needs_drainage=needs_drainage,
        needs_exhaust=needs_exhaust,
        intended_rent_m2_month=intended_rent_m2_month,
        lease_mode=lease_mode,
        term_months=term_months,
    )
    if not isinstance(business_type, BusinessCategory):
        demand.business_type = _business_type(business_type)
    _clean_demand(demand)
    station_list = _stations(stations)
    demand.save()
    demand.stations.set(station_list)
    audit.record(
        actor=actor,
        action="demand.create",
        target=demand,
        after=_demand_snapshot(demand, station_list),
        data={"merchant": merchant.pk},
    )
    pipeline.count("demands", [(station.pk, demand.created_at) for station in station_list])
    return demand


@transaction.atomic
def demand_update(*, actor, demand: Demand, **changes) -> Demand:
    """Change an active demand; ``stations`` replaces the preferred stations."""
    demand = (
        Demand.objects.select_for_update(of=("self",))
        .select_related("merchant", "business_type", "brand")
        .get(pk=demand.pk)
    )
    ensure_can_act_for(actor, demand.merchant)
    if not demand.is_active:
        raise ValidationError(
            {"is_active": _("This demand was withdrawn; record a new one instead.")}
        )
    old_stations = list(demand.stations.all())
    before = _demand_snapshot(demand, old_stations)
    new_stations = old_stations
    for name, value in changes.items():
        if name == "stations":
            new_stations = _stations(value)
            continue
        if name not in DEMAND_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        if name == "business_type":
            value = _business_type(value)
        if name == "tiers":
            value = list(value)
        setattr(demand, name, value)
    _clean_demand(demand)
    demand.save()
    if "stations" in changes:
        demand.stations.set(new_stations)
    audit.record(
        actor=actor,
        action="demand.update",
        target=demand,
        before=before,
        after=_demand_snapshot(demand, new_stations),
    )
    old_ids, new_ids = {s.pk for s in old_stations}, {s.pk for s in new_stations}
    pipeline.count("demands", [(pk, demand.created_at) for pk in old_ids - new_ids], by=-1)
    pipeline.count("demands", [(pk, demand.created_at) for pk in new_ids - old_ids])
    return demand


@transaction.atomic
def demand_withdraw(*, actor, demand: Demand, reason: str = "") -> Demand:
    """Withdraw a demand: it stays on record, inactive, and no longer matches any unit."""
    demand = (
        Demand.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=demand.pk)
    )
    ensure_can_act_for(actor, demand.merchant)
    if not demand.is_active:
        raise ValidationError({"is_active": _("This demand is already withdrawn.")})
    demand.is_active = False
    demand.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="demand.withdraw",
        target=demand,
        before={"is_active": True},
        after={"is_active": False},
        data={"reason": reason},
    )
    return demand
