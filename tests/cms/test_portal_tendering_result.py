"""The portal after the opening: the opening record for the round's bidders, the result in
publicity for the lots the company applied for, and objections with their deadline.

The round comes from tests.cms.committee_fixtures (lot 1: A 150000, B 130000, C 110000 below
the reserve; lot 2: D 125000), built through the services on a frozen clock.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from tenders.models import Objection
from tests.cms.committee_fixtures import *  # noqa: F403 - the fixtures
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def as_bidder(client, opened, letter):
    client.force_login(opened.users[letter])
    return client


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the opening --------------------------------------------------------------------------


def test_a_bidder_reads_the_opening_record_with_its_bid_marked(client, opened):
    as_bidder(client, opened, "b")

    round_page = text(client.get(url("tender", opened.round.pk)))
    assert "Opening record" in round_page
    response = client.get(url("tender_opening", opened.round.pk))

    page = text(response)
    assert response.status_code == 200
    assert "Merchant A" in page and "150,000.00" in page
    assert "130,000.00" in page and "110,000.00" in page
    # The record's reasons are in the tender's language, as the opening wrote them.
    assert opened.bid_of("c").invalid_reason in page
    assert re.search(r'<tr class="pt-mine"> <td>Merchant B <span class="portal-badge">You', page)
    assert page.count('class="pt-mine"') == 1
    assert opened.officer.username not in page and opened.inspector.username not in page


def test_the_opening_record_is_404_before_the_opening_and_to_non_bidders(client, opened):
    outsider = merchant_user(MerchantFactory(name="Outsider Ltd"))
    client.force_login(outsider)
    assert client.get(url("tender_opening", opened.round.pk)).status_code == 404


# --- the result ---------------------------------------------------------------------------


def test_the_result_is_404_until_it_is_published(client, signed):
    as_bidder(client, signed, "a")
    assert client.get(url("tender_result", signed.round.pk)).status_code == 404


def test_the_result_shows_the_ranking_of_the_companys_lots(client, publicity):
    as_bidder(client, publicity, "b")

    response = client.get(url("tender_result", publicity.round.pk))

    page = text(response)
    assert response.status_code == 200
    assert "Lot 1" in page and "Lot 2" not in page
    assert "Your bid ranks 2." in page
    assert page.index("Merchant A") < page.index("Merchant B")
    assert "Objections are taken until the publicity ends" in page
    assert "Objections are taken until the publicity ends" in text(
        client.get(url("tender", publicity.round.pk))
    )
    assert (
        publicity.round.publicity_ends_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime(
            "%Y-%m-%d %H:%M"
        )
        in page
    )


def test_the_invalid_bidder_sees_why(client, publicity):
    as_bidder(client, publicity, "c")

    page = text(client.get(url("tender_result", publicity.round.pk)))

    reason = publicity.bid_of("c").invalid_reason
    assert f"Your bid was invalid: {reason}" in page


def test_a_merchant_that_did_not_apply_gets_404(client, publicity):
    client.force_login(merchant_user(MerchantFactory(name="Outsider Ltd")))
    assert client.get(url("tender_result", publicity.round.pk)).status_code == 404


# --- objections ---------------------------------------------------------------------------


def test_lodging_an_objection(client, publicity):
    as_bidder(client, publicity, "b")
    lot = publicity.lots[0]
    form = text(client.get(url("objection_lodge", publicity.round.pk, lot.pk)))
    assert "Objections are taken until the publicity ends" in form

    response = client.post(
        url("objection_lodge", publicity.round.pk, lot.pk),
        {"grounds": "Our business plan was scored unfairly."},
    )

    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.lot, objection.merchant) == (lot, publicity.merchants["b"])
    page = text(client.get(response["Location"]))
    assert "Our business plan was scored unfairly." in page and "Awaiting a decision" in page


def test_an_objection_without_grounds_is_refused(client, publicity):
    as_bidder(client, publicity, "b")

    response = client.post(
        url("objection_lodge", publicity.round.pk, publicity.lots[0].pk), {"grounds": "  "}
    )

    assert response.context["form"].errors["grounds"] == ["State the grounds of the objection."]
    assert not Objection.objects.exists()


def test_an_objection_after_the_publicity_is_refused(client, publicity, clock):
    as_bidder(client, publicity, "b")
    clock.move_to(publicity.round.publicity_ends_at)

    response = client.post(
        url("objection_lodge", publicity.round.pk, publicity.lots[0].pk),
        {"grounds": "Too late."},
    )

    assert "objections are closed." in text(response)
    assert not Objection.objects.exists()


def test_an_objection_to_a_lot_not_applied_for_answers_404(client, publicity):
    as_bidder(client, publicity, "b")
    target = url("objection_lodge", publicity.round.pk, publicity.lots[1].pk)

    assert client.get(target).status_code == 404
    assert client.post(target, {"grounds": "Not mine."}).status_code == 404
    assert not Objection.objects.exists()
