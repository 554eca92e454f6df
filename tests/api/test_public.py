"""The public API: stations (tier, passengers, units by status), a level's plan as GeoJSON,
units with filters, published rounds and lots (never a reserve before the award, never a draft),
documents with their SHA-256, result notices with the objection deadline; a token reveals no
more; bounded queries per list."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stations import services
from stations.models import Station, Unit
from tenders import result as outcome
from tenders import rounds
from tests import factories
from tests.api.conftest import error_of
from tests.cms.committee_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.committee_fixtures import RESERVE_SHOWN
from tests.cms.site_fixtures import site_tree, station_page
from tests.stations.factories import StationFactory, cabinet, level, unit
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import add_lot, available_unit, published_round, ready_round

pytestmark = pytest.mark.django_db

API = "/api/v1/public"


def release(*units):
    for u in units:
        services.unit_change_status(actor=None, unit=u, status=Unit.Status.AVAILABLE)


@pytest.fixture
def css(db):
    """Changsha South: two levels; on the concourse an offered café with utilities, a planned
    unit and a closed unit; on the ground level one offered convenience store."""
    station = StationFactory(
        code="CSS",
        name_zh="长沙南",
        name_en="Changsha South",
        tier=Station.Tier.PROVINCIAL_CAPITAL,
        line="Wuhan–Guangzhou HSR",
    )
    concourse = level(station, name="高架层", ordinal=1, width=100, depth=40)
    ground = level(station, name="地面层", ordinal=0, width=100, depth=40)
    cabinet(concourse, 95, 35, capacity_kw="200")
    cafe = unit(concourse, "2F-A01", 0, 0, 10, power_kw=Decimal("30"), business_types=["coffee"])
    for kind, x in (("water", 2), ("drainage", 3), ("floor_socket", 4)):
        services.utility_point_create(actor=None, level=concourse, kind=kind, x=x, y=x)
    unit(concourse, "2F-A02", 20, 0, 12, power_kw=Decimal("8"))  # planned
    let = unit(concourse, "2F-A03", 40, 0, 5, power_kw=Decimal("9"), business_types=["coffee"])
    shop = unit(ground, "1F-B01", 0, 0, 8, business_types=["convenience-store"])
    release(cafe, let, shop)
    services.unit_change_status(actor=None, unit=let, status=Unit.Status.CLOSED)
    return station


@pytest.fixture
def yye(db):
    station = StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")
    unit(level(station), "2F-Y01", 0, 0, 10)
    return station


@pytest.fixture
def pages(css):
    _home, _notices, stations = site_tree()
    return station_page(stations, css, annual_passengers=36500000, passengers_year=2025)


def ms(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the JSON gives it: to the millisecond."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


# --- stations -------------------------------------------------------------------------------


def test_stations_list_tier_passengers_levels_and_units_by_status(api_client, css, yye, pages):
    body = api_client().get(f"{API}/stations/").json()

    assert body["count"] == 2
    by_code = {row["code"]: row for row in body["items"]}
    changsha = by_code["CSS"]
    assert changsha["name_zh"] == "长沙南" and changsha["tier"] == "provincial"
    assert changsha["annual_passengers"] == 36500000 and changsha["passengers_year"] == 2025
    assert changsha["level_count"] == 2 and changsha["unit_count"] == 4
    assert changsha["units_by_status"] == {
        "planned": 1,
        "available": 2,
        "reserved": 0,
        "let": 0,
        "fitting_out": 0,
        "open": 0,
        "closed": 1,
    }
    assert changsha["available_area_m2"] == "164.00"  # 100 + 64
    assert by_code["YYE"]["annual_passengers"] is None  # no page: not known
    assert by_code["YYE"]["available_area_m2"] == "0.00"


def test_stations_filter_by_tier_and_line_and_order(api_client, css, yye):
    StationFactory(code="MLE", name_en="Miluo East", tier=Station.Tier.COUNTY, line="Other")
    client = api_client()

    assert [r["code"] for r in rows(client.get(f"{API}/stations/?tier=provincial"))] == ["CSS"]
    assert [r["code"] for r in rows(client.get(f"{API}/stations/?line=Other"))] == ["MLE"]
    assert [r["code"] for r in rows(client.get(f"{API}/stations/?ordering=-code"))] == [
        "YYE",
        "MLE",
        "CSS",
    ]
    assert [r["code"] for r in rows(client.get(f"{API}/stations/?ordering=name"))] == [
        "CSS",
        "MLE",
        "YYE",
    ]


def test_stations_refuse_an_unknown_tier_or_ordering_naming_the_field(api_client, css):
    client = api_client()
    bad_tier = client.get(f"{API}/stations/?tier=metropolis")
    assert bad_tier.status_code == 400
    assert error_of(bad_tier)["field"] == "tier"

    bad_order = client.get(f"{API}/stations/?ordering=latitude")
    assert bad_order.status_code == 400
    assert error_of(bad_order)["field"] == "ordering"
    assert client.get(f"{API}/stations/?ordering=tier,-code").status_code == 200


def test_the_station_list_makes_the_same_queries_whatever_its_stations(
    api_client, css, pages, django_assert_max_num_queries
):
    client = api_client()
    with django_assert_max_num_queries(6) as few:
        assert len(rows(client.get(f"{API}/stations/"))) == 1
    for n in range(5):
        unit(level(StationFactory(code=f"X{n}")), f"U{n}", 0, 0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(rows(client.get(f"{API}/stations/"))) == 6


def test_the_station_list_counts_units_for_the_page_only(api_client, css, pages):
    """Grouping every unit of the network for a page of stations took 0.6 s nationally: the
    page is cut first, its stations' units are counted after."""
    for n in range(3):
        unit(level(StationFactory(code=f"X{n}")), f"U{n}", 0, 0)
    with CaptureQueriesContext(connection) as captured:
        body = api_client().get(f"{API}/stations/?limit=2&offset=1&ordering=code").json()
    assert body["count"] == 4 and [row["code"] for row in body["items"]] == ["X0", "X1"]
    grouping = [q["sql"] for q in captured.captured_queries if '"stations_unit"' in q["sql"]]
    assert grouping and all('"stations_station"."id" IN (' in sql for sql in grouping)


def test_a_station_with_its_levels_highest_first(api_client, css):
    body = api_client().get(f"{API}/stations/CSS/").json()

    assert body["code"] == "CSS"
    assert [(lv["name"], lv["ordinal"], lv["unit_count"]) for lv in body["levels"]] == [
        ("高架层", 1, 3),
        ("地面层", 0, 1),
    ]
    concourse = css.levels.get(ordinal=1)
    assert body["levels"][0]["plan_url"] == f"{API}/stations/CSS/levels/{concourse.pk}/plan/"


def test_an_unknown_station_answers_404(api_client, css):
    response = api_client().get(f"{API}/stations/NOPE/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- a level's plan -------------------------------------------------------------------------


def test_a_level_plan_is_geojson_with_the_outline_and_each_unit(api_client, css):
    concourse = css.levels.get(ordinal=1)
    body = api_client().get(f"{API}/stations/CSS/levels/{concourse.pk}/plan/").json()

    assert body["type"] == "FeatureCollection"
    outline, *units = body["features"]
    assert outline["properties"]["feature_type"] == "level"
    assert outline["geometry"]["type"] == "Polygon"
    assert outline["geometry"]["coordinates"][0][2] == [100.0, 40.0]
    by_code = {f["properties"]["code"]: f["properties"] for f in units}
    assert set(by_code) == {"2F-A01", "2F-A02", "2F-A03"}
    cafe = next(f for f in units if f["properties"]["code"] == "2F-A01")
    assert cafe["geometry"]["coordinates"][0][:3] == [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]
    assert by_code["2F-A01"]["status"] == "available"
    assert by_code["2F-A01"]["area_m2"] == "100.00"
    assert by_code["2F-A01"]["business_types"] == ["coffee"]
    assert by_code["2F-A01"]["power_kw"] == "30.00"
    assert by_code["2F-A01"]["utilities"] == [
        {"kind": "floor_socket", "count": 1},
        {"kind": "water", "count": 1},
        {"kind": "drainage", "count": 1},
    ]
    # Power and utilities are shown, as on the station page, for the units offered only.
    assert by_code["2F-A03"]["status"] == "closed"
    assert by_code["2F-A03"]["power_kw"] is None and by_code["2F-A03"]["utilities"] is None
    assert by_code["2F-A02"]["status"] == "planned" and by_code["2F-A02"]["power_kw"] is None


def test_a_level_of_another_station_answers_404(api_client, css, yye):
    other = yye.levels.get()
    assert api_client().get(f"{API}/stations/CSS/levels/{other.pk}/plan/").status_code == 404
    assert api_client().get(f"{API}/stations/YYE/levels/{other.pk}/plan/").status_code == 200


def test_a_level_plan_makes_the_same_queries_whatever_its_units(
    api_client, css, django_assert_max_num_queries
):
    concourse = css.levels.get(ordinal=1)
    url = f"{API}/stations/CSS/levels/{concourse.pk}/plan/"
    client = api_client()
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(url).json()["features"]) == 4
    release(*[unit(concourse, f"2F-B{n:02d}", 50 + 6 * (n % 8), 25, 5) for n in range(8)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).json()["features"]) == 12


# --- units ----------------------------------------------------------------------------------


def test_units_of_a_station_filtered_by_status_type_and_level(api_client, css, yye):
    client = api_client()
    every = rows(client.get(f"{API}/stations/CSS/units/"))
    assert [u["code"] for u in every] == ["1F-B01", "2F-A01", "2F-A02", "2F-A03"]

    def codes(query):
        return [u["code"] for u in rows(client.get(f"{API}/stations/CSS/units/?{query}"))]

    assert codes("status=available") == ["1F-B01", "2F-A01"]
    assert codes("business_type=coffee") == ["2F-A01", "2F-A03"]
    assert codes("business_type=catering") == ["2F-A01", "2F-A03"]  # the class of coffee
    ground = css.levels.get(ordinal=0)
    assert codes(f"level={ground.pk}") == ["1F-B01"]
    assert codes(f"level={yye.levels.get().pk}") == []  # another station's level
    assert codes("ordering=-area_m2") == ["2F-A02", "2F-A01", "1F-B01", "2F-A03"]
    assert codes("status=available&ordering=-code") == ["2F-A01", "1F-B01"]


def test_units_refuse_a_bad_status_or_ordering(api_client, css):
    client = api_client()
    bad = client.get(f"{API}/stations/CSS/units/?status=sold")
    assert bad.status_code == 400 and error_of(bad)["field"] == "status"
    bad = client.get(f"{API}/stations/CSS/units/?ordering=power_kw")
    assert bad.status_code == 400 and error_of(bad)["field"] == "ordering"
    assert client.get(f"{API}/stations/NOPE/units/").status_code == 404


def test_the_unit_list_makes_the_same_queries_whatever_its_units(
    api_client, css, django_assert_max_num_queries
):
    client = api_client()
    with django_assert_max_num_queries(8) as few:
        assert len(rows(client.get(f"{API}/stations/CSS/units/"))) == 4
    concourse = css.levels.get(ordinal=1)
    more = [
        unit(concourse, f"2F-B{n:02d}", 50 + 6 * (n % 8), 25, 5, business_types=["coffee"])
        for n in range(8)
    ]
    release(*more)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(rows(client.get(f"{API}/stations/CSS/units/"))) == 12


# --- tender rounds --------------------------------------------------------------------------


def after_publication(round_obj):
    return time_machine.travel(round_obj.publication_at + dt.timedelta(hours=1))


def reserve_officer():
    """An officer whose own permissions show reserves before the result (in the admin)."""
    user = factories.officer(username="reserve-officer")
    user.user_permissions.add(Permission.objects.get(codename="view_reserve_price"))
    return User.objects.get(pk=user.pk)


def test_a_published_round_with_its_schedule_lots_thresholds_criteria_and_documents(api_client):
    round_obj = ready_round(min_registered_capital="3000000", min_store_count=20)
    add_lot(
        round_obj,
        number=2,
        units=[available_unit(types=("convenience-store",))],
        type_code="convenience-store",
        reserve="123457.89",
    )
    round_obj = rounds.round_publish(actor=None, round=round_obj)

    with after_publication(round_obj):
        body = api_client().get(f"{API}/rounds/{round_obj.pk}/").json()

    assert body["code"] == round_obj.code and body["status"] == "published"
    assert body["phase"] == "upcoming"
    assert dt.datetime.fromisoformat(body["schedule"]["bid_deadline"]) == ms(
        round_obj.bid_deadline
    )
    assert body["schedule"]["publicity_ends_at"] is None
    thresholds = {row["name"]: row["value"] for row in body["thresholds"]}
    assert thresholds["min_registered_capital"] == "3000000.00"
    assert thresholds["min_store_count"] == 20
    assert thresholds["company_only"] is True
    assert [(c["name"], c["weight"]) for c in body["criteria"]] == [
        ("Price", "60.00"),
        ("Registered capital", "10.00"),
        ("Business plan", "30.00"),
    ]
    assert body["criteria"][1]["tiers"][0] == {
        "threshold": "1000000",
        "share": "0.5",
        "points": "5.00",
    }
    assert [lot["number"] for lot in body["lots"]] == [1, 2]
    lot2 = body["lots"][1]
    assert lot2["business_type"] == "convenience-store" and lot2["term_months"] == 36
    assert lot2["reserve_annual_rent"] is None and lot2["award"] is None
    assert "123457" not in str(body)
    assert {d["kind"] for d in body["documents"]} == {"notice", "tender_book", "contract_terms"}
    assert all(d["current"] and len(d["sha256"]) == 64 for d in body["documents"])


def test_a_document_downloads_as_its_sha256_says(api_client):
    round_obj = published_round()
    with after_publication(round_obj):
        documents = api_client().get(f"{API}/rounds/{round_obj.pk}/").json()["documents"]
        document = documents[0]
        response = api_client().get(document["url"])
        content = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(content).hexdigest() == document["sha256"]

    other = published_round()
    with after_publication(other):
        foreign = api_client().get(f"{API}/rounds/{other.pk}/documents/{document['id']}/")
    assert foreign.status_code == 404


def test_draft_unpublished_yet_and_cancelled_rounds_answer_404(api_client):
    draft = ready_round()
    cancelled = published_round()
    rounds.round_cancel(actor=None, round=cancelled, reason="The units are needed elsewhere.")
    upcoming = published_round()
    document = draft.documents.first()
    client = api_client()

    for round_obj in (draft, cancelled, upcoming):
        for path in ("", "lots/", f"documents/{document.pk}/"):
            response = client.get(f"{API}/rounds/{round_obj.pk}/{path}")
            assert response.status_code == 404, (round_obj.status, path)
            assert error_of(response)["code"] == "not_found"
    assert rows(client.get(f"{API}/rounds/")) == []
    with after_publication(upcoming):  # the cancelled one stays hidden
        assert [r["code"] for r in rows(client.get(f"{API}/rounds/"))] == [upcoming.code]


def test_a_token_reveals_no_draft_and_no_reserve(api_client):
    draft = ready_round()
    published = published_round()
    tokens = [
        api_client(reserve_officer()),
        api_client(factories.UserFactory(username="root", is_superuser=True)),
        api_client(merchant_user(MerchantFactory(), username="coffee")),
    ]
    with after_publication(published):
        for client in tokens:
            assert client.get(f"{API}/rounds/{draft.pk}/").status_code == 404
            listed = rows(client.get(f"{API}/rounds/"))
            assert [r["code"] for r in listed] == [published.code]
            assert listed[0]["lots"][0]["reserve_annual_rent"] is None
            lots = rows(client.get(f"{API}/rounds/{published.pk}/lots/"))
            assert lots[0]["reserve_annual_rent"] is None


def test_rounds_filter_by_status_and_station_and_order(api_client):
    first, second = published_round(), published_round()
    station_code = second.lots.get().station.code
    with after_publication(second):
        client = api_client()
        assert [r["code"] for r in rows(client.get(f"{API}/rounds/?ordering=code"))] == [
            first.code,
            second.code,
        ]
        assert [r["code"] for r in rows(client.get(f"{API}/rounds/?station={station_code}"))] == [
            second.code
        ]
        assert rows(client.get(f"{API}/rounds/?status=awarded")) == []
        bad = client.get(f"{API}/rounds/?status=draft")
        assert bad.status_code == 400 and error_of(bad)["field"] == "status"
        bad = client.get(f"{API}/rounds/?ordering=reserve")
        assert bad.status_code == 400 and error_of(bad)["field"] == "ordering"


def test_the_round_list_makes_the_same_queries_whatever_its_rounds_and_lots(
    api_client, django_assert_max_num_queries
):
    first = published_round()
    client = api_client()
    with after_publication(first), django_assert_max_num_queries(12) as few:
        assert len(rows(client.get(f"{API}/rounds/"))) == 1
    for _ in range(3):
        round_obj = ready_round()
        for number in (2, 3):
            add_lot(round_obj, number=number)
        rounds.round_publish(actor=None, round=round_obj)
    with (
        after_publication(round_obj),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        listed = rows(client.get(f"{API}/rounds/"))
    assert len(listed) == 4 and sum(len(r["lots"]) for r in listed) == 10


# --- result notices -------------------------------------------------------------------------


def test_a_result_notice_shows_the_ranking_and_the_objection_deadline(api_client, signed):
    client = api_client()
    round_id = signed.round.pk
    assert client.get(f"{API}/results/{round_id}/").status_code == 404  # not published yet
    assert rows(client.get(f"{API}/results/")) == []

    outcome.result_publish(actor=signed.officer, round=signed.round)
    round_obj = signed.refresh()
    body = client.get(f"{API}/results/{round_id}/").json()

    assert body["status"] == "publicity" and body["version"] == 1
    assert dt.datetime.fromisoformat(body["objection_deadline"]) == ms(round_obj.publicity_ends_at)
    assert body["objections_open"] is True
    assert [c["name"] for c in body["criteria"]] == [
        "Price",
        "Registered capital",
        "Business plan",
    ]
    lot1 = body["lots"][0]
    assert [(r["rank"], r["merchant"], r["annual_rent"]) for r in lot1["ranking"]] == [
        (1, "Merchant A", "150000.00"),
        (2, "Merchant B", "130000.00"),
    ]
    assert [p["criterion"] for p in lot1["ranking"][0]["points"]] == [
        "Price",
        "Registered capital",
        "Business plan",
    ]
    assert lot1["ranking"][0]["points"][0]["points"] == "60.00"  # the best offer: full weight
    assert [bid["merchant"] for bid in lot1["invalid"]] == ["Merchant C"]
    assert lot1["award"] is None
    text = str(body)
    assert not any(shown in text for shown in RESERVE_SHOWN)
    for seat in round_obj.seats.select_related("user"):  # members are not named
        assert seat.user.get_username() not in text
    assert [r["round_id"] for r in rows(client.get(f"{API}/results/"))] == [round_id]


def test_an_awarded_round_shows_the_award_and_the_reserve(api_client, publicity, clock):
    clock.move_to(publicity.round.publicity_ends_at + dt.timedelta(minutes=1))
    client = api_client()
    before = client.get(f"{API}/rounds/{publicity.round.pk}/lots/")
    assert rows(before)[0]["reserve_annual_rent"] is None

    outcome.round_award(actor=publicity.officer, round=publicity.round)
    body = client.get(f"{API}/results/{publicity.round.pk}/").json()
    lots = rows(client.get(f"{API}/rounds/{publicity.round.pk}/lots/"))

    assert body["status"] == "awarded" and body["objections_open"] is False
    assert body["lots"][0]["award"] == {"merchant": "Merchant A", "annual_rent": "150000.00"}
    assert lots[0]["reserve_annual_rent"] == "120000.00"
    assert lots[0]["award"] == {"merchant": "Merchant A", "annual_rent": "150000.00"}
    assert [r["round_id"] for r in rows(client.get(f"{API}/results/?status=awarded"))] == [
        publicity.round.pk
    ]
    assert rows(client.get(f"{API}/results/?status=publicity")) == []


def test_a_withdrawn_result_leaves_the_result_notices(api_client, publicity):
    from tests.cms.committee_fixtures import objection

    lodged = objection(publicity)
    outcome.objection_propose(
        actor=publicity.officer,
        objection=lodged,
        upheld=True,
        outcome=lodged.Outcome.RESCORE,
        reason="The plan was scored against the wrong criteria.",
    )
    outcome.objection_cosign(actor=publicity.inspector, objection=lodged)

    assert api_client().get(f"{API}/results/{publicity.round.pk}/").status_code == 404
    assert rows(api_client().get(f"{API}/results/")) == []


def test_the_result_list_makes_a_bounded_number_of_queries(
    api_client, publicity, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        listed = rows(api_client().get(f"{API}/results/"))
    assert len(listed) == 1 and len(listed[0]["lots"]) == 2


def test_text_with_a_nul_is_refused_before_it_reaches_the_database(api_client, css):
    client = api_client()
    for url, field in (
        (f"{API}/stations/C%00S/", "code"),
        (f"{API}/stations/?line=a%00b", "line"),
        (f"{API}/stations/CSS/units/?business_type=a%00b", "business_type"),
        (f"{API}/rounds/?station=a%00b", "station"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert error_of(response)["field"] == field


def test_an_offset_beyond_any_list_is_refused_not_a_server_error(api_client, css):
    response = api_client().get(f"{API}/stations/CSS/units/?offset={2**90}")
    assert response.status_code == 400
    assert error_of(response)["field"] == "offset"
    assert rows(api_client().get(f"{API}/stations/CSS/units/?offset=2147483647")) == []


def test_the_openapi_document_says_no_token_is_needed_and_names_each_schema_once(client):
    document = client.get("/api/v1/openapi.json").json()
    public = {
        path: operation
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if path.startswith("/api/v1/public/")
    }
    assert len(public) == 11
    assert all({} in operation["security"] for operation in public.values())
    lot = document["components"]["schemas"]["PublicLotOut"]["properties"]
    assert "reserve_annual_rent" in lot and "id" not in lot  # not another part's lot
