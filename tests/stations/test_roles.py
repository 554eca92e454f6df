"""The roles exist as groups after migrating, each with the permissions its work needs."""

import pytest
from django.contrib.auth.models import Group

from stations import roles
from stations.permissions import can_manage_station, can_view_station
from tests.factories import UserFactory, inspector, officer, station_officer
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_LABELS)


@pytest.mark.parametrize(
    ("role", "perm", "expected"),
    [
        (roles.LEASING_OFFICER, "stations.change_unit", True),
        (roles.LEASING_OFFICER, "wagtailadmin.access_admin", True),
        (roles.STATION_MANAGER, "stations.change_unit", True),
        (roles.STATION_MANAGER, "stations.delete_unit", False),
        (roles.DISCIPLINE_INSPECTOR, "stations.view_unit", True),
        (roles.DISCIPLINE_INSPECTOR, "stations.change_unit", False),
        (roles.DISCIPLINE_INSPECTOR, "audit.view_entry", True),
        (roles.COMMITTEE_MEMBER, "stations.view_unit", False),
        (roles.MERCHANT, "wagtailadmin.access_admin", False),
    ],
)
def test_role_permissions(role, perm, expected):
    user = UserFactory(roles=[role])
    assert user.has_perm(perm) is expected


def test_station_scope_is_held_on_the_station_object():
    css, yye = StationFactory(code="CSS"), StationFactory(code="YYE")
    local = station_officer(css)
    network = officer()

    assert local.has_perm("stations.manage_station", css)
    assert not local.has_perm("stations.manage_station", yye)
    assert not local.has_perm("stations.manage_station")
    # Django's backends never fold a global permission into an object check: the
    # permissions module does, so a network officer manages every station.
    assert not network.has_perm("stations.manage_station", yye)
    assert can_manage_station(network, yye) and can_manage_station(local, css)
    assert not can_manage_station(local, yye)


def test_inspector_oversees_every_station_and_manages_none():
    station = StationFactory()
    user = inspector()

    assert user.has_perm("stations.oversee_stations")
    assert not can_manage_station(user, station)
    assert can_view_station(user, station)


def test_a_report_covers_the_network_for_who_sees_every_station_and_else_their_stations():
    from django.contrib.auth.models import AnonymousUser

    from stations.selectors import report_scope

    css, _yye = StationFactory(code="CSS"), StationFactory(code="YYE")
    # None: the reports then filter nothing (no test of 6,000 stations on every row).
    assert report_scope(officer()) is None and report_scope(inspector()) is None
    assert list(report_scope(station_officer(css))) == [css]
    assert list(report_scope(UserFactory())) == []
    assert list(report_scope(AnonymousUser())) == []
