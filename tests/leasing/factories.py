"""Leasing test data: officers who manage leases, units, and direct leases via the services."""

import datetime as dt
import itertools

from django.contrib.auth.models import Permission, User

from leasing import services
from stations.models import Unit
from tests.factories import officer
from tests.tenders.round_factories import available_unit

_codes = itertools.count(1)


def lease_officer(**kwargs) -> User:
    """A leasing officer of the whole network who makes leases."""
    user = officer(**kwargs)
    user.user_permissions.add(Permission.objects.get(codename="manage_lease"))
    return User.objects.get(pk=user.pk)


def free_unit(level=None) -> Unit:
    return available_unit(level)


def direct_lease(merchant, units, *, actor=None, start=dt.date(2026, 6, 1), months=None,
                 end=None, rent="120000", **terms):  # fmt: skip
    from leasing.schedule import add_months

    return services.lease_create_direct(
        actor=actor,
        merchant=merchant,
        units=units,
        code=f"HT-{next(_codes):05d}",
        start_date=start,
        end_date=end or add_months(start, months or 36),
        annual_rent=rent,
        direct_reason="Transferred from the station's former operator.",
        **terms,
    )
