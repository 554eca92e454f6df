# ruff: noqa: F811  (the fixtures imported from test_lease_admin are parameters here)
"""Fit-out and opening in the admin: the milestone plan, rescheduling, milestones done with
their documents (downloaded with their SHA-256), the responsible officer, my outlets, what is
overdue, the route map, and the home page's leasing panel."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import Entry
from leasing import fitout, services
from leasing.models import Lease, Milestone, MilestoneDocument
from tests.cms.conftest import speak_english
from tests.cms.test_lease_admin import (  # noqa: F401 - fixtures
    clock,
    content,
    css,
    css_level,
    css_manager,
    css_officer,
    draft,
    make_lease,
    messages_of,
    network_officer,
    refused,
    sign,
    signed,
    tenant,
    tenant_user,
    the_inspector,
    url,
    yye,
    yye_level,
    yye_officer,
)
from tests.factories import station_officer
from tests.tenders.factories import MerchantFactory

pytestmark = pytest.mark.django_db
Kind = Milestone.Kind
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# The default plan of a lease of 1 March 2026 with three rent-free months.
PLAN = {
    Kind.DESIGN_SUBMITTED: "2026-03-11",
    Kind.DESIGN_APPROVED: "2026-03-21",
    Kind.SAFETY_BRIEFING: "2026-03-26",
    Kind.FIT_OUT_DONE: "2026-05-17",
    Kind.FIRE_ACCEPTANCE: "2026-05-24",
    Kind.OPENED: "2026-05-31",
}


@pytest.fixture
def planned(signed):
    fitout.milestones_plan(actor=None, lease=signed)
    return signed


def milestone(lease, kind) -> Milestone:
    return Milestone.objects.get(lease=lease, kind=kind)


def do(lease, *kinds, on=dt.date(2026, 5, 1)):
    for kind in kinds:
        fitout.milestone_done(actor=None, milestone=milestone(lease, kind), done_on=on)


# --- the plan -----------------------------------------------------------------------------


def test_the_plan_is_prefilled_with_the_defaults_and_saved_as_given(
    client, signed, network_officer
):
    client.force_login(network_officer)
    page = content(client.get(url("detail", signed.pk)))
    assert 'data-cms-action="plan"' in page
    form = content(client.get(url("plan", signed.pk)))
    for day in PLAN.values():
        assert f'value="{day}"' in form
    data = dict(PLAN) | {Kind.DESIGN_SUBMITTED: "2026-03-08"}
    response = client.post(url("plan", signed.pk), data)
    assert response.status_code == 302
    assert messages_of(response) == ["The milestones of HT-2026-001 are planned."]
    assert milestone(signed, Kind.DESIGN_SUBMITTED).due_on == dt.date(2026, 3, 8)
    assert milestone(signed, Kind.OPENED).due_on == dt.date(2026, 5, 31)
    entry = Entry.objects.get(action="milestones.plan")
    assert "design_submitted" not in entry.data["defaults"]
    assert client.get(url("plan", signed.pk)).status_code == 200  # shown, and refused:
    response = client.post(url("plan", signed.pk), PLAN)
    assert "are planned already" in content(response)


def test_a_plan_out_of_order_is_refused_and_nothing_is_saved(client, signed, network_officer):
    client.force_login(network_officer)
    data = dict(PLAN) | {Kind.DESIGN_APPROVED: "2026-03-01"}
    response = client.post(url("plan", signed.pk), data)
    page = content(response)
    assert (
        "“Design approved (fire safety, station style)” is due on 2026-03-01, before "
        "“Design submitted” (2026-03-11)."
    ) in page
    assert "Nothing was saved: see the messages below." in messages_of(response)
    assert not Milestone.objects.exists()


def test_a_draft_has_no_plan_yet(client, draft, network_officer):
    client.force_login(network_officer)
    page = content(client.get(url("detail", draft.pk)))
    assert "The milestones are planned once the lease is signed." in page
    response = client.post(url("plan", draft.pk), PLAN)
    assert "Lease HT-2026-001 is Draft: its milestones cannot change." in content(response)
    assert not Milestone.objects.exists()


# --- the milestones on the lease's page ---------------------------------------------------


def test_the_page_shows_each_milestone_its_state_and_what_may_be_done(
    client, planned, network_officer
):
    do(planned, Kind.DESIGN_SUBMITTED)
    client.force_login(network_officer)
    page = content(client.get(url("detail", planned.pk)))
    assert 'data-cms-milestone="design_submitted" data-cms-state="done"' in page
    assert 'data-cms-milestone="design_approved" data-cms-state="overdue"' in page
    assert 'data-cms-milestone="opened" data-cms-state="planned"' in page
    # Only the next milestone is offered as done; every one not done may be moved.
    assert page.count('data-cms-action="done"') == 1
    assert url("milestone_done", planned.pk, milestone(planned, Kind.DESIGN_APPROVED).pk) in page
    assert page.count('data-cms-action="reschedule"') == 5
    assert "1 / 6" in page


def test_a_milestone_is_done_with_its_documents_and_their_sha256(client, planned, network_officer):
    target = milestone(planned, Kind.DESIGN_SUBMITTED)
    client.force_login(network_officer)
    form = content(client.get(url("milestone_done", planned.pk, target.pk)))
    assert 'enctype="multipart/form-data"' in form and "multiple" in form
    response = client.post(
        url("milestone_done", planned.pk, target.pk),
        {
            "done_on": "2026-03-09",
            "documents": [
                SimpleUploadedFile("设计.pdf", PDF),
                SimpleUploadedFile("b.pdf", PDF + b"2"),
            ],
        },
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "“Design submitted” is done on 2026-03-09, with 2 document(s)."
    ]
    target.refresh_from_db()
    assert target.done_on == dt.date(2026, 3, 9)
    documents = list(MilestoneDocument.objects.filter(milestone=target).order_by("pk"))
    page = content(client.get(url("detail", planned.pk)))
    digest = hashlib.sha256(PDF).hexdigest()
    assert digest in page and documents[0].sha256 == digest
    download = client.get(url("document", planned.pk, documents[0].pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"done_on": "2026-06-01"}, "A milestone cannot be done in the future."),
        ({"done_on": "2026-02-01"}, "Lease HT-2026-001 was signed on 2026-02-20"),
        (
            {"done_on": "2026-03-09", "documents": [SimpleUploadedFile("a.txt", b"hello")]},
            "“a.txt” is not a PDF, PNG, JPEG, DWG, DXF file (judged by its content).",
        ),
        ({"done_on": ""}, "This field is required."),
    ],
)
def test_a_bad_done_is_refused_on_its_field_and_nothing_is_saved(
    client, planned, network_officer, data, message
):
    target = milestone(planned, Kind.DESIGN_SUBMITTED)
    client.force_login(network_officer)
    response = client.post(url("milestone_done", planned.pk, target.pk), data)
    assert message in content(response)
    target.refresh_from_db()
    assert target.done_on is None and not MilestoneDocument.objects.exists()


def test_a_milestone_out_of_order_is_refused(client, planned, network_officer):
    target = milestone(planned, Kind.SAFETY_BRIEFING)
    client.force_login(network_officer)
    response = client.post(url("milestone_done", planned.pk, target.pk), {"done_on": "2026-05-01"})
    assert "“Design submitted” comes first: it is not done yet." in content(response)
    assert not Milestone.objects.filter(done_on__isnull=False).exists()


def test_rescheduling_needs_a_reason_and_keeps_the_order(client, planned, network_officer):
    target = milestone(planned, Kind.FIT_OUT_DONE)
    client.force_login(network_officer)
    page = content(client.post(url("milestone_reschedule", planned.pk, target.pk),
                               {"due_on": "2026-05-20", "reason": ""}))  # fmt: skip
    assert "Say why the milestone is moved." in page
    page = content(client.post(url("milestone_reschedule", planned.pk, target.pk),
                               {"due_on": "2026-06-30", "reason": "Late steel"}))  # fmt: skip
    assert "“Fire acceptance” is due on 2026-05-24, before “Fit-out done” (2026-06-30)." in page
    assert milestone(planned, Kind.FIT_OUT_DONE).due_on == dt.date(2026, 5, 17)
    response = client.post(
        url("milestone_reschedule", planned.pk, target.pk),
        {"due_on": "2026-05-20", "reason": "Late steel"},
    )
    assert messages_of(response) == ["“Fit-out done” moves from 2026-05-17 to 2026-05-20."]
    assert Entry.objects.get(action="milestone.reschedule").data["reason"] == "Late steel"


def test_opening_is_recorded_by_opening_the_outlet(client, planned, network_officer):
    do(planned, Kind.DESIGN_SUBMITTED, Kind.DESIGN_APPROVED, Kind.SAFETY_BRIEFING)
    services.lease_start_fit_out(actor=None, lease=planned)
    do(planned, Kind.FIT_OUT_DONE, Kind.FIRE_ACCEPTANCE, on=dt.date(2026, 5, 15))
    client.force_login(network_officer)
    page = content(client.get(url("detail", planned.pk)))
    assert url("action", planned.pk, "open") in page
    response = client.post(url("action", planned.pk, "open"), {"opened_on": "2026-05-16"})
    assert response.status_code == 302
    assert milestone(planned, Kind.OPENED).done_on == dt.date(2026, 5, 16)
    assert Lease.objects.get(pk=planned.pk).status == Lease.Status.OPEN


def test_fit_out_waits_for_the_design_and_the_briefing(client, planned, network_officer):
    client.force_login(network_officer)
    response = client.post(url("action", planned.pk, "start-fit-out"))
    page = content(response)
    assert "Fit-out of lease HT-2026-001 begins once “Design approved" in page
    assert Lease.objects.get(pk=planned.pk).status == Lease.Status.SIGNED


def test_who_may_keep_the_milestones(
    client, planned, css_manager, the_inspector, tenant_user, yye_officer
):
    submitted = milestone(planned, Kind.DESIGN_SUBMITTED)
    for user in (css_manager, the_inspector):
        client.force_login(user)
        page = content(client.get(url("detail", planned.pk)))
        assert 'data-cms-action="done"' not in page and 'data-cms-action="reschedule"' not in page
        for target in (
            url("plan", planned.pk),
            url("milestone_done", planned.pk, submitted.pk),
            url("milestone_reschedule", planned.pk, submitted.pk),
        ):
            assert refused(client.get(target))
    client.force_login(yye_officer)
    assert client.get(url("milestone_done", planned.pk, submitted.pk)).status_code == 404
    # The tenant's own users record that they submitted their design, and nothing else.
    client.force_login(tenant_user)
    page = content(client.get(url("detail", planned.pk)))
    assert page.count('data-cms-action="done"') == 1
    assert 'data-cms-action="reschedule"' not in page
    response = client.post(
        url("milestone_done", planned.pk, submitted.pk),
        {"done_on": "2026-03-09", "documents": [SimpleUploadedFile("d.pdf", PDF)]},
    )
    assert response.status_code == 302
    approved = milestone(planned, Kind.DESIGN_APPROVED)
    response = client.post(
        url("milestone_done", planned.pk, approved.pk), {"done_on": "2026-05-01"}
    )
    assert "You may not record “Design approved (fire safety, station style)”" in content(response)
    approved.refresh_from_db()
    assert approved.done_on is None


# --- the responsible officer --------------------------------------------------------------


def test_the_responsible_officer_is_chosen_among_the_stations_leasing_officers(
    client, planned, network_officer, css_officer, yye_officer, css_manager
):
    client.force_login(network_officer)
    form = content(client.get(url("officer", planned.pk)))
    assert "css-officer" in form and "network" in form
    assert "yye-officer" not in form and "css-manager" not in form
    response = client.post(url("officer", planned.pk), {"officer": yye_officer.pk})
    assert "Select a valid choice." in content(response)
    response = client.post(url("officer", planned.pk), {"officer": css_officer.pk})
    assert messages_of(response) == ["css-officer is now responsible for HT-2026-001."]
    assert Lease.objects.get(pk=planned.pk).responsible_officer == css_officer
    response = client.post(url("officer", planned.pk), {"officer": css_officer.pk})
    assert "css-officer is responsible for lease HT-2026-001 already." in content(response)
    # The responsible officer keeps the milestones and sees the outlet as theirs.
    client.force_login(css_officer)
    page = content(client.get(url("detail", planned.pk)))
    assert "data-cms-officer><strong>css-officer" in page


def test_my_outlets_lists_the_next_milestone_and_what_is_overdue(
    client, planned, css_officer, tenant, css_level, django_assert_max_num_queries
):
    fitout.lease_assign_officer(actor=None, lease=planned, officer=css_officer)
    client.force_login(css_officer)
    with django_assert_max_num_queries(30) as few:
        page = content(client.get(url("mine")))
    assert 'data-cms-outlet="HT-2026-001"' in page
    assert "Design submitted" in page and "2026-03-11" in page
    assert "4 milestones overdue" in page
    for _n in range(3):
        more = sign(make_lease(MerchantFactory(), css_level))
        fitout.milestones_plan(actor=None, lease=more)
        fitout.lease_assign_officer(actor=None, lease=more, officer=css_officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = content(client.get(url("mine")))
    assert page.count("data-cms-outlet=") == 4


# --- overdue ------------------------------------------------------------------------------


def test_overdue_lists_instalments_and_milestones_in_bounded_queries(
    client, planned, tenant, css_level, yye_level, network_officer, django_assert_max_num_queries
):
    lease = sign(make_lease(tenant, yye_level, code="HT-YYE-1", rent_free_months=0))
    client.force_login(network_officer)
    with django_assert_max_num_queries(30) as few:
        page = content(client.get(url("overdue")))
    assert (
        f'data-cms-overdue-instalment="{lease.instalments.order_by("due_date").first().pk}"'
        in (page)
    )
    assert "30,000.00 CNY in all" in page
    assert page.count("data-cms-overdue-milestone=") == 4
    for _n in range(3):
        more = sign(make_lease(MerchantFactory(), css_level, rent_free_months=0))
        fitout.milestones_plan(actor=None, lease=more)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = content(client.get(url("overdue")))
    assert page.count("data-cms-overdue-instalment=") == 4
    page = content(client.get(url("overdue"), {"station": "YYE"}))
    assert page.count("data-cms-overdue-instalment=") == 1
    assert "data-cms-overdue-milestone=" not in page


def test_overdue_shows_a_station_officer_their_station_only(
    client, planned, tenant, yye_level, css_officer
):
    sign(make_lease(tenant, yye_level, code="HT-YYE-1", rent_free_months=0))
    client.force_login(css_officer)
    page = content(client.get(url("overdue")))
    assert "HT-YYE-1" not in page and "HT-2026-001" in page
    assert 'value="YYE"' not in page


# --- the route map ------------------------------------------------------------------------


@pytest.fixture
def opened(planned):
    do(planned, Kind.DESIGN_SUBMITTED, Kind.DESIGN_APPROVED, Kind.SAFETY_BRIEFING)
    services.lease_start_fit_out(actor=None, lease=planned)
    do(planned, Kind.FIT_OUT_DONE, Kind.FIRE_ACCEPTANCE, on=dt.date(2026, 5, 15))
    services.lease_open(actor=None, lease=planned, opened_on=dt.date(2026, 5, 16))
    return Lease.objects.get(pk=planned.pk)


def test_the_route_map_of_the_network_and_of_a_station(
    client, opened, tenant, yye_level, network_officer, django_assert_max_num_queries
):
    other = sign(make_lease(tenant, yye_level, code="HT-YYE-1"))
    fitout.milestones_plan(actor=None, lease=other)
    client.force_login(network_officer)
    with django_assert_max_num_queries(25):
        page = content(client.get(url("route_map")))
    assert "Fit-out and opening route map: the network" in page
    chart = page.split("data-cms-route-map>")[1].split("</figure>")[0]
    assert chart.lstrip().startswith("<svg") and "<?xml" not in chart
    assert "HT-2026-001" in chart or "湖南麦当劳" in chart
    assert "data-cms-first-opening>2026-05-16" in page
    assert 'data-cms-pace-month="2026-05"' in page and "data-cms-opened-total>1<" in page
    station_page = content(client.get(url("route_map_station", "YYE")))
    assert "Fit-out and opening route map: Yueyang East" in station_page
    assert "data-cms-first-opening>—" in station_page
    picked = client.get(url("route_map"), {"station": "CSS"})
    assert picked.status_code == 302 and picked["Location"] == url("route_map_station", "CSS")
    svg = client.get(url("route_map_svg", "CSS"))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_the_route_map_of_another_station_is_not_found(client, opened, css_officer, yye):
    client.force_login(css_officer)
    assert client.get(url("route_map_station", "YYE")).status_code == 404
    assert client.get(url("route_map_svg", "YYE")).status_code == 404
    page = content(client.get(url("route_map")))
    assert 'value="YYE"' not in page and "data-cms-first-opening>2026-05-16" in page


# --- the home panel -----------------------------------------------------------------------


def test_the_home_panel_counts_what_is_overdue_mine_and_the_openings(
    client, planned, tenant, css_level, css_officer, django_assert_max_num_queries
):
    fitout.lease_assign_officer(actor=None, lease=planned, officer=css_officer)
    sign(make_lease(tenant, css_level, code="HT-LATE", rent_free_months=0))
    client.force_login(css_officer)
    page = content(client.get(reverse("wagtailadmin_home")))
    panel = page.split('id="cms-leasing-section"')[1].split("</section>")[0]
    assert 'data-cms-panel="instalments"' in panel
    figures = {
        name: panel.split(f'data-cms-panel="{name}"')[1].split("</div>")[0]
        for name in ("instalments", "milestones", "mine", "openings")
    }
    assert ">1</a>" in figures["instalments"] and "30,000.00 CNY" in figures["instalments"]
    assert ">4</a>" in figures["milestones"]
    assert ">1</a>" in figures["mine"] and "4 milestones overdue" in figures["mine"]
    assert "Openings in 2026-05" in figures["openings"] and "1 more planned" in figures["openings"]
    assert "HT-2026-001 (湖南麦当劳餐饮有限公司, 长沙南) opens on 2026-05-31" in panel
    # Bounded: more leases, the same number of queries.
    with django_assert_max_num_queries(80) as few:
        client.get(reverse("wagtailadmin_home"))
    for _n in range(3):
        more = sign(make_lease(MerchantFactory(), css_level, rent_free_months=0))
        fitout.milestones_plan(actor=None, lease=more)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("wagtailadmin_home"))


def test_the_home_panel_is_not_shown_to_those_who_do_not_read_leases(client, planned):
    committee = speak_english(station_officer(planned.station, role="committee member"))
    client.force_login(committee)
    page = content(client.get(reverse("wagtailadmin_home")))
    assert 'id="cms-leasing-section"' not in page


def test_an_outlet_opened_before_the_clock_is_not_counted_this_month(
    client, opened, network_officer
):
    with time_machine.travel(dt.datetime(2026, 6, 2, 2, tzinfo=dt.UTC), tick=False):
        client.force_login(network_officer)
        page = content(client.get(reverse("wagtailadmin_home")))
    panel = page.split('id="cms-leasing-section"')[1].split("</section>")[0]
    openings = panel.split('data-cms-panel="openings"')[1].split("</div>")[0]
    assert "Openings in 2026-06" in openings and "<dd>0 " in openings


def test_the_network_route_map_is_drawn_a_page_of_stations_at_a_time(
    client, opened, tenant, yye_level, network_officer, monkeypatch
):
    """Nationally tens of thousands of outlets: the network's map draws a page of stations,
    while its figures (outlets, first opening, pace) count the whole network."""
    from cms import lease_views

    monkeypatch.setattr(lease_views, "ROUTE_MAP_STATIONS_PER_PAGE", 1)
    other = sign(make_lease(tenant, yye_level, code="HT-YYE-1"))
    fitout.milestones_plan(actor=None, lease=other)
    client.force_login(network_officer)
    first = content(client.get(url("route_map")))
    second = content(client.get(url("route_map"), {"p": 2}))
    chart_of = lambda page: page.split("data-cms-route-map>")[1].split("</figure>")[0]  # noqa: E731
    assert "HT-2026-001" in chart_of(first) and "HT-YYE-1" not in chart_of(first)
    assert "HT-YYE-1" in chart_of(second) and "HT-2026-001" not in chart_of(second)
    for page in (first, second):
        assert "<dd>2</dd>" in page  # outlets on the map, the whole network's
        assert "data-cms-first-opening>2026-05-16" in page and "data-cms-opened-total>1<" in page
    svg = client.get(url("route_map_network_svg"), {"p": 2}).content.decode()
    assert "HT-YYE-1" in svg and "HT-2026-001" not in svg
