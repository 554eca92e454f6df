"""The pipeline report's counts, kept by the services as each stage happens: every write path
of demands, applications, bids, awards and leases leaves them equal to a count of the rows;
the check and rebuild command; the migration that fills them for an existing database."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from leasing import pipeline as recounted
from leasing import services as leases
from stations.models import Station
from stations.reports import get_report
from tenders import pipeline, services
from tenders.applications import application_submit
from tenders.models import Award, PipelineMonth
from tests.leasing.factories import direct_lease, free_unit, lease_officer
from tests.leasing.test_reports import awarded  # noqa: F401 (a fixture)
from tests.stations.factories import StationFactory
from tests.tenders.bid_factories import BIDDING, applicant, bid, bidding_round
from tests.tenders.factories import MerchantFactory
from tests.tenders.test_demands import good_row, import_rows, mcd  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def kept(station, month) -> dict:
    return recounted.stored({"station": station}).get((station.pk, month), {})


def create_demand(merchant, stations):
    return services.demand_create(
        actor=None,
        merchant=merchant,
        business_type="coffee",
        area_min_m2="40",
        area_max_m2="60",
        intended_rent_m2_month="300",
        lease_mode="fixed",
        term_months=36,
        stations=stations,
    )


def test_a_demand_counts_at_each_station_and_moves_with_its_stations():
    aaa, bbb, ccc = (StationFactory(code=code) for code in ("AAA", "BBB", "CCC"))
    with time_machine.travel(dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC), tick=False):
        # 1 April 01:00 in Shanghai: the month is the site's.
        demand = create_demand(MerchantFactory(), [aaa, bbb])
    assert kept(aaa, APRIL) == kept(bbb, APRIL) == {"demands": 1}
    with time_machine.travel(dt.datetime(2026, 5, 2, tzinfo=dt.UTC), tick=False):
        services.demand_update(actor=None, demand=demand, stations=[bbb, ccc])
    # Still counted in the month it was recorded, now at BBB and CCC.
    assert kept(aaa, APRIL) == {} and kept(bbb, APRIL) == kept(ccc, APRIL) == {"demands": 1}
    services.demand_withdraw(actor=None, demand=demand)  # a withdrawn demand was still made
    assert kept(ccc, APRIL) == {"demands": 1}
    assert recounted.differences() == []
    assert list(get_report("pipeline")()["station"]) == ["BBB", "CCC", "TOTAL"]


@pytest.mark.usefixtures("mcd")
def test_imported_demands_count_at_their_stations():
    with time_machine.travel(dt.datetime(2026, 3, 10, tzinfo=dt.UTC), tick=False):
        import_rows([good_row(), good_row(stations="CSS")])
    css, yye = (Station.objects.get(code=code) for code in ("CSS", "YYE"))
    assert kept(css, MARCH) == {"demands": 2} and kept(yye, MARCH) == {"demands": 1}
    assert recounted.differences() == []


def test_applications_bids_and_their_replacements_count_at_their_stations():
    with time_machine.travel(BIDDING, tick=False) as clock:
        round_obj = bidding_round(clock)
        lot1, lot2 = round_obj.lots.order_by("number")
        merchant, user = applicant(round_obj, [lot1], admit=False)
        assert kept(lot1.station, MARCH)["applications"] == 1
        # Resubmitted for the other lot, at another station: it counts there instead.
        application_submit(actor=user, round=round_obj, merchant=merchant, lots=[lot2])
        assert lot1.station != lot2.station
        assert "applications" not in kept(lot1.station, MARCH)
        assert kept(lot2.station, MARCH)["applications"] == 1
        # And for both lots: once at each of their stations.
        application_submit(actor=user, round=round_obj, merchant=merchant, lots=[lot1, lot2])
        assert kept(lot1.station, MARCH)["applications"] == 1
        assert kept(lot2.station, MARCH)["applications"] == 1
        assert recounted.differences() == []

    with time_machine.travel(BIDDING, tick=False) as clock:
        round_obj = bidding_round(clock, lots=1)
        lot = round_obj.lots.get()
        merchant, user = applicant(round_obj, [lot])
        clock.move_to(BIDDING)
        bid(user, round_obj, lot)
        assert kept(lot.station, MARCH)["bids"] == 1
        bid(user, round_obj, lot, amount="160000.00")
        # The replaced bid no longer counts; its later version does.
        assert kept(lot.station, MARCH)["bids"] == 1
        other, other_user = applicant(round_obj, [lot])
        bid(other_user, round_obj, lot)
        assert kept(lot.station, MARCH)["bids"] == 2
        assert recounted.differences() == []


@pytest.mark.usefixtures("awarded")
def test_awards_signed_leases_and_openings_count_and_the_report_reads_them():
    assert Award.objects.count() == 2
    assert recounted.differences() == []
    officer = lease_officer()
    with time_machine.travel(dt.datetime(2026, 5, 20, tzinfo=dt.UTC), tick=False):
        lease = direct_lease(MerchantFactory(), [free_unit()], actor=officer)
        assert recounted.stored({"station": lease.station}) == {}  # a draft counts nothing
        lease = leases.lease_sign(actor=officer, lease=lease)
        lease = leases.lease_open(actor=officer, lease=lease, opened_on=dt.date(2026, 6, 3))
    assert kept(lease.station, dt.date(2026, 5, 1)) == {"leases": 1}
    assert kept(lease.station, dt.date(2026, 6, 1)) == {"openings": 1}
    assert recounted.differences() == []
    total = get_report("pipeline")().iloc[-1]
    assert (total["awards"], total["leases"], total["openings"]) == (2, 1, 1)


def test_the_report_reads_three_queries_whatever_the_months(django_assert_max_num_queries):
    stations = [StationFactory() for _ in range(3)]
    for month in range(1, 13):
        at = dt.datetime(2025, month, 15, tzinfo=dt.UTC)
        pipeline.count("bids", [(station.pk, at) for station in stations])
    with django_assert_max_num_queries(3):
        whole = get_report("pipeline")()
    with django_assert_max_num_queries(3):
        page = get_report("pipeline")(window=slice(10, 20))
    assert whole.attrs["rows"] == page.attrs["rows"] == 36
    assert page.iloc[:-1].equals(whole.iloc[10:20].reset_index(drop=True))
    assert whole.iloc[-1]["bids"] == page.iloc[-1]["bids"] == 36


def test_a_stage_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="no pipeline stage 'visits'"):
        pipeline.count("visits", [(StationFactory().pk, MARCH)])
    assert not PipelineMonth.objects.exists()


def test_taking_away_what_was_never_counted_breaks_the_check_and_saves_nothing():
    station = StationFactory()
    pipeline.count("bids", [(station.pk, MARCH)])
    with pytest.raises(IntegrityError), transaction.atomic():
        pipeline.count("bids", [(station.pk, MARCH)], by=-2)
    assert kept(station, MARCH) == {"bids": 1}


def test_the_command_names_the_differences_and_rebuilds_from_the_rows():
    station = StationFactory(code="DRF")
    with time_machine.travel(dt.datetime(2026, 3, 10, tzinfo=dt.UTC), tick=False):
        create_demand(MerchantFactory(), [station])
    PipelineMonth.objects.update(demands=3, bids=1)
    with pytest.raises(CommandError) as refused:
        call_command("pipeline_counts")
    assert str(refused.value) == (
        "The pipeline counts disagree with the rows in 2 places:\n"
        "- DRF 2026-03 demands: kept 3, rows 1\n"
        "- DRF 2026-03 bids: kept 1, rows 0"
    )
    out = StringIO()
    call_command("pipeline_counts", "--rebuild", stdout=out)
    assert "Pipeline counts rebuilt: 1 months." in out.getvalue()
    assert kept(station, MARCH) == {"demands": 1}
    checked = StringIO()
    call_command("pipeline_counts", stdout=checked)
    assert "Pipeline counts match the rows." in checked.getvalue()


def test_the_migration_counts_the_rows_already_recorded():
    fill = __import__("leasing.migrations.0006_fill_pipeline_months", fromlist=["fill"]).fill
    with time_machine.travel(BIDDING, tick=False) as clock:
        round_obj = bidding_round(clock)
        lot1, lot2 = round_obj.lots.order_by("number")
        merchant, user = applicant(round_obj, [lot1, lot2])
        clock.move_to(BIDDING)
        bid(user, round_obj, lot1)
        bid(user, round_obj, lot1, amount="130000.00")
        create_demand(merchant, [lot1.station, lot2.station])
    expected = recounted.stored()
    assert expected and recounted.differences() == []
    PipelineMonth.objects.all().delete()
    fill(apps, None)
    assert recounted.stored() == expected
