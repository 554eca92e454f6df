# ruff: noqa: F811  (the fixtures imported from test_operation_admin are parameters here)
"""Who sees and keeps which operation records: a station manager only their station's, and
another station's record answers 404 as a missing one; the inspector reads everything and is
offered nothing to change (a change it posts is refused); the fine schedule, penalties and
events are the leasing officers'; the Operation menu shows to whoever may see any of it."""

import pytest
from django.urls import reverse

from leasing import operation
from leasing.models import Complaint, Inspection, MarketingEvent, PriceCheck
from stations.models import SpreadLimit
from stations.spread import spread_limit_set
from tests.cms.conftest import speak_english
from tests.cms.test_operation_admin import (  # noqa: F401 - fixtures
    TODAY,
    check_price,
    content,
    css,
    css_manager,
    css_officer,
    css_outlet,
    failed_inspection,
    field_errors,
    inspection_post,
    network_officer,
    receive,
    schedule,
    the_inspector,
    yye,
    yye_manager,
    yye_outlet,
)
from tests.factories import UserFactory
from tests.tenders.round_factories import business_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def css_records(css_outlet, css_manager, network_officer):
    inspection = failed_inspection(css_outlet, css_manager)
    complaint = receive(css_outlet, css_manager)
    check = check_price(css_outlet, css_manager)
    event = operation.marketing_event_create(
        actor=network_officer,
        title="长沙南活动",
        station=css_outlet.station,
        starts_on=TODAY(),
        ends_on=TODAY(),
    )
    limit = spread_limit_set(
        actor=None,
        station=css_outlet.station,
        business_type=business_type("coffee"),
        max_per_level=2,
        max_per_station=None,
    )
    return {
        "inspection": inspection,
        "complaint": complaint,
        "check": check,
        "event": event,
        "limit": limit,
    }


def refused(response) -> bool:
    """Wagtail answers a refusal (PermissionDenied) with a redirect to the admin's home."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def rows(client, name) -> list:
    return list(client.get(reverse(name)).context["object_list"])


def test_a_station_manager_lists_only_their_stations_records(
    client, css_records, yye_manager, yye_outlet, network_officer
):
    yye_inspection = failed_inspection(yye_outlet, yye_manager)
    yye_complaint = receive(yye_outlet, yye_manager)
    network_event = operation.marketing_event_create(
        actor=network_officer, title="全网活动", starts_on=TODAY(), ends_on=TODAY()
    )
    client.force_login(yye_manager)
    assert rows(client, "inspections:index") == [yye_inspection]
    assert rows(client, "complaints:index") == [yye_complaint]
    assert rows(client, "price-checks:index") == []
    assert rows(client, "spread-limits:index") == []
    # Their station's events and the network's, not another station's.
    assert rows(client, "marketing-events:index") == [network_event]
    # The station filter offers their own station only.
    form = client.get(reverse("inspections:index")).context["filters"].form
    assert [s.code for s in form.fields["station"].queryset] == ["YYE"]


@pytest.mark.parametrize(
    "name, key",
    [
        ("inspections:detail", "inspection"),
        ("complaints:detail", "complaint"),
        ("marketing-events:detail", "event"),
        ("spread-limits:edit", "limit"),
    ],
)
def test_another_stations_record_answers_404_like_a_missing_one(
    client, css_records, yye_manager, name, key
):
    client.force_login(yye_manager)
    pk = css_records[key].pk
    if name == "spread-limits:edit":
        # A manager keeps no limits at all: refused before any record is looked up.
        assert refused(client.get(reverse(name, args=(pk,))))
        return
    assert client.get(reverse(name, args=(pk,))).status_code == 404
    assert client.get(reverse(name, args=(999999,))).status_code == 404
    assert client.post(reverse(name, args=(pk,)), {}).status_code == 404


def test_another_stations_spread_page_answers_404(client, css_records, yye_manager):
    client.force_login(yye_manager)
    assert client.get(reverse("spread-limits:station", args=("CSS",))).status_code == 404
    assert client.get(reverse("spread-limits:station", args=("YYE",))).status_code == 200
    assert client.get(reverse("spread-limits:station", args=("NOPE",))).status_code == 404


def test_a_manager_is_offered_and_may_post_only_their_stations_outlets(
    client, css_outlet, yye_manager, yye_outlet
):
    client.force_login(yye_manager)
    form = client.get(reverse("inspections:add")).context["form"]
    assert list(form.fields["lease"].queryset) == [yye_outlet]
    response = client.post(reverse("inspections:add"), inspection_post(css_outlet))
    assert field_errors(response, "lease") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Inspection.objects.exists()
    form = client.get(reverse("complaints:add")).context["form"]
    assert [s.code for s in form.fields["station"].queryset] == ["YYE"]
    assert form.fields["station"].initial == yye_outlet.station.pk


def test_a_manager_may_not_mark_another_stations_follow_up_done(client, css_records, yye_manager):
    inspection = css_records["inspection"]
    client.force_login(yye_manager)
    url = reverse("inspections:detail", args=(inspection.pk,))
    assert client.post(url, {"done_on": TODAY().isoformat()}).status_code == 404
    inspection.refresh_from_db()
    assert inspection.follow_up_done_on is None


@pytest.mark.parametrize(
    "name",
    [
        "penalties:add",
        "violation-types:add",
        "violation-types:load_defaults",
        "marketing-events:add",
        "spread-limits:add",
    ],
)
def test_the_officers_screens_refuse_a_station_manager(client, css_manager, schedule, name):
    client.force_login(css_manager)
    assert refused(client.get(reverse(name)))
    assert refused(client.post(reverse(name), {}))


def test_the_manager_reads_the_officers_lists_without_their_buttons(
    client, css_records, css_manager
):
    client.force_login(css_manager)
    for name, button in (
        ("penalties:index", reverse("penalties:add")),
        ("violation-types:index", reverse("violation-types:load_defaults")),
        ("marketing-events:index", reverse("marketing-events:add")),
        ("spread-limits:index", reverse("spread-limits:add")),
    ):
        assert button not in content(client.get(reverse(name))), name
    html = content(client.get(reverse("spread-limits:station", args=("CSS",))))
    assert reverse("spread-limits:edit", args=(css_records["limit"].pk,)) not in html
    html = content(client.get(reverse("marketing-events:detail", args=(css_records["event"].pk,))))
    assert 'data-cms-action="enter-outlets"' not in html


def test_the_inspector_reads_everything_and_changes_nothing(
    client, css_records, yye_outlet, yye_manager, the_inspector
):
    receive(yye_outlet, yye_manager)
    client.force_login(the_inspector)
    assert len(rows(client, "complaints:index")) == 2
    for name in (
        "inspections:index",
        "penalties:index",
        "violation-types:index",
        "price-checks:index",
        "marketing-events:index",
        "spread-limits:index",
    ):
        html = content(client.get(reverse(name)))
        assert "/new/" not in html and "/defaults/" not in html, name
    inspection, complaint = css_records["inspection"], css_records["complaint"]
    detail = reverse("inspections:detail", args=(inspection.pk,))
    html = content(client.get(detail))
    assert "Deep-clean the kitchen." in html and "follow-up-done" not in html
    assert refused(client.post(detail, {"done_on": TODAY().isoformat()}))
    answer = reverse("complaints:detail", args=(complaint.pk,))
    assert 'data-cms-action="answer"' not in content(client.get(answer))
    assert refused(client.post(answer, {"resolution": "Done."}))
    for name in ("inspections:add", "complaints:add", "price-checks:add", "penalties:add"):
        assert refused(client.get(reverse(name))), name
    complaint.refresh_from_db()
    assert (
        complaint.answered_at is None
        and not PriceCheck.objects.exclude(pk=css_records["check"].pk).exists()
    )
    assert content(client.get(reverse("price-checks:above_street")))
    assert content(client.get(reverse("spread-limits:station", args=("CSS",))))


def test_a_station_officer_may_not_run_a_network_campaign_or_enter_it(
    client, css_officer, css_outlet, network_officer
):
    network_event = operation.marketing_event_create(
        actor=network_officer, title="全网活动", starts_on=TODAY(), ends_on=TODAY()
    )
    client.force_login(css_officer)
    form = client.get(reverse("marketing-events:add")).context["form"]
    assert form.fields["station"].required
    url = reverse("marketing-events:detail", args=(network_event.pk,))
    html = content(client.get(url))
    assert 'data-cms-action="enter-outlets"' not in html
    assert refused(client.post(url, {"outlets": [css_outlet.pk]}))
    assert not network_event.outlets.exists()
    assert not MarketingEvent.objects.exclude(pk=network_event.pk).exists()


def test_the_operation_menu_shows_to_those_who_see_any_of_it(
    client, css_manager, the_inspector, network_officer
):
    committee = speak_english(UserFactory(roles=["committee member"], username="member"))
    for user, shown in (
        (css_manager, True),
        (the_inspector, True),
        (network_officer, True),
        (committee, False),
    ):
        client.force_login(user)
        html = client.get(reverse("wagtailadmin_home")).content.decode()
        assert ('"name": "operation"' in html or "operation/inspections" in html) == shown, user
        if not shown:
            assert refused(client.get(reverse("inspections:index")))


def test_a_refused_complaint_leaves_no_row_and_the_overdue_list_is_scoped(
    client, css_outlet, yye_manager
):
    receive(css_outlet, None, hours_ago=40)
    client.force_login(yye_manager)
    assert operation.complaints_overdue(yye_manager).count() == 0
    response = client.post(
        reverse("complaints:add"),
        {
            "station": css_outlet.station.pk,
            "category": "price",
            "received_at": "2026-01-01 10:00",
            "description": "x",
            "service_hours": "24",
        },
    )
    assert "station" in response.context["form"].errors
    assert Complaint.objects.count() == 1
    assert SpreadLimit.objects.count() == 0
