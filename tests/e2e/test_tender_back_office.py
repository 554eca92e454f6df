"""The tender back office in a real browser: an officer publishes a round from the admin and its
public notice appears; an officer and a discipline inspector, each in their own browser, open
the sealed bids together and the inspector reads the journal; committee members declare their
interests, one scores a lot on its one screen and another, with a conflict, is recused.

The clock is time_machine's (it patches the whole process, so the live server sees it too),
ticking for the browser steps. Screens are saved to test-artifacts/ to be looked at."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from audit.models import Entry
from cms.models import TenderNoticePage
from tenders import rounds
from tenders.models import Declaration, OpeningConfirmation, ScoreSheet, Seat, TenderRound
from tests import factories
from tests.cms.site_fixtures import site_tree
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.tenders.bid_factories import BIDDING, DEADLINE, T0, applicant, bid, bidding_round
from tests.tenders.committee_factories import declare_all, opened_round, seat_committee
from tests.tenders.factories import MerchantFactory
from tests.tenders.round_factories import (
    STANDARD_CRITERIA,
    add_lot,
    available_unit,
    make_round,
    publish_documents,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

Status = TenderRound.Status


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=True) as traveller:
        yield traveller


@pytest.fixture
def browse_as(browser, live_server):
    """browse_as("username") is a page of a new browser context (its own cookies) signed in as
    that user, at the desktop size; every context is closed after the test."""
    contexts = []

    def open_page(username: str):
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="zh-CN", base_url=live_server.url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


# The admin scrolls inside its own layout, so a "full page" screenshot would stop at the
# window: the window is made as tall as the content for the shot, then put back.
CONTENT_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
    ...[...document.querySelectorAll("main, .content-wrapper, .wrapper")].map(e => e.scrollHeight))"""


@pytest.fixture
def shot(request):
    """shot(page, "name") saves that page, all of it, as test-artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str, *, full_page: bool = True):
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        size = page.viewport_size
        if full_page:
            height = min(page.evaluate(CONTENT_HEIGHT), 8000)
            page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        page.set_viewport_size(size)
        return path

    return take


def round_url(name: str, *args) -> str:
    return reverse(f"tender-rounds:{name}", args=args)


def status_shown(page) -> str:
    """The round's status as its page marks it (the class, not the translated label)."""
    classes = page.locator("[data-cms-round-status]").get_attribute("class").split()
    (status,) = [
        c.removeprefix("cms-round-status--")
        for c in classes
        if c.startswith("cms-round-status--") and c != "cms-round-status--large"
    ]
    return status


# --- 1. an officer publishes a round ------------------------------------------------------


def test_an_officer_publishes_a_round_and_its_notice_appears(browse_as, shot, clock):
    site_tree()
    factories.officer(username="zhou.officer")
    round_obj = make_round(code="ZB-2026-0101", title="长沙南站高架层餐饮网点公开招租")
    first = add_lot(round_obj, number=1, reserve="123457.89")
    add_lot(
        round_obj,
        number=2,
        units=[available_unit(first.units.first().level, types=("convenience-store",))],
        type_code="convenience-store",
        reserve="98765.43",
    )
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    documents = publish_documents(round_obj)

    page = browse_as("zhou.officer")
    page.goto(round_url("index"))
    page.get_by_role("link", name="ZB-2026-0101").click()
    page.wait_for_url(f"**{round_url('detail', round_obj.pk)}")
    assert status_shown(page) == Status.DRAFT
    # Its lots, criteria and documents, as the services stored them.
    lots = page.locator("#lots tr[data-cms-lot]")
    assert lots.count() == 2
    assert "123,457.89" in lots.nth(0).inner_text() or "123457.89" in lots.nth(0).inner_text()
    criteria = page.locator("#criteria tbody tr")
    assert [row.locator("td").first.inner_text().strip() for row in criteria.all()] == [
        c["name"] for c in STANDARD_CRITERIA
    ]
    assert Decimal(page.locator("#criteria tfoot .cms-num").inner_text().strip()) == 100
    digests = page.locator("#documents code.cms-digest").all_inner_texts()
    assert sorted(d.strip() for d in digests) == sorted(d.sha256 for d in documents)
    assert not TenderNoticePage.objects.filter(round=round_obj).exists()
    shot(page, "draft")

    page.locator('a[data-cms-action="publish"]').click()
    page.wait_for_url(f"**{round_url('action', round_obj.pk, 'publish')}")
    shot(page, "publish-confirm")
    page.locator('button[data-cms-action="publish"]').click()
    page.wait_for_url(f"**{round_url('detail', round_obj.pk)}")
    assert status_shown(page) == Status.PUBLISHED
    assert page.locator('a[data-cms-action="publish"]').count() == 0
    shot(page, "published")
    round_obj.refresh_from_db()
    assert round_obj.status == Status.PUBLISHED
    assert Entry.objects.get(action="round.publish").actor_name == "zhou.officer"

    # The publication made the public notice; it answers once the publication time has come.
    notice = TenderNoticePage.objects.get(round=round_obj)
    assert notice.live
    clock.move_to(round_obj.publication_at + dt.timedelta(minutes=5))
    response = page.goto(notice.get_url())
    assert response.status == 200
    assert "ZB-2026-0101" in page.content()
    # The countdown counts on the server's clock, not on the browser's (months later here).
    countdown = page.locator(".site-countdown").first
    assert "is-passed" not in countdown.get_attribute("class")
    days_left = (round_obj.bid_deadline - round_obj.publication_at).days  # 19 days less 5 minutes
    assert countdown.locator(".site-countdown__left").inner_text().startswith(f"{days_left - 1} ")
    hashes = page.locator(".portal-hash").all_inner_texts()
    assert sorted(h.removeprefix("SHA-256").strip() for h in hashes) == sorted(
        d.sha256 for d in documents
    )
    shot(page, "public-notice")


# --- 2. the two-person opening ------------------------------------------------------------


AFTER = DEADLINE + dt.timedelta(hours=1)
OFFERS = {"Alpha": "150000.00", "Beta": "110000.00", "Delta": "130000.00"}  # reserve 120000


@pytest.fixture
def sealed(clock):
    """Lot 1: Alpha offers 150000, Beta 110000 (below the reserve); lot 2: Delta 130000. The
    clock an hour after the bid deadline; an officer and an inspector ready."""
    round_obj = bidding_round(clock)
    lot1, lot2 = round_obj.lots.order_by("number")
    users = {}
    for name, lot in (("Alpha", lot1), ("Beta", lot1), ("Delta", lot2)):
        _, users[name] = applicant(round_obj, [lot], merchant=MerchantFactory(name=f"{name} Ltd"))
    clock.move_to(BIDDING)
    for name, lot in (("Alpha", lot1), ("Beta", lot1), ("Delta", lot2)):
        bid(users[name], round_obj, lot, OFFERS[name])
    factories.officer(username="zhou.officer")
    factories.inspector(username="wu.inspector")
    clock.move_to(AFTER)
    return TenderRound.objects.get(pk=round_obj.pk)


def money_shown(amount: str) -> set[str]:
    value = Decimal(amount)
    return {f"{value:.2f}", f"{value:,.2f}"}


def test_an_officer_and_an_inspector_open_the_bids_in_their_own_browsers(
    browse_as, shot, clock, sealed
):
    round_obj = sealed
    officer = browse_as("zhou.officer")
    officer.goto(round_url("detail", round_obj.pk))
    assert status_shown(officer) == Status.PUBLISHED
    # Sealed: the round's page holds no offer yet.
    html = officer.content()
    assert not any(shown in html for amount in OFFERS.values() for shown in money_shown(amount))
    officer.locator('.cms-actions a[data-cms-action="confirm-opening"]').click()
    officer.wait_for_url(f"**{round_url('opening', round_obj.pk)}")
    shot(officer, "officer-opening")
    officer.locator('button[data-cms-action="confirm-opening"]').click()
    officer.wait_for_url(f"**{round_url('opening', round_obj.pk)}")

    # The officer alone does not open: the page names the inspector it waits for, until when.
    assert officer.locator('[data-cms-confirmation="zhou.officer"]').count() == 1
    waiting = officer.locator("[data-cms-waiting-for]")
    assert waiting.is_visible()
    assert "11:30" in waiting.inner_text()  # 30 minutes after the officer's 11:00
    assert officer.locator('button[data-cms-action="confirm-opening"]').count() == 0
    shot(officer, "officer-waits")
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.PUBLISHED
    assert not hasattr(TenderRound.objects.get(pk=round_obj.pk), "opening")

    clock.move_to(AFTER + dt.timedelta(minutes=12))
    inspector = browse_as("wu.inspector")
    inspector.goto(round_url("opening", round_obj.pk))
    assert inspector.locator('[data-cms-confirmation="zhou.officer"]').count() == 1
    shot(inspector, "inspector-opening")
    inspector.locator('button[data-cms-action="confirm-opening"]').click()
    inspector.wait_for_url(f"**{round_url('detail', round_obj.pk)}#opening")
    assert status_shown(inspector) == Status.OPENED
    roles = OpeningConfirmation.objects.filter(round=round_obj).values_list("role", flat=True)
    assert sorted(roles) == ["inspector", "officer"]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.OPENED

    # The record lists every bid with its offer; Beta's, below the reserve, is marked invalid.
    lot1 = inspector.locator('[data-cms-opening-lot="1"] tbody tr')
    lot2 = inspector.locator('[data-cms-opening-lot="2"] tbody tr')
    assert lot1.count() == 2 and lot2.count() == 1
    rows = {
        name: inspector.locator("[data-cms-opening-lot] tbody tr").filter(has_text=f"{name} Ltd")
        for name in OFFERS
    }
    for name, amount in OFFERS.items():
        offer = rows[name].locator("td.cms-num").inner_text().strip()
        assert offer in money_shown(amount), (name, offer)
    assert "is-invalid" in rows["Beta"].get_attribute("class")
    for name in ("Alpha", "Delta"):
        assert "is-invalid" not in (rows[name].get_attribute("class") or "")
    assert inspector.locator("[data-cms-opening-lot] .cms-check.is-no").count() == 1
    inspector.locator("#opening").scroll_into_view_if_needed()
    shot(inspector, "opened-record")

    # The officer's own browser shows the same record once reloaded.
    officer.goto(round_url("detail", round_obj.pk))
    assert officer.locator("[data-cms-opening-lot] tbody tr").count() == 3
    shot(officer, "officer-sees-record")

    # The inspector reads the opening in the audit journal: both confirmations and the opening.
    inspector.goto(reverse("audit-journal:index") + "?action=opening.")
    journal = inspector.locator("table.listing tbody tr")
    shown = journal.all_inner_texts()
    assert sum("opening.confirm" in row for row in shown) == 2
    assert sum("opening.open" in row for row in shown) == 1
    assert any("zhou.officer" in row for row in shown if "opening.confirm" in row)
    assert any("wu.inspector" in row for row in shown if "opening.confirm" in row)
    assert len(shown) == Entry.objects.filter(action__startswith="opening.").count()
    shot(inspector, "journal")


# --- 3. committee members declare and score -----------------------------------------------


@pytest.fixture
def committee_clock():
    with time_machine.travel(BIDDING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def seated(committee_clock):
    """The opened round of tests.tenders.committee_factories (lot 1: A 150000, B 130000, C
    110000 below the reserve; lot 2: D 125000) with six members; members 2-5 have declared no
    conflict, members 0 and 1 have not declared yet."""
    opened = opened_round(committee_clock)
    members = seat_committee(opened, size=6)
    declare_all(opened, members[2:])
    return opened, members


def test_a_member_declares_and_scores_a_lot_and_a_conflicted_member_is_recused(
    browse_as, shot, seated
):
    opened, members = seated
    scorer, conflicted = members[0], members[1]
    lot = opened.lots[0]
    lot_url = reverse("evaluations:lot", args=(opened.round.pk, lot.pk))
    declare_url = reverse("evaluations:declare", args=(opened.round.pk,))

    # The member's admin home shows the seat and the declaration awaiting them.
    member = browse_as(scorer.username)
    panel = member.locator("#cms-evaluations-section")
    assert opened.round.code in panel.inner_text()
    assert panel.locator('a[data-cms-waiting="declaration"]').count() == 1
    shot(member, "member-home")

    # No conflict with any of the four bidders: review, then record it.
    panel.locator('a[data-cms-waiting="declaration"]').click()
    member.wait_for_url(f"**{declare_url}")
    assert member.locator("tr[data-cms-bidder]").count() == 4
    shot(member, "declare")
    member.locator('button[data-cms-action="review"]').click()
    member.locator("[data-cms-no-conflict]").wait_for()
    shot(member, "declare-confirm")
    member.locator('button[data-cms-action="submit"]').click()
    member.wait_for_url(f"**{reverse('evaluations:index')}#round-{opened.round.pk}")
    my_round = member.locator(f'[data-cms-evaluation-round="{opened.round.code}"]')
    my_round.locator("[data-cms-declared]").wait_for()
    shot(member, "declared")
    seat = Seat.objects.get(round=opened.round, user=scorer)
    assert seat.declarations.count() == 4
    assert not seat.declarations.filter(has_conflict=True).exists()

    # Member 1 has not declared: nobody scores yet.
    member.goto(lot_url)
    assert member.locator('[data-cms-evaluation="waiting"]').count() == 1
    assert member.locator("[data-cms-grid]").count() == 0
    shot(member, "lot-waiting")

    # Member 1, in their own browser, declares a conflict with bidder B (lot 1) and is recused.
    other = browse_as(conflicted.username)
    other.goto(declare_url)
    merchant_b = opened.merchants["b"]
    row = other.locator(f'tr[data-cms-bidder="{merchant_b.pk}"]')
    row.locator('input[type="checkbox"]').check()
    row.locator("textarea").fill("我的表弟是该公司的店长。")
    shot(other, "declare-conflict")
    other.locator('button[data-cms-action="review"]').click()
    assert other.locator("[data-cms-conflicts]").inner_text().count(merchant_b.name) == 1
    other.locator('button[data-cms-action="submit"]').click()
    other.wait_for_url(f"**{reverse('evaluations:index')}#round-{opened.round.pk}")
    conflict = Declaration.objects.get(seat__user=conflicted, has_conflict=True)
    assert conflict.merchant == merchant_b
    other.goto(lot_url)
    assert other.locator('[data-cms-evaluation="recused"]').count() == 1
    assert other.locator("[data-cms-score-form], [data-cms-grid], [data-cms-score]").count() == 0
    assert merchant_b.name in other.locator("[data-cms-recused]").inner_text()
    shot(other, "recused")

    # The scorer's lot screen now takes every valid bid's points on each subjective criterion.
    member.goto(lot_url)
    assert member.locator('[data-cms-evaluation="score"]').count() == 1
    bids = member.locator("[data-cms-grid] tbody[data-cms-bid]")
    assert bids.count() == 2  # A and B; C, below the reserve, is listed as not scored
    assert opened.merchants["c"].name in member.locator(".cms-invalid-list").inner_text()
    inputs = member.locator("[data-cms-grid] input[data-cms-score]")
    subjective = opened.round.criteria.filter(kind="subjective").count()
    assert inputs.count() == 2 * subjective
    given = {}
    for n, field in enumerate(inputs.all()):
        points = f"{20 + n}.50"
        field.fill(points)
        given[field.get_attribute("name")] = Decimal(points)
    counter = member.locator("[data-cms-filled]")
    assert "is-complete" in counter.get_attribute("class")
    shot(member, "scores-typed")
    member.locator('button[data-cms-action="review"]').click()
    member.wait_for_selector('[data-cms-evaluation="review"]')
    assert member.locator("[data-cms-final-warning]").is_visible()
    shot(member, "scores-review")
    member.locator('button[data-cms-action="submit"]').click()
    member.wait_for_selector('[data-cms-evaluation="submitted"]')
    assert member.locator("[data-cms-submitted]").is_visible()
    shot(member, "scores-submitted")

    sheet = ScoreSheet.objects.get(seat=seat, lot=lot, is_current=True)
    assert sheet.version == 1
    stored = {f"s-{s.bid_id}-{s.criterion_id}": s.points for s in sheet.scores.all()}
    assert stored == given
    assert not ScoreSheet.objects.filter(seat__user=conflicted, lot=lot).exists()
