"""Every write to a tender round before its bids: schedule, lots, criteria, documents, status.

Only holders of ``tenders.run_round`` (leasing officers) or the system (``actor=None``) run
rounds. Each service is atomic, locks the round row, and writes an audit entry; times are the
server's (``timezone.now()``), never the client's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

import audit
from stations import media
from stations.models import BusinessCategory, Unit
from stations.spread import spread_faults
from stations.transitions import ensure_transition
from stations.uploads import check_files
from tenders import notices
from tenders import notifications as tender_notifications
from tenders.models import Criterion, Lot, RoundDocument, TenderRound
from tenders.permissions import is_tender_officer
from tenders.sealing import new_round_key

SCHEDULE_FIELDS = TenderRound.SCHEDULE_FIELDS
THRESHOLD_FIELDS = (
    "min_registered_capital",
    "min_years_in_business",
    "min_store_count",
    "company_only",
    "direct_only",
    "no_credit_bar",
    "min_customer_rating",
)
OPTION_FIELDS = ("publicity_days", "min_members_per_lot")
ROUND_FIELDS = ("code", "title", *SCHEDULE_FIELDS, *OPTION_FIELDS, *THRESHOLD_FIELDS)
LOT_FIELDS = ("number", "title", "business_type", "term_months", "reserve_annual_rent")

Status = TenderRound.Status
# The schedule still moves (forward only) until the bids are opened.
SCHEDULE_OPEN_STATUSES = frozenset(
    {Status.DRAFT, Status.PUBLISHED, Status.APPLICATIONS_CLOSED, Status.BIDDING_CLOSED}
)
# Documents may be amended until bidding closes: bidders must have them before they bid.
# The round's documents, published for every merchant to download: printable and office files,
# and an archive for a tender book with its drawings (never a page a browser would run).
DOCUMENT_KINDS = ("PDF", "DOCX", "XLSX", "ZIP")
DEFAULT_MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
DOCUMENT_OPEN_STATUSES = frozenset({Status.DRAFT, Status.PUBLISHED, Status.APPLICATIONS_CLOSED})
# Rounds whose open lots still hold their units.
LIVE_EXCLUDED_STATUSES = (Status.FAILED, Status.CANCELLED)


def ensure_runs_rounds(actor) -> None:
    if not is_tender_officer(actor):
        raise PermissionDenied(_("Only a leasing officer who runs tender rounds may do this."))


def when(value) -> str:
    """A time as officers read it: local (Asia/Shanghai), to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _label(field_name: str) -> str:
    return capfirst(TenderRound._meta.get_field(field_name).verbose_name)


def _snapshot(obj, fields: Iterable[str]) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _locked(round: TenderRound) -> TenderRound:
    return TenderRound.objects.select_for_update().get(pk=round.pk)


def _aware(value, field_name: str):
    if value is None:
        raise ValidationError(
            {field_name: _("%(label)s is required.") % {"label": _label(field_name)}}
        )
    if timezone.is_naive(value):
        # A naive time is read as local time, as the admin's forms do.
        value = timezone.make_aware(value)
    return value


def _schedule_order_errors(dates: dict) -> dict[str, str]:
    """Field-named faults of the schedule's order.

    publication ≤ applications open < applications close ≤ bid deadline ≤ opening.
    """
    rules = (
        (
            "application_opens_at",
            "publication_at",
            False,
            _("Applications cannot open before the publication (%(other)s)."),
        ),
        (
            "application_closes_at",
            "application_opens_at",
            True,
            _("Applications must close after they open (%(other)s)."),
        ),
        (
            "bid_deadline",
            "application_closes_at",
            False,
            _("The bid deadline cannot come before applications close (%(other)s)."),
        ),
        (
            "opening_at",
            "bid_deadline",
            False,
            _("The opening cannot come before the bid deadline (%(other)s)."),
        ),
    )
    errors = {}
    for later, earlier, strict, message in rules:
        if dates[later] < dates[earlier] or (strict and dates[later] == dates[earlier]):
            errors[later] = message % {"other": when(dates[earlier])}
    return errors


# --- rounds -------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    actor,
    code: str,
    title: str,
    publication_at,
    application_opens_at,
    application_closes_at,
    bid_deadline,
    opening_at,
    **options,
) -> TenderRound:
    """Create a draft round with its schedule, thresholds and a fresh sealing key.

    Every date must lie ahead (server clock) and in order; the round key is stored only
    wrapped under the master key, bound to the round code.
    """
    ensure_runs_rounds(actor)
    unknown = sorted(set(options) - set(OPTION_FIELDS) - set(THRESHOLD_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    dates = {
        name: _aware(value, name)
        for name, value in zip(
            SCHEDULE_FIELDS,
            (
                publication_at,
                application_opens_at,
                application_closes_at,
                bid_deadline,
                opening_at,
            ),
            strict=True,
        )
    }
    now = timezone.now()
    errors = {
        name: _("%(label)s (%(when)s) is in the past.")
        % {"label": _label(name), "when": when(value)}
        for name, value in dates.items()
        if value <= now
    }
    for name, message in _schedule_order_errors(dates).items():
        errors.setdefault(name, message)
    if errors:
        raise ValidationError(errors)
    round = TenderRound(
        code=(code or "").strip(), title=title, created_by=actor, **dates, **options
    )
    round.wrapped_key = new_round_key(round_code=round.code)[1]
    round.full_clean(validate_constraints=False)
    round.save()
    audit.record(
        actor=actor, action="round.create", target=round, after=_snapshot(round, ROUND_FIELDS)
    )
    return round


@transaction.atomic
def round_update(*, actor, round: TenderRound, **changes) -> TenderRound:
    """Change a draft round's title, thresholds or options (the schedule has its own service)."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    _ensure_draft(
        round, _("The round's title and thresholds can change only while it is a draft.")
    )
    allowed = {"title", *OPTION_FIELDS, *THRESHOLD_FIELDS}
    bad = sorted(set(changes) - allowed)
    if bad:
        raise ValidationError({name: _("This field cannot be changed here.") for name in bad})
    before = _snapshot(round, changes)
    for name, value in changes.items():
        setattr(round, name, value)
    round.full_clean(validate_constraints=False)
    round.save(update_fields=list(changes))
    audit.record(
        actor=actor,
        action="round.update",
        target=round,
        before=before,
        after=_snapshot(round, changes),
    )
    return round


@transaction.atomic
def round_change_schedule(*, actor, round: TenderRound, **new_dates) -> TenderRound:
    """Move dates of the schedule; only dates still ahead may move, and only to the future.

    A draft was never public, so none of its dates has taken effect: a draft whose planned
    publication went by unpublished is rescheduled to the future like any other. Refused once
    the bids are opened. The order must still hold; the journal keeps the old and the new
    value of every date that moved.
    """
    round = _locked(round)
    ensure_runs_rounds(actor)
    unknown = sorted(set(new_dates) - set(SCHEDULE_FIELDS))
    if unknown:
        raise ValidationError({name: _("This is not a date of the schedule.") for name in unknown})
    if round.status not in SCHEDULE_OPEN_STATUSES:
        raise ValidationError(
            _("Round %(code)s is %(status)s: its schedule can no longer change.")
            % {"code": round.code, "status": round.get_status_display()}
        )
    now = timezone.now()
    errors: dict[str, str] = {}
    before, after = {}, {}
    for name, value in new_dates.items():
        value = _aware(value, name)
        old = getattr(round, name)
        if value == old:
            continue
        if old <= now and round.status != Status.DRAFT:
            errors[name] = _(
                "%(label)s (%(when)s) has already passed; it can no longer change."
            ) % {
                "label": _label(name),
                "when": when(old),
            }
        elif value <= now:
            errors[name] = _("%(label)s cannot be moved into the past (%(when)s).") % {
                "label": _label(name),
                "when": when(value),
            }
        before[name], after[name] = old, value
    if not errors:
        merged = {name: after.get(name, getattr(round, name)) for name in SCHEDULE_FIELDS}
        errors = _schedule_order_errors(merged)
    if errors:
        raise ValidationError(errors)
    if not after:
        return round
    for name, value in after.items():
        setattr(round, name, value)
    round.save(update_fields=list(after))
    audit.record(
        actor=actor, action="round.change_schedule", target=round, before=before, after=after
    )
    return round


def _ensure_draft(round: TenderRound, message: str) -> None:
    if round.status != Status.DRAFT:
        raise ValidationError(message)


def _publish_faults(round: TenderRound, now) -> list[str]:
    faults = []
    if not round.lots.exists():
        faults.append(_("A round needs at least one lot before it is published."))
    total = sum((c.weight for c in round.criteria.all()), Decimal("0"))
    if total != Decimal("100"):
        faults.append(
            _("The criteria weights add up to %(total)s; they must add up to exactly 100.")
            % {"total": f"{total:.2f}"}
        )
    published = set(round.documents.values_list("kind", flat=True))
    for kind in RoundDocument.Kind:
        if kind not in published:
            faults.append(_("The %(kind)s has not been uploaded.") % {"kind": kind.label})
    if round.publication_at < now:
        faults.append(
            _("The publication time %(when)s has passed; a round is published ahead of it.")
            % {"when": when(round.publication_at)}
        )
    return faults


@transaction.atomic
def round_publish(*, actor, round: TenderRound) -> TenderRound:
    """Draft → published: needs a lot, criteria weighing 100, all three documents, and a
    publication time not yet passed (the notice becomes public at that time)."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    ensure_transition(round, Status.PUBLISHED)
    faults = _publish_faults(round, timezone.now())
    if faults:
        raise ValidationError(faults)
    round = _move(actor, round, Status.PUBLISHED, action="round.publish")
    notices.round_published(round)  # after the commit: the public site makes its notice page
    tender_notifications.round_published_later(round)  # the merchants whose demands match
    return round


@transaction.atomic
def round_close_applications(*, actor, round: TenderRound) -> TenderRound:
    """Published → applications closed, once the application window has ended."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    ensure_transition(round, Status.APPLICATIONS_CLOSED)
    if timezone.now() < round.application_closes_at:
        raise ValidationError(
            _("Applications close at %(when)s; they cannot be closed before.")
            % {"when": when(round.application_closes_at)}
        )
    return _move(actor, round, Status.APPLICATIONS_CLOSED, action="round.close_applications")


@transaction.atomic
def round_close_bidding(*, actor, round: TenderRound) -> TenderRound:
    """Applications closed → bidding closed, once the bid deadline has passed."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    ensure_transition(round, Status.BIDDING_CLOSED)
    if timezone.now() < round.bid_deadline:
        raise ValidationError(
            _("The bid deadline is %(when)s; bidding cannot be closed before it.")
            % {"when": when(round.bid_deadline)}
        )
    return _move(actor, round, Status.BIDDING_CLOSED, action="round.close_bidding")


@transaction.atomic
def round_cancel(*, actor, round: TenderRound, reason: str) -> TenderRound:
    """Cancel a round (its lots' units are free again); the reason is required and journaled."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    ensure_transition(round, Status.CANCELLED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the round is cancelled.")})
    return _move(actor, round, Status.CANCELLED, action="round.cancel", reason=reason.strip())


def move_round(
    actor, round: TenderRound, status: str, *, action: str, data=None, fields: Sequence[str] = ()
) -> TenderRound:
    """Move a locked ``round`` along its transition table, saving ``fields`` changed with the
    status, and journal the move (the fields' new values with it)."""
    ensure_transition(round, status)
    before = round.status
    round.status = status
    round.save(update_fields=["status", *fields])
    audit.record(
        actor=actor,
        action=action,
        target=round,
        before={"status": before},
        after={"status": status, **{name: getattr(round, name) for name in fields}},
        data=data,
    )
    return round


def _move(actor, round: TenderRound, status: str, *, action: str, reason: str = ""):
    return move_round(
        actor, round, status, action=action, data={"reason": reason} if reason else None
    )


# --- lots ---------------------------------------------------------------------------------


def _money(value, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field_name: _("Enter an amount in CNY.")}) from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise ValidationError({field_name: _("Give the amount in CNY with at most 2 decimals.")})
    if number <= 0:
        raise ValidationError({field_name: _("The reserve price must be more than 0.")})
    return number.quantize(Decimal("0.01"))


def _check_lot_units(
    round: TenderRound, units: Sequence[Unit], business_type: BusinessCategory, *, lot=None
) -> list[Unit]:
    """The lot's units, locked: one station, available, designated, in no other live lot."""
    ids = [getattr(u, "pk", u) for u in units]
    if not ids:
        raise ValidationError({"units": _("A lot needs at least one unit.")})
    locked = list(
        Unit.objects.select_for_update(of=("self",))
        .select_related("station")
        .filter(pk__in=ids)
        .order_by("station__code", "code")
    )
    if len(locked) != len(set(ids)):
        raise ValidationError({"units": _("One of the units does not exist.")})
    stations = sorted({u.station.code for u in locked})
    if len(stations) > 1:
        raise ValidationError(
            {
                "units": _("The units of a lot must all be in one station, not %(stations)s.")
                % {"stations": ", ".join(stations)}
            }
        )
    if business_type is None or business_type.parent_id is None:
        raise ValidationError(
            {
                "business_type": _(
                    "Choose a specific business type, not a major class (%(name)s)."
                )
                % {"name": business_type}
            }
        )
    faults = []
    for unit in locked:
        if unit.status != Unit.Status.AVAILABLE:
            faults.append(
                _("Unit %(unit)s is %(status)s, not available for letting.")
                % {"unit": unit, "status": unit.get_status_display().lower()}
            )
    allowed_by_unit: dict[int, set] = {}
    for unit_id, category_id, parent_id in Unit.business_types.through.objects.filter(
        unit_id__in=ids
    ).values_list("unit_id", "businesscategory_id", "businesscategory__parent_id"):
        # A designation for a major class admits each of its types.
        allowed_by_unit.setdefault(unit_id, set()).add(category_id)
        if parent_id is None:
            allowed_by_unit[unit_id].add(("class", category_id))
    for unit in locked:
        allowed = allowed_by_unit.get(unit.pk, set())
        if business_type.pk not in allowed and ("class", business_type.parent_id) not in allowed:
            faults.append(
                _("Unit %(unit)s is not designated for %(type)s.")
                % {"unit": unit, "type": business_type}
            )
    others = (
        Lot.objects.filter(units__in=ids, status=Lot.Status.OPEN)
        .exclude(round__status__in=LIVE_EXCLUDED_STATUSES)
        .select_related("round")
        .distinct()
    )
    if lot is not None:
        others = others.exclude(pk=lot.pk)
    taken = {}
    for other in others:
        for unit_id in other.units.filter(pk__in=ids).values_list("pk", flat=True):
            taken[unit_id] = other
    for unit in locked:
        if unit.pk in taken:
            faults.append(
                _("Unit %(unit)s is already in %(lot)s.") % {"unit": unit, "lot": taken[unit.pk]}
            )
    # 错位经营: the station's spread limits for the type (stations.spread), this lot excluded.
    faults += spread_faults(
        station=locked[0].station,
        business_type=business_type,
        units=locked,
        excluding=[lot] if lot is not None else [],
    )
    if faults:
        raise ValidationError({"units": faults})
    return locked


def _clean_lot(lot: Lot) -> None:
    lot.reserve_annual_rent = _money(lot.reserve_annual_rent, "reserve_annual_rent")
    lot.full_clean(exclude=["units"])


@transaction.atomic
def lot_add(
    *,
    actor,
    round: TenderRound,
    number: int,
    title: str,
    units: Sequence[Unit],
    business_type: BusinessCategory,
    term_months: int,
    reserve_annual_rent,
) -> Lot:
    """Add a lot to a draft round: available units of one station, designated for the type."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    _ensure_draft(round, _("Lots can change only while the round is a draft."))
    locked = _check_lot_units(round, units, business_type)
    lot = Lot(
        round=round,
        number=number,
        title=title,
        station=locked[0].station,
        business_type=business_type,
        term_months=term_months,
        reserve_annual_rent=reserve_annual_rent,
    )
    _clean_lot(lot)
    lot.save()
    lot.units.set(locked)
    audit.record(actor=actor, action="lot.add", target=lot, after=_lot_snapshot(lot, locked))
    return lot


def _lot_snapshot(lot: Lot, units: Iterable[Unit]) -> dict:
    snapshot = _snapshot(lot, LOT_FIELDS)
    snapshot["business_type"] = lot.business_type.code
    snapshot["units"] = sorted(str(u) for u in units)
    return snapshot


@transaction.atomic
def lot_update(*, actor, lot: Lot, units: Sequence[Unit] | None = None, **changes) -> Lot:
    """Change a lot of a draft round; the same rules as when it was added."""
    round = _locked(lot.round)
    ensure_runs_rounds(actor)
    _ensure_draft(round, _("Lots can change only while the round is a draft."))
    lot = Lot.objects.select_related("business_type").get(pk=lot.pk)
    bad = sorted(set(changes) - set(LOT_FIELDS))
    if bad:
        raise ValidationError({name: _("This field cannot be changed here.") for name in bad})
    before = _lot_snapshot(lot, lot.units.all())
    for name, value in changes.items():
        setattr(lot, name, value)
    locked = _check_lot_units(
        round, units if units is not None else list(lot.units.all()), lot.business_type, lot=lot
    )
    lot.station = locked[0].station
    _clean_lot(lot)
    lot.save()
    lot.units.set(locked)
    audit.record(
        actor=actor,
        action="lot.update",
        target=lot,
        before=before,
        after=_lot_snapshot(lot, locked),
    )
    return lot


@transaction.atomic
def lot_remove(*, actor, lot: Lot) -> None:
    """Remove a lot from a draft round."""
    round = _locked(lot.round)
    ensure_runs_rounds(actor)
    _ensure_draft(round, _("Lots can change only while the round is a draft."))
    lot = Lot.objects.select_related("business_type", "round").get(pk=lot.pk)
    before = _lot_snapshot(lot, lot.units.all())
    audit.record(actor=actor, action="lot.remove", target=lot, before=before)
    lot.delete()


# --- criteria -----------------------------------------------------------------------------

TIERED_KINDS = frozenset({Criterion.Kind.REGISTERED_CAPITAL, Criterion.Kind.TRACK_RECORD})


def _decimal_or_none(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _tier_faults(name: str, tiers) -> tuple[list[str], list[list[str]]]:
    if not isinstance(tiers, (list, tuple)) or not tiers:
        return [_("%(name)s: a tiered criterion needs at least one tier.") % {"name": name}], []
    faults, clean = [], []
    previous = None
    for position, tier in enumerate(tiers, start=1):
        pair = list(tier) if isinstance(tier, (list, tuple)) else []
        threshold, share = (
            (_decimal_or_none(pair[0]), _decimal_or_none(pair[1]))
            if len(pair) == 2
            else (None, None)
        )
        if threshold is None or share is None or threshold < 0 or not (0 < share <= 1):
            faults.append(
                _(
                    "%(name)s, tier %(n)d: give a threshold of at least 0 and a share of the "
                    "weight above 0 and at most 1."
                )
                % {"name": name, "n": position}
            )
            continue
        if previous is not None and (threshold <= previous[0] or share < previous[1]):
            faults.append(
                _(
                    "%(name)s, tier %(n)d: tiers must rise: a higher threshold than the tier "
                    "before, and a share at least as large."
                )
                % {"name": name, "n": position}
            )
        previous = (threshold, share)
        clean.append([str(threshold), str(share)])
    return faults, clean


@transaction.atomic
def criterion_set(*, actor, round: TenderRound, criteria: list[dict]) -> list[Criterion]:
    """Replace the criteria of a draft round as a whole.

    Weights (2 decimals) add up to exactly 100, names are unique, one criterion at least is
    the price, and tiered kinds carry ascending tiers ``[[threshold, share], …]``.
    """
    round = _locked(round)
    ensure_runs_rounds(actor)
    _ensure_draft(round, _("Criteria can change only while the round is a draft."))
    faults: list[str] = []
    built: list[Criterion] = []
    seen: set[str] = set()
    total = Decimal("0")
    if not criteria:
        faults.append(_("Give at least one criterion."))
    for position, spec in enumerate(criteria or [], start=1):
        name = str(spec.get("name", "")).strip()
        label = name or _("criterion %(n)d") % {"n": position}
        if not name:
            faults.append(_("Criterion %(n)d has no name.") % {"n": position})
        elif name in seen:
            faults.append(
                _("Criterion names must be unique: %(name)s appears twice.") % {"name": name}
            )
        seen.add(name)
        kind = spec.get("kind")
        if kind not in Criterion.Kind.values:
            faults.append(
                _("%(name)s: “%(kind)s” is not a kind of criterion.")
                % {"name": label, "kind": kind}
            )
        weight = _decimal_or_none(spec.get("weight"))
        if (
            weight is None
            or weight <= 0
            or weight > 100
            or weight != weight.quantize(Decimal("0.01"))
        ):
            faults.append(
                _(
                    "%(name)s: the weight must be more than 0 and at most 100, "
                    "with at most 2 decimals."
                )
                % {"name": label}
            )
            weight = None
        else:
            total += weight
        tiers = spec.get("tiers") or []
        clean_tiers: list = []
        if kind in TIERED_KINDS:
            tier_faults, clean_tiers = _tier_faults(label, tiers)
            faults += tier_faults
        elif tiers:
            faults.append(_("%(name)s: only tiered criteria have tiers.") % {"name": label})
        built.append(
            Criterion(
                round=round,
                name=name,
                kind=kind,
                weight=weight.quantize(Decimal("0.01")) if weight is not None else None,
                tiers=clean_tiers,
                sort_order=position,
            )
        )
    if criteria and not any(c.kind == Criterion.Kind.PRICE for c in built):
        faults.append(_("At least one criterion must be the price."))
    if criteria and total != Decimal("100"):
        faults.append(
            _("The weights add up to %(total)s; they must add up to exactly 100.")
            % {"total": f"{total:.2f}"}
        )
    if faults:
        raise ValidationError({"criteria": faults})
    before = list(round.criteria.values("name", "kind", "weight", "tiers"))
    round.criteria.all().delete()
    created = Criterion.objects.bulk_create(built)
    audit.record(
        actor=actor,
        action="round.set_criteria",
        target=round,
        before=before,
        after=[
            {"name": c.name, "kind": c.kind, "weight": c.weight, "tiers": c.tiers} for c in built
        ],
    )
    return created


# --- documents ----------------------------------------------------------------------------


def max_document_bytes() -> int:
    return int(getattr(settings, "ROUND_DOCUMENT_MAX_BYTES", DEFAULT_MAX_DOCUMENT_BYTES))


@media.atomic_with_files
def document_publish(
    *, actor, round: TenderRound, kind: str, file, note: str = ""
) -> RoundDocument:
    """Store a new version of one of the round's documents with its SHA-256.

    Earlier versions stay as they were. Once the round is published, a new version is an
    amendment and must say what changed; after bidding has closed documents are fixed. The
    file must be a PDF, DOCX, XLSX or ZIP by its content (stations.uploads.check_files), and is
    stored under the extension of what it is, whatever its name says.
    """
    round = _locked(round)
    ensure_runs_rounds(actor)
    if kind not in RoundDocument.Kind.values:
        raise ValidationError(
            {"kind": _("“%(kind)s” is not a kind of round document.") % {"kind": kind}}
        )
    if round.status not in DOCUMENT_OPEN_STATUSES:
        raise ValidationError(
            _("Round %(code)s is %(status)s: its documents can no longer change.")
            % {"code": round.code, "status": round.get_status_display()}
        )
    note = (note or "").strip()
    if round.status != Status.DRAFT and not note:
        raise ValidationError(
            {"note": _("The round is published: say what this amendment changes.")}
        )
    if file is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    (checked,) = check_files(
        [file], kinds=DOCUMENT_KINDS, max_bytes=max_document_bytes(), field="file"
    )
    sha256 = checked.sha256
    version = (round.documents.filter(kind=kind).aggregate(n=Max("version"))["n"] or 0) + 1
    document = RoundDocument(
        round=round,
        kind=kind,
        version=version,
        sha256=sha256,
        note=note,
        uploaded_at=timezone.now(),
        uploaded_by=actor,
    )
    media.store(
        document.file,
        checked.stored_name(f"{round.code}-{kind}-v{version}"),
        ContentFile(checked.content),
        field="file",
        shown_as=checked.name,
    )
    document.full_clean(validate_constraints=False)
    document.save()
    audit.record(
        actor=actor,
        action="round.document_publish",
        target=document,
        after={"kind": kind, "version": version, "sha256": sha256, "note": note},
    )
    return document
