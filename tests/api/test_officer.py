"""The officer endpoints: units and their status, rounds, awards, leases, the rent schedule and
payments, the reports. A station officer sees and changes their station only (another
station's id: 404, nothing written); an inspector reads all and changes nothing (403); a
committee member's or a merchant's token finds nothing here (404). Writes go through the
admin's services: their refusals come back in the one error shape, on the field they name."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Entry
from leasing import services as leasing
from leasing.models import Instalment, Lease
from stations import reports as registry
from stations import roles
from stations.models import Unit
from tenders import result as outcome
from tests import factories
from tests.api.conftest import error_of
from tests.stations.factories import StationFactory, level, unit
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import (
    declare_all,
    opened_round,
    score_all,
    seat_committee,
)
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import add_lot, available_unit, make_round, published_round

pytestmark = pytest.mark.django_db
API = "/api/v1/officer"
NOW = dt.datetime(2026, 10, 20, 2, tzinfo=dt.UTC)  # 10:00 in Beijing
TODAY = dt.date(2026, 10, 20)


# --- people and places --------------------------------------------------------------------


@pytest.fixture
def css(db):
    return StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South")


@pytest.fixture
def yye(db):
    return StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")


@pytest.fixture
def css_level(css):
    return level(css, name="高架层", width=400, depth=200)


@pytest.fixture
def yye_level(yye):
    return level(yye, name="地面层", ordinal=0, width=400, depth=200)


@pytest.fixture
def network(db, api_client):
    return api_client(factories.officer(username="network"))


@pytest.fixture
def css_officer(css, api_client):
    return api_client(factories.station_officer(css, username="css-officer"))


@pytest.fixture
def css_manager(css, api_client):
    user = factories.station_officer(css, role=roles.STATION_MANAGER, username="css-manager")
    return api_client(user)


@pytest.fixture
def inspector(db, api_client):
    return api_client(factories.inspector(username="inspector"))


@pytest.fixture
def outsiders(db, api_client):
    """A committee member's token and a merchant's: nothing of the officers' is theirs."""
    member = factories.UserFactory(roles=[roles.COMMITTEE_MEMBER], username="member")
    merchant = merchant_user(MerchantFactory(), username="coffee")
    return [api_client(member), api_client(merchant)]


def status_of(unit_obj) -> str:
    return Unit.objects.get(pk=unit_obj.pk).status


# --- units --------------------------------------------------------------------------------


@pytest.fixture
def units(css_level, yye_level):
    """Three units in CSS (two available coffee shops, a planned kiosk) and two in YYE."""
    return {
        "css": [
            available_unit(css_level),
            available_unit(css_level),
            unit(css_level, "K1", 300, 150, size=4, kind="kiosk"),
        ],
        "yye": [available_unit(yye_level), available_unit(yye_level)],
    }


def test_the_units_list_shows_every_station_to_a_network_officer(network, units):
    response = network.get(f"{API}/units/?ordering=code")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    shop = units["css"][0]
    row = next(item for item in body["items"] if item["id"] == shop.pk)
    assert row == {
        "id": shop.pk,
        "station": "CSS",
        "level_id": shop.level_id,
        "level": "高架层",
        "code": shop.code,
        "name": "",
        "kind": "shop",
        "status": "available",
        "area_m2": f"{shop.area_m2:.2f}",
        "power_kw": "0.00",
        "has_exhaust": False,
        "in_paid_area": False,
        "business_types": ["coffee"],
    }
    codes = [item["code"] for item in body["items"]]
    assert codes == sorted(codes)


def test_the_units_list_filters_by_station_level_status_kind_and_type(network, units, yye_level):
    def ids(query):
        response = network.get(f"{API}/units/?{query}")
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["items"]}

    assert ids("station=YYE") == {u.pk for u in units["yye"]}
    assert ids(f"level={yye_level.pk}") == {u.pk for u in units["yye"]}
    assert ids("station=CSS&status=planned") == {units["css"][2].pk}
    assert ids("kind=kiosk") == {units["css"][2].pk}
    assert ids("business_type=coffee&station=CSS") == {u.pk for u in units["css"][:2]}
    assert ids("station=NOPE") == set()


def test_a_bad_filter_or_ordering_is_refused_naming_it(network, units):
    bad_status = error_of(network.get(f"{API}/units/?status=demolished"))
    assert bad_status["code"] == "invalid" and bad_status["field"] == "status"
    bad_order = network.get(f"{API}/units/?ordering=polygon_wkt")
    assert bad_order.status_code == 400
    assert error_of(bad_order)["field"] == "ordering"
    assert "polygon_wkt" in error_of(bad_order)["message"]


def test_a_station_officer_sees_only_their_stations_units(css_officer, units):
    body = css_officer.get(f"{API}/units/").json()
    assert {item["id"] for item in body["items"]} == {u.pk for u in units["css"]}
    other = units["yye"][0]
    response = css_officer.get(f"{API}/units/{other.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert css_officer.get(f"{API}/units/{units['css'][0].pk}/").json()["station"] == "CSS"


def test_the_units_list_asks_a_bounded_number_of_queries(
    network, units, css_level, django_assert_max_num_queries
):
    for _ in range(6):
        available_unit(css_level)
    with django_assert_max_num_queries(8):
        response = network.get(f"{API}/units/?limit=50")
    assert response.json()["count"] == 11


def test_an_officer_releases_and_closes_a_unit_by_hand(css_officer, units):
    planned = units["css"][2]
    response = css_officer.post_json(
        f"{API}/units/{planned.pk}/status/", {"status": "available", "reason": "Fitted with power"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "available"
    assert status_of(planned) == "available"
    entry = Entry.objects.filter(action="unit.change_status").latest("pk")
    assert entry.after == {"status": "available"}
    assert entry.data["reason"] == "Fitted with power"
    closed = css_officer.post_json(f"{API}/units/{planned.pk}/status/", {"status": "closed"})
    assert closed.json()["status"] == "closed"


def test_a_process_status_is_refused_by_the_service(css_officer, units):
    shop = units["css"][0]
    response = css_officer.post_json(f"{API}/units/{shop.pk}/status/", {"status": "let"})
    assert response.status_code == 400
    body = error_of(response)
    assert body["field"] == "status"
    assert "only through the award or the lease" in body["message"]
    assert status_of(shop) == "available"


def test_a_move_the_status_table_forbids_is_refused_on_status(css_officer, units):
    kiosk = units["css"][2]  # planned: it cannot open
    response = css_officer.post_json(f"{API}/units/{kiosk.pk}/status/", {"status": "reserved"})
    body = error_of(response)
    assert response.status_code == 400 and body["field"] == "status"
    assert "cannot go from “Planned” to “Reserved”" in body["message"]
    unknown = error_of(
        css_officer.post_json(f"{API}/units/{kiosk.pk}/status/", {"status": "demolished"})
    )
    assert unknown["field"] == "status" and "demolished" in unknown["message"]
    assert status_of(kiosk) == "planned"


def test_the_status_change_takes_no_field_a_client_may_not_set(css_officer, units):
    shop = units["css"][0]
    journalled = Entry.objects.filter(action="unit.change_status").count()
    response = css_officer.post_json(
        f"{API}/units/{shop.pk}/status/", {"status": "closed", "area_m2": "1.00"}
    )
    assert response.status_code == 400
    assert error_of(response)["field"] == "area_m2"
    missing = css_officer.post_json(f"{API}/units/{shop.pk}/status/", {"reason": "x"})
    assert error_of(missing)["field"] == "status"
    assert status_of(shop) == "available"
    assert Entry.objects.filter(action="unit.change_status").count() == journalled


def test_another_stations_unit_answers_404_and_stays_put(css_officer, units):
    other = units["yye"][0]
    response = css_officer.post_json(f"{API}/units/{other.pk}/status/", {"status": "closed"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert status_of(other) == "available"


def test_an_inspector_reads_units_and_changes_none(inspector, units):
    assert inspector.get(f"{API}/units/").json()["count"] == 5
    shop = units["yye"][0]
    assert inspector.get(f"{API}/units/{shop.pk}/").status_code == 200
    response = inspector.post_json(f"{API}/units/{shop.pk}/status/", {"status": "closed"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert status_of(shop) == "available"


def test_committee_members_and_merchants_find_no_officer_endpoint(outsiders, units):
    shop = units["css"][0]
    for caller in outsiders:
        for path in (
            "/me/",
            "/units/",
            f"/units/{shop.pk}/",
            "/rounds/",
            "/awards/",
            "/leases/",
            "/instalments/",
            "/payments/",
            "/reports/",
            "/reports/occupancy/",
        ):
            response = caller.get(API + path)
            assert response.status_code == 404, (caller.user, path)
            assert error_of(response)["code"] == "not_found"
        write = caller.post_json(f"{API}/units/{shop.pk}/status/", {"status": "closed"})
        assert write.status_code == 404
    assert status_of(shop) == "available"


def test_without_a_token_the_officer_endpoints_answer_401(api_client, units):
    response = api_client().get(f"{API}/units/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


# --- rounds and awards --------------------------------------------------------------------


def test_an_officer_sees_every_round_with_the_reserve(network):
    published = published_round()
    draft = make_round()
    add_lot(draft, reserve="88000.00")
    listed = network.get(f"{API}/rounds/").json()
    assert {row["code"]: row["lot_count"] for row in listed["items"]} == {
        published.code: 1,
        draft.code: 1,
    }
    detail = network.get(f"{API}/rounds/{draft.pk}/")
    assert detail.status_code == 200
    lot = draft.lots.get()
    assert detail.json()["lots"] == [
        {
            "id": lot.pk,
            "number": 1,
            "title": "Lot 1",
            "station": lot.station.code,
            "business_type": "coffee",
            "term_months": 36,
            "units": [u.code for u in lot.units.all()],
            "reserve_annual_rent": "88000.00",
            "status": "open",
        }
    ]
    assert detail.json()["status"] == "draft"
    only_drafts = network.get(f"{API}/rounds/?status=draft").json()
    assert [row["code"] for row in only_drafts["items"]] == [draft.code]
    by_station = network.get(f"{API}/rounds/?station={lot.station.code}").json()
    assert [row["code"] for row in by_station["items"]] == [draft.code]


def test_the_reserve_is_hidden_from_those_who_may_not_see_it_before_the_result(
    css_manager, inspector
):
    published = published_round()
    with time_machine.travel(published.publication_at + dt.timedelta(hours=1), tick=False):
        for caller in (css_manager, inspector):
            lots = caller.get(f"{API}/rounds/{published.pk}/").json()["lots"]
            assert [lot["reserve_annual_rent"] for lot in lots] == [None]


def test_a_station_manager_does_not_see_a_draft_round(css_manager, inspector):
    draft = make_round()
    response = css_manager.get(f"{API}/rounds/{draft.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert draft.code not in [r["code"] for r in css_manager.get(f"{API}/rounds/").json()["items"]]
    assert inspector.get(f"{API}/rounds/{draft.pk}/").status_code == 200


def test_the_rounds_list_asks_a_bounded_number_of_queries(network, django_assert_max_num_queries):
    for _ in range(4):
        round_obj = make_round()
        add_lot(round_obj)
        add_lot(round_obj, number=2)
    with django_assert_max_num_queries(8):
        response = network.get(f"{API}/rounds/")
    assert response.json()["count"] == 4
    assert {row["lot_count"] for row in response.json()["items"]} == {2}


@pytest.fixture
def awards():
    """A round awarded: lot 1 to A at 150000, lot 2 to D at 125000 (reserves 120000)."""
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.refresh())
        clock.move_to(opened.refresh().publicity_ends_at)
        return outcome.round_award(actor=opened.officer, round=opened.round)


def test_the_awards_with_their_rent_and_the_reserve_once_awarded(
    network, awards, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):  # the page's ids, then its awards
        response = network.get(f"{API}/awards/?ordering=annual_rent")
    assert response.status_code == 200
    rows = response.json()["items"]
    assert [(row["lot_number"], row["annual_rent"]) for row in rows] == [
        (2, "125000.00"),
        (1, "150000.00"),
    ]
    first = next(a for a in awards if a.lot.number == 1)
    detail = network.get(f"{API}/awards/{first.pk}/").json()
    assert detail["merchant"] == {
        "id": first.merchant_id,
        "name": "Merchant A",
        "credit_code": first.merchant.credit_code,
    }
    assert detail["reserve_annual_rent"] == f"{first.lot.reserve_annual_rent:.2f}"
    assert detail["round"] == first.lot.round.code
    assert detail["units"] == sorted(u.code for u in first.lot.units.all())
    assert detail["lease_id"] is None
    filtered = network.get(f"{API}/awards/?merchant={first.merchant_id}").json()
    assert [row["id"] for row in filtered["items"]] == [first.pk]


def test_the_awards_list_reads_one_page_from_the_database(network, awards):
    """At national size every award read for one page took 13 s and 590 MB: the page is cut by
    the database (LIMIT/OFFSET), and only its awards are read."""
    with CaptureQueriesContext(connection) as captured:
        response = network.get(f"{API}/awards/?limit=1&offset=1&ordering=annual_rent")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["lot_number"] for row in body["items"]] == [1]
    award_reads = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "tenders_award"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    cut = [sql for sql in award_reads if "LIMIT 1" in sql and "OFFSET 1" in sql]
    by_ids = [sql for sql in award_reads if '"tenders_award"."id" IN (' in sql]
    assert cut and sorted(cut + by_ids) == sorted(award_reads)


def test_an_award_of_another_station_answers_404(api_client, awards, css):
    stranger = api_client(factories.station_officer(css, username="css-officer"))
    assert stranger.get(f"{API}/awards/").json()["count"] == 0
    response = stranger.get(f"{API}/awards/{awards[0].pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    own = api_client(factories.station_officer(awards[0].lot.station, username="own-officer"))
    assert own.get(f"{API}/awards/{awards[0].pk}/").json()["id"] == awards[0].pk


# --- leases, the schedule, payments -------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tenant(db):
    return MerchantFactory(name="湖南麦当劳餐饮有限公司")


@pytest.fixture
def leases(clock, tenant, css_level, yye_level):
    """On 20 October 2026: a signed CSS lease (quarterly from 1 June 2026, 120000 a year), a CSS draft and a
    signed YYE lease of another tenant."""
    signed = leasing.lease_sign(
        actor=None, lease=_direct(tenant, css_level, code="HT-CSS-1", rent="120000")
    )
    draft = _direct(tenant, css_level, code="HT-CSS-2", rent="90000")
    other = MerchantFactory(name="肯德基")
    yye_lease = leasing.lease_sign(
        actor=None, lease=_direct(other, yye_level, code="HT-YYE-1", rent="60000")
    )
    return {"signed": signed, "draft": draft, "yye": yye_lease}


def _direct(merchant, level_obj, *, code, rent):
    return leasing.lease_create_direct(
        actor=None,
        merchant=merchant,
        units=[available_unit(level_obj)],
        code=code,
        start_date=dt.date(2026, 6, 1),
        end_date=dt.date(2029, 6, 1),
        annual_rent=rent,
        direct_reason="Transferred from the station's former operator.",
    )


def test_the_leases_list_and_its_filters(network, leases, tenant):
    def codes(query=""):
        response = network.get(f"{API}/leases/?ordering=code&{query}")
        assert response.status_code == 200, response.json()
        return [row["code"] for row in response.json()["items"]]

    assert codes() == ["HT-CSS-1", "HT-CSS-2", "HT-YYE-1"]
    assert codes("station=YYE") == ["HT-YYE-1"]
    assert codes("status=draft") == ["HT-CSS-2"]
    assert codes(f"tenant={tenant.pk}") == ["HT-CSS-1", "HT-CSS-2"]
    assert error_of(network.get(f"{API}/leases/?status=gone"))["field"] == "status"
    assert error_of(network.get(f"{API}/leases/?tenant=abc"))["field"] == "tenant"


def test_a_lease_in_full(network, leases, tenant):
    lease = leases["signed"]
    body = network.get(f"{API}/leases/{lease.pk}/").json()
    assert body["tenant"] == {
        "id": tenant.pk,
        "name": tenant.name,
        "credit_code": tenant.credit_code,
    }
    assert body["units"] == [u.code for u in lease.units.all()]
    assert (body["status"], body["station"], body["annual_rent"], body["deposit"]) == (
        "signed",
        "CSS",
        "120000.00",
        f"{lease.deposit:.2f}",
    )
    assert (body["start_date"], body["end_date"]) == ("2026-06-01", "2029-06-01")
    assert body["payment_frequency_months"] == 3
    assert body["turnover_rate_pct"] is None and body["award_id"] is None
    assert dt.datetime.fromisoformat(body["signed_at"]) == Lease.objects.get(pk=lease.pk).signed_at


def test_a_station_officer_sees_only_their_stations_leases(css_officer, leases):
    listed = css_officer.get(f"{API}/leases/").json()
    assert {row["code"] for row in listed["items"]} == {"HT-CSS-1", "HT-CSS-2"}
    other = leases["yye"]
    for path in (f"/leases/{other.pk}/", f"/leases/{other.pk}/schedule/"):
        response = css_officer.get(API + path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"
    instalments = css_officer.get(f"{API}/instalments/?limit=100").json()
    assert {row["lease"] for row in instalments["items"]} == {"HT-CSS-1"}


def test_the_leases_list_asks_a_bounded_number_of_queries(
    network, leases, tenant, css_level, django_assert_max_num_queries
):
    for n in range(4):
        _direct(tenant, css_level, code=f"HT-MORE-{n}", rent="50000")
    with django_assert_max_num_queries(8):
        response = network.get(f"{API}/leases/")
    assert response.json()["count"] == 7


def test_the_rent_schedule_with_what_is_paid_outstanding_and_overdue(network, leases):
    lease = leases["signed"]
    rows = list(Instalment.objects.filter(lease=lease).order_by("due_date", "pk"))
    leasing.instalment_pay(
        actor=None, instalment=rows[0], paid_on=rows[0].due_date, amount=rows[0].amount
    )
    body = network.get(f"{API}/leases/{lease.pk}/schedule/").json()
    total = sum(row.amount for row in rows)
    late = [row for row in rows[1:] if row.due_date < TODAY]
    assert late, "the frozen clock puts an unpaid instalment past its due date"
    assert body["lease"] == "HT-CSS-1"
    assert body["total_due"] == f"{total:.2f}"
    assert body["total_paid"] == f"{rows[0].amount:.2f}"
    assert body["outstanding"] == f"{total - rows[0].amount:.2f}"
    assert body["overdue"] == f"{sum(row.amount for row in late):.2f}"
    assert [row["id"] for row in body["instalments"]] == [row.pk for row in rows]
    first, second = body["instalments"][:2]
    assert (first["paid_on"], first["paid_amount"], first["outstanding"], first["overdue"]) == (
        rows[0].due_date.isoformat(),
        f"{rows[0].amount:.2f}",
        "0.00",
        False,
    )
    assert (second["paid_on"], second["outstanding"]) == (None, f"{rows[1].amount:.2f}")
    assert second["overdue"] is (rows[1].due_date < TODAY)
    draft = network.get(f"{API}/leases/{leases['draft'].pk}/schedule/").json()
    assert (draft["instalments"], draft["total_due"]) == ([], "0.00")


def test_the_instalments_to_bill_filtered(network, leases, django_assert_max_num_queries):
    signed = leases["signed"]
    with django_assert_max_num_queries(8):
        response = network.get(f"{API}/instalments/?limit=100")
    assert response.json()["count"] == Instalment.objects.count()
    due = network.get(
        f"{API}/instalments/?station=CSS&due_from=2026-09-01&due_to=2026-12-31"
    ).json()
    expected = Instalment.objects.filter(
        lease=signed, due_date__gte=dt.date(2026, 9, 1), due_date__lte=dt.date(2026, 12, 31)
    )
    assert [row["id"] for row in due["items"]] == [
        i.pk for i in expected.order_by("due_date", "pk")
    ]
    overdue = network.get(f"{API}/instalments/?overdue=true&limit=100").json()
    assert {row["id"] for row in overdue["items"]} == {
        i.pk for i in Instalment.objects.filter(due_date__lt=TODAY, paid_on__isnull=True)
    }
    assert all(row["overdue"] for row in overdue["items"])
    unpaid = network.get(f"{API}/instalments/?paid=false&lease={signed.pk}").json()
    assert unpaid["count"] == signed.instalments.count()
    assert error_of(network.get(f"{API}/instalments/?due_from=yesterday"))["field"] == "due_from"


def _first_unpaid(lease) -> Instalment:
    return (
        Instalment.objects.filter(lease=lease, paid_on__isnull=True).order_by("due_date").first()
    )


def test_an_officer_records_a_payment_and_it_is_listed(css_officer, leases):
    instalment = _first_unpaid(leases["signed"])
    response = css_officer.post_json(
        f"{API}/instalments/{instalment.pk}/payment/",
        {"paid_on": "2026-08-19", "amount": f"{instalment.amount:.2f}"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["paid_on"], body["paid_amount"], body["outstanding"], body["overdue"]) == (
        "2026-08-19",
        f"{instalment.amount:.2f}",
        "0.00",
        False,
    )
    instalment.refresh_from_db()
    assert (instalment.paid_on, instalment.paid_amount) == (
        dt.date(2026, 8, 19),
        instalment.amount,
    )
    assert Entry.objects.filter(action="instalment.pay", target_id=str(instalment.pk)).count() == 1
    listed = css_officer.get(f"{API}/payments/").json()
    assert [row["id"] for row in listed["items"]] == [instalment.pk]
    assert css_officer.get(f"{API}/payments/?paid_from=2026-08-20").json()["count"] == 0


def test_the_payments_list_asks_a_bounded_number_of_queries(
    network, leases, django_assert_max_num_queries
):
    for lease in (leases["signed"], leases["yye"]):
        for instalment in Instalment.objects.filter(lease=lease, due_date__lte=TODAY):
            leasing.instalment_pay(
                actor=None, instalment=instalment, paid_on=TODAY, amount=instalment.amount
            )
    paid = Instalment.objects.filter(paid_on__isnull=False).count()
    assert paid >= 4
    with django_assert_max_num_queries(8):
        response = network.get(f"{API}/payments/?limit=100")
    assert response.json()["count"] == paid
    assert network.get(f"{API}/payments/?station=YYE").json()["count"] == (
        Instalment.objects.filter(paid_on__isnull=False, lease=leases["yye"]).count()
    )


def _nothing_paid(instalment) -> bool:
    instalment.refresh_from_db()
    return (
        instalment.paid_on is None and not Entry.objects.filter(action="instalment.pay").exists()
    )


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"paid_on": "2026-08-19", "amount": "1.00"}, "amount", "a part payment is not recorded"),
        ({"paid_on": "2026-10-21"}, "paid_on", "cannot be dated in the future"),
        ({"paid_on": "2026-08-19", "status": "paid"}, "status", ""),
        ({"paid_on": "2026-08-19", "amount": "1.001"}, "amount", ""),
        ({"amount": "1.00"}, "paid_on", ""),
    ],
)
def test_a_bad_payment_is_refused_naming_the_field_and_nothing_is_saved(
    css_officer, leases, payload, field, words
):
    instalment = _first_unpaid(leases["signed"])
    payload = {"amount": f"{instalment.amount:.2f}", **payload}
    response = css_officer.post_json(f"{API}/instalments/{instalment.pk}/payment/", payload)
    assert response.status_code == 400
    body = error_of(response)
    assert (body["code"], body["field"]) == ("invalid", field)
    assert words in body["message"]
    assert _nothing_paid(instalment)


def test_an_instalment_is_paid_once(css_officer, leases):
    instalment = _first_unpaid(leases["signed"])
    payload = {"paid_on": "2026-08-19", "amount": f"{instalment.amount:.2f}"}
    assert (
        css_officer.post_json(f"{API}/instalments/{instalment.pk}/payment/", payload).status_code
        == 201
    )
    again = css_officer.post_json(f"{API}/instalments/{instalment.pk}/payment/", payload)
    assert again.status_code == 400
    assert "was paid on 2026-08-19" in error_of(again)["message"]
    assert Entry.objects.filter(action="instalment.pay").count() == 1


def test_another_stations_instalment_answers_404_and_is_not_paid(css_officer, leases):
    instalment = _first_unpaid(leases["yye"])
    response = css_officer.post_json(
        f"{API}/instalments/{instalment.pk}/payment/",
        {"paid_on": "2026-08-19", "amount": f"{instalment.amount:.2f}"},
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert _nothing_paid(instalment)


def test_those_who_may_not_manage_leases_read_the_schedule_but_record_no_payment(
    inspector, css_manager, leases
):
    instalment = _first_unpaid(leases["signed"])
    payload = {"paid_on": "2026-08-19", "amount": f"{instalment.amount:.2f}"}
    for caller in (inspector, css_manager):
        assert caller.get(f"{API}/leases/{leases['signed'].pk}/schedule/").status_code == 200
        response = caller.post_json(f"{API}/instalments/{instalment.pk}/payment/", payload)
        assert response.status_code == 403, caller.user
        assert error_of(response)["code"] == "forbidden"
    assert _nothing_paid(instalment)


# --- reports ------------------------------------------------------------------------------


def test_the_reports_are_listed_by_name_and_title(network):
    body = network.get(f"{API}/reports/").json()
    assert [row["name"] for row in body] == list(registry.all_reports())
    titles = {row["name"]: row["title"] for row in body}
    assert titles["occupancy"] == "Occupancy by station"


@pytest.mark.parametrize("name", sorted(registry.all_reports()))
def test_every_report_answers_as_json(network, leases, name):
    response = network.get(f"{API}/reports/{name}/")
    assert response.status_code == 200, response.json()
    body = response.json()
    frame = registry.get_report(name)(stations=None)
    assert body["name"] == name
    assert body["columns"] == [str(column) for column in frame.columns]
    assert len(body["rows"]) == len(frame)
    assert all(len(row) == len(body["columns"]) for row in body["rows"])


def test_a_report_is_scoped_to_the_users_stations(css_officer, network, leases, css):
    mine = css_officer.get(f"{API}/reports/occupancy/").json()
    station_column = mine["columns"].index("station")
    assert [row[station_column] for row in mine["rows"]] == ["CSS", "TOTAL"]
    everyone = network.get(f"{API}/reports/occupancy/").json()
    assert [row[station_column] for row in everyone["rows"]] == ["CSS", "YYE", "TOTAL"]
    roll = css_officer.get(f"{API}/reports/rent-roll/").json()
    lease_column = roll["columns"].index("lease")
    assert [row[lease_column] for row in roll["rows"]] == ["HT-CSS-1", "TOTAL"]


def test_an_unknown_report_answers_404(network):
    response = network.get(f"{API}/reports/no-such-report/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_reports_cells_keep_their_kinds(network, leases):
    """Amounts as strings with their two places, counts as integers, dates ISO."""
    body = network.get(f"{API}/reports/rent-roll/").json()
    lease = leases["signed"]
    row = dict(zip(body["columns"], body["rows"][0], strict=True))
    assert row["lease"] == "HT-CSS-1"
    assert (row["annual_rent"], row["deposit"]) == ("120000.00", f"{lease.deposit:.2f}")
    assert row["start_date"] == "2026-06-01"
    occupancy = network.get(f"{API}/reports/occupancy/").json()
    css = dict(zip(occupancy["columns"], occupancy["rows"][0], strict=True))
    assert css["station"] == "CSS"
    assert css["units"] == Unit.objects.filter(station__code="CSS").count()
    assert css["let_units"] == 1  # the signed lease's unit; the draft's is only reserved


def test_an_id_that_is_no_id_is_refused_naming_it(network, units):
    for path, field in (
        ("/units/abc/", "unit_id"),
        (f"/units/{2**64}/", "unit_id"),
        (f"/leases/?tenant={2**70}", "tenant"),
        ("/units/?level=0", "level"),
    ):
        response = network.get(API + path)
        assert response.status_code == 400, path
        assert error_of(response)["field"] == field


def test_the_openapi_document_describes_every_officer_operation(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    officer = {
        (method, path)
        for path, operations in paths.items()
        if path.startswith(API)
        for method in operations
    }
    assert ("post", f"{API}/instalments/{{instalment_id}}/payment/") in officer
    assert ("get", f"{API}/reports/{{name}}/") in officer
    for method, path in officer:
        responses = paths[path][method]["responses"]
        assert {"400", "401", "403", "404", "429"} <= set(responses), (method, path)
        assert {"200", "201"} & set(responses), (method, path)


def test_a_report_comes_a_page_of_rows_at_a_time_with_the_whole_total(network, leases):
    """``limit`` and ``offset`` as in the lists; ``count`` is the report's rows (its TOTAL row
    apart), which comes last on every page, the whole report's."""
    whole = network.get(f"{API}/reports/occupancy/").json()
    assert whole["count"] == 2 and len(whole["rows"]) == 3
    second = network.get(f"{API}/reports/occupancy/?limit=1&offset=1").json()
    assert second["count"] == 2
    assert second["rows"] == whole["rows"][1:]
    past = network.get(f"{API}/reports/rent-vs-reserve-by-type/?offset=40").json()
    assert [row[0] for row in past["rows"]] == ["TOTAL"]
    summary = network.get(f"{API}/reports/network-summary/?limit=2").json()
    assert len(summary["rows"]) == 2 and summary["count"] > 2  # no TOTAL row: figures


def test_a_report_page_reads_only_its_rows(network, leases, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        body = network.get(f"{API}/reports/rent-roll/?limit=1").json()
    assert (
        body["count"]
        == Lease.objects.filter(
            status__in=[Lease.Status.SIGNED, Lease.Status.FITTING_OUT, Lease.Status.OPEN]
        ).count()
    )
    assert [row[0] for row in body["rows"]][-1] == "TOTAL" and len(body["rows"]) == 2


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "limit=x"])
def test_a_bad_report_page_is_refused(network, query):
    response = network.get(f"{API}/reports/occupancy/?{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert error_of(response)["field"] == query.split("=")[0]
