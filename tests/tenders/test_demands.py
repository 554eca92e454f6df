"""Demands: recording, changing and withdrawing what a merchant wants, and who sees them."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from audit.models import Entry
from stations.models import Station
from tenders import selectors, services
from tenders.models import Demand
from tests.factories import UserFactory
from tests.stations.factories import StationFactory
from tests.tenders.factories import (
    BrandFactory,
    DemandFactory,
    MerchantFactory,
    merchant_user,
    tender_inspector,
    tender_officer,
)

pytestmark = pytest.mark.django_db


def create(actor, merchant, **overrides):
    fields = {
        "business_type": "coffee",
        "area_min_m2": "40",
        "area_max_m2": "60.5",
        "intended_rent_m2_month": "320",
        "lease_mode": Demand.LeaseMode.BOTH,
        "term_months": 36,
    }
    fields.update(overrides)
    return services.demand_create(actor=actor, merchant=merchant, **fields)


def test_a_member_records_a_demand_for_its_merchant():
    merchant = MerchantFactory()
    brand = BrandFactory(merchant=merchant)
    station = StationFactory(code="CSS")

    demand = create(
        merchant_user(merchant),
        merchant,
        brand=brand,
        stations=["CSS"],
        tiers=[Station.Tier.PREFECTURE],
        power_kw="15",
        needs_water=True,
    )

    assert demand.area_max_m2 == Decimal("60.50")
    assert demand.power_kw == Decimal("15.00")
    assert list(demand.stations.all()) == [station]
    assert demand.tiers == ["prefecture"]
    entry = Entry.objects.get(action="demand.create")
    assert entry.after["stations"] == ["CSS"]
    assert entry.after["business_type"] == "coffee"


def test_an_officer_records_a_demand_for_any_merchant():
    demand = create(tender_officer(), MerchantFactory())

    assert demand.is_active


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"area_min_m2": "0"}, "area_min_m2", "The smallest area must be more than 0 m²."),
        (
            {"area_min_m2": "80", "area_max_m2": "60"},
            "area_max_m2",
            "The largest area 60.00 m² is smaller than the smallest 80.00 m².",
        ),
        ({"area_min_m2": "forty"}, "area_min_m2", "“forty” is not a number."),
        (
            {"business_type": "catering"},
            "business_type",
            "餐饮 Catering is a major class; choose a specific business type within it.",
        ),
        ({"business_type": "casino"}, "business_type", "“casino” is not a business type."),
        (
            {"tiers": ["provincial", "village"]},
            "tiers",
            "Unknown station tier: village (the tiers are: provincial, prefecture, county).",
        ),
        (
            {"intended_rent_m2_month": "-1"},
            "intended_rent_m2_month",
            "The intended rent cannot be negative.",
        ),
        ({"term_months": 0}, "term_months", "The term must be a whole number of months above 0."),
        ({"lease_mode": "barter"}, "lease_mode", "Value 'barter' is not a valid choice."),
        ({"stations": ["NOPE"]}, "stations", "Unknown station: NOPE."),
        ({"power_kw": "-3"}, "power_kw", "The power needed cannot be negative."),
    ],
)
def test_a_bad_demand_is_refused_naming_the_field(overrides, field, message):
    merchant = MerchantFactory()

    with pytest.raises(ValidationError) as exc:
        create(None, merchant, **overrides)

    assert exc.value.message_dict[field] == [message]
    assert not Demand.objects.exists()
    assert not Entry.objects.exists()


def test_another_merchants_brand_is_refused():
    merchant = MerchantFactory()
    brand = BrandFactory(name_zh="别家")

    with pytest.raises(ValidationError) as exc:
        create(None, merchant, brand=brand)

    assert exc.value.message_dict == {"brand": [f"Brand {brand} is not this merchant's."]}
    assert not Demand.objects.exists()


def test_a_rival_may_not_record_a_demand_for_another_merchant():
    merchant = MerchantFactory()

    with pytest.raises(PermissionDenied):
        create(merchant_user(MerchantFactory()), merchant)

    assert not Demand.objects.exists()
    assert not Entry.objects.exists()


def test_an_inspector_may_not_record_a_demand():
    with pytest.raises(PermissionDenied):
        create(tender_inspector(), MerchantFactory())

    assert not Demand.objects.exists()


def test_a_member_updates_its_demand_and_the_journal_keeps_both_sides():
    demand = DemandFactory(stations=[StationFactory(code="YYE")])
    StationFactory(code="CSS")

    services.demand_update(
        actor=merchant_user(demand.merchant),
        demand=demand,
        area_max_m2="80",
        stations=["CSS"],
        business_type="bakery",
    )

    demand.refresh_from_db()
    assert demand.area_max_m2 == Decimal("80.00")
    assert demand.business_type.code == "bakery"
    assert list(demand.stations.values_list("code", flat=True)) == ["CSS"]
    entry = Entry.objects.get(action="demand.update")
    assert (entry.before["stations"], entry.after["stations"]) == (["YYE"], ["CSS"])
    assert (entry.before["area_max_m2"], entry.after["area_max_m2"]) == ("60.00", "80.00")


def test_a_bad_update_leaves_the_demand_unchanged():
    demand = DemandFactory()

    with pytest.raises(ValidationError) as exc:
        services.demand_update(actor=None, demand=demand, area_min_m2="100")

    assert exc.value.message_dict == {
        "area_max_m2": ["The largest area 60.00 m² is smaller than the smallest 100.00 m²."]
    }
    demand.refresh_from_db()
    assert demand.area_min_m2 == Decimal("40.00")
    assert not Entry.objects.exists()


def test_an_update_of_the_merchant_is_refused():
    demand = DemandFactory()

    with pytest.raises(ValidationError) as exc:
        services.demand_update(actor=None, demand=demand, merchant=MerchantFactory())

    assert exc.value.message_dict == {"merchant": ["This field cannot be changed here."]}


def test_a_rival_may_not_update_or_withdraw_a_demand():
    demand = DemandFactory()
    rival = merchant_user(MerchantFactory())

    with pytest.raises(PermissionDenied):
        services.demand_update(actor=rival, demand=demand, term_months=12)
    with pytest.raises(PermissionDenied):
        services.demand_withdraw(actor=rival, demand=demand)

    demand.refresh_from_db()
    assert demand.term_months == 36 and demand.is_active
    assert not Entry.objects.exists()


def test_a_withdrawn_demand_is_kept_inactive_and_cannot_be_withdrawn_or_changed_again():
    demand = DemandFactory()
    member = merchant_user(demand.merchant)

    services.demand_withdraw(actor=member, demand=demand, reason="开店计划取消")

    demand.refresh_from_db()
    assert not demand.is_active
    assert Entry.objects.get(action="demand.withdraw").data == {"reason": "开店计划取消"}
    with pytest.raises(ValidationError) as again:
        services.demand_withdraw(actor=member, demand=demand)
    assert again.value.message_dict == {"is_active": ["This demand is already withdrawn."]}
    with pytest.raises(ValidationError) as change:
        services.demand_update(actor=member, demand=demand, term_months=12)
    assert change.value.message_dict == {
        "is_active": ["This demand was withdrawn; record a new one instead."]
    }
    assert Entry.objects.count() == 1


def test_a_merchant_user_sees_only_its_demands_and_a_rival_gets_404():
    mine = DemandFactory()
    theirs = DemandFactory()
    user = merchant_user(mine.merchant)

    assert list(selectors.demands_for(user)) == [mine]
    assert selectors.get_demand_for(user, mine.pk) == mine
    with pytest.raises(Http404) as forbidden:
        selectors.get_demand_for(user, theirs.pk)
    with pytest.raises(Http404) as missing:
        selectors.get_demand_for(user, 999999)
    assert str(forbidden.value) == str(missing.value) == "No such demand."


def test_officers_and_inspectors_see_every_demand_and_can_filter():
    active = DemandFactory()
    withdrawn = DemandFactory(is_active=False)

    assert set(selectors.demands_for(tender_officer())) == {active, withdrawn}
    assert set(selectors.demands_for(tender_inspector(), active=True)) == {active}
    assert list(selectors.demands_for(None, merchant=withdrawn.merchant)) == [withdrawn]
    assert not selectors.demands_for(UserFactory()).exists()
