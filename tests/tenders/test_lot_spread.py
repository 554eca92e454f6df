"""A lot that would break the station's spread of outlets (错位经营) is refused, naming it."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import Entry
from stations.spread import spread_limit_set
from tenders import rounds
from tenders.models import Lot
from tests.stations.factories import StationFactory, level
from tests.tenders.round_factories import add_lot, available_unit, business_type, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def upper():
    station = StationFactory(name_en="Changsha South")
    spread_limit_set(
        actor=None, station=station, business_type=business_type("coffee"), max_per_level=1,
        max_per_station=None,
    )  # fmt: skip
    return level(station, name="高架层")


def test_a_lot_beyond_the_limit_is_refused_and_nothing_saved(upper):
    round_obj = make_round()
    first = add_lot(round_obj, units=[available_unit(upper)])
    second_unit = available_unit(upper)
    with pytest.raises(ValidationError) as refused:
        add_lot(round_obj, units=[second_unit], number=2)
    codes = ", ".join(sorted([first.units.get().code, second_unit.code]))
    assert refused.value.message_dict == {
        "units": [
            "Changsha South takes at most 1 coffee outlets per level: level 高架层 would have 2 "
            f"(units {codes})."
        ]
    }
    assert list(Lot.objects.all()) == [first]
    assert Entry.objects.filter(action="lot.add").count() == 1


def test_a_lot_changed_onto_a_full_level_is_refused_but_counts_not_itself(upper):
    round_obj = make_round()
    lot = add_lot(round_obj, units=[available_unit(upper)])
    # Changing the lot itself (its units on the same level) does not count it twice.
    other_unit = available_unit(upper)
    rounds.lot_update(actor=None, lot=lot, units=[other_unit], title="Coffee by gate 5")
    elsewhere = level(upper.station, name="地面层", ordinal=0)
    second = add_lot(round_obj, units=[available_unit(elsewhere)], number=2)
    with pytest.raises(ValidationError) as refused:
        rounds.lot_update(actor=None, lot=second, units=[available_unit(upper)])
    assert "takes at most 1 coffee outlets per level" in refused.value.message_dict["units"][0]
    assert Lot.objects.get(pk=second.pk).units.get().level == elsewhere
    assert Entry.objects.filter(action="lot.update").count() == 1
