"""Station pages: tier and passengers, each level's plan with the units offered for letting, a
unit's area, utilities and business types, the link for a merchant to register interest;
the station index by tier; bounded queries."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from cms import station_pages
from stations import services
from stations.models import Station, Unit
from tests import factories
from tests.cms.site_fixtures import site_tree, station_page
from tests.stations.factories import StationFactory, cabinet, level, unit
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db


def get(client, url):
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def release(*units):
    for u in units:
        services.unit_change_status(actor=None, unit=u, status=Unit.Status.AVAILABLE)


@pytest.fixture
def css(db):
    station = StationFactory(
        code="CSS",
        name_zh="长沙南",
        name_en="Changsha South",
        tier=Station.Tier.PROVINCIAL_CAPITAL,
    )
    concourse = level(station, name="高架层", ordinal=1, width=100, depth=40)
    cabinet(concourse, 95, 35, capacity_kw="200")
    offered = unit(
        concourse, "2F-A01", 0, 0, 10, power_kw=Decimal("30"), business_types=["coffee"]
    )
    services.utility_point_create(actor=None, level=concourse, kind="water", x=2, y=2)
    services.utility_point_create(actor=None, level=concourse, kind="drainage", x=3, y=3)
    services.utility_point_create(actor=None, level=concourse, kind="floor_socket", x=4, y=4)
    unit(concourse, "2F-A02", 20, 0, 10)  # planned: not offered
    release(offered)
    return station


@pytest.fixture
def page(css):
    _home, _notices, stations = site_tree()
    return station_page(stations, css, annual_passengers=36500000, passengers_year=2025)


def test_the_station_page_shows_tier_passengers_and_the_units_offered(client, page):
    response = get(client, page.url)
    html = response.content.decode()

    assert response.status_code == 200
    assert "长沙南" in html and "Changsha South" in html
    assert "Provincial capital" in html
    assert 'data-fact="passengers">36500000' in html and "(2025)" in html
    assert 'class="hsr-unit"' in html and 'data-unit-code="2F-A01"' in html  # the plan, inline
    assert 'id="offer-unit-2F-A01"' in html
    assert "100.00 m²" in html
    assert "30 kW" in html
    assert "Floor socket × 1" in html and "Water supply × 1" in html and "Drainage × 1" in html
    assert "Coffee" in html
    assert 'id="offer-unit-2F-A02"' not in html  # a planned unit is not offered
    assert reverse("directory:station", args=("CSS",)) in html


def test_a_merchant_gets_the_link_to_register_interest_others_do_not(client, page):
    form = reverse("portal:demand_create")
    anonymous = get(client, page.url).content.decode()
    assert f"{form}?" not in anonymous
    assert "to register your interest in a unit" in anonymous

    client.force_login(factories.officer())
    assert f"{form}?" not in get(client, page.url).content.decode()

    client.force_login(merchant_user(MerchantFactory()))
    html = get(client, page.url).content.decode()
    assert f"{form}?station=CSS&amp;unit=2F-A01" in html


def test_the_station_index_lists_stations_by_tier_with_their_pages(client, page):
    StationFactory(code="MLE", name_zh="汨罗东", name_en="Miluo East", tier=Station.Tier.COUNTY)
    html = get(client, "/stations/").content.decode()
    listed = html[html.index('class="portal-tier"') :]  # after the search form's tier choices

    assert (
        listed.index("Provincial capital") < listed.index("长沙南") < listed.index("County-level")
    )
    assert f'href="{page.url}"' in html
    assert "汨罗东" in html  # no page yet: listed without a link


def listed_codes(html: str) -> list[str]:
    return re.findall(r'class="portal-station" data-station="([^"]+)"', html)


@pytest.fixture
def many(page, monkeypatch):
    """CSS (provincial capital) and seven county-level stations, three to a page."""
    monkeypatch.setattr(station_pages, "STATIONS_PER_PAGE", 3)
    for n in range(7):
        StationFactory(
            code=f"C{n:02d}", name_zh=f"县站{n}", name_en=f"County {n}", tier=Station.Tier.COUNTY
        )


def test_the_station_index_shows_a_page_of_stations_with_a_pager(client, many):
    first = get(client, "/stations/").content.decode()
    assert listed_codes(first) == ["CSS", "C00", "C01"]
    assert "8 stations" in first and "Page 1 of 3" in first
    assert 'href="?page=2"' in first and 'href="?page=3"' not in first.split("Page 1")[0]
    assert listed_codes(get(client, "/stations/?page=2").content.decode()) == ["C02", "C03", "C04"]
    # a page beyond the last shows the last, one that is not a number the first (get_page)
    assert listed_codes(get(client, "/stations/?page=99").content.decode()) == ["C05", "C06"]
    assert listed_codes(get(client, "/stations/?page=x").content.decode()) == ["CSS", "C00", "C01"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=css", ["CSS"]),  # the code
        ("q=长沙", ["CSS"]),  # the Chinese name
        ("q=county+1", ["C01"]),  # the English name
        ("tier=provincial", ["CSS"]),
        ("tier=county&q=县站", ["C00", "C01", "C02"]),
        ("tier=nonsense", ["CSS", "C00", "C01"]),  # not a tier: no filter
    ],
)
def test_the_station_index_searches_by_name_or_code_and_tier(client, many, query, expected):
    html = get(client, f"/stations/?{query}").content.decode()
    assert listed_codes(html) == expected


def test_a_search_keeps_its_terms_in_the_pager_and_says_when_nothing_matches(client, many):
    html = get(client, "/stations/?tier=county").content.decode()
    assert "7 stations found" in html
    assert 'href="?tier=county&amp;page=2"' in html
    empty = get(client, "/stations/?q=nowhere").content.decode()
    assert "No station matches the search." in empty and listed_codes(empty) == []


def test_the_station_index_makes_the_same_queries_whatever_the_stations(
    client, page, django_assert_max_num_queries
):
    get(client, "/stations/")
    with django_assert_max_num_queries(20) as few:
        get(client, "/stations/")
    for n in range(5):
        station_page(page.get_parent(), StationFactory(code=f"X{n:02d}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = get(client, "/stations/").content.decode()
    assert len(listed_codes(html)) == 6


def test_the_station_page_makes_the_same_queries_whatever_its_units(
    client, page, css, django_assert_max_num_queries
):
    get(client, page.url)
    cache.clear()  # the plans built again, not read from the cache
    with django_assert_max_num_queries(40) as few:
        get(client, page.url)
    concourse = css.levels.get()
    more = [unit(concourse, f"2F-B{n:02d}", 40 + 6 * (n % 8), 25, 5) for n in range(8)]
    release(*more)
    for u in more[:4]:
        services.utility_point_create(
            actor=None,
            level=concourse,
            kind="lightbox_socket",
            x=41 + 6 * (more.index(u) % 8),
            y=26,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = get(client, page.url).content.decode()
    assert 'id="offer-unit-2F-B07"' in html


def test_a_station_page_seen_again_is_read_from_the_cache_until_the_space_changes(
    client, page, css, django_assert_max_num_queries
):
    get(client, page.url)
    cache.clear()
    with django_assert_max_num_queries(40) as built:
        get(client, page.url)
    with django_assert_max_num_queries(len(built.captured_queries) - 5) as cached:
        html = get(client, page.url).content.decode()
    assert 'id="offer-unit-2F-A01"' in html and 'id="offer-unit-2F-A02"' not in html
    # A unit released for letting is journalled: the next visitor sees it at once.
    release(css.units.get(code="2F-A02"))
    with django_assert_max_num_queries(len(built.captured_queries)):
        html = get(client, page.url).content.decode()
    assert 'id="offer-unit-2F-A02"' in html
    assert len(cached.captured_queries) < len(built.captured_queries)


def test_a_merchants_links_are_its_own_even_from_the_cache(client, page, css):
    get(client, page.url)  # cached for a visitor, without links
    client.force_login(merchant_user(MerchantFactory(), username="coffee"))
    html = get(client, page.url).content.decode()
    assert "station=CSS&amp;unit=2F-A01" in html
    client.logout()
    assert "station=CSS&amp;unit=2F-A01" not in get(client, page.url).content.decode()
