"""Reads of leases that depend on who asks.

Officers and managers see the leases of the stations they may see; inspectors all; a
tenant's users their own company's. A forbidden lease answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from leasing.models import Instalment, Lease, Milestone
from stations.selectors import stations_for
from tenders.selectors import merchants_for


def leases_for(user) -> QuerySet[Lease]:
    if user is None:
        return Lease.objects.all()
    if not user.is_active or not user.is_authenticated:
        return Lease.objects.none()
    if user.is_superuser or user.has_perm("leasing.view_lease"):
        return Lease.objects.filter(station__in=stations_for(user))
    return Lease.objects.filter(merchant__in=merchants_for(user))


def get_lease_for(user, pk) -> Lease:
    lease = leases_for(user).filter(pk=pk).first()
    if lease is None:
        raise Http404(_("No such lease."))
    return lease


def overdue_instalments(user, *, on: dt.date) -> QuerySet[Instalment]:
    """Instalments due before ``on`` and not paid, of the leases ``user`` may see."""
    return (
        Instalment.objects.filter(
            lease__in=leases_for(user), due_date__lt=on, paid_on__isnull=True
        )
        .exclude(lease__status=Lease.Status.DRAFT)
        .select_related("lease__merchant", "lease__station")
        .order_by("due_date", "lease__code")
    )


# --- fit-out and opening ------------------------------------------------------------------


def _milestone_step():
    """A milestone's place in Milestone.ORDER, for ordering in SQL."""
    return Case(
        *(When(kind=kind, then=Value(step)) for step, kind in enumerate(Milestone.ORDER)),
        output_field=IntegerField(),
    )


def overdue_milestones(user, *, on: dt.date) -> QuerySet[Milestone]:
    """Milestones due before ``on`` and not done, of the signed or fitting-out leases ``user``
    may see, the longest overdue first."""
    return (
        Milestone.objects.filter(
            lease__in=leases_for(user),
            lease__status__in=(Lease.Status.SIGNED, Lease.Status.FITTING_OUT),
            due_on__lt=on,
            done_on__isnull=True,
        )
        .select_related("lease__merchant", "lease__station", "lease__responsible_officer")
        .annotate(step=_milestone_step())
        .order_by("due_on", "lease__code", "step")
    )


def outlets_for_officer(user, *, on: dt.date | None = None) -> QuerySet[Lease]:
    """The outlets (leases not ended or terminated) ``user`` is the responsible officer of.

    Each carries ``next_milestone_kind`` and ``next_milestone_due`` (the first milestone not
    done, in the milestones' order; None when all are done or none is planned),
    ``overdue_count`` and, prefetched, ``overdue`` (its milestones due before ``on``, default
    today, and not done)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Lease.objects.none()
    on = on or timezone.localdate()
    pending = (
        Milestone.objects.filter(lease=OuterRef("pk"), done_on__isnull=True)
        .annotate(step=_milestone_step())
        .order_by("step")
    )
    late = Q(milestones__done_on__isnull=True, milestones__due_on__lt=on)
    running = Q(status__in=(Lease.Status.SIGNED, Lease.Status.FITTING_OUT))
    return (
        Lease.objects.filter(responsible_officer=user, status__in=Lease.HOLDING)
        .select_related("station", "merchant")
        .annotate(
            next_milestone_kind=Subquery(pending.values("kind")[:1]),
            next_milestone_due=Subquery(pending.values("due_on")[:1]),
            overdue_count=Count("milestones", filter=late & running),
        )
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.filter(
                    done_on__isnull=True,
                    due_on__lt=on,
                    lease__status__in=(Lease.Status.SIGNED, Lease.Status.FITTING_OUT),
                ).order_by("due_on", "pk"),
                to_attr="overdue",
            )
        )
        .order_by("station__code", "next_milestone_due", "code")
    )


def responsible_officer_candidates(station) -> QuerySet:
    """The users ``leasing.fitout.lease_assign_officer`` accepts as the responsible officer
    (包保责任人) of an outlet of ``station``: active leasing officers who may manage its
    leases (``leasing.manage_lease``, and ``stations.manage_station`` globally or on the
    station). Three subqueries, whatever the number of users."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from guardian.shortcuts import get_users_with_perms

    from stations import roles

    user_model = get_user_model()

    def holders(app_label: str, codename: str):
        perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        return user_model.objects.filter(
            Q(is_superuser=True) | Q(user_permissions__in=perm) | Q(groups__permissions__in=perm)
        ).values("pk")

    on_station = get_users_with_perms(
        station, only_with_perms_in=["manage_station"], with_group_users=True
    )
    return (
        user_model.objects.filter(
            is_active=True,
            groups__name=roles.LEASING_OFFICER,
            pk__in=holders("leasing", "manage_lease"),
        )
        .filter(
            Q(pk__in=holders("stations", "manage_station")) | Q(pk__in=on_station.values("pk"))
        )
        .distinct()
        .order_by("username")
    )
