"""Fixtures for the merchant and demand screens: two merchants with brands and demands, and the
people who look at them — a network officer (tender officer too), the inspector, each merchant's
own user (given admin access, to show that the admin narrows them to their company), a station
manager with no tender role. Import the fixtures into a test module to use them."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.utils import translation

from stations import roles
from stations import services as station_services
from stations.models import BusinessCategory, Station
from tenders import services
from tests import factories
from tests.cms.conftest import speak_english
from tests.stations.factories import StationFactory, cabinet, level, unit
from tests.tenders.factories import (
    BrandFactory,
    DemandFactory,
    MerchantFactory,
    merchant_user,
    tender_inspector,
)


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def field_errors(response, field: str) -> list[str]:
    """The form's errors on ``field`` in English (Django's own messages are lazy, and a request
    leaves its language active)."""
    with translation.override("en"):
        return [str(e) for e in response.context["form"].errors.get(field, [])]


def with_admin_access(user):
    """A merchant's user as the admin would meet them if a portal role gave admin access."""
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def css(db):
    station = StationFactory(
        code="CSS",
        name_zh="长沙南",
        name_en="Changsha South",
        tier=Station.Tier.PROVINCIAL_CAPITAL,
    )
    lv = level(station, name="高架层", width=200, depth=100)
    cabinet(lv, 190, 90, "500", code="C1")
    return lv


@pytest.fixture
def yye(db):
    station = StationFactory(
        code="YYE", name_zh="岳阳东", name_en="Yueyang East", tier=Station.Tier.PREFECTURE
    )
    lv = level(station, name="高架层", width=200, depth=100)
    cabinet(lv, 190, 90, "500", code="C1")
    return lv


def available(level_obj, code, x, y, size=10.0, **fields):
    shop = unit(level_obj, code, x, y, size, **fields)
    return station_services.unit_change_status(actor=None, unit=shop, status="available")


@pytest.fixture
def mcd(css, yye):
    """McDonald's: a brand, a demand for fast food at CSS, one for coffee at YYE."""
    merchant = MerchantFactory(name="麦当劳（中国）有限公司", credit_code="91350100M000100Y43")
    brand = BrandFactory(merchant=merchant, name_zh="麦当劳", name_en="McDonald's")
    brand.business_types.set(BusinessCategory.objects.filter(code="fast-food"))
    DemandFactory(
        merchant=merchant,
        brand=brand,
        business_type=BusinessCategory.objects.get(code="fast-food"),
        stations=[css.station],
        area_min_m2=Decimal("80"),
        area_max_m2=Decimal("120"),
        intended_rent_m2_month=Decimal("450"),
    )
    DemandFactory(merchant=merchant, stations=[yye.station])
    return merchant


@pytest.fixture
def kfc(css):
    merchant = MerchantFactory(
        name="肯德基有限公司",
        legal_form="company",
        operation_mode="franchise",
    )
    BrandFactory(merchant=merchant, name_zh="肯德基", name_en="KFC")
    DemandFactory(merchant=merchant, tiers=["provincial"], lease_mode="turnover")
    return merchant


@pytest.fixture
def officer(db):
    """A leasing officer of the whole network: every station, and tender officer (run_round)."""
    return speak_english(factories.officer(username="network-officer"))


@pytest.fixture
def inspector(db):
    return speak_english(tender_inspector(username="discipline"))


@pytest.fixture
def mcd_user(mcd):
    return speak_english(with_admin_access(merchant_user(mcd, username="mcd-user")))


@pytest.fixture
def kfc_user(kfc):
    return speak_english(with_admin_access(merchant_user(kfc, username="kfc-user")))


@pytest.fixture
def manager(css):
    """A station manager of CSS: the station's space, no tender role."""
    return speak_english(
        factories.station_officer(css.station, role=roles.STATION_MANAGER, username="css-manager")
    )


def blacklist(merchant, *, recorded_on, expires_on=None, source="信用中国"):
    return services.credit_record_add(
        actor=None,
        merchant=merchant,
        kind="blacklist",
        source=source,
        recorded_on=recorded_on,
        expires_on=expires_on,
    )
