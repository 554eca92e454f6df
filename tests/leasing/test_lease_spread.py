"""A lease that would break the station's spread of outlets (错位经营) is refused, naming it."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from audit.models import Entry
from leasing import services
from leasing.models import Lease
from stations.models import Unit
from stations.spread import spread_limit_set
from tenders import result as outcome
from tests.leasing.factories import direct_lease
from tests.stations.factories import StationFactory, level
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee
from tests.tenders.factories import MerchantFactory
from tests.tenders.round_factories import add_lot, available_unit, business_type, make_round

pytestmark = pytest.mark.django_db


def one_per_level(station, code="coffee"):
    spread_limit_set(
        actor=None, station=station, business_type=business_type(code), max_per_level=1,
        max_per_station=None,
    )  # fmt: skip


@pytest.fixture
def upper():
    return level(StationFactory(name_en="Changsha South"), name="高架层")


def test_a_direct_lease_beyond_the_limit_is_refused_and_nothing_saved(upper):
    one_per_level(upper.station)
    first = direct_lease(MerchantFactory(), [available_unit(upper)])
    unit = available_unit(upper)
    with pytest.raises(ValidationError) as refused:
        direct_lease(MerchantFactory(), [unit])
    codes = ", ".join(sorted([first.units.get().code, unit.code]))
    assert refused.value.message_dict == {
        "units": [
            "Changsha South takes at most 1 coffee outlets per level: level 高架层 would have 2 "
            f"(units {codes})."
        ]
    }
    assert list(Lease.objects.all()) == [first]
    assert Unit.objects.get(pk=unit.pk).status == Unit.Status.AVAILABLE
    assert Entry.objects.filter(action="lease.create").count() == 1


def test_the_business_type_given_decides_which_limit_applies(upper):
    one_per_level(upper.station, "coffee")
    add_lot(make_round(), units=[available_unit(upper)])
    units = [available_unit(upper, types=("coffee", "tea-drinks")) for _ in range(2)]
    # As tea it is not held to the coffee limit; as coffee it is.
    direct_lease(MerchantFactory(), [units[0]], business_type=business_type("tea-drinks"))
    with pytest.raises(ValidationError) as refused:
        direct_lease(MerchantFactory(), [units[1]], business_type=business_type("coffee"))
    assert "takes at most 1 coffee outlets per level" in str(refused.value)
    assert Lease.objects.count() == 1


@pytest.mark.parametrize(
    "code, message",
    [
        ("bookstore", "Unit {unit} is not designated for 书刊 Books and periodicals."),
        ("catering", "Choose a specific business type, not a major class (餐饮 Catering)."),
    ],
)
def test_a_business_type_the_units_are_not_for_is_refused(upper, code, message):
    unit = available_unit(upper)
    with pytest.raises(ValidationError) as refused:
        direct_lease(MerchantFactory(), [unit], business_type=business_type(code))
    assert refused.value.message_dict == {"business_type": [message.format(unit=unit)]}
    assert not Lease.objects.exists()


@pytest.fixture
def award():
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.refresh())
        clock.move_to(opened.refresh().publicity_ends_at)
        return outcome.round_award(actor=opened.officer, round=opened.round)[0]


def test_an_award_holds_its_place_until_its_lease_which_does_not_count_it_twice(award):
    lot = award.lot
    lot_level = lot.units.first().level
    spread_limit_set(
        actor=None, station=lot.station, business_type=lot.business_type, max_per_level=1,
        max_per_station=None,
    )  # fmt: skip
    rival = available_unit(lot_level, types=(lot.business_type.code,))
    with pytest.raises(ValidationError) as refused:
        direct_lease(MerchantFactory(), [rival], start=dt.date(2026, 6, 1))
    (message,) = refused.value.message_dict["units"]
    assert "per level: level" in message and "would have 2" in message
    assert all(unit.code in message for unit in lot.units.filter(level=lot_level))
    lease = services.lease_create_from_award(
        actor=None, award=award, code="HT-2026-100", start_date=dt.date(2026, 6, 1)
    )
    assert lease.award == award


def test_the_type_a_lease_was_made_for_is_kept_and_counted_later(upper):
    units = [available_unit(upper, types=("coffee", "tea-drinks")) for _ in range(2)]
    first = direct_lease(MerchantFactory(), [units[0]], business_type=business_type("tea-drinks"))
    assert first.business_type == business_type("tea-drinks")
    one_per_level(upper.station, "tea-drinks")
    with pytest.raises(ValidationError) as refused:
        direct_lease(MerchantFactory(), [units[1]], business_type=business_type("tea-drinks"))
    assert "outlets per level" in str(refused.value)
    assert Lease.objects.count() == 1
