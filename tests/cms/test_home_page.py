"""The portal's home page: the network's stations and what each offers for letting."""

import pytest
from django.utils import translation

from stations import services
from stations.models import Unit
from tests.stations.factories import StationFactory, level, square

pytestmark = pytest.mark.django_db


def offer(station, codes_available, codes_planned=(), ordinal=1):
    lv = level(station, ordinal=ordinal)
    specs = [
        services.UnitSpec(code=code, polygon=square(i * 20, 0, 10))
        for i, code in enumerate([*codes_available, *codes_planned])
    ]
    units = services.units_create(actor=None, level=lv, specs=specs)
    for unit in units[: len(codes_available)]:
        services.unit_change_status(actor=None, unit=unit, status=Unit.Status.AVAILABLE)
    return lv


def test_home_page_lists_stations_by_tier_with_units_offered_for_letting(client):
    css = StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South", tier="provincial")
    mle = StationFactory(code="MLE", name_zh="汨罗东", name_en="Miluo East", tier="county")
    offer(css, ["A1", "A2"], ["A3"])
    offer(mle, [], ["B1"])

    with translation.override("en"):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        html.index("Provincial capital") < html.index("长沙南") < html.index("County-level city")
    )
    assert html.index("County-level city") < html.index("汨罗东")
    assert "2 units offered for letting · 200.00 m²" in html
    assert "0 units offered for letting · 0.00 m²" in html
    assert "2 stations · 2 units offered for letting, 200.00 m²" in html
    assert "Welcome to your new Wagtail site" not in html


def test_home_page_is_chinese_by_default(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="")

    assert '<html lang="zh-hans">' in response.content.decode()


def test_home_page_query_count_does_not_grow_with_stations(client, django_assert_max_num_queries):
    for n in range(2):
        offer(StationFactory(), [f"U{n}"])
    with django_assert_max_num_queries(12) as few:
        client.get("/")
    for n in range(6):
        offer(StationFactory(), [f"V{n}"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")
