"""The tender demo: merchants and demands, a round in every state with each login's work
waiting, dated relative to today, written by the audited services, and loaded only once.

Loading the network and the tender demo takes seconds, so the module loads them once (in a
transaction rolled back at its end); each test runs in its own savepoint inside it, so the
work a test does for a demo login (a bid, a decision, an opening) is undone after it.
"""

import dataclasses
import datetime as dt
import hashlib
import os
import re
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation
from guardian.models import UserObjectPermission

from audit.models import Entry
from stations.management.commands import load_demo
from stations.models import Station, Unit
from stations.reports import get_report
from tenders import demo, rounds
from tenders import result as outcome
from tenders.applications import application_decide
from tenders.bids import bid_submit
from tenders.committee import committee_progress
from tenders.credit_code import credit_code_fault
from tenders.models import (
    Application,
    Award,
    Bid,
    CreditRecord,
    Demand,
    Lot,
    Merchant,
    Objection,
    Opening,
    OpeningConfirmation,
    RoundDocument,
    ScoreSheet,
    TenderRound,
)
from tenders.opening import opening_confirm
from tenders.permissions import is_member_of
from tenders.round_selectors import rounds_for
from tenders.services import merchant_credit_bar

pytestmark = pytest.mark.django_db
Status = TenderRound.Status
MODELS = (Merchant, Demand, CreditRecord, TenderRound, Lot, RoundDocument, Application, Bid)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The output of ``load_demo`` (network, users, tender demo), loaded once for the module."""
    environment = {k: v for k, v in os.environ.items() if k != "DEMO_PASSWORD"}
    with (
        django_db_blocker.unblock(),
        # The tender demo alone (the leasing demo, which tells the rest, has its own tests).
        mock.patch.object(load_demo, "EXTENSIONS", ("tenders.demo",)),
        mock.patch.dict(os.environ, environment, clear=True),
        translation.override("en"),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def user(username: str) -> User:
    return User.objects.get(username=username)


def round_in(status: str) -> TenderRound:
    (found,) = TenderRound.objects.filter(code__in=[r.code for r in demo.ROUNDS], status=status)
    return found


def merchant(key: str) -> Merchant:
    return Merchant.objects.get(credit_code=demo.MERCHANTS_BY_KEY[key].credit_code)


def counts() -> dict[str, int]:
    found = {model.__name__: model.objects.count() for model in MODELS}
    found["users"] = User.objects.count()
    found["object permissions"] = UserObjectPermission.objects.count()
    found["journal"] = Entry.objects.count()
    found["available units"] = Unit.objects.filter(status=Unit.Status.AVAILABLE).count()
    return found


# --- merchants ------------------------------------------------------------------------------


def test_merchants_with_valid_codes_demands_and_the_two_demo_logins(loaded):
    merchants = Merchant.objects.filter(
        credit_code__in=[m.credit_code for m in demo.MERCHANTS]
    ).prefetch_related("demands", "brands")
    assert len(merchants) == len(demo.MERCHANTS) >= 22
    for company in merchants:
        assert credit_code_fault(company.credit_code) is None, company.name
        assert 1 <= company.demands.count() <= 3, company.name
        assert company.brands.count() == 1, company.name
        assert company.registered_capital > 0 and company.store_count > 0, company.name
    mcd, kfc = merchant("mcd"), merchant("kfc")
    assert "McDonald's" in str(mcd.brands.get()) and "KFC" in str(kfc.brands.get())
    assert is_member_of(user("merchant_mcd"), mcd) and not is_member_of(user("merchant_mcd"), kfc)
    assert is_member_of(user("merchant_kfc"), kfc)
    demand = mcd.demands.get(business_type__code="fast-food")
    assert set(demand.stations.values_list("code", flat=True)) == {"CSS", "YYE", "HYE", "CZW"}
    assert demand.needs_water and demand.needs_drainage and demand.needs_exhaust
    assert demand.power_kw == Decimal("30.00") and demand.intended_rent_m2_month > 0

    # The ones the thresholds keep out: a franchisee, an individual business, a barred company.
    today = timezone.localdate()
    assert merchant("huawang").operation_mode == Merchant.OperationMode.FRANCHISE
    assert merchant("liji").legal_form == Merchant.LegalForm.INDIVIDUAL
    assert merchant("liji").credit_code.startswith("92")
    barred = [m for m in merchants if merchant_credit_bar(m, on=today) is not None]
    assert barred == [merchant("weilai")]


# --- the rounds and the work waiting --------------------------------------------------------


def test_one_round_in_each_state(loaded):
    statuses = sorted(
        TenderRound.objects.filter(code__in=[r.code for r in demo.ROUNDS]).values_list(
            "status", flat=True
        )
    )
    assert statuses == sorted(
        [
            Status.DRAFT,
            Status.PUBLISHED,
            Status.BIDDING_CLOSED,
            Status.OPENED,
            Status.PUBLICITY,
            Status.AWARDED,
            Status.CANCELLED,
        ]
    )
    for round in TenderRound.objects.exclude(status=Status.DRAFT):
        assert set(round.documents.values_list("kind", flat=True)) == set(RoundDocument.Kind)
        assert round.criteria.exists() and 1 <= round.lots.count() <= 4
    for line in ("HNZB-01", "Tender rounds by status", "Merchants registered: 26"):
        assert line in loaded


def test_the_open_round_waits_for_a_bid_from_mcdonalds_and_a_decision_on_kfc(loaded):
    round = round_in(Status.PUBLISHED)
    now = timezone.now()
    assert round.application_opens_at < now < round.application_closes_at
    assert dt.timedelta(days=6) < round.bid_deadline - now < dt.timedelta(days=8)
    mcd = Application.objects.get(round=round, merchant=merchant("mcd"))
    assert mcd.status == Application.Status.ADMITTED
    assert not Bid.objects.filter(round=round, merchant=merchant("mcd")).exists()
    assert Bid.objects.filter(round=round).exists()  # other admitted merchants have bid
    kfc = Application.objects.get(round=round, merchant=merchant("kfc"))
    assert kfc.status == Application.Status.PENDING and kfc.passed_all_checks
    refused = Application.objects.filter(round=round, status=Application.Status.REFUSED)
    assert {a.merchant.credit_code for a in refused} == {
        merchant("huawang").credit_code,
        merchant("liji").credit_code,
    }
    for application in refused:
        assert not application.passed_all_checks and not application.overridden
    failed = {c["threshold"] for c in refused.get(merchant=merchant("huawang")).checks}
    assert "operation_mode" in failed

    # The work can be done: McDonald's bids, the officer decides on KFC.
    lot = mcd.lots.get()
    receipt = bid_submit(
        actor=user("merchant_mcd"),
        round=round,
        lot=lot,
        annual_rent=lot.reserve_annual_rent * 2,
        proposal="麦当劳郴州西站店经营方案。",
    )
    assert (
        receipt.received_at == Bid.objects.get(receipt_number=receipt.receipt_number).received_at
    )
    application_decide(actor=user("officer"), application=kfc, admit=True)
    assert Application.objects.get(pk=kfc.pk).status == Application.Status.ADMITTED


def test_the_round_past_its_deadline_awaits_the_officer_and_the_inspector(loaded):
    round = round_in(Status.BIDDING_CLOSED)
    assert round.bid_deadline < timezone.now()
    assert Bid.objects.filter(round=round, status=Bid.Status.ACTIVE).count() >= 5
    assert Bid.objects.filter(round=round, status=Bid.Status.REPLACED).count() == 1
    assert not OpeningConfirmation.objects.filter(round=round).exists()
    assert not Opening.objects.filter(round=round).exists()
    assert round.seats.count() == 5  # the committee is appointed and waits for the opening
    assert round in rounds_for(user("committee1"))

    assert opening_confirm(actor=user("officer"), round=round).opening is None
    opened = opening_confirm(actor=user("inspector"), round=round).opening
    assert opened is not None and opened.bids.count() == 6


def test_the_round_being_scored_waits_for_committee3(loaded):
    round = round_in(Status.OPENED)
    committee3 = user("committee3")
    assert round in rounds_for(committee3)
    assert not ScoreSheet.objects.filter(seat__round=round, seat__user=committee3).exists()
    progress = committee_progress(round)
    assert all([s.user.username for s in entry.waiting] == ["committee3"] for entry in progress)
    recused = {entry.lot.number: [s.user.username for s in entry.recused] for entry in progress}
    assert recused == {1: [], 2: ["committee4"], 3: []}
    assert round.seats.get(is_chair=True).user.username == "committee1"
    assert len(set(round.seats.values_list("department", flat=True))) == 5
    faults = outcome.sign_off_faults(round)
    assert len(faults) == 3 and all("committee3" in fault for fault in faults)
    # Four members have scored each lot, three the lot committee4 is recused from.
    assert ScoreSheet.objects.filter(seat__round=round).count() == 4 + 3 + 4


def test_the_round_in_publicity_has_an_objection_awaiting_the_inspector(loaded):
    round = round_in(Status.PUBLICITY)
    left = round.publicity_ends_at - timezone.now()
    assert dt.timedelta(days=1, hours=23) < left <= dt.timedelta(days=2)
    objection = Objection.objects.get(round=round)
    assert objection.status == Objection.Status.PROPOSED
    assert objection.proposed_by == user("officer") and objection.decided_by is None
    ranked_first = round.results.get().ranking.get(lot=objection.lot, rank=1)
    assert ranked_first.bid.bid.merchant != objection.merchant  # a losing bidder objects

    outcome.objection_cosign(actor=user("inspector"), objection=objection)
    assert Objection.objects.get(pk=objection.pk).status == Objection.Status.REJECTED


def test_the_awarded_round_reserved_its_units_and_fills_the_rent_report(loaded):
    round = round_in(Status.AWARDED)
    awards = list(Award.objects.filter(lot__round=round))
    assert len(awards) == round.lots.count() == 4
    for award in awards:
        assert set(award.lot.units.values_list("status", flat=True)) == {Unit.Status.RESERVED}
        # The network's first round: awarded in the spring of the history year.
        first_opening = demo.first_opening_day(timezone.localdate())
        days_before = (first_opening - timezone.localtime(award.awarded_at).date()).days
        assert 60 < days_before < 90
    assert Objection.objects.get(round=round).status == Objection.Status.REJECTED
    assert round.opening.bids.filter(is_valid=False).count() == 1  # below its reserve
    mcd_lot = Award.objects.get(lot__round=round, merchant=merchant("mcd")).lot
    assert (mcd_lot.station.code, mcd_lot.units.get().level.ordinal) == ("CSS", 1)

    report = get_report("rent-vs-reserve")(stations=Station.objects.all())
    rows = report[report["round"] == round.code]
    assert len(rows) == 4
    assert all(Decimal("5") <= premium <= Decimal("40") for premium in rows["premium_pct"])


def test_the_draft_is_the_css_officers_to_finish_and_the_cancelled_round_says_why(loaded):
    draft = round_in(Status.DRAFT)
    assert draft.created_by == user("officer_css")
    assert draft.publication_at > timezone.now()
    assert list(draft.documents.values_list("kind", flat=True)) == [RoundDocument.Kind.NOTICE]
    with pytest.raises(ValidationError) as refused:
        rounds.round_publish(actor=user("officer_css"), round=draft)
    assert "The Tender book (招租书) has not been uploaded." in refused.value.messages

    cancelled = round_in(Status.CANCELLED)
    entry = Entry.objects.get(action="round.cancel", target_id=str(cancelled.pk))
    assert entry.data["reason"] == next(
        r.cancel_reason for r in demo.ROUNDS if r.code == cancelled.code
    )
    # Its units are free again: a new draft may offer them.
    lot = cancelled.lots.get(number=1)
    again = rounds.lot_add(
        actor=user("officer"),
        round=draft,
        number=3,
        title="耒阳西站咖啡网点",
        units=list(lot.units.all()),
        business_type=lot.business_type,
        term_months=36,
        reserve_annual_rent=lot.reserve_annual_rent,
    )
    assert list(again.units.all()) == list(lot.units.all())


def test_the_documents_are_pdfs_describing_their_round(loaded):
    round = round_in(Status.AWARDED)
    for document in round.documents.all():
        with document.file.open("rb") as file:
            content = file.read()
        assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(content).hexdigest() == document.sha256
        assert demo._pdf_text(round.code).encode() in content
        assert demo._pdf_text(round.lots.get(number=1).station.name_zh).encode() in content


def test_a_long_document_runs_over_pages_with_a_correct_cross_reference():
    content = demo.pdf_document("长沙南站招租公告", ["旅客服务。" * 60] * 30, footer="HNZB-99")

    assert content.count(b"/Type /Page ") > 1
    start = int(re.search(rb"startxref\n(\d+)", content).group(1))
    table = content[start:].split(b"\n")
    count = int(table[1].split()[1])
    for number in range(1, count):
        offset = int(table[2 + number].split()[0])
        assert content[offset:].startswith(b"%d 0 obj" % number)


# --- the history ----------------------------------------------------------------------------


def test_the_history_lies_in_the_past_in_time_order_and_the_journal_holds(loaded):
    first = Entry.objects.filter(action="merchant.register").order_by("seq").first()
    tender = list(Entry.objects.filter(seq__gte=first.seq).order_by("seq"))
    times = [entry.recorded_at for entry in tender]
    assert times == sorted(times)
    assert times[-1] < timezone.now()
    # From the first registrations, about 200 days before the first opening day.
    started = demo.first_opening_day(timezone.localdate()) - timezone.localtime(times[0]).date()
    assert dt.timedelta(days=190) < started < dt.timedelta(days=210)
    actors = {entry.actor_name for entry in tender}
    assert {"officer", "officer_css", "inspector", "committee1", "merchant_mcd"} <= actors
    for bid in Bid.objects.select_related("round"):
        assert bid.received_at < bid.round.bid_deadline
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_loading_again_changes_nothing(loaded):
    before = counts()

    out = StringIO()
    with mock.patch.object(load_demo, "EXTENSIONS", ("tenders.demo",)):
        call_command("load_demo", stdout=out)

    assert counts() == before
    assert "The tender demo was already loaded: nothing changed." in out.getvalue()
    assert out.getvalue().count("already loaded, skipped") == 8 + len(demo.ROUNDS)


def test_a_failure_midway_leaves_nothing_of_that_load(loaded, monkeypatch):
    newcomer = dataclasses.replace(demo.MERCHANTS_BY_KEY["luckin"], key="cotti", name="库迪咖啡")
    plan = dataclasses.replace(
        next(r for r in demo.ROUNDS if r.status == Status.DRAFT),
        code="HNZB-99",
        status=Status.PUBLISHED,
        lots=(demo.DemoLot("CSS", ("2F-A01",), "noodles", "长沙南站面馆网点", 180),),
    )
    monkeypatch.setattr(demo, "MERCHANTS", (*demo.MERCHANTS, newcomer))
    monkeypatch.setattr(demo, "MERCHANTS_BY_KEY", {**demo.MERCHANTS_BY_KEY, "cotti": newcomer})
    monkeypatch.setattr(demo, "ROUNDS", (*demo.ROUNDS, plan))

    def publish_fails(**kwargs):
        raise RuntimeError("the network went down")

    monkeypatch.setattr(demo.rounds, "round_publish", publish_fails)
    before = counts()

    with pytest.raises(RuntimeError, match="network went down"):
        demo.load()

    assert counts() == before
    assert not Merchant.objects.filter(credit_code=newcomer.credit_code).exists()
    assert not User.objects.filter(username="merchant_cotti").exists()


def test_a_round_whose_units_were_taken_meanwhile_is_skipped_and_said_so(loaded, monkeypatch):
    taken = Unit.objects.get(station__code="CSS", code="2F-B02")  # reserved by the award
    assert taken.status == Unit.Status.RESERVED
    plan = dataclasses.replace(
        next(r for r in demo.ROUNDS if r.status == Status.DRAFT),
        code="HNZB-98",
        lots=(demo.DemoLot("CSS", ("2F-B02", "2F-A01"), "noodles", "长沙南站面馆网点", 180),),
    )
    monkeypatch.setattr(demo, "ROUNDS", (*demo.ROUNDS, plan))
    before = counts()
    out = StringIO()

    demo.load(stdout=out)

    assert counts() == before
    assert "HNZB-98: skipped, these units cannot be offered now: CSS 2F-B02" in out.getvalue()
    assert "nothing changed" not in out.getvalue()
