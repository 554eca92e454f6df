"""Choices that stay small at national size (cms.large_choices): above the limit a station,
tenant or outlet is typed by its code instead of picked from a list of thousands; a code the
user may not pick is refused as a wrong choice was, and nothing is saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms import large_choices
from leasing.models import Lease
from tests.cms.conftest import speak_english
from tests.cms.test_lease_admin import make_lease  # noqa: F401
from tests.factories import officer
from tests.stations.factories import StationFactory, level
from tests.tenders.factories import MerchantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def few(monkeypatch):
    """A limit of one choice, so that two stations are "many"."""
    monkeypatch.setattr(large_choices, "LIMIT", 1)


@pytest.fixture
def network(db):
    css = StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South")
    yye = StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")
    tenant = MerchantFactory(name="湖南麦当劳餐饮有限公司")
    other = MerchantFactory(name="肯德基有限公司")
    from tests.cms.test_lease_admin import make_lease as lease

    first = lease(tenant, level(css, name="高架层", width=400, depth=200), code="HT-CSS")
    second = lease(other, level(yye, name="地面层", width=400, depth=200), code="HT-YYE")
    return css, yye, tenant, first, second


@pytest.fixture
def officer_client(client):
    client.force_login(speak_english(officer(username="network")))
    return client


def test_a_few_stations_are_offered_as_a_list(officer_client, network):
    html = officer_client.get(reverse("leases:index")).content.decode()
    assert '<select name="station"' in html and ">CSS 长沙南<" in html


def test_many_stations_are_typed_by_code_and_filter_the_list(officer_client, network, few):
    css, _yye, _tenant, first, second = network
    page = officer_client.get(reverse("leases:index"))
    html = page.content.decode()
    assert '<input type="text" name="station"' in html
    assert ">CSS 长沙南<" not in html
    filtered = officer_client.get(reverse("leases:index"), {"station": "CSS"}).content.decode()
    assert first.code in filtered and second.code not in filtered


def test_a_typed_code_that_is_no_station_is_refused_by_name(officer_client, network, few):
    _css, _yye, _tenant, first, _second = network
    html = officer_client.get(reverse("leases:index"), {"station": "NOPE"}).content.decode()
    assert "Select a valid choice. That choice is not one of the available choices." in html


def test_many_tenants_are_typed_by_credit_code_in_the_direct_lease_form(
    officer_client, network, few
):
    css, _yye, tenant, _first, _second = network
    count = Lease.objects.count()
    url = reverse("leases:add") + "?station=CSS"
    assert "CSS" in officer_client.get(url).content.decode()
    html = officer_client.get(url).content.decode()
    assert '<input type="text" name="merchant"' in html
    assert '<input id="cms-lease-station" name="station" value="CSS"' in html
    assert tenant.name not in html
    refused = officer_client.post(url, {"station": css.pk, "merchant": "91000000000000000X"})
    assert "Select a valid choice. That choice is not one of the available choices." in (
        refused.content.decode()
    )
    assert Lease.objects.count() == count
