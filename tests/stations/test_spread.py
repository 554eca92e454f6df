"""The spread of outlets (错位经营): what counts, per level and per station, and setting the
limits."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from audit.models import Entry
from leasing import services as leasing
from stations import roles
from stations.models import SpreadLimit
from stations.spread import spread_faults, spread_limit_set
from tenders import rounds
from tests.factories import inspector, officer, station_officer
from tests.leasing.factories import direct_lease
from tests.stations.factories import StationFactory, level
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import add_lot, available_unit, business_type, make_round

pytestmark = pytest.mark.django_db
START = dt.date(2026, 6, 1)


@pytest.fixture
def station():
    return StationFactory(code="CSN", name_zh="长沙南", name_en="Changsha South")


@pytest.fixture
def upper(station):
    return level(station, name="高架层", ordinal=1)


@pytest.fixture
def ground(station):
    return level(station, name="地面层", ordinal=0)


def coffee_unit(lvl, types=("coffee",)):
    return available_unit(lvl, types=types)


def limit(station, code="coffee", per_level=None, per_station=None):
    return spread_limit_set(
        actor=None,
        station=station,
        business_type=business_type(code),
        max_per_level=per_level,
        max_per_station=per_station,
    )


def faults(station, units, code="coffee", **kwargs):
    return spread_faults(station=station, business_type=business_type(code), units=units, **kwargs)


# --- what counts --------------------------------------------------------------------------


def test_without_a_limit_nothing_is_refused(station, upper):
    for _ in range(3):
        add_lot(make_round(), units=[coffee_unit(upper)])
    assert faults(station, [coffee_unit(upper)]) == []


def test_a_level_with_its_most_outlets_of_the_type_refuses_one_more(station, upper, ground):
    limit(station, per_level=2)
    first = add_lot(make_round(), units=[coffee_unit(upper)])
    second = direct_lease(MerchantFactory(), [coffee_unit(upper)], start=START)
    new = coffee_unit(upper)
    codes = sorted([first.units.get().code, second.units.get().code, new.code])
    assert faults(station, [new]) == [
        "Changsha South takes at most 2 coffee outlets per level: level 高架层 would have 3 "
        f"(units {', '.join(codes)})."
    ]
    # The level below has room.
    assert faults(station, [coffee_unit(ground)]) == []


def test_the_station_limit_counts_every_level_and_names_the_outlets(station, upper, ground):
    limit(station, per_level=2, per_station=2)
    lot = add_lot(make_round(), units=[coffee_unit(upper)])
    lease = direct_lease(MerchantFactory(), [coffee_unit(ground)], start=START)
    assert faults(station, [coffee_unit(ground)]) == [
        "Changsha South takes at most 2 coffee outlets in the station: it would have 3 "
        f"({lot}; lease {lease.code}; the new one)."
    ]


def test_an_outlet_of_several_units_counts_once_on_each_of_its_levels(station, upper, ground):
    limit(station, per_level=1)
    add_lot(make_round(), units=[coffee_unit(upper), coffee_unit(upper), coffee_unit(ground)])
    assert len(faults(station, [coffee_unit(upper)])) == 1
    assert len(faults(station, [coffee_unit(ground)])) == 1
    # Two units of one new outlet on a free level are still one outlet.
    third = level(station, name="出站层", ordinal=-1)
    assert faults(station, [coffee_unit(third), coffee_unit(third)]) == []


def test_other_types_and_other_stations_do_not_count(station, upper):
    limit(station, per_level=1)
    add_lot(
        make_round(), units=[coffee_unit(upper, types=("tea-drinks",))], type_code="tea-drinks"
    )
    elsewhere = level(StationFactory(), name="高架层")
    add_lot(make_round(), units=[coffee_unit(elsewhere)])
    assert faults(station, [coffee_unit(upper)]) == []


def test_a_limit_on_a_major_class_counts_all_its_types(station, upper):
    limit(station, code="catering", per_level=1)
    add_lot(make_round(), units=[coffee_unit(upper)])
    found = faults(station, [coffee_unit(upper, types=("fast-food",))], code="fast-food")
    assert len(found) == 1
    assert found[0].startswith("Changsha South takes at most 1 catering outlets per level")
    # Retail is not catering.
    shop = coffee_unit(upper, types=("bookstore",))
    assert faults(station, [shop], code="bookstore") == []


def test_lots_of_failed_or_cancelled_rounds_do_not_count(station, upper):
    limit(station, per_level=1)
    cancelled = make_round()
    add_lot(cancelled, units=[coffee_unit(upper)])
    rounds.round_cancel(actor=None, round=cancelled, reason="Plans changed.")
    assert faults(station, [coffee_unit(upper)]) == []


def test_the_lot_being_changed_is_excluded(station, upper):
    limit(station, per_level=1)
    lot = add_lot(make_round(), units=[coffee_unit(upper)])
    assert faults(station, [coffee_unit(upper)], excluding=[lot]) == []


def test_leases_count_while_their_period_overlaps_and_they_hold_their_units(station, upper):
    limit(station, per_level=1)
    merchant = MerchantFactory()
    lease = direct_lease(merchant, [coffee_unit(upper)], start=START, months=12)
    new = coffee_unit(upper)
    assert faults(station, [new], during=(START, dt.date(2027, 6, 1)))
    # A lease from the day the other ends overlaps nothing (periods are [start, end)).
    assert faults(station, [new], during=(dt.date(2027, 6, 1), dt.date(2030, 6, 1))) == []
    leasing.lease_terminate(actor=None, lease=lease, reason="Tenant left.", on=START)
    assert faults(station, [new], during=(START, dt.date(2027, 6, 1))) == []


def test_a_direct_lease_on_units_of_several_types_has_no_type_to_count(station, upper):
    limit(station, per_level=1)
    direct_lease(MerchantFactory(), [coffee_unit(upper, types=("coffee", "tea-drinks"))])
    assert faults(station, [coffee_unit(upper)]) == []


def test_the_message_is_translated(station, upper):
    limit(station, per_level=1)
    lot = add_lot(make_round(), units=[coffee_unit(upper)])
    new = coffee_unit(upper)
    with translation.override("zh-hans"):
        (message,) = faults(station, [new])
    codes = ", ".join(sorted([lot.units.get().code, new.code]))
    assert message == f"长沙南每层最多设 1 家咖啡门店：高架层将有 2 家（网点 {codes}）。"


# --- setting the limits -------------------------------------------------------------------


def test_an_officer_sets_changes_and_removes_a_limit_each_journaled(station):
    actor = station_officer(station)
    made = spread_limit_set(
        actor=actor, station=station, business_type=business_type(), max_per_level="2",
        max_per_station=3,
    )  # fmt: skip
    assert (made.max_per_level, made.max_per_station) == (2, 3)
    spread_limit_set(
        actor=actor, station=station, business_type=business_type(), max_per_level=1,
        max_per_station=None,
    )  # fmt: skip
    assert SpreadLimit.objects.values_list("max_per_level", "max_per_station").get() == (1, None)
    assert spread_limit_set(
        actor=actor, station=station, business_type=business_type(), max_per_level="",
        max_per_station=None,
    ) is None  # fmt: skip
    assert not SpreadLimit.objects.exists()
    entries = list(Entry.objects.filter(action__startswith="spread_limit.").order_by("seq"))
    assert [e.action for e in entries] == [
        "spread_limit.create", "spread_limit.update", "spread_limit.remove",
    ]  # fmt: skip
    assert entries[1].before == {"max_per_level": 2, "max_per_station": 3}
    assert entries[1].after == {"max_per_level": 1, "max_per_station": None}
    assert entries[0].actor_id == actor.pk


@pytest.mark.parametrize(
    "per_level, per_station, field, message",
    [
        (0, None, "max_per_level", "A limit is 1 or more (empty for none)."),
        ("two", None, "max_per_level", "“two” is not a whole number."),
        (None, -1, "max_per_station", "A limit is 1 or more (empty for none)."),
        (3, 2, "max_per_level",
         "The most per level (3) cannot exceed the most in the station (2)."),
    ],
)  # fmt: skip
def test_a_bad_limit_is_refused_and_nothing_saved(station, per_level, per_station, field, message):
    with pytest.raises(ValidationError) as refused:
        limit(station, per_level=per_level, per_station=per_station)
    assert refused.value.message_dict == {field: [message]}
    assert not SpreadLimit.objects.exists()
    assert not Entry.objects.filter(action__startswith="spread_limit.").exists()


@pytest.mark.parametrize("who", ["manager", "other station", "inspector", "merchant"])
def test_only_the_stations_leasing_officers_set_limits(station, who):
    actor = {
        "manager": lambda: station_officer(station, role=roles.STATION_MANAGER),
        "other station": lambda: station_officer(StationFactory()),
        "inspector": inspector,
        "merchant": lambda: merchant_user(MerchantFactory()),
    }[who]()
    with pytest.raises(PermissionDenied):
        spread_limit_set(
            actor=actor, station=station, business_type=business_type(), max_per_level=1,
            max_per_station=None,
        )  # fmt: skip
    assert not SpreadLimit.objects.exists()
    assert not Entry.objects.filter(action__startswith="spread_limit.").exists()


def test_a_network_officer_sets_any_stations_limits(station):
    limit_obj = spread_limit_set(
        actor=officer(), station=station, business_type=business_type(), max_per_level=None,
        max_per_station=4,
    )  # fmt: skip
    assert limit_obj.max_per_station == 4
