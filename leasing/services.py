"""Every write to a lease: made from an award or directly, signed, fitted out, opened, ended or
terminated, its instalments paid, its turnover reported and settled.

Each service is atomic, checks who acts (leasing.permissions) and writes an audit entry. The
units follow their lease: reserved while it is a draft, let once signed, fitting out, open,
and available again when it ends — each move through ``unit_change_status`` citing the lease.
No two leases of one unit overlap: on PostgreSQL an exclusion constraint guarantees it (the
service's own check only words the refusal); on SQLite the service takes the database's
write lock on the units before it checks.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from leasing import fitout
from leasing.models import MONEY, Instalment, Lease, LeaseUnit, TurnoverReport
from leasing.permissions import ensure_can_manage_leases, ensure_may_report_turnover
from leasing.schedule import SETTLEMENT_DAYS, add_months, cents, lease_years, rent_schedule
from leasing.schedule import turnover_settlement as settlement_top_up
from leasing.spread import direct_lease_type
from stations import services as space
from stations.models import BusinessCategory, Unit
from stations.spread import ensure_spread
from stations.transitions import ensure_transition
from tenders import pipeline
from tenders.models import Award, Lot, Merchant, TenderRound

Status = Lease.Status
# The unit's status while its holding lease is in each status.
UNIT_STATUS = {
    Status.DRAFT: Unit.Status.RESERVED,
    Status.SIGNED: Unit.Status.LET,
    Status.FITTING_OUT: Unit.Status.FITTING_OUT,
    Status.OPEN: Unit.Status.OPEN,
}
TERMS = (
    "rent_free_months",
    "escalation_pct",
    "turnover_rate_pct",
    "minimum_guarantee",
    "payment_frequency",
    "deposit_months",
    "street_price_commitment",
)
SNAPSHOT = ("code", "business_type", "start_date", "end_date", "annual_rent", "deposit", *TERMS)


# The largest amount the money columns hold (14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])


def _snapshot(lease: Lease) -> dict:
    return {name: getattr(lease, name) for name in SNAPSHOT} | {
        "merchant": lease.merchant_id,
        "units": sorted(lease.lease_units.values_list("unit__code", flat=True)),
    }


def _decimal(value, field_name: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError({field_name: _("This field is required.")})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(
            {field_name: _("“%(value)s” is not a number.") % {"value": value}}
        ) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({field_name: _("Give an amount of 0 or more.")})
    if number >= MAX_AMOUNT:
        raise ValidationError(
            {
                field_name: _("Give an amount below %(limit)s CNY.")
                % {"limit": f"{MAX_AMOUNT:,.0f}"}
            }
        )
    return number


# --- the units follow their lease ---------------------------------------------------------


def _path(current: str, target: str) -> list[str]:
    """The shortest way along the unit's transition table from ``current`` to ``target``."""
    queue, seen = deque([[current]]), {current}
    while queue:
        path = queue.popleft()
        if path[-1] == target:
            return path[1:]
        for step in Unit.TRANSITIONS.get(Unit.Status(path[-1]), ()):
            if step not in seen:
                seen.add(step)
                queue.append([*path, step])
    raise ValidationError(
        _("A unit cannot go from “%(current)s” to “%(target)s”.")
        % {"current": Unit.Status(current).label, "target": Unit.Status(target).label}
    )


def _follow(actor, units: Iterable[Unit], source: Lease) -> None:
    """Set each unit to the status of the lease holding it now — the earliest-starting lease
    still holding it — or available when none does."""
    for unit in units:
        holder = (
            Lease.objects.filter(lease_units__unit=unit, status__in=Lease.HOLDING)
            .order_by("start_date", "pk")
            .first()
        )
        target = UNIT_STATUS[holder.status] if holder else Unit.Status.AVAILABLE
        current = Unit.objects.values_list("status", flat=True).get(pk=unit.pk)
        for step in _path(current, target) if current != target else []:
            space.unit_change_status(actor=actor, unit=unit, status=step, source=holder or source)


# --- making a lease -----------------------------------------------------------------------


def _hold_units(units: Sequence[Unit]) -> None:
    """On SQLite, take the database's write lock before checking (a no-op write on the
    units): two leases cannot both pass the check. PostgreSQL relies on its constraint."""
    if connection.vendor != "postgresql":
        Unit.objects.filter(pk__in=[unit.pk for unit in units]).update(status=F("status"))


def _overlap_errors(units: Sequence[Unit], start: dt.date, end: dt.date, *, lease=None):
    clashes = (
        LeaseUnit.objects.filter(unit__in=units, start_date__lt=end, end_date__gt=start)
        .exclude(lease=lease)
        .select_related("unit", "lease")
        .order_by("unit__code", "start_date")
    )
    return [
        _("Unit %(unit)s is let from %(start)s to %(end)s under lease %(code)s.")
        % {"unit": c.unit.code, "start": c.start_date, "end": c.end_date, "code": c.lease.code}
        for c in clashes
    ]


def _store_units(lease: Lease, units: Sequence[Unit]) -> None:
    try:
        with transaction.atomic():
            LeaseUnit.objects.bulk_create(
                LeaseUnit(
                    lease=lease, unit=unit, start_date=lease.start_date, end_date=lease.end_date
                )
                for unit in units
            )
    except IntegrityError as clash:
        # The exclusion constraint: another lease of these units was stored meanwhile.
        raise ValidationError(
            {
                "units": _(
                    "One of these units has just been let for part of this period by another "
                    "lease; reload and check."
                )
            }
        ) from clash


def _first_year_base(lease: Lease) -> Decimal:
    """What is paid in advance: the fixed rent, or the guarantee when that is higher."""
    return max(lease.annual_rent, lease.minimum_guarantee or Decimal("0"))


def _make(actor, lease: Lease, units: Sequence[Unit], business_type=None) -> Lease:
    errors = {}
    if not units:
        errors["units"] = _("A lease needs at least one unit.")
    elif len({unit.station_id for unit in units}) > 1:
        errors["units"] = _("The units of a lease must all be in one station.")
    if lease.end_date <= lease.start_date:
        errors["end_date"] = _("The lease must end after it starts.")
    if lease.turnover_rate_pct is None and lease.annual_rent <= 0:
        errors["annual_rent"] = _("Give a fixed annual rent, or a turnover rent with its rate.")
    if lease.payment_frequency not in Lease.Frequency.values:
        errors["payment_frequency"] = _("Choose monthly, quarterly, half-yearly or yearly.")
    if Lease.objects.filter(code=lease.code).exists():
        errors["code"] = _("Contract number %(code)s is taken.") % {"code": lease.code}
    if errors:
        raise ValidationError(errors)
    ensure_can_manage_leases(actor, units[0].station)
    _hold_units(units)
    clashes = _overlap_errors(units, lease.start_date, lease.end_date)
    if clashes:
        raise ValidationError({"units": clashes})
    # 错位经营: the station's spread limits for the type; a lease replaces its awarded lot.
    ensure_spread(
        station=units[0].station,
        business_type=business_type,
        units=units,
        during=(lease.start_date, lease.end_date),
        excluding=[lease.award.lot] if lease.award_id else [],
    )
    lease.station = units[0].station
    lease.business_type = business_type
    lease.deposit = cents(_first_year_base(lease) / 12 * lease.deposit_months)
    lease.created_by = actor
    lease.full_clean(exclude=["units"])
    lease.save()
    _store_units(lease, units)
    audit.record(actor=actor, action="lease.create", target=lease, after=_snapshot(lease))
    _follow(actor, units, lease)
    return lease


def _terms(rent_free_months=0, escalation_pct="0", turnover_rate_pct=None,
           minimum_guarantee=None, payment_frequency=Lease.Frequency.QUARTERLY,
           deposit_months=3, street_price_commitment=True) -> dict:  # fmt: skip
    return {
        "rent_free_months": int(rent_free_months),
        "escalation_pct": _decimal(escalation_pct, "escalation_pct"),
        "turnover_rate_pct": _decimal(turnover_rate_pct, "turnover_rate_pct", allow_none=True),
        "minimum_guarantee": _decimal(minimum_guarantee, "minimum_guarantee", allow_none=True),
        "payment_frequency": int(payment_frequency),
        "deposit_months": int(deposit_months),
        "street_price_commitment": bool(street_price_commitment),
    }


@transaction.atomic
def lease_create_from_award(
    *, actor, award: Award, code: str, start_date: dt.date, **terms
) -> Lease:
    """A draft lease from an award: its winner, its lot's units and term, the winning offer
    as the fixed annual rent (``terms``: rent-free months, escalation, turnover rate and
    guarantee, payment frequency, deposit months, the street-price commitment)."""
    award = Award.objects.select_related("lot__round", "merchant").get(pk=award.pk)
    if Lease.objects.filter(award=award).exists():
        raise ValidationError(
            _("The award of %(lot)s already has its lease.") % {"lot": award.lot}
        )
    lot = award.lot
    lease = Lease(
        code=(code or "").strip(),
        merchant=award.merchant,
        award=award,
        start_date=start_date,
        end_date=add_months(start_date, lot.term_months),
        annual_rent=award.annual_rent,
        **_terms(**terms),
    )
    return _make(actor, lease, list(lot.units.order_by("code")), lot.business_type)


@transaction.atomic
def lease_create_direct(
    *,
    actor,
    merchant: Merchant,
    units: Sequence[Unit],
    code: str,
    start_date: dt.date,
    end_date: dt.date,
    annual_rent,
    direct_reason: str,
    renewal_of: Lease | None = None,
    business_type: BusinessCategory | None = None,
    **terms,
) -> Lease:
    """A draft lease without tender — space transferred, or a renewal — with its reason.

    Refused for units promised to a tender still running (an open lot of a live round), and
    beyond the station's spread limits for ``business_type`` (default: the one type the units
    are designated for)."""
    direct_reason = (direct_reason or "").strip()
    if not direct_reason:
        raise ValidationError({"direct_reason": _("Say why these units are let without tender.")})
    units = list(Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("code"))
    tendered = Lot.objects.filter(units__in=units, status=Lot.Status.OPEN).exclude(
        round__status__in=(TenderRound.Status.FAILED, TenderRound.Status.CANCELLED)
    )
    if tendered.exists():
        raise ValidationError(
            {
                "units": [
                    _("Unit %(unit)s is offered in tender %(lot)s.")
                    % {"unit": unit.code, "lot": lot}
                    for lot in tendered.distinct()
                    for unit in lot.units.filter(pk__in=[u.pk for u in units])
                ]
            }
        )
    lease = Lease(
        code=(code or "").strip(),
        merchant=merchant,
        direct_reason=direct_reason,
        renewal_of=renewal_of,
        start_date=start_date,
        end_date=end_date,
        annual_rent=_decimal(annual_rent, "annual_rent"),
        **_terms(**terms),
    )
    return _make(actor, lease, units, direct_lease_type(units, business_type))


@transaction.atomic
def lease_renew(*, actor, lease: Lease, code: str, end_date: dt.date, annual_rent, **terms):
    """A renewal is a new lease from the day the old one ends, for the same tenant and units."""
    return lease_create_direct(
        actor=actor,
        merchant=lease.merchant,
        units=list(lease.units.all()),
        code=code,
        start_date=lease.end_date,
        end_date=end_date,
        annual_rent=annual_rent,
        direct_reason=_("Renewal of lease %(code)s.") % {"code": lease.code},
        renewal_of=lease,
        **terms,
    )


# --- its life -----------------------------------------------------------------------------


def _locked(lease: Lease) -> Lease:
    return Lease.objects.select_for_update().select_related("station", "merchant").get(pk=lease.pk)


def _move(actor, lease: Lease, status: str, *, action: str, fields=(), data=None) -> Lease:
    ensure_transition(lease, status)
    before = lease.status
    lease.status = status
    lease.save(update_fields=["status", *fields])
    audit.record(
        actor=actor,
        action=action,
        target=lease,
        before={"status": before},
        after={"status": status, **{name: getattr(lease, name) for name in fields}},
        data=data,
    )
    _follow(actor, list(lease.units.all()), lease)
    return lease


@transaction.atomic
def lease_sign(*, actor, lease: Lease) -> Lease:
    """Draft → signed: the rent schedule is fixed now, instalment by instalment."""
    lease = _locked(lease)
    ensure_can_manage_leases(actor, lease.station)
    ensure_transition(lease, Status.SIGNED)
    dues = rent_schedule(
        start=lease.start_date,
        end=lease.end_date,
        first_year_rent=_first_year_base(lease),
        escalation_pct=lease.escalation_pct,
        rent_free_months=lease.rent_free_months,
        frequency_months=lease.payment_frequency,
    )
    Instalment.objects.bulk_create(
        Instalment(
            lease=lease,
            lease_year=due.lease_year,
            period_start=due.period_start,
            period_end=due.period_end,
            due_date=due.due_date,
            amount=due.amount,
        )
        for due in dues
    )
    lease.signed_at = timezone.now()
    lease = _move(
        actor, lease, Status.SIGNED, action="lease.sign", fields=["signed_at"],
        data={"instalments": len(dues), "total_rent": sum(d.amount for d in dues)},
    )  # fmt: skip
    pipeline.count("leases", [(lease.station_id, lease.signed_at)])
    return lease


@transaction.atomic
def lease_start_fit_out(*, actor, lease: Lease) -> Lease:
    lease = _locked(lease)
    ensure_can_manage_leases(actor, lease.station)
    ensure_transition(lease, Status.FITTING_OUT)
    fitout.ensure_ready_for_fit_out(lease)
    return _move(actor, lease, Status.FITTING_OUT, action="lease.start_fit_out")


@transaction.atomic
def lease_open(*, actor, lease: Lease, opened_on: dt.date) -> Lease:
    """The outlet opens to passengers on ``opened_on`` (within the lease's period). When its
    milestones are planned, the ones before the opening must be done, and "opened" is marked
    done (leasing.fitout)."""
    lease = _locked(lease)
    ensure_can_manage_leases(actor, lease.station)
    ensure_transition(lease, Status.OPEN)
    if not lease.start_date <= opened_on < lease.end_date:
        raise ValidationError(
            {"opened_on": _("The outlet opens within the lease, from %(start)s to %(end)s.")
             % {"start": lease.start_date, "end": lease.end_date}}
        )  # fmt: skip
    fitout.opening_milestone_done(actor=actor, lease=lease, opened_on=opened_on)
    lease.opened_on = opened_on
    lease = _move(actor, lease, Status.OPEN, action="lease.open", fields=["opened_on"])
    pipeline.count("openings", [(lease.station_id, opened_on)])
    return lease


@transaction.atomic
def lease_end(*, actor, lease: Lease) -> Lease:
    """Open → ended, once its period is over; the units are free (or pass to the next lease)."""
    lease = _locked(lease)
    ensure_can_manage_leases(actor, lease.station)
    ensure_transition(lease, Status.ENDED)
    today = timezone.localdate()
    if today < lease.end_date:
        raise ValidationError(
            _("Lease %(code)s runs until %(end)s; end it early by terminating it.")
            % {"code": lease.code, "end": lease.end_date}
        )
    lease.ended_on = lease.end_date
    return _move(actor, lease, Status.ENDED, action="lease.end", fields=["ended_on"])


@transaction.atomic
def lease_terminate(*, actor, lease: Lease, reason: str, on: dt.date | None = None) -> Lease:
    """End a lease early on ``on`` (default today), with its reason: the period is cut there,
    instalments due from then on are cancelled, and the units are free from that day."""
    lease = _locked(lease)
    ensure_can_manage_leases(actor, lease.station)
    ensure_transition(lease, Status.TERMINATED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the lease is terminated.")})
    on = on or timezone.localdate()
    if on >= lease.end_date:
        raise ValidationError({"on": _("A lease is terminated before its end.")})
    cut = max(on, lease.start_date)
    cancelled = Instalment.objects.filter(lease=lease, paid_on__isnull=True, period_start__gte=cut)
    cancelled_total = cancelled.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    cancelled_count = cancelled.count()
    cancelled.delete()
    before_end = lease.end_date
    lease.end_date = cut
    lease.ended_on = cut
    lease.termination_reason = reason
    LeaseUnit.objects.filter(lease=lease).update(end_date=cut)
    return _move(
        actor, lease, Status.TERMINATED, action="lease.terminate",
        fields=["end_date", "ended_on", "termination_reason"],
        data={"end_date_before": before_end, "instalments_cancelled": cancelled_count,
              "amount_cancelled": cancelled_total},
    )  # fmt: skip


# --- money --------------------------------------------------------------------------------


@transaction.atomic
def instalment_pay(*, actor, instalment: Instalment, paid_on: dt.date, amount) -> Instalment:
    """Record the payment of an instalment (the finance system's, keyed in or by the API)."""
    instalment = (
        Instalment.objects.select_for_update()
        .select_related("lease__station")
        .get(pk=instalment.pk)
    )
    ensure_can_manage_leases(actor, instalment.lease.station)
    if instalment.paid_on is not None:
        raise ValidationError(
            _("This instalment was paid on %(day)s.") % {"day": instalment.paid_on}
        )
    amount = _decimal(amount, "amount")
    if amount != instalment.amount:
        raise ValidationError(
            {"amount": _("The instalment is %(due)s; a part payment is not recorded here.")
             % {"due": instalment.amount}}
        )  # fmt: skip
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    instalment.paid_on, instalment.paid_amount = paid_on, amount
    instalment.save(update_fields=["paid_on", "paid_amount"])
    audit.record(
        actor=actor,
        action="instalment.pay",
        target=instalment,
        after={"paid_on": paid_on, "amount": amount, "due_date": instalment.due_date},
    )
    return instalment


@transaction.atomic
def turnover_report(*, actor, lease: Lease, month: dt.date, amount) -> TurnoverReport:
    """A month's turnover, reported by the tenant or recorded by the station's leasing officer
    from the tenant's statement (once; the month within the lease, not ahead)."""
    lease = Lease.objects.select_related("merchant", "station").get(pk=lease.pk)
    ensure_may_report_turnover(actor, lease)
    month = month.replace(day=1)
    errors = {}
    if lease.status not in (Status.OPEN, Status.ENDED, Status.TERMINATED):
        errors["month"] = _("Turnover is reported once the outlet is open.")
    elif not (lease.start_date.replace(day=1) <= month < lease.end_date):
        errors["month"] = _("%(month)s is outside the lease.") % {"month": f"{month:%Y-%m}"}
    elif month > timezone.localdate().replace(day=1):
        errors["month"] = _("%(month)s has not begun.") % {"month": f"{month:%Y-%m}"}
    elif TurnoverReport.objects.filter(lease=lease, month=month).exists():
        errors["month"] = _("The turnover of %(month)s is already reported.") % {
            "month": f"{month:%Y-%m}"
        }
    if errors:
        raise ValidationError(errors)
    report = TurnoverReport.objects.create(
        lease=lease,
        month=month,
        amount=_decimal(amount, "amount"),
        reported_at=timezone.now(),
        reported_by=actor,
    )
    audit.record(
        actor=actor,
        action="turnover.report",
        target=report,
        after={"lease": lease.code, "month": f"{month:%Y-%m}", "amount": report.amount},
    )
    return report


@transaction.atomic
def lease_settle_year(*, actor, lease: Lease, year: int) -> Instalment:
    """Settle a lease year's turnover rent once it is over: a settlement instalment for what
    the turnover rent exceeds the year's scheduled rent (of 0, settled at once, when it does
    not exceed it)."""
    lease = _locked(lease)
    ensure_can_manage_leases(actor, lease.station)
    if lease.turnover_rate_pct is None:
        raise ValidationError(_("Lease %(code)s has no turnover rent.") % {"code": lease.code})
    years = {y.number: y for y in lease_years(lease.start_date, lease.end_date)}
    if year not in years:
        raise ValidationError({"year": _("Lease year %(n)s does not exist.") % {"n": year}})
    period = years[year]
    if timezone.localdate() < period.end:
        raise ValidationError(
            {"year": _("Lease year %(n)s runs until %(end)s.") % {"n": year, "end": period.end}}
        )
    if Instalment.objects.filter(
        lease=lease, lease_year=year, kind=Instalment.Kind.SETTLEMENT
    ).exists():
        raise ValidationError({"year": _("Lease year %(n)s is settled.") % {"n": year}})
    turnover = TurnoverReport.objects.filter(
        lease=lease, month__gte=period.start.replace(day=1), month__lt=period.end
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    scheduled = Instalment.objects.filter(
        lease=lease, lease_year=year, kind=Instalment.Kind.RENT
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    top_up = settlement_top_up(
        turnover=turnover, rate_pct=lease.turnover_rate_pct, scheduled=scheduled
    )
    audit.record(
        actor=actor,
        action="lease.settle_year",
        target=lease,
        after={"year": year, "turnover": turnover, "scheduled": scheduled, "top_up": top_up},
    )
    # Recorded even when nothing more is due (then settled at once), so a year is settled once.
    nothing_due = not top_up
    return Instalment.objects.create(
        lease=lease,
        kind=Instalment.Kind.SETTLEMENT,
        lease_year=year,
        period_start=period.start,
        period_end=period.end,
        due_date=period.end + dt.timedelta(days=SETTLEMENT_DAYS),
        amount=top_up,
        paid_on=timezone.localdate() if nothing_due else None,
        paid_amount=top_up if nothing_due else None,
    )
