"""``manage.py send_reminders``: each reminder in its window, once, to the right people — bid
deadlines to admitted merchants who have not bid; milestones and instalments to the tenant and
the responsible officer; complaint deadlines to the station's managers."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from leasing import fitout, services
from leasing.models import Milestone
from notifications.models import Notification
from stations import roles
from tests import factories
from tests.cms.test_operation_admin import receive
from tests.leasing.factories import direct_lease, lease_officer
from tests.tenders.bid_factories import DEADLINE, T0, applicant, bid, bidding_round
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import available_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def send() -> str:
    out = StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()


def keys(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


# --- bid deadlines -------------------------------------------------------------------------


@pytest.fixture
def bidding(clock):
    round_obj = bidding_round(clock, lots=1)
    lot = round_obj.lots.get()
    idle, idle_user = applicant(round_obj, [lot])
    busy, busy_user = applicant(round_obj, [lot])
    _refused, refused_user = applicant(round_obj, [lot], admit=False)
    clock.move_to(DEADLINE - dt.timedelta(days=5))
    bid(busy_user, round_obj, lot)
    return round_obj, idle, idle_user, busy_user, refused_user


def test_bid_deadline_reminders_in_their_windows_once_each(clock, bidding):
    round_obj, idle, idle_user, busy_user, refused_user = bidding
    send()  # five days before: no window yet
    assert not Notification.objects.exists()

    clock.move_to(DEADLINE - dt.timedelta(days=2, hours=12))
    output = send()
    assert keys(idle_user) == [f"bid-deadline:{round_obj.pk}:{idle.pk}:3"]
    assert "bid deadlines: 1" in output
    send()  # the same window again: nothing new
    assert Notification.objects.count() == 1

    clock.move_to(DEADLINE - dt.timedelta(hours=12))
    send()
    assert keys(idle_user) == [
        f"bid-deadline:{round_obj.pk}:{idle.pk}:1",
        f"bid-deadline:{round_obj.pk}:{idle.pk}:3",
    ]
    # The merchant who bid and the one not admitted are never reminded.
    assert keys(busy_user) == keys(refused_user) == []

    clock.move_to(DEADLINE + dt.timedelta(minutes=1))
    send()
    assert Notification.objects.count() == 2


def test_a_first_run_close_to_the_deadline_sends_only_the_last_window(clock, bidding):
    round_obj, idle, idle_user, _busy_user, _refused_user = bidding
    clock.move_to(DEADLINE - dt.timedelta(hours=6))
    send()
    assert keys(idle_user) == [f"bid-deadline:{round_obj.pk}:{idle.pk}:1"]
    note = Notification.objects.get(recipient=idle_user)
    assert note.kind == "bid_deadline"
    assert round_obj.code in note.subject


# --- milestones and instalments ------------------------------------------------------------


@pytest.fixture
def fitting_out(clock):
    """A lease signed, its milestones planned, a responsible officer: the clock at T0."""
    merchant = MerchantFactory()
    tenant = merchant_user(merchant)
    start = timezone.localdate() + dt.timedelta(days=10)
    lease = direct_lease(merchant, [available_unit()], start=start)
    services.lease_sign(actor=None, lease=lease)
    fitout.milestones_plan(actor=None, lease=lease)
    officer = lease_officer()
    fitout.lease_assign_officer(actor=None, lease=lease, officer=officer)
    stranger = merchant_user(MerchantFactory())
    return lease, tenant, officer, stranger


def test_milestone_reminders_to_the_tenant_and_the_responsible_officer(clock, fitting_out):
    lease, tenant, officer, stranger = fitting_out
    first = lease.milestones.order_by("due_on").first()
    assert first.kind == Milestone.Kind.DESIGN_SUBMITTED
    due = dt.datetime.combine(first.due_on, dt.time(9), tzinfo=timezone.get_current_timezone())

    clock.move_to(due - dt.timedelta(days=8))
    send()
    assert not Notification.objects.filter(kind="milestone_due").exists()

    clock.move_to(due - dt.timedelta(days=6))
    send()
    send()
    expected = [f"milestone:{first.pk}:7"]
    assert [k for k in keys(tenant) if k.startswith("milestone:")] == expected
    assert [k for k in keys(officer) if k.startswith("milestone:")] == expected
    to_tenant = Notification.objects.get(recipient=tenant, key=expected[0])
    to_officer = Notification.objects.get(recipient=officer, key=expected[0])
    assert to_tenant.url == f"/portal/leases/{lease.pk}/"
    assert to_officer.url.startswith("/admin/")
    assert lease.code in to_tenant.subject

    clock.move_to(due + dt.timedelta(days=2))
    send()
    overdue = Notification.objects.get(recipient=tenant, key=f"milestone:{first.pk}:overdue")
    assert overdue.subject.startswith("已逾期：")  # in Chinese, the tenant's default
    assert keys(stranger) == []


def test_a_milestone_done_is_not_reminded(clock, fitting_out):
    lease, tenant, _officer, _stranger = fitting_out
    first = lease.milestones.order_by("due_on").first()
    fitout.milestone_done(actor=None, milestone=first, done_on=timezone.localdate())
    clock.move_to(
        dt.datetime.combine(first.due_on, dt.time(9), tzinfo=timezone.get_current_timezone())
    )
    send()
    assert not Notification.objects.filter(key__startswith=f"milestone:{first.pk}:").exists()


def test_instalment_reminders_before_the_due_date_and_when_overdue(clock, fitting_out):
    lease, tenant, officer, _stranger = fitting_out
    instalment = lease.instalments.filter(amount__gt=0).order_by("due_date").first()
    due = dt.datetime.combine(
        instalment.due_date, dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    clock.move_to(due - dt.timedelta(hours=20))  # the day before: the 1-day window only
    send()
    expected = f"instalment:{instalment.pk}:1"
    assert Notification.objects.filter(recipient=tenant, key=expected).exists()
    assert Notification.objects.filter(recipient=officer, key=expected).exists()
    assert not Notification.objects.filter(key=f"instalment:{instalment.pk}:7").exists()

    clock.move_to(due + dt.timedelta(days=1))
    send()
    assert Notification.objects.filter(
        recipient=tenant, key=f"instalment:{instalment.pk}:overdue"
    ).exists()
    send()
    assert Notification.objects.filter(key__startswith=f"instalment:{instalment.pk}:").count() == 4


# --- complaints ----------------------------------------------------------------------------


def test_complaint_deadlines_to_the_station_managers_only(clock):
    merchant = MerchantFactory()
    start = timezone.localdate() - dt.timedelta(days=60)
    outlet = direct_lease(merchant, [available_unit()], start=start)
    services.lease_sign(actor=None, lease=outlet)
    services.lease_open(actor=None, lease=outlet, opened_on=start + dt.timedelta(days=30))
    station = outlet.station
    manager = factories.station_officer(station, role=roles.STATION_MANAGER)
    other_manager = factories.station_officer(available_unit().station, role=roles.STATION_MANAGER)
    officer = factories.station_officer(station)  # a leasing officer, not a manager
    complaint = receive(outlet, factories.officer(), hours_ago=2, service_hours=24)

    send()  # 22 hours left
    assert not Notification.objects.filter(kind="complaint_due").exists()

    clock.shift(dt.timedelta(hours=17))  # 5 hours left
    send()
    assert keys(manager) == [f"complaint:{complaint.pk}:6"]
    note = Notification.objects.get(recipient=manager)
    assert note.url == f"/admin/operation/complaints/{complaint.pk}/"
    assert station.code in note.subject

    clock.shift(dt.timedelta(hours=6))  # an hour late
    send()
    send()
    assert keys(manager) == [f"complaint:{complaint.pk}:6", f"complaint:{complaint.pk}:overdue"]
    assert keys(other_manager) == keys(officer) == []
