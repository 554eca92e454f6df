"""A passenger finds a coffee shop on a station's directory, on a phone, in Chinese (the default)
and then in English: typing filters the shops as one types, choosing the shop points its unit out
on the level's plan, and the language switch keeps the passenger on the same page. Screens are
saved to test-artifacts/ to be looked at."""

import pytest

from stations import services as space
from stations.models import Station
from tests.cms.site_fixtures import open_outlet
from tests.stations.factories import StationFactory, level, unit
from tests.tenders.factories import BrandFactory, MerchantFactory, business_type

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

URL = "/stations/CSS/directory/"


def outlet(lv, code, x, *, brand_zh, brand_en, type_code):
    merchant = MerchantFactory()
    brand = BrandFactory(merchant=merchant, name_zh=brand_zh, name_en=brand_en)
    brand.business_types.add(business_type(type_code))
    shop = unit(lv, code, x, 2, 10, business_types=[type_code])
    space.unit_change_status(actor=None, unit=shop, status="available")
    return open_outlet(merchant, [shop], business_type=business_type(type_code))


@pytest.fixture
def station(db):
    """Changsha South with two levels: a coffee shop upstairs among others, and one downstairs."""
    station = StationFactory(
        code="CSS",
        name_zh="长沙南",
        name_en="Changsha South",
        tier=Station.Tier.PROVINCIAL_CAPITAL,
    )
    concourse = level(station, name="高架层", ordinal=1, width=120, depth=30)
    ground = level(station, name="地面层", ordinal=0, width=120, depth=30)
    shops = [
        (concourse, "2F-A01", 2, "麦当劳", "McDonald's", "fast-food"),
        (concourse, "2F-A02", 16, "芙蓉兴盛", "Furong Xingsheng", "convenience-store"),
        (concourse, "2F-A03", 30, "瑞幸咖啡", "Luckin Coffee", "coffee"),
        (concourse, "2F-A04", 44, "新华书店", "Xinhua Bookstore", "bookstore"),
        (ground, "1F-B01", 2, "老长沙臭豆腐", "Old Changsha Tofu", "local-snacks"),
        (ground, "1F-B02", 16, "湘品特产", "Hunan Specialities", "local-specialty"),
    ]
    for lv, code, x, brand_zh, brand_en, type_code in shops:
        outlet(lv, code, x, brand_zh=brand_zh, brand_en=brand_en, type_code=type_code)
    return station


def visible_outlets(page) -> list[str]:
    return page.locator(".dir-outlet:visible .dir-outlet__name").all_inner_texts()


def test_a_passenger_finds_a_coffee_shop_in_both_languages(page, screenshot, station):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(URL)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text().startswith("长沙南")
    assert len(visible_outlets(page)) == 6
    screenshot("zh-arrived")

    # Typing filters the list at once (no round trip), and the status says how many match.
    page.fill("#dir-q", "咖啡")
    assert visible_outlets(page) == ["瑞幸咖啡"]
    assert "1" in page.locator("[data-dir-status]").inner_text()
    dimmed = page.locator("[data-dir-plan] .hsr-unit.is-dimmed")
    assert dimmed.count() == 5  # every other shop, on both plans

    # Choosing the shop points its unit out on the concourse's plan.
    page.locator(".dir-outlet:visible .dir-outlet__where a").click()
    chosen = page.locator("[data-dir-plan] .hsr-unit.is-chosen")
    assert chosen.count() == 1
    assert chosen.get_attribute("id").endswith("2F-A03")
    assert page.locator(".dir-outlet.is-chosen .dir-outlet__name").inner_text() == "瑞幸咖啡"
    screenshot("zh-coffee-found", full_page=False)

    # The same search sent to the server (no script needed) finds the same shop.
    page.locator(".dir-search button[type=submit]").click()
    page.wait_for_url("**/directory/?q=*")
    assert visible_outlets(page) == ["瑞幸咖啡"]

    # Switching to English keeps the passenger on the directory.
    page.goto(URL)
    page.locator(".portal-lang button[value=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(URL)
    assert page.locator("h1").inner_text().startswith("Changsha South")

    page.fill("#dir-q", "coffee")
    assert visible_outlets(page) == ["Luckin Coffee"]
    page.locator(".dir-outlet:visible .dir-outlet__where a").click()
    assert (
        page.locator("[data-dir-plan] .hsr-unit.is-chosen").get_attribute("id").endswith("2F-A03")
    )
    screenshot("en-coffee-found", full_page=False)

    # A word that matches nothing says so, and offers every shop again.
    page.fill("#dir-q", "pharmacy")
    assert visible_outlets(page) == []
    assert "No shop matches" in page.locator("[data-dir-status]").inner_text()
