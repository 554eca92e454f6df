"""A merchant tenders in the portal in a real browser, on a phone: finds a published round,
applies and reads the checks threshold by threshold (a weaker merchant sees the one it fails),
seals a bid with a document, reads and downloads the receipt, replaces and withdraws the bid —
the amount on no page. Then a round's result notice: the committee has scored and signed, the
officer publishes the result, the public notice shows the winners and the objection deadline,
and a bidder lodges an objection from its account and sees it listed.

Rounds are built through the services on a clock moved by time_machine (the live server's
thread shares it; tick=True so that the browser's requests see time pass). The browser's own
clock is set to the server's, so that the notice's countdown counts from the same moment.
Pages are in Chinese (the browser's locale): assertions are on ids, classes, numbers and URLs.
Screens are saved to test-artifacts/ to be looked at.
"""

import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from cms.notices import notice_page_ensure
from tenders import result as outcome
from tenders import rounds
from tenders.applications import application_decide
from tenders.models import Application, Bid, Objection, TenderRound
from tests.cms.site_fixtures import site_tree
from tests.e2e.conftest import PASSWORD
from tests.tenders.bid_factories import APPLYING, BIDDING, T0
from tests.tenders.committee_factories import (
    declare_all,
    opened_round,
    score_all,
    seat_committee,
)
from tests.tenders.factories import MerchantFactory, merchant_user, tender_officer
from tests.tenders.round_factories import STANDARD_CRITERIA, add_lot, make_round, publish_documents

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Offers whose digits appear nowhere else: a sealed amount must be on no portal page.
FIRST_OFFER, SECOND_OFFER, THIRD_OFFER = "187654.32", "193421.77", "176543.21"


def shown_forms(amount: str) -> tuple[str, ...]:
    """How an amount could be written on a page: plain, with separators, without cents."""
    value = Decimal(amount)
    return (f"{value:.2f}", f"{value:,.2f}", f"{int(value)}", f"{int(value):,}")


def tiny_pdf() -> bytes:
    """A real one-page PDF (header, catalogue, page tree, cross-reference table, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the portal's own form and land on the merchant's overview."""
    page.goto("/portal/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/portal/")


def sign_out(page) -> None:
    page.goto("/portal/")
    page.locator(".acc-signout button").click()
    page.wait_for_url("**/portal/sign-in/**")


class SealedWatch:
    """The HTML of every portal page the merchant saw, to show that no offer was on any."""

    def __init__(self, page):
        self.page, self.seen = page, []

    def look(self) -> None:
        self.seen.append((self.page.url, self.page.content()))

    def pages(self) -> set[str]:
        return {url.split("#")[0] for url, _html in self.seen}

    def leaks(self, *amounts: str) -> list[tuple[str, str]]:
        return [
            (url, text)
            for url, html in self.seen
            for amount in amounts
            for text in shown_forms(amount)
            if text in html
        ]


# --- 1. applying and bidding --------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=True) as traveller:
        yield traveller


@pytest.fixture
def tender(clock):
    """A published round (created at T0) asking for 3,000,000 CNY of registered capital, two
    coffee lots; two merchants with 5,000,000 and 1,000,000; the clock in the application
    window."""
    round_obj = make_round(
        title="长沙南站高架层咖啡网点公开招租", min_registered_capital=Decimal("3000000")
    )
    for number in (1, 2):
        add_lot(round_obj, number=number)
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    publish_documents(round_obj)
    round_obj = rounds.round_publish(actor=None, round=round_obj)
    strong = MerchantFactory(name="湖南星巴克咖啡有限公司", registered_capital=Decimal("5000000"))
    weak = MerchantFactory(name="小小咖啡有限公司", registered_capital=Decimal("1000000"))
    clock.move_to(APPLYING)
    return {
        "round": TenderRound.objects.get(pk=round_obj.pk),
        "lots": list(round_obj.lots.order_by("number")),
        "strong": strong,
        "strong_user": merchant_user(strong, username="starbucks-hn"),
        "weak": weak,
        "weak_user": merchant_user(weak, username="small-coffee"),
        "officer": tender_officer(username="officer"),
    }


def test_a_merchant_applies_seals_replaces_and_withdraws_a_bid_on_a_phone(
    page, screenshot, clock, tender, tmp_path
):
    round_obj, lots = tender["round"], tender["lots"]
    page.set_viewport_size(PHONE)
    sealed = SealedWatch(page)

    # The weaker merchant reads the checks before applying: registered capital fails, and why.
    sign_in(page, "small-coffee")
    page.goto(f"/portal/tenders/{round_obj.pk}/apply/")
    failing = page.locator("tr.pt-fail")
    assert failing.count() == 1
    assert failing.get_attribute("data-threshold") == "registered_capital"
    assert "1,000,000.00" in failing.inner_text() and "3,000,000.00" in failing.inner_text()
    assert page.locator("tr.pt-pass").count() >= 1
    screenshot("weaker-merchant-fails-capital")
    sign_out(page)

    # The merchant finds the round under "tenders" and opens it.
    sign_in(page, "starbucks-hn")
    sealed.look()
    page.locator(".acc-subnav a[href='/portal/tenders/']").click()
    page.wait_for_url("**/portal/tenders/")
    sealed.look()
    screenshot("tenders")
    page.locator(f".pt-round a[href='/portal/tenders/{round_obj.pk}/']").click()
    page.wait_for_url(f"**/portal/tenders/{round_obj.pk}/")
    assert round_obj.code in page.locator("h1").inner_text()
    assert page.locator("#lots .pt-lot").count() == 2
    screenshot("round")

    # Applies for lot 1: every threshold is met, one by one, and the checks are stored.
    page.locator(f"a[href='/portal/tenders/{round_obj.pk}/apply/']").click()
    page.wait_for_url("**/apply/")
    checks = page.locator("table.pt-checks tbody tr")
    assert checks.count() == page.locator("tr.pt-pass").count() >= 2
    assert page.locator("tr.pt-pass[data-threshold='registered_capital']").count() == 1
    page.check(f"input[name=lots][value='{lots[0].pk}']")
    screenshot("apply")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_url(f"**/portal/tenders/{round_obj.pk}/#application")
    application = Application.objects.get(round=round_obj, merchant=tender["strong"])
    assert list(application.lots.all()) == [lots[0]]
    assert page.locator("#application").is_visible()
    assert page.locator("#thresholds tr.pt-fail").count() == 0
    screenshot("applied")

    # The officer admits the application; bidding opens.
    application_decide(actor=tender["officer"], application=application, admit=True)
    clock.move_to(BIDDING)

    # Seals a bid with a PDF the form asks for; the bid page, once, on a desktop.
    page.goto(f"/portal/tenders/{round_obj.pk}/")
    sealed.look()
    page.locator(f"a[href='/portal/tenders/{round_obj.pk}/lots/{lots[0].pk}/bid/']").click()
    page.wait_for_url("**/bid/")
    plan = tmp_path / "business-plan.pdf"
    plan.write_bytes(tiny_pdf())
    page.fill("#id_annual_rent", "187,654.32")
    page.fill("#id_proposal", "旗舰咖啡店：现磨咖啡、轻食，06:00–23:00 营业。")
    page.set_input_files("#id_documents", [str(plan)])
    page.set_viewport_size(DESKTOP)
    screenshot("bid-desktop")
    page.set_viewport_size(PHONE)
    screenshot("bid")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/bids/\d+/receipt/$"))

    first = Bid.objects.get(round=round_obj, merchant=tender["strong"])
    number = page.locator(".pt-receipt__number").inner_text().strip()
    digest = page.locator(".pt-digest").inner_text().strip()
    assert (number, digest) == (first.receipt_number, first.digest)
    assert first.documents.count() == 1
    assert first.documents.get().digest in page.locator(".pt-receipt").inner_text()
    sealed.look()
    screenshot("receipt")

    # Downloads the receipt: the file is named by the receipt number and holds the digest.
    with page.expect_download() as download_info:
        page.locator("a[href='?download=1']").click()
    download = download_info.value
    assert download.suggested_filename == f"receipt-{number}.html"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_text(encoding="utf-8")
    assert number in content and digest in content
    assert not any(text in content for text in shown_forms(FIRST_OFFER))

    # Replaces the bid: a new receipt; the first one says it was replaced.
    page.goto(f"/portal/tenders/{round_obj.pk}/")
    assert number in page.locator("#bids").inner_text()
    sealed.look()
    page.locator(f"a[href='/portal/tenders/{round_obj.pk}/lots/{lots[0].pk}/bid/']").click()
    page.wait_for_url("**/bid/")
    assert number in page.locator(".portal-message--warning").inner_text()
    sealed.look()
    page.fill("#id_annual_rent", SECOND_OFFER)
    page.fill("#id_proposal", "旗舰咖啡店，增加早餐套餐。")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/bids/\d+/receipt/$"))
    second_number = page.locator(".pt-receipt__number").inner_text().strip()
    assert second_number != number
    sealed.look()
    screenshot("replaced")
    page.goto(f"/portal/tenders/{round_obj.pk}/bids/{first.pk}/receipt/")
    assert second_number in page.locator(".pt-receipt").inner_text()
    sealed.look()

    # Withdraws the replacement, then seals a last bid: one live bid remains.
    page.goto(f"/portal/tenders/{round_obj.pk}/")
    second = Bid.objects.get(receipt_number=second_number)
    page.locator(
        f"#bids a[href='/portal/tenders/{round_obj.pk}/bids/{second.pk}/withdraw/']"
    ).click()
    page.wait_for_url("**/withdraw/")
    sealed.look()
    screenshot("withdraw")
    page.locator("form button.portal-button--danger").click()
    page.wait_for_url(f"**/portal/tenders/{round_obj.pk}/#bids")
    assert Bid.objects.get(pk=second.pk).status == Bid.Status.WITHDRAWN
    sealed.look()
    page.locator(f"a[href='/portal/tenders/{round_obj.pk}/lots/{lots[0].pk}/bid/']").click()
    page.wait_for_url("**/bid/")
    page.fill("#id_annual_rent", THIRD_OFFER)
    page.fill("#id_proposal", "旗舰咖啡店。")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/bids/\d+/receipt/$"))
    third_number = page.locator(".pt-receipt__number").inner_text().strip()
    sealed.look()
    page.goto(f"/portal/tenders/{round_obj.pk}/")
    sealed.look()
    screenshot("bids")
    listed = page.locator("#bids tbody tr").all_inner_texts()
    assert len(listed) == 3
    for receipt in (number, second_number, third_number):
        assert sum(receipt in row for row in listed) == 1

    live = Bid.objects.filter(round=round_obj, merchant=tender["strong"], status=Bid.Status.ACTIVE)
    assert [bid.receipt_number for bid in live] == [third_number]
    assert Bid.objects.filter(round=round_obj).count() == 3
    assert len(sealed.pages()) == 8  # overview, list, round, bid form, withdrawal, 3 receipts
    assert sealed.leaks(FIRST_OFFER, SECOND_OFFER, THIRD_OFFER) == []


# --- 2. the result notice -----------------------------------------------------------------


@pytest.fixture
def result_clock():
    with time_machine.travel(BIDDING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def signed(result_clock):
    """An opened round with its notice page (lot 1: A 150000, B 130000, C 110000 below the
    reserve; lot 2: D 125000), scored by five members and signed off by the chair."""
    site_tree()
    opened = opened_round(result_clock)
    notice_page_ensure(opened.round)
    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened=opened, members=members)
    outcome.result_sign_off(actor=members[0], round=opened.round)
    opened.refresh()
    return opened


def freeze_browser_clock(page) -> None:
    """The browser's clock at the server's (frozen) time, so that countdowns agree."""
    page.clock.install(time=timezone.now())


def test_the_result_notice_appears_and_a_bidder_objects_on_a_phone(page, screenshot, signed):
    from cms.models import TenderNoticePage

    round_obj = signed.round
    notice_url = TenderNoticePage.objects.get(round=round_obj).url
    page.set_viewport_size(PHONE)
    freeze_browser_clock(page)

    page.goto(notice_url)
    assert page.locator("#result").count() == 0
    assert page.locator("[data-phase='evaluation']").count() == 1

    outcome.result_publish(actor=signed.officer, round=round_obj)
    round_obj = signed.refresh()
    ends = timezone.localtime(round_obj.publicity_ends_at).strftime("%Y-%m-%d %H:%M")

    # The public notice: the result with the ranking, the winners first, and the deadline.
    page.reload()
    result = page.locator("#result")
    assert result.is_visible()
    assert page.locator("[data-phase='publicity']").count() == 1
    lot1 = result.locator("[data-result-lot='1']")
    assert "Merchant A" in lot1.locator("tr[data-rank='1']").inner_text()
    assert "150,000.00" in lot1.locator("tr[data-rank='1']").inner_text()
    assert "Merchant B" in lot1.locator("tr[data-rank='2']").inner_text()
    b_total = lot1.locator("tr[data-rank='2'] td").last.inner_text().strip()
    assert "Merchant C" in lot1.inner_text()  # invalid, named with its reason
    assert "Merchant D" in result.locator("[data-result-lot='2'] tr[data-rank='1']").inner_text()
    assert ends in page.locator(".site-result__objections").inner_text()
    assert ends in page.locator(".site-countdown").inner_text()
    screenshot("notice-result")

    # Bidder B, signed in, finds its round, reads the result and objects to lot 1.
    sign_in(page, signed.users["b"].username)
    page.locator(".acc-subnav a[href='/portal/tenders/']").click()
    page.wait_for_url("**/portal/tenders/")
    page.locator(f"a[href='/portal/tenders/{round_obj.pk}/']").first.click()
    page.wait_for_url(f"**/portal/tenders/{round_obj.pk}/")
    assert ends in page.locator(".pt-deadline").first.inner_text()
    page.locator(f"a[href='/portal/tenders/{round_obj.pk}/result/']").click()
    page.wait_for_url("**/result/")
    mine = page.locator("tr.pt-mine")
    assert mine.count() == 1 and "Merchant B" in mine.inner_text()
    assert mine.locator("td").first.inner_text().strip() == "2"
    assert mine.locator("td").last.inner_text().strip() == b_total  # as the notice gives it
    assert ends in page.locator(".pt-deadline").inner_text()
    assert page.locator("#objections li").count() == 0
    screenshot("portal-result")

    page.locator(
        f"a[href='/portal/tenders/{round_obj.pk}/lots/{signed.lots[0].pk}/objection/']"
    ).click()
    page.wait_for_url("**/objection/")
    page.fill("#id_grounds", "我方商业计划评分明显偏低，请复核评分依据。")
    screenshot("objection")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_url("**/result/#objections")
    listed = page.locator("#objections li")
    assert listed.count() == 1
    assert "我方商业计划评分明显偏低" in listed.inner_text()
    screenshot("objection-listed")

    objection = Objection.objects.get()
    assert (objection.round, objection.lot, objection.merchant) == (
        round_obj,
        signed.lots[0],
        signed.merchants["b"],
    )
    assert objection.lodged_by == signed.users["b"]
    assert objection.status == Objection.Status.PENDING
