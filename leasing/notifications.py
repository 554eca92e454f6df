"""The reminders of the lease's life (``manage.py send_reminders``).

Fit-out milestones and rent instalments coming due (7 days and 1 day before) or overdue: to the
tenant's members and the outlet's responsible officer. Passenger complaints not answered as
their service time runs out (6 hours before) or once it has: to the station's managers. Each
reminder once per window, in the recipient's language.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_users_with_perms

from leasing.models import Complaint, Instalment, Lease, Milestone
from leasing.operation import with_answer_due
from notifications.reminders import window
from notifications.services import notify_all
from stations import roles
from tenders.selectors import merchant_members

#: Days before a due date at which the tenant and the responsible officer are reminded.
DUE_REMINDER_DAYS = (1, 7)
#: Hours before a complaint's answer is due at which the station's managers are reminded.
COMPLAINT_REMINDER_HOURS = (6,)
OVERDUE = "overdue"
FITTING_OUT = (Lease.Status.SIGNED, Lease.Status.FITTING_OUT)
BILLED = (Lease.Status.SIGNED, Lease.Status.FITTING_OUT, Lease.Status.OPEN)


def _due_window(due_on: dt.date, today: dt.date):
    """``overdue``, or the day-window a due date falls in (None: not yet)."""
    remaining = (due_on - today).days
    if remaining < 0:
        return OVERDUE
    return window(remaining, DUE_REMINDER_DAYS)


def _tell_lease(lease: Lease, *, kind: str, key: str, subject, body) -> None:
    """The tenant's members (to the portal) and the responsible officer (to the admin)."""
    notify_all(
        merchant_members(lease.merchant),
        kind=kind,
        key=key,
        subject=subject,
        body=body,
        url=reverse("portal:lease", args=(lease.pk,)),
    )
    if lease.responsible_officer is not None:
        notify_all(
            [lease.responsible_officer],
            kind=kind,
            key=key,
            subject=subject,
            body=body,
            url=reverse("leases:detail", args=(lease.pk,)),
        )


def send_milestone_reminders(now: dt.datetime) -> None:
    today = timezone.localdate(now)
    milestones = Milestone.objects.filter(
        done_on__isnull=True,
        lease__status__in=FITTING_OUT,
        due_on__lte=today + dt.timedelta(days=max(DUE_REMINDER_DAYS)),
    ).select_related("lease__merchant", "lease__station", "lease__responsible_officer")
    for milestone in milestones:
        slot = _due_window(milestone.due_on, today)
        if slot is not None:
            _remind_milestone(milestone, slot)


def _remind_milestone(milestone: Milestone, slot) -> None:
    lease = milestone.lease
    values = {"lease": lease.code, "due": milestone.due_on.isoformat()}

    def subject() -> str:
        values["milestone"] = milestone.get_kind_display()
        if slot == OVERDUE:
            return _("Overdue: %(milestone)s of %(lease)s") % values
        return _("Due %(due)s: %(milestone)s of %(lease)s") % values

    def body() -> str:
        values["milestone"] = milestone.get_kind_display()
        if slot == OVERDUE:
            return (
                _(
                    "The fit-out milestone “%(milestone)s” of lease %(lease)s was due on "
                    "%(due)s and is not done."
                )
                % values
            )
        return _("The fit-out milestone “%(milestone)s” of lease %(lease)s is due on %(due)s.") % (
            values
        )

    _tell_lease(
        lease,
        kind="milestone_due",
        key=f"milestone:{milestone.pk}:{slot}",
        subject=subject,
        body=body,
    )


def send_instalment_reminders(now: dt.datetime) -> None:
    today = timezone.localdate(now)
    instalments = Instalment.objects.filter(
        paid_on__isnull=True,
        amount__gt=0,
        lease__status__in=BILLED,
        due_date__lte=today + dt.timedelta(days=max(DUE_REMINDER_DAYS)),
    ).select_related("lease__merchant", "lease__responsible_officer")
    for instalment in instalments:
        slot = _due_window(instalment.due_date, today)
        if slot is not None:
            _remind_instalment(instalment, slot)


def _remind_instalment(instalment: Instalment, slot) -> None:
    lease = instalment.lease
    values = {
        "lease": lease.code,
        "due": instalment.due_date.isoformat(),
        "amount": f"{instalment.amount:,.2f}",
        "start": instalment.period_start.isoformat(),
        "end": instalment.period_end.isoformat(),
    }

    def subject() -> str:
        if slot == OVERDUE:
            return _("Overdue: rent of %(amount)s CNY for %(lease)s") % values
        return _("Rent of %(amount)s CNY for %(lease)s due %(due)s") % values

    def body() -> str:
        if slot == OVERDUE:
            return (
                _(
                    "The instalment of %(amount)s CNY for lease %(lease)s (%(start)s to "
                    "%(end)s) was due on %(due)s and is not paid."
                )
                % values
            )
        return (
            _(
                "The instalment of %(amount)s CNY for lease %(lease)s (%(start)s to %(end)s) is "
                "due on %(due)s."
            )
            % values
        )

    _tell_lease(
        lease,
        kind="instalment_due",
        key=f"instalment:{instalment.pk}:{slot}",
        subject=subject,
        body=body,
    )


def station_managers(station):
    """The active station managers who keep ``station`` (manage_station on it, or globally)."""
    user_model = get_user_model()
    perm = Permission.objects.filter(content_type__app_label="stations", codename="manage_station")
    on_station = get_users_with_perms(
        station, only_with_perms_in=["manage_station"], with_group_users=True
    )
    return (
        user_model.objects.filter(is_active=True, groups__name=roles.STATION_MANAGER)
        .filter(
            Q(pk__in=on_station.values("pk"))
            | Q(user_permissions__in=perm)
            | Q(groups__permissions__in=perm)
        )
        .distinct()
        .order_by("pk")
    )


def send_complaint_reminders(now: dt.datetime) -> None:
    hours = max(COMPLAINT_REMINDER_HOURS)
    complaints = (
        with_answer_due(Complaint.objects.filter(answered_at__isnull=True))
        .filter(answer_due__lte=now + dt.timedelta(hours=hours))
        .select_related("station", "lease")
    )
    for complaint in complaints:
        remaining_hours = (complaint.answer_due - now).total_seconds() / 3600
        slot = (
            OVERDUE if remaining_hours < 0 else window(remaining_hours, COMPLAINT_REMINDER_HOURS)
        )
        _remind_complaint(complaint, slot)


def _remind_complaint(complaint: Complaint, slot) -> None:
    values = {
        "station": complaint.station.code,
        "due": timezone.localtime(complaint.answer_due).strftime("%Y-%m-%d %H:%M"),
        "received": timezone.localtime(complaint.received_at).strftime("%Y-%m-%d %H:%M"),
        "outlet": complaint.lease.code if complaint.lease_id else "—",
    }

    def subject() -> str:
        if slot == OVERDUE:
            return _("Complaint at %(station)s not answered in time (due %(due)s)") % values
        return _("Complaint at %(station)s to be answered by %(due)s") % values

    def body() -> str:
        values["category"] = complaint.get_category_display()
        return (
            _(
                "A passenger complaint (%(category)s, outlet %(outlet)s) received at "
                "%(received)s is to be answered by %(due)s."
            )
            % values
        )

    notify_all(
        station_managers(complaint.station),
        kind="complaint_due",
        key=f"complaint:{complaint.pk}:{slot}",
        subject=subject,
        body=body,
        url=reverse("complaints:detail", args=(complaint.pk,)),
    )
