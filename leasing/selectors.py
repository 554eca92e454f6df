"""Reads of leases that depend on who asks.

Officers and managers see the leases of the stations they may see; inspectors all; a
tenant's users their own company's. A forbidden lease answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from leasing.models import Instalment, Lease
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
