"""The merchant API: its profile, demands, applications, sealed bids (receipts only), leases,
instalments and turnover — through the portal's services, for the token's company only.

Every id of another merchant answers 404 and writes nothing; every field a client may not set
is refused by name; every refusal of a service comes back with its message and field.
"""

import base64
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from audit.models import Entry
from leasing import services as leasing
from leasing.models import TurnoverReport
from tenders.applications import application_submit
from tenders.models import Application, Bid, Demand, Merchant
from tests.api.conftest import error_of
from tests.factories import officer
from tests.leasing.factories import direct_lease, free_unit
from tests.tenders.bid_factories import BIDDING, DEADLINE, T0, applicant, bid, bidding_round
from tests.tenders.factories import BrandFactory, DemandFactory, MerchantFactory, merchant_user
from tests.tenders.round_factories import make_round

pytestmark = pytest.mark.django_db
API = "/api/v1/merchant"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# An offer whose digits appear nowhere else in a response.
OFFER = "187654.32"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Hunan Coffee Co.")


@pytest.fixture
def user(merchant):
    return merchant_user(merchant, username="coffee")


@pytest.fixture
def caller(api_client, user):
    return api_client(user)


@pytest.fixture
def other(db):
    return MerchantFactory(name="Other Ltd")


@pytest.fixture
def other_caller(api_client, other):
    return api_client(merchant_user(other, username="other"))


def journal_count() -> int:
    return Entry.objects.count()


# --- the profile ------------------------------------------------------------------------------


def test_the_profile_changes_through_the_portals_service(caller, merchant):
    before = journal_count()
    response = caller.patch_json(
        f"{API}/profile/",
        {"contact_name": "Ms Li", "registered_capital": "8000000.50", "store_count": 35},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["contact_name"] == "Ms Li"
    assert body["registered_capital"] == "8000000.50"
    merchant.refresh_from_db()
    assert (merchant.contact_name, merchant.store_count) == ("Ms Li", 35)
    assert merchant.registered_capital == Decimal("8000000.50")
    assert journal_count() == before + 1  # merchant.update, journalled once


@pytest.mark.parametrize(
    ("field", "value"),
    [("credit_code", "91430100MA4L0XXXX1"), ("customer_rating", "5.00"), ("id", 99)],
)
def test_the_profile_refuses_what_a_merchant_may_not_set(caller, merchant, field, value):
    response = caller.patch_json(f"{API}/profile/", {field: value, "name": "Renamed"})
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    merchant.refresh_from_db()
    assert merchant.name == "Hunan Coffee Co."


def test_a_founding_date_in_the_future_is_the_services_refusal(caller, merchant):
    response = caller.patch_json(f"{API}/profile/", {"founded_on": "2999-01-01"})
    body = error_of(response)
    assert response.status_code == 400
    assert body["field"] == "founded_on"
    assert body["message"] == "The founding date cannot be in the future."
    merchant.refresh_from_db()
    assert merchant.founded_on == dt.date(2010, 1, 1)


def test_a_registered_capital_that_is_no_amount_is_refused(caller, merchant):
    response = caller.patch_json(f"{API}/profile/", {"registered_capital": "lots"})
    assert response.status_code == 400
    assert error_of(response)["field"] == "registered_capital"


# --- demands ----------------------------------------------------------------------------------

DEMAND = {
    "business_type": "coffee",
    "stations": ["CSS"],
    "area_min_m2": "40",
    "area_max_m2": "60.5",
    "intended_rent_m2_month": "300",
    "lease_mode": "fixed",
    "term_months": 36,
    "needs_water": True,
}


@pytest.fixture
def css(db):
    from tests.stations.factories import StationFactory

    return StationFactory(code="CSS")


def test_a_demand_is_recorded_and_read_back(caller, merchant, css):
    brand = BrandFactory(merchant=merchant)
    response = caller.post_json(f"{API}/demands/", {**DEMAND, "brand": brand.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    demand = Demand.objects.get(pk=body["id"])
    assert demand.merchant == merchant and demand.brand == brand
    assert body["stations"] == ["CSS"]
    assert (body["area_min_m2"], body["area_max_m2"]) == ("40.00", "60.50")
    assert body["business_type"] == "coffee" and body["is_active"] is True
    assert caller.get(f"{API}/demands/{demand.pk}/").json() == body


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"is_active": False}, "is_active"), ({"merchant": 1}, "merchant"), ({"id": 5}, "id")],
)
def test_a_demand_refuses_fields_a_client_may_not_set(caller, css, extra, field):
    response = caller.post_json(f"{API}/demands/", {**DEMAND, **extra})
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"business_type": "catering"},
            "business_type",
            "餐饮 Catering is a major class; choose a specific business type within it.",
        ),
        ({"stations": ["NOPE"]}, "stations", "Unknown station: NOPE."),
        (
            {"area_max_m2": "30"},
            "area_max_m2",
            "The largest area 30.00 m² is smaller than the smallest 40.00 m².",
        ),
        ({"term_months": 0}, "term_months", "The term must be a whole number of months above 0."),
    ],
)
def test_a_bad_demand_gets_the_services_message_on_its_field(caller, css, changes, field, message):
    response = caller.post_json(f"{API}/demands/", {**DEMAND, **changes})
    body = error_of(response)
    assert response.status_code == 400
    assert (body["field"], body["message"]) == (field, message)
    assert not Demand.objects.exists()


def test_another_merchants_brand_is_refused(caller, css, other):
    response = caller.post_json(
        f"{API}/demands/", {**DEMAND, "brand": BrandFactory(merchant=other).pk}
    )
    assert response.status_code == 400
    assert error_of(response)["field"] == "brand"
    assert not Demand.objects.exists()


def test_a_demand_is_changed_then_withdrawn(caller, merchant, css):
    demand = DemandFactory(merchant=merchant)
    response = caller.patch_json(
        f"{API}/demands/{demand.pk}/", {"area_max_m2": "80", "stations": ["CSS"]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["area_max_m2"] == "80.00"
    assert response.json()["stations"] == ["CSS"]
    response = caller.post_json(
        f"{API}/demands/{demand.pk}/withdraw/", {"reason": "Found a place"}
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert Demand.objects.filter(pk=demand.pk, is_active=False).exists()  # kept on record
    refused = caller.patch_json(f"{API}/demands/{demand.pk}/", {"area_max_m2": "90"})
    assert refused.status_code == 400
    assert error_of(refused)["message"] == "This demand was withdrawn; record a new one instead."
    again = caller.post_json(f"{API}/demands/{demand.pk}/withdraw/", {})
    assert error_of(again)["message"] == "This demand is already withdrawn."


def test_a_demands_status_cannot_be_patched(caller, merchant):
    demand = DemandFactory(merchant=merchant)
    response = caller.patch_json(f"{API}/demands/{demand.pk}/", {"is_active": False})
    assert response.status_code == 400
    assert error_of(response)["field"] == "is_active"
    assert Demand.objects.get(pk=demand.pk).is_active


def test_another_merchants_demand_answers_404_and_stays_as_it_was(caller, other):
    theirs = DemandFactory(merchant=other)
    before = journal_count()
    assert caller.get(f"{API}/demands/{theirs.pk}/").status_code == 404
    assert caller.patch_json(f"{API}/demands/{theirs.pk}/", {"term_months": 12}).status_code == (
        404
    )
    assert caller.post_json(f"{API}/demands/{theirs.pk}/withdraw/", {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.term_months == 36
    assert journal_count() == before
    assert caller.get(f"{API}/demands/").json()["items"] == []


def test_demands_are_listed_filtered_and_ordered_in_few_queries(
    caller, merchant, other, css, django_assert_max_num_queries
):
    for n, rent in enumerate(["100", "300", "200", "250", "150"]):
        DemandFactory(
            merchant=merchant,
            intended_rent_m2_month=Decimal(rent),
            stations=[css],
            is_active=n != 4,
        )
    DemandFactory(merchant=other)
    caller.get(f"{API}/demands/")  # the token's first use is recorded once
    with django_assert_max_num_queries(12):
        response = caller.get(f"{API}/demands/?ordering=-intended_rent_m2_month&active=true")
    body = response.json()
    assert body["count"] == 4
    rents = [row["intended_rent_m2_month"] for row in body["items"]]
    assert rents == ["300.00", "250.00", "200.00", "100.00"]
    assert all(row["stations"] == ["CSS"] for row in body["items"])
    page = caller.get(f"{API}/demands/?limit=2&offset=4").json()
    assert page["count"] == 5 and len(page["items"]) == 1
    bad = caller.get(f"{API}/demands/?ordering=merchant")
    assert bad.status_code == 400 and error_of(bad)["field"] == "ordering"


# --- applications -----------------------------------------------------------------------------


@pytest.fixture
def round_obj(clock):
    """A published round with two lots; the clock in its application window."""
    return bidding_round(clock)


@pytest.fixture
def lots(round_obj):
    return list(round_obj.lots.order_by("number"))


def test_applying_answers_with_every_threshold_check(caller, merchant, round_obj, lots):
    response = caller.post_json(
        f"{API}/applications/", {"round": round_obj.pk, "lots": [lots[0].pk]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    application = Application.objects.get(merchant=merchant, round=round_obj)
    assert body["id"] == application.pk and body["status"] == "pending"
    assert [lot["number"] for lot in body["lots"]] == [1]
    assert body["passed_all_checks"] is True
    assert {c["threshold"] for c in body["checks"]} == {c["threshold"] for c in application.checks}
    assert body["checks"] and all(c["passed"] for c in body["checks"])
    again = caller.post_json(
        f"{API}/applications/", {"round": round_obj.pk, "lots": [lots[0].pk, lots[1].pk]}
    )
    assert again.status_code == 200
    assert [lot["number"] for lot in again.json()["lots"]] == [1, 2]
    assert Application.objects.filter(merchant=merchant).count() == 1


def test_a_failed_threshold_is_in_the_response(api_client, round_obj, lots):
    weak = MerchantFactory(legal_form=Merchant.LegalForm.INDIVIDUAL)
    response = api_client(merchant_user(weak)).post_json(
        f"{API}/applications/", {"round": round_obj.pk, "lots": [lots[0].pk]}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["passed_all_checks"] is False
    failed = [c for c in body["checks"] if not c["passed"]]
    assert [c["threshold"] for c in failed] == ["legal_form"]
    assert failed[0]["reason"] == "individual businesses are not admitted"


def test_applying_refuses_a_status_and_a_lot_of_another_round(caller, round_obj, lots, clock):
    response = caller.post_json(
        f"{API}/applications/",
        {"round": round_obj.pk, "lots": [lots[0].pk], "status": "admitted"},
    )
    assert response.status_code == 400 and error_of(response)["field"] == "status"
    foreign = bidding_round(clock).lots.first()
    response = caller.post_json(
        f"{API}/applications/", {"round": round_obj.pk, "lots": [foreign.pk]}
    )
    assert response.status_code == 400
    assert error_of(response)["field"] == "lots"
    assert error_of(response)["message"] == (f"Choose open lots of round {round_obj.code} only.")
    assert not Application.objects.exists()


def test_an_unpublished_round_answers_404(caller, clock):
    draft = make_round()
    response = caller.post_json(f"{API}/applications/", {"round": draft.pk, "lots": []})
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_applications_after_the_window_are_refused_in_the_services_words(
    caller, round_obj, lots, clock
):
    clock.move_to(round_obj.application_closes_at)
    response = caller.post_json(
        f"{API}/applications/", {"round": round_obj.pk, "lots": [lots[0].pk]}
    )
    assert response.status_code == 400
    assert error_of(response)["message"].startswith(
        f"Applications for round {round_obj.code} closed"
    )
    assert not Application.objects.exists()


def test_applications_are_the_companys_only(
    caller, merchant, other, round_obj, lots, clock, django_assert_max_num_queries
):
    mine = application_submit(
        actor=merchant_user(merchant), round=round_obj, merchant=merchant, lots=lots
    )
    second_round = bidding_round(clock)
    second = application_submit(
        actor=merchant_user(merchant),
        round=second_round,
        merchant=merchant,
        lots=list(second_round.lots.all()),
    )
    theirs = application_submit(
        actor=merchant_user(other), round=round_obj, merchant=other, lots=[lots[0]]
    )
    assert caller.get(f"{API}/applications/{theirs.pk}/").status_code == 404
    assert caller.get(f"{API}/applications/{mine.pk}/").json()["round"]["code"] == round_obj.code
    caller.get(f"{API}/applications/")
    with django_assert_max_num_queries(10):
        body = caller.get(f"{API}/applications/?status=pending").json()
    assert sorted(row["id"] for row in body["items"]) == [mine.pk, second.pk]
    assert all([lot["number"] for lot in row["lots"]] == [1, 2] for row in body["items"])


# --- sealed bids ------------------------------------------------------------------------------


@pytest.fixture
def admitted(merchant, user, round_obj, lots, clock):
    """The merchant admitted for both lots; the clock in the bidding period."""
    applicant(round_obj, lots, merchant=merchant)
    clock.move_to(BIDDING)
    return merchant


def offer(lot, **extra) -> dict:
    return {"lot": lot.pk, "annual_rent": OFFER, "proposal": "A flagship café.", **extra}


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_bid_answers_with_its_receipt_and_never_the_amount(caller, admitted, lots):
    response = caller.post_json(
        f"{API}/bids/",
        offer(lots[0], documents=[{"name": "plan.pdf", "content_base64": encoded(PDF)}]),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    bid_row = Bid.objects.get(merchant=admitted)
    assert body["receipt_number"] == bid_row.receipt_number
    assert body["digest"] == bid_row.digest and len(body["digest"]) == 64
    assert dt.datetime.fromisoformat(body["received_at"]) == BIDDING  # the server's clock
    assert (body["status"], body["version"], body["lot"]["number"]) == ("active", 1, 1)
    assert [d["position"] for d in body["documents"]] == [1]
    assert "187654" not in response.content.decode()
    receipt = caller.get(f"{API}/bids/{bid_row.pk}/")
    assert receipt.json() == body
    assert "187654" not in caller.get(f"{API}/bids/").content.decode()


def test_a_new_bid_on_the_lot_replaces_the_active_one(caller, admitted, lots):
    first = caller.post_json(f"{API}/bids/", offer(lots[0])).json()
    second = caller.post_json(f"{API}/bids/", offer(lots[0], annual_rent="190000.00")).json()
    assert second["version"] == 2 and second["status"] == "active"
    assert caller.get(f"{API}/bids/{first['id']}/").json()["status"] == "replaced"
    active = caller.get(f"{API}/bids/?status=active").json()["items"]
    assert [row["receipt_number"] for row in active] == [second["receipt_number"]]


def test_a_bid_is_withdrawn_once(caller, admitted, lots):
    receipt = caller.post_json(f"{API}/bids/", offer(lots[0])).json()
    response = caller.post(f"{API}/bids/{receipt['id']}/withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert dt.datetime.fromisoformat(response.json()["withdrawn_at"]) == BIDDING
    again = caller.post(f"{API}/bids/{receipt['id']}/withdraw/")
    assert again.status_code == 400
    assert error_of(again)["message"] == (
        f"Bid {receipt['receipt_number']} is withdrawn; only the active bid can be withdrawn."
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"received_at": "2026-03-01T00:00:00+00:00"}, "received_at"),
        ({"status": "active"}, "status"),
        ({"merchant": 1}, "merchant"),
        ({"score": "99"}, "score"),
    ],
)
def test_a_bid_refuses_fields_a_client_may_not_set(caller, admitted, lots, extra, field):
    response = caller.post_json(f"{API}/bids/", offer(lots[0], **extra))
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"annual_rent": "1.234"},
            "annual_rent",
            "Give the annual rent in CNY with at most 2 decimals.",
        ),
        ({"annual_rent": "0"}, "annual_rent", "The annual rent offered must be more than 0."),
        ({"proposal": "  "}, "proposal", "Write the proposal that goes with the offer."),
        (
            {"documents": [{"name": "a.pdf", "content_base64": "***"}]},
            "documents",
            "Document “a.pdf” is not valid base64.",
        ),
    ],
)
def test_a_bad_bid_gets_the_message_on_its_field_and_nothing_is_sealed(
    caller, admitted, lots, changes, field, message
):
    response = caller.post_json(f"{API}/bids/", offer(lots[0], **changes))
    body = error_of(response)
    assert response.status_code == 400
    assert (body["field"], body["message"]) == (field, message)
    assert not Bid.objects.exists()


def test_a_document_that_is_not_what_it_claims_is_refused_by_the_bid_service(
    caller, admitted, lots
):
    fake = {"name": "plan.pdf", "content_base64": encoded(b"<html>not a pdf</html>")}
    response = caller.post_json(f"{API}/bids/", offer(lots[0], documents=[fake]))
    assert response.status_code == 400
    assert error_of(response)["field"] == "documents"
    assert not Bid.objects.exists()


def test_a_bid_after_the_deadline_is_refused(caller, admitted, lots, clock):
    clock.move_to(DEADLINE)
    response = caller.post_json(f"{API}/bids/", offer(lots[0]))
    assert response.status_code == 400
    assert "The bid deadline" in error_of(response)["message"]
    assert not Bid.objects.exists()


def test_a_merchant_not_yet_admitted_may_not_bid(caller, merchant, user, round_obj, lots, clock):
    applicant(round_obj, [lots[0]], merchant=merchant, admit=False)
    clock.move_to(BIDDING)
    response = caller.post_json(f"{API}/bids/", offer(lots[0]))
    assert response.status_code == 400
    assert error_of(response)["message"] == (
        f"Hunan Coffee Co. is not admitted to {lots[0]}; only admitted applicants may bid."
    )
    assert not Bid.objects.exists()


def test_a_lot_not_applied_for_answers_404(caller, merchant, user, round_obj, lots, clock):
    applicant(round_obj, [lots[0]], merchant=merchant)
    clock.move_to(BIDDING)
    assert caller.post_json(f"{API}/bids/", offer(lots[1])).status_code == 404
    assert not Bid.objects.exists()


def test_another_merchants_bid_answers_404_and_stays_active(
    caller, admitted, other, round_obj, lots, clock
):
    clock.move_to(T0 + dt.timedelta(days=3))
    _merchant, their_user = applicant(round_obj, [lots[0]], merchant=other)
    clock.move_to(BIDDING)
    bid(their_user, round_obj, lots[0])
    theirs = Bid.objects.get(merchant=other)
    assert caller.get(f"{API}/bids/{theirs.pk}/").status_code == 404
    assert caller.post(f"{API}/bids/{theirs.pk}/withdraw/").status_code == 404
    assert Bid.objects.get(pk=theirs.pk).status == Bid.Status.ACTIVE
    assert caller.get(f"{API}/bids/").json()["count"] == 0


def test_bids_are_listed_in_few_queries(
    caller, admitted, user, round_obj, lots, clock, django_assert_max_num_queries
):
    for lot in reversed(lots):
        for amount in ("150000.00", "160000.00"):
            clock.shift(60)
            bid(user, round_obj, lot, amount, documents=[("a.pdf", PDF)])
    caller.get(f"{API}/bids/")
    with django_assert_max_num_queries(10):
        body = caller.get(f"{API}/bids/?ordering=lot,received_at").json()
    assert body["count"] == 4
    assert [(row["lot"]["number"], row["version"]) for row in body["items"]] == [
        (1, 1), (1, 2), (2, 1), (2, 2),
    ]  # fmt: skip
    assert all(len(row["documents"]) == 1 for row in body["items"])


# --- leases, instalments, turnover ------------------------------------------------------------

NOW = dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture
def lease_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_lease(merchant, **terms):
    """A lease open since 1 January 2025, quarterly rent, the first two instalments paid."""
    lease = direct_lease(
        merchant, [free_unit()], start=dt.date(2025, 1, 1), months=36, rent="120000",
        turnover_rate_pct="8", **terms,
    )  # fmt: skip
    leasing.lease_sign(actor=None, lease=lease)
    leasing.lease_open(actor=None, lease=lease, opened_on=dt.date(2025, 1, 1))
    for instalment in lease.instalments.order_by("due_date")[:2]:
        leasing.instalment_pay(
            actor=None,
            instalment=instalment,
            paid_on=instalment.due_date,
            amount=instalment.amount,
        )
    return lease


@pytest.fixture
def lease(merchant, lease_clock):
    return open_lease(merchant)


@pytest.fixture
def their_lease(other, lease_clock):
    return open_lease(other)


def test_leases_are_the_companys_with_their_terms(
    caller, lease, their_lease, django_assert_max_num_queries
):
    open_lease(lease.merchant)
    caller.get(f"{API}/leases/")
    with django_assert_max_num_queries(10):
        body = caller.get(f"{API}/leases/?status=open&ordering=code").json()
    assert body["count"] == 2
    row = body["items"][0]
    assert row["code"] == lease.code and row["status"] == "open"
    assert row["annual_rent"] == "120000.00" and row["turnover_rate_pct"] == "8.00"
    assert row["units"] == [lease.units.get().code]
    assert row["end_date"] == "2028-01-01" and row["payment_frequency_months"] == 3
    assert caller.get(f"{API}/leases/{lease.pk}/").json() == row
    assert caller.get(f"{API}/leases/{their_lease.pk}/").status_code == 404


def test_instalments_say_paid_due_and_overdue(caller, lease):
    body = caller.get(f"{API}/leases/{lease.pk}/instalments/?limit=100").json()
    schedule = list(lease.instalments.order_by("due_date", "pk"))
    assert body["count"] == len(schedule)
    today = NOW.date()
    expected = [
        "paid" if i.paid_on else ("overdue" if i.due_date < today else "due") for i in schedule
    ]
    assert [row["state"] for row in body["items"]] == expected
    assert {"paid", "overdue", "due"} <= set(expected)
    assert body["items"][0]["amount"] == f"{schedule[0].amount:.2f}"
    overdue = caller.get(f"{API}/leases/{lease.pk}/instalments/?state=overdue").json()
    assert overdue["count"] == expected.count("overdue")


def test_another_merchants_instalments_and_turnover_answer_404(caller, their_lease):
    assert caller.get(f"{API}/leases/{their_lease.pk}/instalments/").status_code == 404
    assert caller.get(f"{API}/leases/{their_lease.pk}/turnover/").status_code == 404
    response = caller.post_json(
        f"{API}/leases/{their_lease.pk}/turnover/", {"month": "2026-04", "amount": "100.00"}
    )
    assert response.status_code == 404
    assert not TurnoverReport.objects.exists()


def test_a_months_turnover_is_reported_once(caller, lease, user):
    response = caller.post_json(
        f"{API}/leases/{lease.pk}/turnover/", {"month": "2026-04", "amount": "86000.50"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["month"] == "2026-04"
    assert response.json()["amount"] == "86000.50"
    report = TurnoverReport.objects.get(lease=lease)
    assert (report.month, report.reported_by) == (dt.date(2026, 4, 1), user)
    again = caller.post_json(
        f"{API}/leases/{lease.pk}/turnover/", {"month": "2026-04-15", "amount": "1.00"}
    )
    assert again.status_code == 400
    assert (error_of(again)["field"], error_of(again)["message"]) == (
        "month",
        "The turnover of 2026-04 is already reported.",
    )
    listed = caller.get(f"{API}/leases/{lease.pk}/turnover/").json()
    assert [row["month"] for row in listed["items"]] == ["2026-04"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"month": "2026-06", "amount": "1.00"}, "month"),  # not begun
        ({"month": "2026-13", "amount": "1.00"}, "month"),
        ({"month": "2026-04", "amount": "-5"}, "amount"),
        ({"month": "2026-04", "amount": "1.00", "reported_by": 1}, "reported_by"),
        ({"month": "2026-04", "amount": "1.00", "reported_at": "2026-01-01"}, "reported_at"),
    ],
)
def test_a_bad_turnover_report_is_refused_on_its_field(caller, lease, payload, field):
    response = caller.post_json(f"{API}/leases/{lease.pk}/turnover/", payload)
    assert response.status_code == 400
    assert error_of(response)["field"] == field
    assert not TurnoverReport.objects.exists()


def test_an_officers_token_sees_no_merchant_data(api_client, lease):
    caller = api_client(officer(username="officer"))
    assert caller.get(f"{API}/leases/").status_code == 404
    assert caller.get(f"{API}/leases/{lease.pk}/").status_code == 404
    assert caller.get(f"{API}/demands/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "demands/{n}/",
        "applications/{n}/",
        "bids/{n}/",
        "leases/{n}/",
        "leases/{n}/instalments/",
        "leases/{n}/turnover/",
    ],
)
def test_an_id_beyond_any_column_answers_404(caller, path):
    response = caller.get(f"{API}/{path.format(n=10**20)}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_offer_too_large_to_be_money_is_refused(caller, admitted, lots):
    response = caller.post_json(f"{API}/bids/", offer(lots[0], annual_rent="1e999999"))
    assert response.status_code == 400
    assert error_of(response)["field"] == "annual_rent"
    assert not Bid.objects.exists()


def test_a_withdrawal_takes_only_a_reason(caller, merchant):
    demand = DemandFactory(merchant=merchant)
    response = caller.post_json(f"{API}/demands/{demand.pk}/withdraw/", {"is_active": True})
    assert response.status_code == 400
    assert error_of(response)["field"] == "is_active"
    assert Demand.objects.get(pk=demand.pk).is_active
    response = caller.post_json(f"{API}/demands/{demand.pk}/withdraw/", {"reason": "Closed"})
    assert response.status_code == 200
    entry = Entry.objects.filter(action="demand.withdraw").get()
    assert entry.data == {"reason": "Closed"}
