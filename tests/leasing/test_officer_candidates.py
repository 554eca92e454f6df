"""The users offered as an outlet's responsible officer are exactly those the service accepts."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from guardian.shortcuts import assign_perm

from leasing import fitout
from leasing.selectors import responsible_officer_candidates
from stations import roles
from tests.factories import UserFactory, inspector, officer, station_officer
from tests.leasing.factories import direct_lease, free_unit
from tests.stations.factories import StationFactory
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db


def test_the_candidates_are_the_leasing_officers_who_manage_the_station(
    django_assert_max_num_queries,
):
    lease = direct_lease(MerchantFactory(), [free_unit()])
    station = lease.station
    network = officer(username="network")
    station_officer(station, username="own")
    # A leasing officer holding the station through a group of their own.
    team = Group.objects.create(name="CSS team")
    assign_perm("stations.manage_station", team, station)
    via_group = UserFactory(roles=[roles.LEASING_OFFICER], username="via-group")
    via_group.groups.add(team)
    refused = {
        "elsewhere": station_officer(StationFactory(), username="elsewhere"),
        "manager": station_officer(station, role=roles.STATION_MANAGER, username="manager"),
        "inspector": inspector(username="inspector"),
        "plain": UserFactory(username="plain"),
        "tenant": merchant_user(lease.merchant, username="tenant"),
        "inactive": station_officer(station, username="inactive", is_active=False),
    }

    with django_assert_max_num_queries(2):
        names = list(responsible_officer_candidates(station).values_list("username", flat=True))

    assert names == ["network", "own", "via-group"]
    for name in names:
        user = type(network).objects.get(username=name)
        fitout.lease_assign_officer(actor=None, lease=lease, officer=user)
    for user in refused.values():
        with pytest.raises(ValidationError):
            fitout.lease_assign_officer(actor=None, lease=lease, officer=user)


def test_without_the_groups_right_to_manage_leases_nobody_is_a_candidate():
    lease = direct_lease(MerchantFactory(), [free_unit()])
    station_officer(lease.station, username="own")
    group = Group.objects.get(name=roles.LEASING_OFFICER)
    group.permissions.remove(Permission.objects.get(codename="manage_lease"))
    assert not responsible_officer_candidates(lease.station).exists()
