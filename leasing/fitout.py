"""Fit-out and opening (施工开业): each outlet's six milestones, their documents and the one
officer responsible for the outlet (包保责任人).

Every service is atomic, checks who acts and writes an audit entry. A lease's milestones are
planned once it is signed, with due dates in the milestones' order; they are done in that
order, never in the future and never before the lease was signed. "Design submitted" may be
recorded by the tenant's own users; the others by a leasing officer of the station or the
outlet's responsible officer. "Opened" is done by ``leasing.services.lease_open`` (whichever
way it is asked for), so that an outlet opens in one way only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from leasing.models import Lease, Milestone, MilestoneDocument
from leasing.permissions import can_manage_leases, ensure_can_manage_leases
from stations import media, roles
from stations.uploads import DRAWING_KINDS, CheckedFile, check_files
from tenders.permissions import is_member_of

Kind = Milestone.Kind
Status = Lease.Status
STEP = {kind: index for index, kind in enumerate(Milestone.ORDER)}

# The default plan, counted from the lease's start (its rent-free fit-out period begins then):
# the design is submitted within 10 days and approved within 20; the construction safety
# briefing is held by day 25, before the works begin. The outlet opens on the last day of the
# rent-free period, but never sooner than 45 days after the start (a lease with little or no
# rent-free period still gets time for its works); fit-out is done two weeks before the
# opening, and fire acceptance follows a week after it (a week before the opening).
DESIGN_SUBMITTED_DAYS = 10
DESIGN_APPROVED_DAYS = 20
SAFETY_BRIEFING_DAYS = 25
MIN_OPENING_DAYS = 45
FIT_OUT_DONE_BEFORE_OPENING_DAYS = 14
FIRE_ACCEPTANCE_BEFORE_OPENING_DAYS = 7

# The statuses in which a lease's milestones are planned, moved and done.
PLANNING = frozenset({Status.SIGNED, Status.FITTING_OUT})

# Documents: a design, a briefing record, an acceptance certificate, a photograph.
DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPES = DRAWING_KINDS


def _snapshot(milestone: Milestone) -> dict:
    return {"kind": milestone.kind, "due_on": milestone.due_on, "done_on": milestone.done_on}


def _kind_label(kind: str) -> str:
    return str(Kind(kind).label)


def _signed_on(lease: Lease) -> dt.date | None:
    return timezone.localtime(lease.signed_at).date() if lease.signed_at else None


def _ensure_date(value, field_name: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field_name: _("Give a date.")})
    return value


def _ensure_planning(lease: Lease) -> None:
    if lease.status not in PLANNING:
        raise ValidationError(
            _("Lease %(code)s is %(status)s: its milestones cannot change.")
            % {"code": lease.code, "status": lease.get_status_display()}
        )


# --- who acts -----------------------------------------------------------------------------


def can_keep_milestones(user, lease: Lease) -> bool:
    """A leasing officer of the lease's station, or the outlet's responsible officer."""
    if can_manage_leases(user, lease.station):
        return True
    return user.is_active and user.pk == lease.responsible_officer_id


def can_do_milestone(user, milestone: Milestone) -> bool:
    """The tenant's own users also record that they submitted their design."""
    lease = milestone.lease
    if can_keep_milestones(user, lease):
        return True
    return milestone.kind == Kind.DESIGN_SUBMITTED and is_member_of(user, lease.merchant)


def _ensure_keeps_milestones(user, lease: Lease) -> None:
    if not can_keep_milestones(user, lease):
        raise PermissionDenied(
            _(
                "Only a leasing officer of station %(station)s or the responsible officer of "
                "lease %(code)s may change its milestones."
            )
            % {"station": lease.station.code, "code": lease.code}
        )


# --- the plan -----------------------------------------------------------------------------


def default_plan(lease: Lease) -> dict[str, dt.date]:
    """The due dates of the six milestones by the defaults above."""
    from leasing.schedule import add_months

    start = lease.start_date
    last_rent_free_day = add_months(start, lease.rent_free_months) - dt.timedelta(days=1)
    opened = max(last_rent_free_day, start + dt.timedelta(days=MIN_OPENING_DAYS))
    return {
        Kind.DESIGN_SUBMITTED: start + dt.timedelta(days=DESIGN_SUBMITTED_DAYS),
        Kind.DESIGN_APPROVED: start + dt.timedelta(days=DESIGN_APPROVED_DAYS),
        Kind.SAFETY_BRIEFING: start + dt.timedelta(days=SAFETY_BRIEFING_DAYS),
        Kind.FIT_OUT_DONE: opened - dt.timedelta(days=FIT_OUT_DONE_BEFORE_OPENING_DAYS),
        Kind.FIRE_ACCEPTANCE: opened - dt.timedelta(days=FIRE_ACCEPTANCE_BEFORE_OPENING_DAYS),
        Kind.OPENED: opened,
    }


def _plan_errors(lease: Lease, plan: Mapping[str, dt.date]) -> list[str]:
    """Due dates out of order, or an opening outside the lease, worded for the officer."""
    errors = []
    previous = None
    for kind in Milestone.ORDER:
        due = plan[kind]
        if previous is not None and due < plan[previous]:
            errors.append(
                _("“%(kind)s” is due on %(due)s, before “%(previous)s” (%(previous_due)s).")
                % {
                    "kind": _kind_label(kind),
                    "due": due,
                    "previous": _kind_label(previous),
                    "previous_due": plan[previous],
                }
            )
        previous = kind
    opened = plan[Kind.OPENED]
    if not lease.start_date <= opened < lease.end_date:
        errors.append(
            _("The outlet opens within the lease, from %(start)s to %(end)s.")
            % {"start": lease.start_date, "end": lease.end_date}
        )
    return errors


@transaction.atomic
def milestones_plan(
    *, actor, lease: Lease, due: Mapping[str, dt.date] | None = None
) -> list[Milestone]:
    """Plan the six milestones of a signed lease (signed or fitting out).

    ``due`` gives due dates by milestone kind; the kinds it leaves out take the default plan
    (:func:`default_plan`). Refused for a lease not signed yet or past its fit-out, when the
    milestones are planned already, or when the due dates are not in the milestones' order.
    """
    lease = Lease.objects.select_for_update().select_related("station").get(pk=lease.pk)
    _ensure_keeps_milestones(actor, lease)
    _ensure_planning(lease)
    if lease.milestones.exists():
        raise ValidationError(
            _("The milestones of lease %(code)s are planned already; reschedule them one by one.")
            % {"code": lease.code}
        )
    given = dict(due or {})
    unknown = sorted(str(kind) for kind in given if kind not in STEP)
    if unknown:
        raise ValidationError(
            {"due": _("Not a milestone: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    for kind, day in given.items():
        _ensure_date(day, f"due[{kind}]")
    plan = default_plan(lease) | {Kind(kind): day for kind, day in given.items()}
    errors = _plan_errors(lease, plan)
    if errors:
        raise ValidationError({"due": errors})
    Milestone.objects.bulk_create(
        Milestone(lease=lease, kind=kind, due_on=plan[kind]) for kind in Milestone.ORDER
    )
    audit.record(
        actor=actor,
        action="milestones.plan",
        target=lease,
        after={kind: plan[kind] for kind in Milestone.ORDER},
        data={"defaults": sorted(set(Milestone.ORDER) - set(given))},
    )
    return list(lease.milestones.order_by("due_on", "pk"))


def _locked_milestone(milestone: Milestone) -> tuple[Lease, Milestone]:
    lease = (
        Lease.objects.select_for_update()
        .select_related("station", "merchant")
        .get(pk=milestone.lease_id)
    )
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    milestone.lease = lease
    return lease, milestone


@transaction.atomic
def milestone_reschedule(*, actor, milestone: Milestone, due_on: dt.date, reason: str):
    """Move a milestone not done yet to ``due_on``, with the reason (journaled with the old
    and the new date). The due dates stay in the milestones' order."""
    lease, milestone = _locked_milestone(milestone)
    _ensure_keeps_milestones(actor, lease)
    _ensure_planning(lease)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the milestone is moved.")})
    due_on = _ensure_date(due_on, "due_on")
    if milestone.done_on is not None:
        raise ValidationError(
            _("“%(kind)s” was done on %(day)s; it is not moved.")
            % {"kind": milestone.get_kind_display(), "day": milestone.done_on}
        )
    if due_on == milestone.due_on:
        raise ValidationError(
            {"due_on": _("“%(kind)s” is due on %(day)s already.")
             % {"kind": milestone.get_kind_display(), "day": due_on}}
        )  # fmt: skip
    plan = dict(lease.milestones.values_list("kind", "due_on")) | {milestone.kind: due_on}
    errors = _plan_errors(lease, plan)
    if errors:
        raise ValidationError({"due_on": errors})
    before = milestone.due_on
    milestone.due_on = due_on
    milestone.save(update_fields=["due_on"])
    audit.record(
        actor=actor,
        action="milestone.reschedule",
        target=milestone,
        before={"due_on": before},
        after={"due_on": due_on},
        data={"lease": lease.code, "kind": milestone.kind, "reason": reason},
    )
    return milestone


# --- documents ----------------------------------------------------------------------------


def max_document_bytes() -> int:
    return int(getattr(settings, "MILESTONE_DOCUMENT_MAX_BYTES", DEFAULT_MAX_DOCUMENT_BYTES))


def check_documents(uploads: Iterable) -> list[CheckedFile]:
    """Read and check each upload (stations.uploads.check_files): a PDF, PNG, JPEG, DWG or DXF
    by its content, within the size and pixel limits, not the same file twice. Every refusal
    names the file; all faults are reported together, on ``documents``."""
    return check_files(
        uploads, kinds=DOCUMENT_TYPES, max_bytes=max_document_bytes(), field="documents"
    )


def _store_documents(actor, milestone: Milestone, documents: list[CheckedFile]) -> None:
    """Write each document and its row; a file the disk refuses is a ValidationError on
    ``documents``, and the caller's atomic_with_files removes whatever was written."""
    from django.core.files.base import ContentFile

    stored: list[MilestoneDocument] = []
    now = timezone.now()
    for n, document in enumerate(documents, start=1):
        row = MilestoneDocument(
            milestone=milestone, sha256=document.sha256, uploaded_at=now, uploaded_by=actor
        )
        name = f"{milestone.lease.code}-{milestone.kind}-{n}{document.extension}"
        media.store(
            row.file,
            name,
            ContentFile(document.content),
            field="documents",
            shown_as=document.name,
        )
        stored.append(row)
        row.save()
    audit.record_many(
        actor=actor,
        action="milestone.document_add",
        changes=[
            {
                "target": row,
                "after": {"file": row.file.name, "sha256": row.sha256},
                "data": {
                    "lease": milestone.lease.code,
                    "kind": milestone.kind,
                    "uploaded_as": document.name,
                    "type": document.kind,
                },
            }  # fmt: skip
            for row, document in zip(stored, documents, strict=True)
        ],
    )


# --- done ---------------------------------------------------------------------------------


def _order_errors(lease: Lease, milestone: Milestone, done_on: dt.date) -> list[str]:
    earlier = [m for m in lease.milestones.all() if STEP[m.kind] < STEP[milestone.kind]]
    earlier.sort(key=lambda m: STEP[m.kind])
    for m in earlier:
        if m.done_on is None:
            return [
                _("“%(kind)s” comes first: it is not done yet.") % {"kind": m.get_kind_display()}
            ]
    if earlier and done_on < earlier[-1].done_on:
        last = earlier[-1]
        return [
            _("“%(kind)s” was done on %(day)s; this cannot be done before it.")
            % {"kind": last.get_kind_display(), "day": last.done_on}
        ]
    return []


def _done_errors(lease: Lease, milestone: Milestone, done_on: dt.date) -> dict:
    errors = {}
    if done_on > timezone.localdate():
        errors["done_on"] = [_("A milestone cannot be done in the future.")]
    elif (signed := _signed_on(lease)) and done_on < signed:
        errors["done_on"] = [
            _("Lease %(code)s was signed on %(day)s; a milestone is done after that.")
            % {"code": lease.code, "day": signed}
        ]
    else:
        order = _order_errors(lease, milestone, done_on)
        if order:
            errors["done_on"] = order
    return errors


@media.atomic_with_files
def milestone_done(
    *, actor, milestone: Milestone, done_on: dt.date, documents: Iterable = ()
) -> Milestone:
    """Record that a milestone was done on ``done_on``, with its documents (each stored with
    its SHA-256).

    In order: the milestones before it are done, on or before ``done_on``; not in the future
    and not before the lease was signed. "Opened" opens the lease
    (``leasing.services.lease_open``), which marks the milestone done.
    """
    lease, milestone = _locked_milestone(milestone)
    if not can_do_milestone(actor, milestone):
        raise PermissionDenied(
            _("You may not record “%(kind)s” for lease %(code)s.")
            % {"kind": milestone.get_kind_display(), "code": lease.code}
        )
    _ensure_planning(lease)
    if milestone.done_on is not None:
        raise ValidationError(
            _("“%(kind)s” was done on %(day)s already.")
            % {"kind": milestone.get_kind_display(), "day": milestone.done_on}
        )
    done_on = _ensure_date(done_on, "done_on")
    errors = _done_errors(lease, milestone, done_on)
    checked = []
    try:
        checked = check_documents(documents)
    except ValidationError as refused:
        errors |= refused.message_dict
    if checked and actor is None:
        # A document names the person who uploaded it; the system uploads none.
        errors["documents"] = [_("Documents are uploaded by a signed-in user.")]
    if errors:
        raise ValidationError(errors)
    if milestone.kind == Kind.OPENED:
        from leasing import services

        services.lease_open(actor=actor, lease=lease, opened_on=done_on)
        milestone.refresh_from_db()
    else:
        _mark_done(actor, lease, milestone, done_on)
    _store_documents(actor, milestone, checked)
    return milestone


def _mark_done(actor, lease: Lease, milestone: Milestone, done_on: dt.date) -> None:
    late = (done_on - milestone.due_on).days
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    audit.record(
        actor=actor,
        action="milestone.done",
        target=milestone,
        before={"done_on": None},
        after={"done_on": done_on},
        data={"lease": lease.code, "kind": milestone.kind, "due_on": milestone.due_on,
              "days_late": max(late, 0)},
    )  # fmt: skip


# --- hooks for the lease's own transitions (leasing.services) ----------------------------


def ensure_ready_for_fit_out(lease: Lease) -> None:
    """Works begin after the design is approved and the safety briefing held, when the
    lease's milestones are planned (a lease without a plan is not held up)."""
    pending = list(
        lease.milestones.filter(
            kind__in=(Kind.DESIGN_APPROVED, Kind.SAFETY_BRIEFING), done_on__isnull=True
        )
    )
    if pending:
        pending.sort(key=lambda m: STEP[m.kind])
        raise ValidationError(
            _("Fit-out of lease %(code)s begins once “%(kind)s” is done.")
            % {"code": lease.code, "kind": pending[0].get_kind_display()}
        )


def opening_milestone_done(*, actor, lease: Lease, opened_on: dt.date) -> None:
    """Called by ``lease_open`` (the lease locked): with a plan, the milestones before the
    opening must be done, and the "opened" milestone is marked done on ``opened_on``."""
    milestone = lease.milestones.select_for_update().filter(kind=Kind.OPENED).first()
    if milestone is None:
        return
    milestone.lease = lease
    errors = _done_errors(lease, milestone, opened_on)
    if errors:
        raise ValidationError({"opened_on": errors["done_on"]})
    _mark_done(actor, lease, milestone, opened_on)


# --- the responsible officer --------------------------------------------------------------


@transaction.atomic
def lease_assign_officer(*, actor, lease: Lease, officer) -> Lease:
    """Make ``officer`` the outlet's responsible officer (包保责任人): a leasing officer who
    may manage the leases of its station. Replaces the one before (journaled)."""
    lease = Lease.objects.select_for_update().select_related("station").get(pk=lease.pk)
    ensure_can_manage_leases(actor, lease.station)
    if lease.status in (Status.ENDED, Status.TERMINATED):
        raise ValidationError(
            _("Lease %(code)s is %(status)s.")
            % {"code": lease.code, "status": lease.get_status_display()}
        )
    if officer is None:
        raise ValidationError({"officer": _("Choose the responsible officer.")})
    is_leasing_officer = (
        officer.is_active and officer.groups.filter(name=roles.LEASING_OFFICER).exists()
    )
    if not is_leasing_officer or not can_manage_leases(officer, lease.station):
        raise ValidationError(
            {"officer": _("%(user)s is not a leasing officer who manages station %(station)s.")
             % {"user": officer.get_username(), "station": lease.station.code}}
        )  # fmt: skip
    if lease.responsible_officer_id == officer.pk:
        raise ValidationError(
            {"officer": _("%(user)s is responsible for lease %(code)s already.")
             % {"user": officer.get_username(), "code": lease.code}}
        )  # fmt: skip
    before = lease.responsible_officer
    lease.responsible_officer = officer
    lease.save(update_fields=["responsible_officer"])
    audit.record(
        actor=actor,
        action="lease.assign_officer",
        target=lease,
        before={"responsible_officer": before.get_username() if before else None},
        after={"responsible_officer": officer.get_username()},
        data={"officer_id": officer.pk, "previous_id": before.pk if before else None},
    )
    return lease
