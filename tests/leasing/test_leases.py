"""Leases: from an award or direct, no overlap, the units following, the transitions, the
schedule at signing, termination, payments, turnover and its settlement."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Entry
from leasing import services
from leasing.models import Instalment, Lease, LeaseUnit, TurnoverReport
from leasing.selectors import leases_for, overdue_instalments
from stations.models import Unit
from stations.transitions import InvalidTransition
from tenders import result as outcome
from tests.factories import UserFactory, station_officer
from tests.leasing.factories import direct_lease, free_unit, lease_officer
from tests.stations.factories import StationFactory
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db
D = Decimal
Status = Lease.Status
TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC), tick=False) as t:
        yield t


@pytest.fixture
def merchant():
    return MerchantFactory(name="湖南麦当劳")


def unit_status(unit) -> str:
    return Unit.objects.get(pk=unit.pk).status


# --- from an award ------------------------------------------------------------------------


@pytest.fixture
def award():
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.refresh())
        clock.move_to(opened.refresh().publicity_ends_at)
        return outcome.round_award(actor=opened.officer, round=opened.round)[0]


def test_a_lease_from_an_award_takes_its_winner_units_term_and_rent(award):
    lease = services.lease_create_from_award(
        actor=lease_officer(), award=award, code="HT-2026-001", start_date=dt.date(2026, 6, 1),
        rent_free_months=2, escalation_pct="3", payment_frequency=3, deposit_months=3,
    )  # fmt: skip
    assert (lease.merchant, lease.annual_rent, lease.status) == (
        award.merchant, D("150000.00"), Status.DRAFT,
    )  # fmt: skip
    assert lease.end_date == dt.date(2029, 6, 1)  # the lot's 36 months
    assert lease.deposit == D("37500.00")  # 3 months of 150,000 a year
    assert list(lease.units.all()) == list(award.lot.units.all())
    assert {unit_status(u) for u in lease.units.all()} == {Unit.Status.RESERVED}
    entry = Entry.objects.get(action="lease.create")
    assert entry.after["units"] == [u.code for u in award.lot.units.order_by("code")]
    with pytest.raises(ValidationError) as twice:
        services.lease_create_from_award(
            actor=None, award=award, code="HT-2026-002", start_date=dt.date(2026, 6, 1)
        )
    assert twice.value.messages == [f"The award of {award.lot} already has its lease."]


def test_a_failure_midway_leaves_no_lease(award):
    # The lease row is saved when storing its units fails.
    with (
        mock.patch.object(services, "_store_units", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        services.lease_create_from_award(
            actor=None, award=award, code="HT-X", start_date=dt.date(2026, 6, 1)
        )
    assert not Lease.objects.exists() and not LeaseUnit.objects.exists()


# --- direct leases ------------------------------------------------------------------------


def test_a_direct_lease_needs_its_reason_and_reserves_the_units(merchant):
    unit = free_unit()
    with pytest.raises(ValidationError) as bare:
        services.lease_create_direct(
            actor=None, merchant=merchant, units=[unit], code="HT-1",
            start_date=dt.date(2026, 6, 1), end_date=dt.date(2027, 6, 1),
            annual_rent="100000", direct_reason=" ",
        )  # fmt: skip
    assert bare.value.message_dict == {
        "direct_reason": ["Say why these units are let without tender."]
    }
    lease = direct_lease(merchant, [unit])
    assert unit_status(unit) == Unit.Status.RESERVED
    assert lease.direct_reason.startswith("Transferred")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"end": dt.date(2026, 6, 1)}, "end_date", "The lease must end after it starts."),
        ({"rent": "0"}, "annual_rent", "Give a fixed annual rent, or a turnover rent with its rate."),
        ({"rent": "-5"}, "annual_rent", "Give an amount of 0 or more."),
        ({"rent": "lots"}, "annual_rent", "“lots” is not a number."),
        ({"payment_frequency": 2}, "payment_frequency",
         "Choose monthly, quarterly, half-yearly or yearly."),
    ],
)  # fmt: skip
def test_each_bad_term_is_named_and_nothing_is_saved(merchant, change, field, message):
    unit = free_unit()
    with pytest.raises(ValidationError) as refused:
        direct_lease(merchant, [unit], **change)
    assert refused.value.message_dict[field] == [message]
    assert not Lease.objects.exists()
    assert unit_status(unit) == Unit.Status.AVAILABLE
    assert not Entry.objects.filter(action="lease.create").exists()


def test_units_of_two_stations_or_none_are_refused(merchant):
    with pytest.raises(ValidationError) as two:
        direct_lease(merchant, [free_unit(), free_unit()])
    assert two.value.message_dict["units"] == ["The units of a lease must all be in one station."]
    with pytest.raises(ValidationError) as none:
        direct_lease(merchant, [])
    assert none.value.message_dict["units"] == ["A lease needs at least one unit."]


def test_a_unit_in_a_running_tender_is_not_let_directly(merchant):
    from tests.tenders.round_factories import ready_round

    round_obj = ready_round()
    unit = round_obj.lots.get().units.get()
    with pytest.raises(ValidationError) as refused:
        direct_lease(merchant, [unit])
    assert refused.value.message_dict["units"] == [
        f"Unit {unit.code} is offered in tender {round_obj.lots.get()}."
    ]


def test_only_an_officer_of_the_station_makes_leases(merchant):
    unit = free_unit()
    for outsider in (UserFactory(), station_officer(StationFactory()), merchant_user(merchant)):
        with pytest.raises(PermissionDenied):
            direct_lease(merchant, [unit], actor=outsider)
    assert not Lease.objects.exists()
    direct_lease(merchant, [unit], actor=lease_officer())


# --- no overlap ---------------------------------------------------------------------------


def test_two_leases_of_one_unit_may_not_overlap_but_may_follow_each_other(merchant):
    unit = free_unit()
    first = direct_lease(merchant, [unit], start=dt.date(2026, 6, 1), months=12)
    with pytest.raises(ValidationError) as clash:
        direct_lease(MerchantFactory(), [unit], start=dt.date(2027, 5, 31), months=12)
    assert clash.value.message_dict["units"] == [
        f"Unit {unit.code} is let from 2026-06-01 to 2027-06-01 under lease {first.code}."
    ]
    assert Lease.objects.count() == 1
    following = direct_lease(MerchantFactory(), [unit], start=dt.date(2027, 6, 1), months=12)
    assert following.start_date == first.end_date


def test_the_unit_follows_the_lease_holding_it_now(merchant, clock):
    unit = free_unit()
    first = direct_lease(merchant, [unit], start=dt.date(2026, 6, 1), months=12)
    services.lease_sign(actor=None, lease=first)
    assert unit_status(unit) == Unit.Status.LET
    services.lease_start_fit_out(actor=None, lease=first)
    assert unit_status(unit) == Unit.Status.FITTING_OUT
    services.lease_open(actor=None, lease=first, opened_on=dt.date(2026, 7, 1))
    assert unit_status(unit) == Unit.Status.OPEN
    renewal = services.lease_renew(
        actor=None, lease=first, code="HT-R", end_date=dt.date(2030, 6, 1), annual_rent="130000"
    )
    assert renewal.renewal_of == first and renewal.start_date == first.end_date
    assert unit_status(unit) == Unit.Status.OPEN  # still the first lease's outlet
    services.lease_sign(actor=None, lease=renewal)
    assert unit_status(unit) == Unit.Status.OPEN
    clock.move_to(dt.datetime(2027, 6, 1, 2, tzinfo=dt.UTC))
    services.lease_end(actor=None, lease=first)
    # The renewal holds it now: signed, so the unit is let.
    assert unit_status(unit) == Unit.Status.LET
    services.lease_open(actor=None, lease=renewal, opened_on=dt.date(2027, 6, 1))
    assert unit_status(unit) == Unit.Status.OPEN


# --- transitions --------------------------------------------------------------------------

MOVES = {
    Status.SIGNED: lambda lease: services.lease_sign(actor=None, lease=lease),
    Status.FITTING_OUT: lambda lease: services.lease_start_fit_out(actor=None, lease=lease),
    Status.OPEN: lambda lease: services.lease_open(
        actor=None, lease=lease, opened_on=lease.start_date
    ),
    Status.ENDED: lambda lease: services.lease_end(actor=None, lease=lease),
    Status.TERMINATED: lambda lease: services.lease_terminate(
        actor=None, lease=lease, reason="Breach.", on=lease.start_date
    ),
}


@pytest.mark.parametrize("new", list(MOVES))
@pytest.mark.parametrize("current", Status.values)
def test_each_lease_service_moves_only_along_the_table(merchant, clock, current, new):
    lease = direct_lease(merchant, [free_unit()], start=dt.date(2025, 1, 1), months=12)
    Lease.objects.filter(pk=lease.pk).update(status=current)
    lease.refresh_from_db()
    if Status(new) in Lease.TRANSITIONS[Status(current)]:
        MOVES[new](lease)
        assert Lease.objects.get(pk=lease.pk).status == new
    else:
        with pytest.raises(InvalidTransition):
            MOVES[new](lease)
        assert Lease.objects.get(pk=lease.pk).status == current


def test_a_lease_ends_only_after_its_period(merchant, clock):
    lease = direct_lease(merchant, [free_unit()], start=dt.date(2026, 1, 1), months=12)
    for move in (Status.SIGNED, Status.OPEN):
        MOVES[move](lease)
    with pytest.raises(ValidationError) as early:
        services.lease_end(actor=None, lease=lease)
    assert "end it early by terminating it" in early.value.messages[0]


# --- the schedule, termination, payments --------------------------------------------------


def test_signing_fixes_the_schedule(merchant):
    lease = direct_lease(
        merchant, [free_unit()], start=dt.date(2026, 6, 1), months=24, rent="120000",
        escalation_pct="5", rent_free_months=3, payment_frequency=3,
    )  # fmt: skip
    assert not lease.instalments.exists()
    services.lease_sign(actor=None, lease=lease)
    dues = list(lease.instalments.order_by("due_date"))
    assert dues[0].due_date == dt.date(2026, 9, 1) and dues[0].amount == D("30000.00")
    assert sum(d.amount for d in dues if d.lease_year == 1) == D("90000.00")
    assert sum(d.amount for d in dues if d.lease_year == 2) == D("126000.00")
    assert Entry.objects.get(action="lease.sign").data["total_rent"] == "216000.00"


def test_the_guarantee_is_paid_in_advance_when_higher(merchant):
    lease = direct_lease(
        merchant, [free_unit()], rent="0", months=12, turnover_rate_pct="8",
        minimum_guarantee="96000", payment_frequency=1,
    )  # fmt: skip
    services.lease_sign(actor=None, lease=lease)
    assert set(lease.instalments.values_list("amount", flat=True)) == {D("8000.00")}
    assert lease.deposit == D("24000.00")


def test_termination_cuts_the_period_frees_the_units_and_cancels_what_is_not_due(merchant, clock):
    unit = free_unit()
    lease = direct_lease(merchant, [unit], start=dt.date(2026, 1, 1), months=24)
    services.lease_sign(actor=None, lease=lease)
    with pytest.raises(ValidationError) as bare:
        services.lease_terminate(actor=None, lease=lease, reason="")
    assert bare.value.message_dict == {"reason": ["Say why the lease is terminated."]}
    services.lease_terminate(actor=None, lease=lease, reason="Repeated hygiene failures.")
    lease.refresh_from_db()
    assert (lease.status, lease.end_date) == (Status.TERMINATED, TODAY)
    assert lease.termination_reason == "Repeated hygiene failures."
    assert unit_status(unit) == Unit.Status.AVAILABLE
    assert not lease.instalments.filter(period_start__gte=TODAY).exists()
    assert LeaseUnit.objects.get(lease=lease).end_date == TODAY
    # The unit can be let again from that day.
    direct_lease(MerchantFactory(), [unit], start=TODAY, months=12)


def test_payments_and_overdue_instalments(merchant, clock):
    officer = lease_officer()
    lease = direct_lease(merchant, [free_unit()], start=dt.date(2026, 1, 1), months=12)
    services.lease_sign(actor=None, lease=lease)
    first, second = lease.instalments.order_by("due_date")[:2]
    assert list(overdue_instalments(officer, on=TODAY)) == [first, second]
    with pytest.raises(ValidationError) as part:
        services.instalment_pay(actor=officer, instalment=first, paid_on=TODAY, amount="1")
    assert part.value.message_dict == {
        "amount": ["The instalment is 30000.00; a part payment is not recorded here."]
    }
    services.instalment_pay(actor=officer, instalment=first, paid_on=TODAY, amount="30000")
    with pytest.raises(ValidationError):
        services.instalment_pay(actor=officer, instalment=first, paid_on=TODAY, amount="30000")
    assert list(overdue_instalments(officer, on=TODAY)) == [second]
    assert not overdue_instalments(merchant_user(MerchantFactory()), on=TODAY).exists()


def test_turnover_is_reported_by_the_tenant_and_settled_above_the_guarantee(merchant, clock):
    lease = direct_lease(
        merchant, [free_unit()], rent="0", start=dt.date(2025, 1, 1), months=24,
        turnover_rate_pct="10", minimum_guarantee="120000", payment_frequency=12,
    )  # fmt: skip
    services.lease_sign(actor=None, lease=lease)
    services.lease_open(actor=None, lease=lease, opened_on=dt.date(2025, 1, 1))
    user = merchant_user(merchant)
    with pytest.raises(PermissionDenied):
        services.turnover_report(
            actor=merchant_user(MerchantFactory()), lease=lease, month=dt.date(2025, 1, 1),
            amount="1",
        )  # fmt: skip
    for month in range(1, 13):
        services.turnover_report(
            actor=user, lease=lease, month=dt.date(2025, month, 15), amount="150000"
        )
    with pytest.raises(ValidationError) as twice:
        services.turnover_report(actor=user, lease=lease, month=dt.date(2025, 1, 1), amount="1")
    assert twice.value.message_dict == {"month": ["The turnover of 2025-01 is already reported."]}
    with pytest.raises(ValidationError) as ahead:
        services.turnover_report(actor=user, lease=lease, month=dt.date(2026, 6, 1), amount="1")
    assert ahead.value.message_dict == {"month": ["2026-06 has not begun."]}
    with pytest.raises(ValidationError) as huge:
        services.turnover_report(actor=user, lease=lease, month=dt.date(2026, 1, 1), amount="1e20")
    assert huge.value.message_dict == {"amount": ["Give an amount below 1,000,000,000,000 CNY."]}
    assert TurnoverReport.objects.count() == 12
    # 10% of 1,800,000 is 180,000: 60,000 above the 120,000 guarantee paid in advance.
    settlement = services.lease_settle_year(actor=None, lease=lease, year=1)
    assert (settlement.kind, settlement.amount) == (Instalment.Kind.SETTLEMENT, D("60000.00"))
    assert settlement.due_date == dt.date(2026, 1, 31)
    with pytest.raises(ValidationError) as again:
        services.lease_settle_year(actor=None, lease=lease, year=1)
    assert again.value.message_dict == {"year": ["Lease year 1 is settled."]}
    with pytest.raises(ValidationError) as running:
        services.lease_settle_year(actor=None, lease=lease, year=2)
    assert running.value.message_dict == {"year": ["Lease year 2 runs until 2027-01-01."]}


def test_a_tenant_sees_only_its_own_leases(merchant):
    mine = direct_lease(merchant, [free_unit()])
    direct_lease(MerchantFactory(), [free_unit()])
    assert list(leases_for(merchant_user(merchant))) == [mine]
    assert leases_for(lease_officer()).count() == 2


def test_the_stations_officer_records_turnover_from_the_statement(merchant, clock):
    lease = direct_lease(
        merchant, [free_unit()], rent="0", start=dt.date(2025, 1, 1), months=24,
        turnover_rate_pct="10", minimum_guarantee="120000", payment_frequency=12,
    )  # fmt: skip
    services.lease_sign(actor=None, lease=lease)
    services.lease_open(actor=None, lease=lease, opened_on=dt.date(2025, 1, 1))
    elsewhere = station_officer(StationFactory(code="ZZW"))
    with pytest.raises(PermissionDenied) as refused:
        services.turnover_report(
            actor=elsewhere, lease=lease, month=dt.date(2025, 1, 1), amount="1"
        )
    assert str(refused.value) == (
        f"Only the users of {lease.merchant}, or a leasing officer of station "
        f"{lease.station.code} from its statement, report its turnover."
    )
    assert not TurnoverReport.objects.exists()

    officer = lease_officer()
    report = services.turnover_report(
        actor=officer, lease=lease, month=dt.date(2025, 1, 1), amount="150000"
    )
    assert report.reported_by == officer
    assert Entry.objects.filter(action="turnover.report", actor_name=officer.username).exists()
