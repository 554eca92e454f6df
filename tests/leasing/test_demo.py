"""The whole demo story (load_demo with the leasing chapter): DOMAIN.md's figures as the
reports compute them from the data, the work waiting for each login today, and a journal
that checks out. Loaded once for the module, in a transaction rolled back at its end.
"""

import datetime as dt
import os
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from audit.models import Entry
from leasing import demo, operation, routemap
from leasing.models import (
    Complaint,
    Inspection,
    Instalment,
    Lease,
    MarketingEvent,
    Milestone,
    Penalty,
    TurnoverReport,
)
from leasing.selectors import outlets_for_officer, overdue_instalments, overdue_milestones
from stations.reports import get_report
from tenders.demo import first_opening_day
from tenders.models import Award, Lot, Objection, TenderRound

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    environment = {k: v for k, v in os.environ.items() if k != "DEMO_PASSWORD"}
    with (
        django_db_blocker.unblock(),
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


def figures() -> dict:
    frame = get_report("network-summary")()
    return dict(zip(frame["figure"], frame["value"], strict=True))


def test_the_reports_compute_domain_figures_from_the_data(loaded):
    with translation.override("en"):
        found = figures()

    assert found["stations"] == 8
    assert found["power_kw"] == Decimal("6567.00")
    assert (found["distribution_cabinets"], found["floor_sockets"]) == (111, 59)
    assert found["lightbox_sockets"] == 169
    assert (found["toilet_interfaces"], found["washbasin_interfaces"]) == (18, 36)
    assert found["brands_with_demands"] == 240
    assert found["demand_classes"] == 4
    assert 14 <= found["demand_types"] <= 17  # "about 15"
    assert found["projects_completed"] == 65
    assert found["objections_upheld"] == 0
    assert (found["projects_let"], found["projects_failed"]) == (25, 40)
    assert (found["brands_by_tender"], found["types_by_tender"]) == (15, 8)
    assert found["area_let_m2"] == Decimal("2859.00")
    assert found["premium_pct"] == Decimal("40.00")
    assert 85 <= found["outlets_open"] <= 95  # "about 90"
    assert found["brands_open"] == 25
    assert found["stations_with_outlets"] == 8
    assert found["chain_types_everywhere"] == (
        "书刊 Books and periodicals, 便利店 Convenience store, 地方特产 Local specialty food"
    )
    assert "Hunan Xinhua Bookstore" in found["chains_everywhere"]
    opening = first_opening_day(timezone.localdate())
    assert found["first_opening"].startswith(f"{opening:%Y-%m-%d} 麦当劳 McDonald's")
    assert "Changsha South" in found["first_opening"]
    assert (opening.month, opening.day) == (5, 27)


def test_the_detailed_reports_agree_with_the_summary(loaded):
    rent = get_report("rent-vs-reserve")()
    total = rent[rent["round"] == "TOTAL"].iloc[0]
    assert len(rent) == 26 and total["premium_pct"] == Decimal("40.00")
    assert rent["lease"].iloc[:-1].notna().all()  # every awarded lot has its lease
    by_tier = get_report("rent-vs-reserve-by-tier")()
    assert by_tier.iloc[-1]["area_m2"] == Decimal("2859.00")

    coverage = get_report("coverage")()
    stations = coverage[coverage["station"] != "TOTAL"]
    for column in ("convenience-store", "bookstore"):
        if column in stations:
            assert (stations[column] > 0).all(), column

    chains = get_report("chains")()
    everywhere = set(chains[chains["every_station"]]["brand"])
    assert everywhere == {
        "新华书店 Hunan Xinhua Bookstore",
        "芙蓉兴盛 Furong Xingsheng",
        "盐津铺子 Yanjinpuzi",
    }

    pipeline = get_report("pipeline")()
    total = pipeline.iloc[-1]
    assert total["awards"] == 25 and total["openings"] == found_open()
    assert get_report("occupancy")().iloc[-1]["let_area_m2"] > 0
    assert len(get_report("rent-roll")()) > 80


def found_open() -> int:
    return Lease.objects.filter(status=Lease.Status.OPEN).count()


def test_every_project_completed_without_an_upheld_objection(loaded):
    completed = Lot.objects.filter(round__status__in=["awarded", "failed"])
    assert completed.count() == 65
    assert not Objection.objects.filter(status=Objection.Status.UPHELD).exists()
    assert Objection.objects.filter(lot__in=completed, status="rejected").count() == 1
    for award in Award.objects.select_related("lot"):
        lease = Lease.objects.get(award=award) if award.lot.round.code != "HNZB-03" else None
        if lease is not None:
            assert lease.annual_rent == award.annual_rent
            assert {u.pk for u in lease.units.all()} == {u.pk for u in award.lot.units.all()}


def test_failed_lots_were_let_directly_and_say_why(loaded):
    after_failure = Lease.objects.filter(direct_reason__contains="流标")
    assert after_failure.count() == 30
    for lease in after_failure.prefetch_related("units"):
        lot = Lot.objects.filter(units__in=lease.units.all(), status=Lot.Status.FAILED).first()
        assert lot is not None
        assert lease.annual_rent >= lot.reserve_annual_rent


def test_the_first_outlet_opened_is_mcdonalds_on_the_elevated_level(loaded):
    first = Lease.objects.filter(opened_on__isnull=False).order_by("opened_on").first()
    assert first.merchant.brands.get().name_en == "McDonald's"
    assert first.station.code == "CSS"
    assert first.units.get().level.ordinal == 1  # the elevated departure level
    others = Lease.objects.filter(opened_on__isnull=False).exclude(pk=first.pk)
    assert all(lease.opened_on > first.opened_on for lease in others)
    with translation.override("en"):
        data = routemap.route_map_data(user("officer"))
    found = routemap.first_opening(data.rows)
    assert found.opened_on == first.opened_on


def test_fit_out_is_followed_and_one_outlet_is_behind(loaded):
    today = timezone.localdate()
    for lease in Lease.objects.filter(status=Lease.Status.OPEN):
        assert lease.milestones.filter(done_on__isnull=True).count() == 0, lease.code
        assert lease.responsible_officer is not None
    overdue = list(overdue_milestones(user("officer"), on=today))
    assert {m.lease.merchant.name for m in overdue} == {"长沙杨裕兴餐饮管理有限公司"}
    assert {m.kind for m in overdue} == {
        Milestone.Kind.DESIGN_APPROVED,  # with the fire officers since
        Milestone.Kind.SAFETY_BRIEFING,  # which waits for it
    }
    assert Lease.objects.filter(status=Lease.Status.FITTING_OUT).count() >= 1
    css = outlets_for_officer(user("officer_css"))
    assert css.exists() and not css.exclude(station__code="CSS").exists()


def test_rent_is_paid_but_for_two_tenants_behind(loaded):
    today = timezone.localdate()
    paid = Instalment.objects.filter(paid_on__isnull=False)
    assert paid.count() > 100
    assert all(i.paid_amount == i.amount for i in paid)
    behind = overdue_instalments(user("officer"), on=today)
    assert {i.lease.code for i in behind} == {
        demo._code(demo.OUTLETS.index(o) + 1) for o in demo.OUTLETS if o.behind
    }
    assert TurnoverReport.objects.count() > 20


def test_operation_records_of_the_year(loaded):
    now = timezone.now()
    assert Inspection.objects.count() > 100
    followed = Inspection.objects.exclude(follow_up="")
    assert followed.exists()
    assert all(i.follow_up_done_on > i.inspected_on for i in followed if i.follow_up_done_on)
    assert Penalty.objects.count() >= 2
    for penalty in Penalty.objects.all():
        assert penalty.inspection_id or penalty.complaint_id
    assert operation.complaints_overdue(user("officer"), now=now).count() == 1
    assert Complaint.objects.filter(answered_at__isnull=True).count() == 2
    above = operation.outlets_above_street(user("officer"))
    assert above.count() == 1 and above.get().station.code == "LYW"
    assert MarketingEvent.objects.count() == 3
    assert operation.marketing_events_on(timezone.localdate()).count() == 1


def test_the_journal_checks_out_and_loading_again_changes_nothing(loaded):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
    # The services kept the pipeline's counts as the demo went through them.
    call_command("pipeline_counts", stdout=out)
    assert "Pipeline counts match the rows." in out.getvalue()
    before = (Entry.objects.count(), Lease.objects.count(), TenderRound.objects.count())

    again = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=again)

    assert (Entry.objects.count(), Lease.objects.count(), TenderRound.objects.count()) == before
    assert "The leasing demo was already loaded: nothing changed." in again.getvalue()


def test_the_history_year_keeps_the_first_opening_well_behind_today():
    for today, year in (
        (dt.date(2026, 11, 27), 2026),
        (dt.date(2026, 11, 25), 2025),
        (dt.date(2027, 3, 1), 2026),
        (dt.date(2027, 6, 1), 2026),
    ):
        assert first_opening_day(today) == dt.date(year, 5, 27), today
