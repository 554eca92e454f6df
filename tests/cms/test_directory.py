"""The passengers' directory: a station's open outlets by business type and on each level's
plan, found by name or type (?q=) and by class (?type=), in both languages, in a number of
queries that does not grow with the outlets."""

import pytest
from django.utils import translation

from leasing import services as leasing
from stations import services as space
from stations.models import Station
from stations.plans import render_level_svg
from tests.cms.site_fixtures import open_outlet
from tests.leasing.factories import direct_lease
from tests.stations.factories import StationFactory, level, unit
from tests.tenders.factories import BrandFactory, MerchantFactory, business_type

pytestmark = pytest.mark.django_db
URL = "/stations/CSS/directory/"


def get(client, url=URL, language="en", **params):
    with translation.override(language):
        return client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def station(db):
    return StationFactory(
        code="CSS",
        name_zh="长沙南",
        name_en="Changsha South",
        tier=Station.Tier.PROVINCIAL_CAPITAL,
    )


@pytest.fixture
def concourse(station):
    return level(station, name="高架层", ordinal=1, width=200, depth=60)


def outlet(lv, code, x, *, brand_zh, brand_en, type_code):
    merchant = MerchantFactory()
    brand = BrandFactory(merchant=merchant, name_zh=brand_zh, name_en=brand_en)
    brand.business_types.add(business_type(type_code))
    shop = unit(lv, code, x, 0, 10, business_types=[type_code])
    space.unit_change_status(actor=None, unit=shop, status="available")
    return open_outlet(merchant, [shop], business_type=business_type(type_code))


@pytest.fixture
def outlets(concourse):
    return [
        outlet(concourse, "2F-A01", 0, brand_zh="瑞幸咖啡", brand_en="Luckin Coffee", type_code="coffee"),
        outlet(concourse, "2F-A02", 20, brand_zh="麦当劳", brand_en="McDonald's", type_code="fast-food"),
        outlet(concourse, "2F-A03", 40, brand_zh="芙蓉兴盛", brand_en="Furong Xingsheng",
               type_code="convenience-store"),
    ]  # fmt: skip


def test_the_directory_lists_the_open_outlets_by_type_and_on_the_plan(client, outlets, concourse):
    unit(concourse, "2F-A09", 100, 0, 10)  # no outlet: drawn without a label
    response = get(client)
    html = response.content.decode()

    assert response.status_code == 200
    assert "3 shops open" in html
    assert html.index("Catering") < html.index("Coffee") < html.index("Luckin Coffee")
    assert html.index("Catering") < html.index("Retail") < html.index("Furong Xingsheng")
    assert "McDonald&#x27;s" in html and "麦当劳" in html
    assert 'data-unit-code="2F-A01"' in html  # the plan, inline
    assert "2F-A09" not in html.split("hsr-plan-labels", 1)[1].split("</g>", 1)[0]


def test_the_directory_is_chinese_by_default(client, outlets):
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="").content.decode()

    assert '<html lang="zh-hans">' in html
    assert html.index("瑞幸咖啡") < html.index("Luckin Coffee")


@pytest.mark.parametrize("query", ["coffee", "COFFEE", "瑞幸", "咖啡", "luckin"])
def test_searching_finds_an_outlet_by_name_or_type_in_either_language(client, outlets, query):
    html = get(client, q=query).content.decode()
    listed = html.split('id="dir-by-type"', 1)[1].split('id="dir-by-level"', 1)[0]

    assert "Luckin Coffee" in listed
    assert "McDonald" not in listed and "Furong" not in listed
    assert "1 of 3 shops match." in html


def test_a_search_that_finds_nothing_says_so(client, outlets):
    html = get(client, q="bookshop").content.decode()

    assert "No shop matches. Try another word, or show all shops." in html


def test_the_type_filter_keeps_one_business_class(client, outlets):
    html = get(client, type="retail").content.decode()
    listed = html.split('id="dir-by-type"', 1)[1].split('id="dir-by-level"', 1)[0]

    assert "Furong Xingsheng" in listed and "Luckin" not in listed


def test_only_open_leases_are_outlets(client, concourse, outlets):
    leasing.lease_terminate(actor=None, lease=outlets[1], reason="The tenant gave up the unit.")
    draft_shop = unit(concourse, "2F-A05", 60, 0, 10, business_types=["coffee"])
    space.unit_change_status(actor=None, unit=draft_shop, status="available")
    direct_lease(BrandFactory(name_en="Draft Cafe").merchant, [draft_shop])
    html = get(client).content.decode()

    assert "Draft Cafe" not in html
    assert "McDonald" not in html
    assert "2 shops open" in html


def test_an_unknown_station_answers_404(client, station):
    assert get(client, "/stations/NOPE/directory/").status_code == 404


def test_a_lower_case_code_finds_the_station(client, outlets):
    assert get(client, "/stations/css/directory/").status_code == 200


def test_the_directory_makes_the_same_queries_whatever_its_outlets(
    client, concourse, outlets, django_assert_max_num_queries
):
    get(client)
    with django_assert_max_num_queries(30) as few:
        get(client, q="coffee")
    for n in range(4):
        outlet(concourse, f"2F-B{n}", 80 + 20 * n, brand_zh=f"品牌{n}", brand_en=f"Brand {n}",
               type_code="coffee")  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = get(client, q="coffee").content.decode()
    assert "Brand 3" in html


def test_the_plan_writes_the_labels_it_is_given(concourse):
    unit(concourse, "2F-A01", 0, 0, 20)
    unit(concourse, "2F-A02", 40, 0, 20)

    svg = render_level_svg(concourse, labels={"2F-A01": ("7",), "2F-A02": ()})
    labels = svg.split('class="hsr-plan-labels"', 1)[1].split("</g>", 1)[0]

    assert 'data-unit-code="2F-A01"' in labels and ">7</tspan>" in labels
    assert 'data-unit-code="2F-A02"' not in labels
    assert "2F-A01" in render_level_svg(concourse).split('class="hsr-plan-labels"', 1)[1]


def test_the_campaigns_running_today_show_with_the_shops_taking_part(client, outlets, station):
    from django.utils import timezone

    from leasing import operation
    from tests.leasing.factories import lease_officer

    today = timezone.localdate()
    officer = lease_officer()
    here = operation.marketing_event_create(
        actor=officer, title="Summer drinks", starts_on=today, ends_on=today, station=station
    )
    operation.marketing_event_add_outlets(actor=officer, event=here, outlets=[outlets[0]])
    operation.marketing_event_create(
        actor=officer, title="Network reading month", starts_on=today, ends_on=today
    )
    elsewhere = StationFactory(code="YYE")
    operation.marketing_event_create(
        actor=officer, title="Yueyang only", starts_on=today, ends_on=today, station=elsewhere
    )

    page = get(client).content.decode()

    assert "Campaigns now" in page
    assert "Summer drinks" in page and "1 shop here takes part" in page
    assert "Network reading month" in page
    assert "Yueyang only" not in page
