"""Tender notices on the public site: the notice of a published round (schedule, lots, thresholds,
criteria, documents with their SHA-256, the countdown), never before its publication time,
never the reserve before the award; the result notice once the result is published; the page
made when a round is published; bounded queries."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import reset_queries
from django.utils import timezone, translation

from cms.models import TenderNoticePage
from cms.notices import notice_page_ensure
from tenders import result as outcome
from tenders import rounds
from tenders.models import RoundDocument
from tests.cms.committee_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.committee_fixtures import RESERVE_SHOWN, objection
from tests.cms.site_fixtures import site_tree
from tests.tenders.round_factories import add_lot, available_unit, published_round, ready_round

pytestmark = pytest.mark.django_db

RESERVE = "123457.89"
RESERVE_TEXT = ("123457", "123,457")


def get(client, url):
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def tree(db):
    return site_tree()


def test_a_published_round_answers_404_until_its_publication_time(client, tree):
    round_obj = published_round()
    page = notice_page_ensure(round_obj)

    assert get(client, page.url).status_code == 404
    assert round_obj.code not in get(client, "/notices/").content.decode()

    with time_machine.travel(round_obj.publication_at + dt.timedelta(minutes=1)):
        response = get(client, page.url)
        index = get(client, "/notices/").content.decode()
    assert response.status_code == 200
    assert round_obj.code in index


def test_a_draft_or_cancelled_round_has_no_notice(client, tree):
    draft = ready_round()
    assert notice_page_ensure(draft) is None
    cancelled = published_round()
    page = notice_page_ensure(cancelled)
    rounds.round_cancel(actor=None, round=cancelled, reason="The units are needed elsewhere.")

    with time_machine.travel(cancelled.publication_at + dt.timedelta(days=1)):
        assert get(client, page.url).status_code == 404
        assert (
            get(client, page.url + f"documents/{cancelled.documents.first().pk}/").status_code
            == 404
        )


def test_the_notice_shows_schedule_lots_thresholds_criteria_documents_and_countdown(client, tree):
    round_obj = ready_round(min_registered_capital="3000000", min_store_count=20)
    add_lot(
        round_obj,
        number=2,
        units=[available_unit(types=("convenience-store",))],
        type_code="convenience-store",
        reserve=RESERVE,
    )
    round_obj = rounds.round_publish(actor=None, round=round_obj)
    page = notice_page_ensure(round_obj)
    documents = list(round_obj.documents.all())

    with time_machine.travel(round_obj.publication_at + dt.timedelta(hours=1), tick=False):
        response = get(client, page.url)
    html = response.content.decode()

    assert response.status_code == 200
    assert round_obj.title in html
    assert "Applications open soon" in html
    # The deadline is printed; the script counts down from the ISO time.
    deadline = timezone.localtime(round_obj.bid_deadline)
    assert deadline.strftime("%Y-%m-%d %H:%M") in html
    assert f'data-countdown="{deadline.isoformat()}"' in html
    for label in (
        "Publication",
        "Applications open",
        "Applications close",
        "Bid deadline",
        "Opening",
    ):
        assert label in html
    assert 'data-lot="1"' in html and 'data-lot="2"' in html
    assert "Convenience store" in html
    assert "Minimum registered capital (CNY): <strong>3,000,000.00</strong>" in html
    assert "Minimum stores operated: <strong>20</strong>" in html
    assert "Companies only (no individual businesses)" in html
    assert "Business plan" in html and "30.00" in html and "100.00" in html
    assert "at least 1,000,000 CNY: 5.00" in html
    for document in documents:
        assert document.sha256 in html
        assert f"{page.url}documents/{document.pk}/" in html
    assert not any(text in html for text in RESERVE_TEXT + ("120000", "120,000"))


def test_a_document_downloads_as_uploaded_and_only_from_its_own_round(client, tree):
    round_obj, other = published_round(), published_round()
    page = notice_page_ensure(round_obj)
    document = round_obj.documents.get(kind=RoundDocument.Kind.NOTICE)
    foreign = other.documents.first()

    with time_machine.travel(round_obj.publication_at + dt.timedelta(hours=1)):
        response = get(client, f"{page.url}documents/{document.pk}/")
        body = b"".join(response.streaming_content)
        assert get(client, f"{page.url}documents/{foreign.pk}/").status_code == 404

    assert response.status_code == 200
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert "attachment" in response["Content-Disposition"]


def test_publishing_a_round_makes_its_notice_page(tree, django_capture_on_commit_callbacks):
    round_obj = ready_round()

    with django_capture_on_commit_callbacks(execute=True):
        rounds.round_publish(actor=None, round=round_obj)

    page = TenderNoticePage.objects.get(round=round_obj)
    assert page.live and page.slug == round_obj.code.lower()
    assert page.get_parent().specific == tree[1]
    with django_capture_on_commit_callbacks(execute=True):
        notice_page_ensure(round_obj)  # idempotent
    assert TenderNoticePage.objects.filter(round=round_obj).count() == 1


def test_the_notice_page_makes_the_same_queries_whatever_its_lots(
    client, tree, django_assert_max_num_queries
):
    small, large = ready_round(), ready_round()
    for number in range(2, 7):
        add_lot(large, number=number)
    for round_obj in (small, large):
        notice_page_ensure(rounds.round_publish(actor=None, round=round_obj))
    with time_machine.travel(large.publication_at + dt.timedelta(hours=1)):
        url_small = TenderNoticePage.objects.get(round=small).url
        url_large = TenderNoticePage.objects.get(round=large).url
        get(client, url_small)
        with django_assert_max_num_queries(30) as few:
            get(client, url_small)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert get(client, url_large).status_code == 200


# --- the result notice ----------------------------------------------------------------------


def _notice(opened_round):
    site_tree()
    return notice_page_ensure(opened_round.round)


def test_the_result_appears_once_published_with_the_objection_deadline(client, signed, clock):
    page = _notice(signed)
    before = get(client, page.url).content.decode()
    assert 'id="result"' not in before
    assert "Under evaluation" in before

    outcome.result_publish(actor=signed.officer, round=signed.round)
    signed.refresh()
    html = get(client, page.url).content.decode()

    assert 'id="result"' in html
    assert "Result in publicity" in html
    assert "Merchant A" in html and "150,000.00" in html
    assert 'data-rank="1"' in html
    ends = timezone.localtime(signed.round.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
    assert f"A bidder may lodge an objection, with its grounds, until {ends}." in html
    assert "Merchant C" in html  # its bid was invalid: named with the reason
    assert not any(text in html for text in RESERVE_SHOWN)
    # Committee members are not named on the public notice.
    for member in signed.round.seats.select_related("user"):
        assert member.user.get_username() not in html


def test_the_reserve_is_public_once_the_round_is_awarded(client, publicity, clock):
    page = _notice(publicity)
    clock.move_to(publicity.round.publicity_ends_at + dt.timedelta(minutes=1))
    assert not any(text in get(client, page.url).content.decode() for text in RESERVE_SHOWN)

    outcome.round_award(actor=publicity.officer, round=publicity.round)
    html = get(client, page.url).content.decode()

    assert "Awarded" in html
    assert "Reserve annual rent (CNY)" in html
    assert "120,000.00" in html
    assert "Awarded to" in html and "Merchant A" in html


def test_a_withdrawn_result_leaves_the_notice(client, publicity, clock):
    page = _notice(publicity)
    lodged = objection(publicity)
    outcome.objection_propose(
        actor=publicity.officer,
        objection=lodged,
        upheld=True,
        outcome=lodged.Outcome.RESCORE,
        reason="The plan was scored against the wrong criteria.",
    )
    outcome.objection_cosign(actor=publicity.inspector, objection=lodged)
    html = get(client, page.url).content.decode()

    assert 'data-rank="1"' not in html
    assert "The published result was withdrawn after an upheld objection" in html


def test_the_open_rounds_come_a_page_at_a_time_nearest_deadline_first(
    client, tree, monkeypatch, django_assert_max_num_queries
):
    """Nationally 2,000 rounds are open at once: each section of the index is paged."""
    from cms import notices

    monkeypatch.setattr(notices, "PER_PAGE", 2)
    start = timezone.now()
    made = []
    for n in range(3):
        deadline = start + dt.timedelta(days=20 + n)
        when = {"bid_deadline": deadline, "opening_at": deadline + dt.timedelta(hours=2)}
        made.append(published_round(code=f"ZB-OPEN-{n}", **when))
        notice_page_ensure(made[-1])
    with time_machine.travel(made[0].publication_at + dt.timedelta(hours=1)):
        reset_queries()  # the log is capped (9,000): making the rounds filled it
        with django_assert_max_num_queries(20) as few:
            first = get(client, "/notices/").content.decode()
        asked = len(few.captured_queries)
        second = get(client, "/notices/?open=2").content.decode()
        beyond = get(client, "/notices/?open=99").content.decode()
        for _n in range(3):
            notice_page_ensure(published_round())
        reset_queries()
        with django_assert_max_num_queries(asked):
            get(client, "/notices/")
    assert "ZB-OPEN-0" in first and "ZB-OPEN-1" in first and "ZB-OPEN-2" not in first
    assert first.index("ZB-OPEN-0") < first.index("ZB-OPEN-1")
    assert "1 lot" in first and "Page 1 of 2" in first
    assert 'href="?open=2#open-notices"' in first
    assert "ZB-OPEN-2" in second and "ZB-OPEN-0" not in second
    assert "ZB-OPEN-2" in beyond and "ZB-OPEN-0" not in beyond  # past the last: the last
