"""Operating outlets: inspections and their follow-up, passenger complaints and their answer,
the fine schedule and penalties, same-price checks (同质同价), marketing events.

Every write is atomic, checks who acts and writes an audit entry. The records of a station are
kept by its leasing officers and its manager (``stations.manage_station`` on the station, or
globally) within the model permissions their role holds (leasing/migrations/0004): managers
keep inspections, complaints and price checks; the fine schedule, penalties and marketing
events are the officers'. Discipline inspectors read and change nothing. ``actor=None`` is
the system. The reads at the end filter by who asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from leasing.models import (
    Complaint,
    Inspection,
    Lease,
    MarketingEvent,
    Penalty,
    PriceCheck,
    ViolationType,
)
from leasing.selectors import leases_for
from stations.models import Station
from stations.permissions import MANAGE, can_manage_station
from stations.selectors import stations_for

CENT = Decimal("0.01")
MAX_SERVICE_HOURS = 24 * 30


class ChecklistItem(models.TextChoices):
    """What every inspection checks (the keys stored in Inspection.checklist)."""

    HYGIENE = "hygiene", gettext_lazy("Hygiene")
    FIRE_SAFETY = "fire_safety", gettext_lazy("Fire safety")
    PRICE_TAGS = "price_tags", gettext_lazy("Price tags")
    SERVICE = "service", gettext_lazy("Service")


# The fine schedule a new network starts from (code, Chinese, English, fine in CNY).
DEFAULT_VIOLATION_TYPES = (
    ("hygiene", "卫生不达标", "Hygiene below standard", "500.00"),
    ("fire-safety", "消防安全违规", "Fire safety breach", "2000.00"),
    ("price-tags", "未明码标价", "Prices not marked", "500.00"),
    ("above-street-price", "站内价格高于市价", "Station price above street price", "1000.00"),
    ("service", "服务态度差", "Poor service", "300.00"),
    ("outside-unit", "超范围、占道经营", "Trading outside the unit", "1000.00"),
    ("opening-hours", "未按规定时间营业", "Not open in the agreed hours", "500.00"),
)


# --- who keeps what -----------------------------------------------------------------------


def _may(actor, permission: str, station: Station | None) -> bool:
    """``permission`` (a model permission the role holds) within ``station`` (None: the
    network, which needs manage_station held globally)."""
    if actor is None:
        return True
    if not (actor.is_active and actor.has_perm(f"leasing.{permission}")):
        return False
    if station is None:
        return actor.has_perm(MANAGE)
    return can_manage_station(actor, station)


def _ensure(actor, permission: str, station: Station | None) -> None:
    if _may(actor, permission, station):
        return
    if station is None:
        raise PermissionDenied(_("Only a leasing officer of the whole network may do this."))
    raise PermissionDenied(
        _("You may not keep this record for station %(code)s.") % {"code": station.code}
    )


def _ensure_person(actor) -> None:
    """Inspections, penalties and price checks are signed by the person who made them."""
    if actor is None:
        raise PermissionDenied(_("This record is made in a person's name, not the system's."))


# --- parsing ------------------------------------------------------------------------------


def _text(value, field_name: str, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not text:
        raise ValidationError({field_name: _("This field is required.")})
    return text


def _amount(value, field_name: str, *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field_name: _("Enter an amount in CNY.")}) from None
    if not number.is_finite() or number != number.quantize(CENT):
        raise ValidationError({field_name: _("Give the amount in CNY with at most 2 decimals.")})
    if number < 0 or (positive and number == 0):
        raise ValidationError(
            {
                field_name: _("The amount must be more than 0.")
                if positive
                else _("Give an amount of 0 or more.")
            }
        )
    return number.quantize(CENT)


def _day(value, field_name: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field_name: _("Give a date.")})
    if value > timezone.localdate():
        raise ValidationError({field_name: _("%(day)s is in the future.") % {"day": value}})
    return value


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _open_outlet(lease: Lease, field_name: str = "lease") -> Lease:
    lease = Lease.objects.select_related("station", "merchant").get(pk=lease.pk)
    if lease.status != Lease.Status.OPEN:
        raise ValidationError(
            {
                field_name: _("Outlet %(code)s is not open (it is %(status)s).")
                % {"code": lease.code, "status": lease.get_status_display().lower()}
            }
        )
    return lease


# --- inspections --------------------------------------------------------------------------


def _checklist(items) -> list[dict]:
    """Each of the four items exactly once, passed or failed; a failed one says why."""
    if not isinstance(items, (list, tuple)):
        raise ValidationError({"checklist": _("Give the checklist as a list of items.")})
    faults, seen, clean = [], set(), []
    for position, entry in enumerate(items, start=1):
        entry = entry if isinstance(entry, dict) else {}
        key = entry.get("item")
        if key not in ChecklistItem.values:
            faults.append(
                _("Item %(n)s: “%(item)s” is not on the checklist.") % {"n": position, "item": key}
            )
            continue
        label = ChecklistItem(key).label
        if key in seen:
            faults.append(_("%(item)s is checked twice.") % {"item": label})
            continue
        seen.add(key)
        passed = entry.get("passed")
        if not isinstance(passed, bool):
            faults.append(_("%(item)s: say whether it passed.") % {"item": label})
            continue
        note = (entry.get("note") or "").strip()
        if not passed and not note:
            faults.append(_("%(item)s failed: say what was wrong.") % {"item": label})
            continue
        clean.append({"item": key, "passed": passed, "note": note})
    for key in ChecklistItem.values:
        if key not in seen:
            faults.append(_("%(item)s is not checked.") % {"item": ChecklistItem(key).label})
    if faults:
        raise ValidationError({"checklist": faults})
    order = list(ChecklistItem.values)
    return sorted(clean, key=lambda e: order.index(e["item"]))


def _score(value) -> Decimal:
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"score": _("Give a score from 0 to 100.")}) from None
    if not score.is_finite() or not (0 <= score <= 100) or score != score.quantize(CENT):
        raise ValidationError({"score": _("Give a score from 0 to 100, to 2 decimals at most.")})
    return score.quantize(CENT)


def _inspection_snapshot(inspection: Inspection) -> dict:
    return {
        "lease": inspection.lease.code,
        "inspected_on": inspection.inspected_on,
        "checklist": inspection.checklist,
        "score": inspection.score,
        "findings": inspection.findings,
        "follow_up": inspection.follow_up,
        "follow_up_due": inspection.follow_up_due,
    }


@transaction.atomic
def inspection_record(
    *,
    actor,
    lease: Lease,
    inspected_on: dt.date,
    checklist,
    score,
    findings: str = "",
    follow_up: str = "",
    follow_up_due: dt.date | None = None,
) -> Inspection:
    """Record an inspection of an open outlet: the four checklist items (hygiene, fire safety,
    price tags, service) each passed or failed with a note, a score of 0–100 and findings.
    When anything failed, the follow-up required and its due date (after the inspection)."""
    lease = _open_outlet(lease)
    _ensure_person(actor)
    _ensure(actor, "add_inspection", lease.station)
    errors, parsed = {}, {}
    for name, parse in (
        ("inspected_on", lambda: _day(inspected_on, "inspected_on")),
        ("checklist", lambda: _checklist(checklist)),
        ("score", lambda: _score(score)),
    ):
        try:
            parsed[name] = parse()
        except ValidationError as error:
            errors.update(error.message_dict)
    if "inspected_on" in parsed and lease.opened_on and inspected_on < lease.opened_on:
        errors["inspected_on"] = _("Outlet %(code)s opened on %(day)s.") % {
            "code": lease.code,
            "day": lease.opened_on,
        }
    if errors:
        raise ValidationError(errors)
    items = parsed["checklist"]
    follow_up = _text(follow_up, "follow_up", required=False)
    failed = [ChecklistItem(e["item"]).label for e in items if not e["passed"]]
    if failed and not follow_up:
        errors["follow_up"] = _("%(items)s failed: say what the outlet must put right.") % {
            "items": ", ".join(str(label) for label in failed)
        }
    if follow_up and follow_up_due is None:
        errors["follow_up_due"] = _("Give the date by which the follow-up is due.")
    elif follow_up_due is not None and not follow_up:
        errors["follow_up"] = _("Say what is due by %(day)s.") % {"day": follow_up_due}
    elif follow_up_due is not None and follow_up_due <= inspected_on:
        errors["follow_up_due"] = _("The follow-up is due after the inspection (%(day)s).") % {
            "day": inspected_on
        }
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(
        lease=lease,
        inspected_on=inspected_on,
        inspector=actor,
        checklist=items,
        score=parsed["score"],
        findings=_text(findings, "findings", required=False),
        follow_up=follow_up,
        follow_up_due=follow_up_due,
    )
    audit.record(
        actor=actor,
        action="inspection.record",
        target=inspection,
        after=_inspection_snapshot(inspection),
    )
    return inspection


@transaction.atomic
def inspection_follow_up_done(
    *, actor, inspection: Inspection, done_on: dt.date | None = None
) -> Inspection:
    """The outlet has put right what the inspection found, on ``done_on`` (default today)."""
    inspection = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("lease__station")
        .get(pk=inspection.pk)
    )
    _ensure(actor, "change_inspection", inspection.lease.station)
    done_on = _day(done_on or timezone.localdate(), "done_on")
    if not inspection.follow_up:
        raise ValidationError(_("This inspection asked for no follow-up."))
    if inspection.follow_up_done_on is not None:
        raise ValidationError(
            _("The follow-up was done on %(day)s.") % {"day": inspection.follow_up_done_on}
        )
    if done_on < inspection.inspected_on:
        raise ValidationError(
            {
                "done_on": _("The inspection was on %(day)s; the follow-up comes after it.")
                % {"day": inspection.inspected_on}
            }
        )
    inspection.follow_up_done_on = done_on
    inspection.save(update_fields=["follow_up_done_on"])
    audit.record(
        actor=actor,
        action="inspection.follow_up_done",
        target=inspection,
        after={"follow_up_done_on": done_on, "due": inspection.follow_up_due},
    )
    return inspection


# --- complaints ---------------------------------------------------------------------------


@transaction.atomic
def complaint_receive(
    *,
    actor,
    station: Station,
    category: str,
    received_at: dt.datetime,
    description: str,
    lease: Lease | None = None,
    service_hours: int = 24,
) -> Complaint:
    """Record a passenger's complaint about the station's commerce or one of its outlets,
    received at ``received_at`` (not in the future), to be answered within ``service_hours``."""
    station = Station.objects.get(pk=station.pk)
    _ensure(actor, "add_complaint", station)
    errors = {}
    if category not in Complaint.Category.values:
        errors["category"] = _("“%(value)s” is not a complaint category.") % {"value": category}
    if not isinstance(received_at, dt.datetime):
        errors["received_at"] = _("Give the date and time the complaint was received.")
    else:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        if received_at > timezone.now():
            errors["received_at"] = _("%(when)s is in the future.") % {"when": _when(received_at)}
    if not (description or "").strip():
        errors["description"] = _("Say what the passenger complains about.")
    if not isinstance(service_hours, int) or not 1 <= service_hours <= MAX_SERVICE_HOURS:
        errors["service_hours"] = _("Give the hours to answer in, from 1 to %(most)s.") % {
            "most": MAX_SERVICE_HOURS
        }
    if lease is not None:
        lease = Lease.objects.select_related("station").get(pk=lease.pk)
        if lease.station_id != station.pk:
            errors["lease"] = _("Outlet %(code)s is not in station %(station)s.") % {
                "code": lease.code,
                "station": station.code,
            }
    if errors:
        raise ValidationError(errors)
    complaint = Complaint.objects.create(
        station=station,
        lease=lease,
        category=category,
        received_at=received_at,
        description=description.strip(),
        service_hours=service_hours,
    )
    audit.record(
        actor=actor,
        action="complaint.receive",
        target=complaint,
        after={
            "station": station.code,
            "lease": lease.code if lease else None,
            "category": category,
            "received_at": received_at,
            "service_hours": service_hours,
        },
    )
    return complaint


@transaction.atomic
def complaint_answer(*, actor, complaint: Complaint, resolution: str) -> Complaint:
    """Answer a complaint now (the server's time) with its resolution; once."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("station")
        .get(pk=complaint.pk)
    )
    _ensure(actor, "change_complaint", complaint.station)
    if complaint.answered_at is not None:
        raise ValidationError(
            _("This complaint was answered on %(when)s.") % {"when": _when(complaint.answered_at)}
        )
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the complaint was resolved.")})
    complaint.answered_at = timezone.now()
    complaint.resolution = resolution
    complaint.save(update_fields=["answered_at", "resolution"])
    audit.record(
        actor=actor,
        action="complaint.answer",
        target=complaint,
        after={
            "answered_at": complaint.answered_at,
            "in_time": complaint.answered_in_time,
            "resolution": resolution,
        },
    )
    return complaint


# --- the fine schedule and penalties ------------------------------------------------------


def _violation_snapshot(violation: ViolationType) -> dict:
    return {
        "code": violation.code,
        "name_zh": violation.name_zh,
        "name_en": violation.name_en,
        "fine": violation.fine,
    }


@transaction.atomic
def violation_type_set(
    *, actor, code: str, name_zh: str, fine, name_en: str = ""
) -> ViolationType:
    """Add a violation type to the fine schedule, or change its names and fine (by code).

    Penalties already issued keep the fine of their day."""
    code = (code or "").strip()
    existing = ViolationType.objects.select_for_update().filter(code=code).first()
    needed = "change_violationtype" if existing else "add_violationtype"
    if actor is not None and not (actor.is_active and actor.has_perm(f"leasing.{needed}")):
        raise PermissionDenied(_("Only a leasing officer keeps the fine schedule."))
    violation = existing or ViolationType(code=code)
    before = _violation_snapshot(existing) if existing else None
    violation.name_zh = _text(name_zh, "name_zh")
    violation.name_en = _text(name_en, "name_en", required=False)
    violation.fine = _amount(fine, "fine")
    violation.full_clean(validate_unique=existing is None)
    violation.save()
    audit.record(
        actor=actor,
        action="violation_type.update" if existing else "violation_type.create",
        target=violation,
        before=before,
        after=_violation_snapshot(violation),
    )
    return violation


@transaction.atomic
def violation_types_load_defaults(*, actor) -> list[ViolationType]:
    """Add the default fine schedule's types that are missing (existing ones stay as they are);
    returns those added."""
    have = set(ViolationType.objects.values_list("code", flat=True))
    return [
        violation_type_set(actor=actor, code=code, name_zh=zh, name_en=en, fine=fine)
        for code, zh, en, fine in DEFAULT_VIOLATION_TYPES
        if code not in have
    ]


@transaction.atomic
def penalty_issue(
    *,
    actor,
    lease: Lease,
    violation: ViolationType,
    inspection: Inspection | None = None,
    complaint: Complaint | None = None,
    note: str = "",
) -> Penalty:
    """Fine an outlet for a violation at the schedule's fine of today, citing the inspection
    of that outlet or the complaint about it (or about its station) the penalty comes from."""
    lease = Lease.objects.select_related("station").get(pk=lease.pk)
    _ensure_person(actor)
    _ensure(actor, "add_penalty", lease.station)
    violation = ViolationType.objects.get(pk=violation.pk)
    errors = {}
    if inspection is None and complaint is None:
        errors["inspection"] = _("Cite the inspection or the complaint the penalty comes from.")
    if inspection is not None:
        inspection = Inspection.objects.select_related("lease").get(pk=inspection.pk)
        if inspection.lease_id != lease.pk:
            errors["inspection"] = _(
                "The inspection of %(day)s is of outlet %(other)s, not %(code)s."
            ) % {
                "day": inspection.inspected_on,
                "other": inspection.lease.code,
                "code": lease.code,
            }
        elif Penalty.objects.filter(inspection=inspection, violation=violation).exists():
            errors["inspection"] = _("This inspection has its penalty for %(violation)s.") % {
                "violation": violation
            }
    if complaint is not None:
        complaint = Complaint.objects.select_related("station", "lease").get(pk=complaint.pk)
        if complaint.station_id != lease.station_id:
            errors["complaint"] = _(
                "The complaint is about station %(other)s, not %(station)s."
            ) % {
                "other": complaint.station.code,
                "station": lease.station.code,
            }
        elif complaint.lease_id is not None and complaint.lease_id != lease.pk:
            errors["complaint"] = _("The complaint is about outlet %(other)s, not %(code)s.") % {
                "other": complaint.lease.code,
                "code": lease.code,
            }
        elif Penalty.objects.filter(complaint=complaint, violation=violation).exists():
            errors["complaint"] = _("This complaint has its penalty for %(violation)s.") % {
                "violation": violation
            }
    if errors:
        raise ValidationError(errors)
    penalty = Penalty.objects.create(
        lease=lease,
        violation=violation,
        amount=violation.fine,
        inspection=inspection,
        complaint=complaint,
        issued_on=timezone.localdate(),
        issued_by=actor,
        note=(note or "").strip(),
    )
    audit.record(
        actor=actor,
        action="penalty.issue",
        target=penalty,
        after={
            "lease": lease.code,
            "violation": violation.code,
            "amount": penalty.amount,
            "inspection": inspection.pk if inspection else None,
            "complaint": complaint.pk if complaint else None,
        },
    )
    return penalty


# --- same price (同质同价) -------------------------------------------------------------------


@transaction.atomic
def price_check_record(
    *, actor, lease: Lease, item: str, station_price, street_price, checked_on: dt.date
) -> PriceCheck:
    """Record a chain item's price in an open outlet against the same item in the street;
    the check is flagged (``above_street``) when the station's price is higher."""
    lease = _open_outlet(lease)
    _ensure_person(actor)
    _ensure(actor, "add_pricecheck", lease.station)
    errors = {}
    for parse in (
        lambda: _text(item, "item"),
        lambda: _amount(station_price, "station_price", positive=True),
        lambda: _amount(street_price, "street_price", positive=True),
        lambda: _day(checked_on, "checked_on"),
    ):
        try:
            parse()
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    check = PriceCheck.objects.create(
        lease=lease,
        checked_on=checked_on,
        item=item.strip(),
        station_price=_amount(station_price, "station_price"),
        street_price=_amount(street_price, "street_price"),
        checked_by=actor,
    )
    audit.record(
        actor=actor,
        action="price_check.record",
        target=check,
        after={
            "lease": lease.code,
            "item": check.item,
            "station_price": check.station_price,
            "street_price": check.street_price,
            "above_street": check.above_street,
        },
    )
    return check


# --- marketing events ---------------------------------------------------------------------


@transaction.atomic
def marketing_event_create(
    *,
    actor,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    station: Station | None = None,
    description: str = "",
) -> MarketingEvent:
    """A station's campaign, or without ``station`` the whole network's."""
    _ensure(actor, "add_marketingevent", station)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the event a title.")
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        errors["starts_on"] = _("Give the days the event starts and ends.")
    elif ends_on < starts_on:
        errors["ends_on"] = _("The event ends on or after it starts (%(day)s).") % {
            "day": starts_on
        }
    if errors:
        raise ValidationError(errors)
    event = MarketingEvent.objects.create(
        title=title,
        station=station,
        starts_on=starts_on,
        ends_on=ends_on,
        description=(description or "").strip(),
    )
    audit.record(
        actor=actor,
        action="marketing_event.create",
        target=event,
        after={
            "title": title,
            "station": station.code if station else None,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return event


@transaction.atomic
def marketing_event_add_outlets(
    *, actor, event: MarketingEvent, outlets: Sequence[Lease]
) -> MarketingEvent:
    """Outlets take part in an event: outlets of its station (any, for a network event) that
    are open during it — open now, opened by its last day, and let beyond its first."""
    event = MarketingEvent.objects.select_for_update().get(pk=event.pk)
    _ensure(actor, "change_marketingevent", event.station)
    leases = list(
        Lease.objects.filter(pk__in=[o.pk for o in outlets])
        .select_related("station")
        .order_by("code")
    )
    if not leases:
        raise ValidationError({"outlets": _("Choose at least one outlet.")})
    taking_part = set(event.outlets.values_list("pk", flat=True))
    faults = []
    for lease in leases:
        if event.station_id is not None and lease.station_id != event.station_id:
            faults.append(
                _("Outlet %(code)s is in station %(other)s, not %(station)s.")
                % {"code": lease.code, "other": lease.station.code, "station": event.station.code}
            )
        elif (
            lease.status != Lease.Status.OPEN
            or lease.opened_on is None
            or lease.opened_on > event.ends_on
            or lease.end_date <= event.starts_on
        ):
            faults.append(
                _("Outlet %(code)s is not open from %(start)s to %(end)s.")
                % {"code": lease.code, "start": event.starts_on, "end": event.ends_on}
            )
        elif lease.pk in taking_part:
            faults.append(_("Outlet %(code)s already takes part.") % {"code": lease.code})
        elif not _may(actor, "change_marketingevent", lease.station):
            faults.append(
                _("You may not enter outlet %(code)s of station %(station)s.")
                % {"code": lease.code, "station": lease.station.code}
            )
    if faults:
        raise ValidationError({"outlets": faults})
    event.outlets.add(*leases)
    audit.record(
        actor=actor,
        action="marketing_event.add_outlets",
        target=event,
        data={"added": [lease.code for lease in leases]},
        after={"outlets": sorted(event.outlets.values_list("code", flat=True))},
    )
    return event


# --- reads --------------------------------------------------------------------------------


class Hours(Func):
    """A whole number of hours as a duration: an interval on PostgreSQL, microseconds (how
    Django stores a duration) on SQLite."""

    output_field = models.DurationField()
    template = "(%(expressions)s * INTERVAL '1 hour')"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s * 3600000000)", **extra_context
        )


def with_answer_due(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate ``answer_due``: received time + the service hours (Complaint.answer_due_at
    in the database)."""
    return complaints.annotate(
        answer_due=ExpressionWrapper(
            F("received_at") + Hours("service_hours"), output_field=DateTimeField()
        )
    )


def complaints_for(user) -> QuerySet[Complaint]:
    """The complaints of the stations ``user`` may read, for those who keep or read them."""
    if user is None:
        return Complaint.objects.all()
    if not (user.is_active and user.has_perm("leasing.view_complaint")):
        return Complaint.objects.none()
    return Complaint.objects.filter(station__in=stations_for(user))


def complaints_overdue(user, *, now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """Complaints not answered whose service time is over at ``now`` (default: the server's
    time), the longest overdue first."""
    now = now or timezone.now()
    return (
        with_answer_due(complaints_for(user))
        .filter(answered_at__isnull=True, answer_due__lt=now)
        .select_related("station", "lease")
        .order_by("answer_due", "pk")
    )


def outlets_above_street(user) -> QuerySet[Lease]:
    """Outlets ``user`` may see whose latest check of some item found the station's price above
    the street's, with ``items_above_street``: how many such items."""
    newer = PriceCheck.objects.filter(lease=OuterRef("lease"), item=OuterRef("item")).filter(
        Q(checked_on__gt=OuterRef("checked_on"))
        | Q(checked_on=OuterRef("checked_on"), pk__gt=OuterRef("pk"))
    )
    flagged = PriceCheck.objects.filter(station_price__gt=F("street_price")).exclude(Exists(newer))
    if user is not None and not (user.is_active and user.has_perm("leasing.view_pricecheck")):
        return Lease.objects.none()
    return (
        leases_for(user)
        .filter(price_checks__in=flagged)
        .annotate(items_above_street=Count("price_checks", distinct=True))
        .select_related("station", "merchant")
        .order_by("station__code", "code")
    )


def marketing_events_on(day: dt.date) -> QuerySet[MarketingEvent]:
    """Events running on ``day`` or later, with their outlets, as the portal shows them."""
    return (
        MarketingEvent.objects.filter(ends_on__gte=day)
        .select_related("station")
        .prefetch_related("outlets__merchant")
        .order_by("starts_on", "title")
    )
