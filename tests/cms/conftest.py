"""Fixtures for the back-office tests: a small station with a level, units and provisions,
and users whose admin speaks English (so messages can be asserted)."""

from decimal import Decimal

import pytest
from wagtail.users.models import UserProfile

from stations import services
from tests import factories
from tests.stations.factories import StationFactory, cabinet, level, square, unit


def speak_english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def station(db):
    return StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South")


@pytest.fixture
def other_station(db):
    return StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")


@pytest.fixture
def concourse(station):
    lv = level(station, name="高架层", ordinal=1, width=100, depth=40)
    services.zone_create(
        actor=None,
        level=lv,
        kind="evacuation",
        name="Corridor A",
        polygon=square(0, 15, 100, 5),
    )
    cabinet(lv, 95, 35, capacity_kw="200", code="C1")
    unit(lv, "A01", 0, 0, 10, power_kw=Decimal("30"), business_types=["fast-food"])
    unit(lv, "A02", 10, 0, 10)
    return lv


@pytest.fixture
def other_level(other_station):
    lv = level(other_station, name="站台层", ordinal=0, width=60, depth=30)
    unit(lv, "B01", 0, 0, 8)
    return lv


@pytest.fixture
def network_officer(db):
    return speak_english(factories.officer(username="network"))


@pytest.fixture
def css_officer(station):
    return speak_english(factories.station_officer(station, username="css-officer"))


@pytest.fixture
def css_manager(station):
    from stations import roles

    return speak_english(
        factories.station_officer(station, role=roles.STATION_MANAGER, username="css-manager")
    )


@pytest.fixture
def inspector(db):
    return speak_english(factories.inspector(username="inspector"))
