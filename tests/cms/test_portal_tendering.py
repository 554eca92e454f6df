"""The portal's tendering pages: the rounds a merchant may apply to, a round's page, applying
with the threshold checks, sealed bids with their receipts, replacing and withdrawing them.

Rounds are built through the services on a frozen clock (tests.tenders.bid_factories); pages
are read in English. Every bad input shows the service's message and saves nothing; another
merchant's ids answer 404.
"""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from tenders import rounds
from tenders.applications import application_decide, application_submit
from tenders.models import Application, Bid, RoundDocument, TenderRound
from tests.factories import UserFactory
from tests.tenders.bid_factories import (
    APPLYING,
    BIDDING,
    DEADLINE,
    T0,
    applicant,
    bid,
    bidding_round,
)
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import make_round, schedule

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# An offer whose digits appear nowhere else on the pages.
OFFER = "187654.32"
OFFER_SHOWN = ("187654", "187,654")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def round_obj(clock):
    """A published round with two lots; the clock in its application window."""
    return bidding_round(clock)


@pytest.fixture
def lots(round_obj):
    return list(round_obj.lots.order_by("number"))


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Bidder One Ltd")


@pytest.fixture
def user(merchant):
    return merchant_user(merchant, username="bidder-one")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admitted(round_obj, lots, merchant, user, clock):
    """The merchant applied for lot 1 and is admitted; the clock in the bidding window."""
    application = application_submit(
        actor=user, round=round_obj, merchant=merchant, lots=[lots[0]]
    )
    application_decide(actor=None, application=application, admit=True)
    clock.move_to(BIDDING)
    return application


@pytest.fixture
def rival(round_obj, lots, clock):
    """Another merchant, admitted to both lots, with a bid on lot 1 (its merchant, user, bid)."""
    clock.move_to(APPLYING)
    merchant, user = applicant(round_obj, lots, merchant=MerchantFactory(name="Rival Ltd"))
    clock.move_to(BIDDING)
    receipt = bid(user, round_obj, lots[0], "140000.00")
    return merchant, user, Bid.objects.get(receipt_number=receipt.receipt_number)


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


# --- who may come in ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, round_obj):
    for target in (url("tenders"), url("tender", round_obj.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert "next=" in response["Location"]


def test_a_user_of_no_company_is_asked_to_register_one(client, round_obj):
    client.force_login(UserFactory(username="nobody"))

    response = client.get(url("tender", round_obj.pk))

    assert response.status_code == 403
    assert "Register your company" in text(response)


# --- the rounds ---------------------------------------------------------------------------


def test_the_list_shows_rounds_taking_applications_and_the_companys_applications(
    signed_in, round_obj, lots, merchant, user, clock
):
    clock.move_to(T0)
    upcoming = make_round(
        code="ZB-UPCOMING", title="Upcoming round", **schedule(T0 + dt.timedelta(days=2))
    )
    rounds.round_publish(actor=None, round=_ready(upcoming))
    draft = make_round(code="ZB-DRAFT", title="Draft round")
    clock.move_to(APPLYING)
    application_submit(actor=user, round=round_obj, merchant=merchant, lots=lots)

    page = text(signed_in.get(url("tenders")))

    assert round_obj.code in page and "2 lots" in page
    assert "Applied: Awaiting the officer" in page
    assert "ZB-UPCOMING" in page and "Applications open soon" in page
    assert draft.code not in page
    assert "My applications" in page and "Published" in page


def test_the_rounds_taking_applications_come_a_page_at_a_time(
    signed_in, round_obj, lots, clock, monkeypatch
):
    """Nationally thousands of rounds take applications at once: a page of them at a time."""
    from cms.portal import tendering

    monkeypatch.setattr(tendering, "ROUNDS_PER_PAGE", 1)
    clock.move_to(T0)
    for n in (1, 2):
        later = make_round(
            code=f"ZB-SOON-{n}",
            title="Upcoming round",
            **schedule(T0 + dt.timedelta(days=2)),
        )
        rounds.round_publish(actor=None, round=_ready(later))
    clock.move_to(APPLYING)
    codes = {round_obj.code, "ZB-SOON-1", "ZB-SOON-2"}
    first = text(signed_in.get(url("tenders")))
    assert len({c for c in codes if c in first}) < len(codes)
    seen = set()
    for params in ({"page": n, "soon": n} for n in (1, 2, 3)):
        with CaptureQueriesContext(connection) as captured:
            page = text(signed_in.get(url("tenders"), params))
        seen |= {c for c in codes if c in page}
        # the lots are counted for the page's rounds, by their ids, not for every open round
        counting = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
        lots_counted = [sql for sql in counting if 'FROM "tenders_lot"' in sql]
        assert len(lots_counted) == 1 and '"tenders_tenderround"' not in lots_counted[0]
        assert not [sql for sql in counting if 'JOIN "tenders_lot"' in sql]
    assert seen == codes


def _ready(round_obj: TenderRound) -> TenderRound:
    from tests.tenders.round_factories import STANDARD_CRITERIA, add_lot, publish_documents

    add_lot(round_obj)
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    publish_documents(round_obj)
    return round_obj


def test_the_list_takes_the_same_queries_whatever_the_number_of_rounds(
    signed_in, round_obj, merchant, user, clock, django_assert_max_num_queries
):
    def another(n):
        clock.move_to(T0)
        other = bidding_round(clock)
        application_submit(actor=user, round=other, merchant=merchant, lots=list(other.lots.all()))

    another(1)
    with django_assert_max_num_queries(20) as few:
        assert signed_in.get(url("tenders")).status_code == 200
    for n in range(3):
        another(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert signed_in.get(url("tenders")).status_code == 200


def test_the_round_page_shows_lots_thresholds_and_documents_without_the_reserve(
    signed_in, round_obj, lots
):
    round_obj.min_registered_capital = Decimal("9000000")
    round_obj.save()

    response = signed_in.get(url("tender", round_obj.pk))

    page = text(response)
    assert response.status_code == 200
    assert "Lot 1" in page and "Lot 2" in page
    for unit in lots[0].units.all():
        assert unit.code in page
    assert "Not met" in page
    assert "registered capital 5,000,000.00 CNY is below the required 9,000,000.00 CNY" in page
    for document in round_obj.documents.all():
        assert document.sha256 in page
    assert "120000" not in page and "120,000" not in page
    assert "Apply for lots" in page


def test_a_draft_round_answers_404(signed_in, clock):
    draft = make_round()
    assert signed_in.get(url("tender", draft.pk)).status_code == 404
    assert signed_in.get(url("tender_apply", draft.pk)).status_code == 404


def test_a_document_is_downloaded_from_its_own_round_only(signed_in, round_obj, clock):
    document = round_obj.documents.first()
    response = signed_in.get(url("tender_document", round_obj.pk, document.pk))
    assert response.status_code == 200
    with document.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()

    clock.move_to(T0)
    other = bidding_round(clock)
    elsewhere = RoundDocument.objects.filter(round=other).first()
    assert signed_in.get(url("tender_document", round_obj.pk, elsewhere.pk)).status_code == 404


# --- applying -----------------------------------------------------------------------------


def test_applying_stores_the_checks_threshold_by_threshold(signed_in, round_obj, lots, merchant):
    form = signed_in.get(url("tender_apply", round_obj.pk))
    assert "Your company meets every threshold today." in text(form)

    response = signed_in.post(url("tender_apply", round_obj.pk), {"lots": [lots[1].pk]})

    assert response.status_code == 302
    application = Application.objects.get(round=round_obj, merchant=merchant)
    assert list(application.lots.all()) == [lots[1]]
    page = text(signed_in.get(response["Location"]))
    assert "My application" in page and "Awaiting the officer" in page
    assert "registered as a company" in page and "the brand operates directly" in page


def test_applying_for_no_lot_shows_the_services_message_and_saves_nothing(signed_in, round_obj):
    response = signed_in.post(url("tender_apply", round_obj.pk), {})

    assert response.status_code == 200
    assert "Choose at least one lot." in text(response)
    assert "Nothing was saved" in text(response)
    assert not Application.objects.exists()


def test_applying_after_the_window_is_refused_and_saves_nothing(signed_in, round_obj, lots, clock):
    clock.move_to(round_obj.application_closes_at)

    response = signed_in.post(url("tender_apply", round_obj.pk), {"lots": [lots[0].pk]})

    assert f"Applications for round {round_obj.code} closed at" in text(response)
    assert not Application.objects.exists()


def test_a_lot_of_another_round_is_not_a_choice(signed_in, round_obj, clock):
    clock.move_to(T0)
    other = bidding_round(clock)

    response = signed_in.post(url("tender_apply", round_obj.pk), {"lots": [other.lots.first().pk]})

    assert "Select a valid choice" in text(response)
    assert not Application.objects.exists()


# --- sealed bids --------------------------------------------------------------------------


def test_a_sealed_bid_gives_a_receipt_without_the_amount(signed_in, round_obj, lots, admitted):
    form = signed_in.get(url("bid_submit", round_obj.pk, lots[0].pk))
    assert "Submit a sealed bid" in text(form)
    assert "PDF, PNG, JPEG, DWG, DXF, judged by their content; sealed with the bid." in text(form)

    response = signed_in.post(
        url("bid_submit", round_obj.pk, lots[0].pk),
        {
            "annual_rent": "187,654.32",
            "proposal": "A flagship café.",
            "documents": [SimpleUploadedFile("plan.pdf", PDF)],
        },
    )

    bid_row = Bid.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("bid_receipt", round_obj.pk, bid_row.pk)
    receipt = signed_in.get(response["Location"])
    page = text(receipt)
    assert bid_row.receipt_number in page and bid_row.digest in page
    assert (
        bid_row.received_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        in page
    )
    assert bid_row.documents.get().digest in page
    assert not any(shown in page for shown in OFFER_SHOWN)
    round_page = text(signed_in.get(url("tender", round_obj.pk)))
    assert bid_row.receipt_number in round_page
    assert not any(shown in round_page for shown in OFFER_SHOWN)


def test_the_receipt_downloads_as_a_file(signed_in, round_obj, lots, admitted, user):
    receipt = bid(user, round_obj, lots[0], OFFER)
    bid_row = Bid.objects.get(receipt_number=receipt.receipt_number)

    response = signed_in.get(url("bid_receipt", round_obj.pk, bid_row.pk) + "?download=1")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{receipt.receipt_number}.html"'
    )
    content = response.content.decode()
    assert receipt.receipt_number in content and receipt.digest in content
    assert not any(shown in content for shown in OFFER_SHOWN)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"annual_rent": "", "proposal": "Plan"}, "Enter the annual rent in CNY."),
        ({"annual_rent": "lots", "proposal": "Plan"}, "Enter the annual rent in CNY."),
        ({"annual_rent": "0", "proposal": "Plan"}, "The annual rent offered must be more than 0."),
        (
            {"annual_rent": "100.001", "proposal": "Plan"},
            "Give the annual rent in CNY with at most 2 decimals.",
        ),
        (
            {"annual_rent": "150000", "proposal": " "},
            "Write the proposal that goes with the offer.",
        ),
    ],
)
def test_a_bad_offer_shows_the_services_message_and_seals_nothing(
    signed_in, round_obj, lots, admitted, data, message
):
    response = signed_in.post(url("bid_submit", round_obj.pk, lots[0].pk), data)

    assert response.status_code == 200
    assert message in text(response)
    assert not Bid.objects.exists()


def test_a_document_that_is_not_a_pdf_or_drawing_is_refused(signed_in, round_obj, lots, admitted):
    response = signed_in.post(
        url("bid_submit", round_obj.pk, lots[0].pk),
        {
            "annual_rent": "150000",
            "proposal": "Plan",
            "documents": [SimpleUploadedFile("offer.exe", b"MZ\x90\x00 not a document")],
        },
    )

    assert "“offer.exe” is not a PDF, PNG, JPEG, DWG, DXF file (judged by its content)." in text(
        response
    )
    assert not Bid.objects.exists()


def test_a_bid_after_the_deadline_is_refused(signed_in, round_obj, lots, admitted, clock):
    clock.move_to(DEADLINE)

    response = signed_in.post(
        url("bid_submit", round_obj.pk, lots[0].pk),
        {"annual_rent": "150000", "proposal": "Plan"},
    )

    assert "The bid deadline (2026-03-21 10:00) has passed; the bid was refused." in text(response)
    assert not Bid.objects.exists()


def test_a_merchant_not_yet_admitted_cannot_bid(signed_in, round_obj, lots, merchant, user, clock):
    application_submit(actor=user, round=round_obj, merchant=merchant, lots=[lots[0]])
    clock.move_to(BIDDING)

    response = signed_in.post(
        url("bid_submit", round_obj.pk, lots[0].pk),
        {"annual_rent": "150000", "proposal": "Plan"},
    )

    assert "Bidder One Ltd is not admitted to" in text(response)
    assert not Bid.objects.exists()


def test_a_lot_not_applied_for_answers_404(signed_in, round_obj, lots, admitted, rival):
    assert signed_in.get(url("bid_submit", round_obj.pk, lots[1].pk)).status_code == 404
    response = signed_in.post(
        url("bid_submit", round_obj.pk, lots[1].pk), {"annual_rent": "150000", "proposal": "P"}
    )
    assert response.status_code == 404
    assert Bid.objects.filter(lot=lots[1]).count() == 0


def test_a_new_bid_replaces_the_active_one(signed_in, round_obj, lots, admitted, user):
    first = bid(user, round_obj, lots[0], "150000.00")

    form = text(signed_in.get(url("bid_submit", round_obj.pk, lots[0].pk)))
    assert f"Your bid {first.receipt_number} is sealed. Submitting again replaces it" in form
    signed_in.post(
        url("bid_submit", round_obj.pk, lots[0].pk),
        {"annual_rent": "160000", "proposal": "Better"},
    )

    assert Bid.objects.get(receipt_number=first.receipt_number).status == Bid.Status.REPLACED
    assert Bid.objects.filter(status=Bid.Status.ACTIVE).count() == 1
    receipt = text(
        signed_in.get(
            url(
                "bid_receipt",
                round_obj.pk,
                Bid.objects.get(receipt_number=first.receipt_number).pk,
            )
        )
    )
    assert "Replaced by a later bid" in receipt


def test_withdrawing_a_bid(signed_in, round_obj, lots, admitted, user):
    receipt = bid(user, round_obj, lots[0])
    bid_row = Bid.objects.get(receipt_number=receipt.receipt_number)
    confirm = signed_in.get(url("bid_withdraw", round_obj.pk, bid_row.pk))
    assert f"Withdraw bid {receipt.receipt_number} for lot 1?" in text(confirm)

    response = signed_in.post(url("bid_withdraw", round_obj.pk, bid_row.pk))

    assert response.status_code == 302
    bid_row.refresh_from_db()
    assert bid_row.status == Bid.Status.WITHDRAWN


def test_withdrawing_after_the_deadline_is_refused(
    signed_in, round_obj, lots, admitted, user, clock
):
    receipt = bid(user, round_obj, lots[0])
    bid_row = Bid.objects.get(receipt_number=receipt.receipt_number)
    clock.move_to(DEADLINE)

    response = signed_in.post(url("bid_withdraw", round_obj.pk, bid_row.pk))

    assert "has passed; the withdrawal was refused." in text(response)
    bid_row.refresh_from_db()
    assert bid_row.status == Bid.Status.ACTIVE


def test_another_merchants_bid_answers_404(signed_in, round_obj, lots, admitted, rival):
    _merchant, _user, theirs = rival
    for name in ("bid_receipt", "bid_withdraw"):
        assert signed_in.get(url(name, round_obj.pk, theirs.pk)).status_code == 404
    assert (
        signed_in.get(url("bid_receipt", round_obj.pk, theirs.pk) + "?download=1").status_code
        == 404
    )
    assert signed_in.post(url("bid_withdraw", round_obj.pk, theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Bid.Status.ACTIVE


def test_a_bid_of_the_company_in_another_round_answers_404(
    signed_in, round_obj, lots, admitted, user, merchant, clock
):
    receipt = bid(user, round_obj, lots[0])
    mine = Bid.objects.get(receipt_number=receipt.receipt_number)
    clock.move_to(T0)
    other = bidding_round(clock)

    assert signed_in.get(url("bid_receipt", other.pk, mine.pk)).status_code == 404


# --- an address awaiting verification -----------------------------------------------------


def test_an_unverified_address_may_not_bid(signed_in, round_obj, lots, admitted, user):
    from tenders.models import PortalAccount

    PortalAccount.objects.create(user=user, email_verified_at=None)
    message = f"Verify your e-mail address first: follow the link we sent to {user.email}."

    bid_response = signed_in.post(
        url("bid_submit", round_obj.pk, lots[0].pk), {"annual_rent": "150000", "proposal": "P"}
    )
    assert message in text(bid_response)
    assert not Bid.objects.exists()


def test_an_unverified_address_may_not_apply(signed_in, round_obj, lots, user):
    from tenders.models import PortalAccount

    PortalAccount.objects.create(user=user, email_verified_at=None)

    response = signed_in.post(url("tender_apply", round_obj.pk), {"lots": [lots[0].pk]})

    assert "Verify your e-mail address first" in text(response)
    assert not Application.objects.exists()
