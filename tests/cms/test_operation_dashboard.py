# ruff: noqa: F811  (the fixtures imported from test_operation_admin are parameters here)
"""The home page's Operation panel: complaints overdue for an answer, open follow-ups, outlets
above the street's price and the events running today — the user's stations only, in a number
of queries that does not grow with the records."""

import datetime as dt

import pytest
from django.urls import reverse

from leasing import operation
from tests.cms.test_operation_admin import (  # noqa: F401 - fixtures
    TODAY,
    check_price,
    content,
    css,
    css_manager,
    css_outlet,
    failed_inspection,
    network_officer,
    open_outlet,
    receive,
    the_inspector,
    yye,
    yye_manager,
    yye_outlet,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def panel(html: str) -> str:
    assert 'id="cms-operation-section"' in html
    return html.split('id="cms-operation-section"')[1]


def block(html: str, name: str) -> str:
    return panel(html).split(f'data-cms-dash="{name}"')[1].split("</section>")[0]


@pytest.fixture
def waiting(css_outlet, css_manager, network_officer):
    overdue = receive(css_outlet, css_manager, hours_ago=30)
    receive(css_outlet, css_manager, hours_ago=1)  # still in time
    late = failed_inspection(css_outlet, css_manager, on=TODAY() - dt.timedelta(days=10))
    done = failed_inspection(css_outlet, css_manager)
    operation.inspection_follow_up_done(actor=css_manager, inspection=done)
    check_price(css_outlet, css_manager)
    running = operation.marketing_event_create(
        actor=network_officer, title="湘味特产节", station=css_outlet.station,
        starts_on=TODAY(), ends_on=TODAY() + dt.timedelta(days=3),
    )  # fmt: skip
    operation.marketing_event_add_outlets(
        actor=network_officer, event=running, outlets=[css_outlet]
    )
    operation.marketing_event_create(
        actor=network_officer, title="国庆活动", station=css_outlet.station,
        starts_on=TODAY() + dt.timedelta(days=30), ends_on=TODAY() + dt.timedelta(days=35),
    )  # fmt: skip
    return {"complaint": overdue, "inspection": late, "event": running}


def test_the_manager_sees_what_waits_in_their_station(client, waiting, css_manager, css_outlet):
    client.force_login(css_manager)
    html = content(client.get(reverse("wagtailadmin_home")))
    complaints = block(html, "complaints")
    assert '<span class="cms-op-count">1</span>' in complaints
    assert reverse("complaints:detail", args=(waiting["complaint"].pk,)) in complaints
    assert "6 hours late" in complaints
    follow_ups = block(html, "follow-ups")
    assert '<span class="cms-op-count">1</span>' in follow_ups
    assert reverse("inspections:detail", args=(waiting["inspection"].pk,)) in follow_ups
    assert "overdue since" in follow_ups
    above = block(html, "above-street")
    assert css_outlet.code in above and "1 item" in above
    events = block(html, "events")
    assert "湘味特产节" in events and "国庆活动" not in events and "1 outlet" in events


def test_another_stations_manager_sees_none_of_it(client, waiting, yye_manager, yye_outlet):
    client.force_login(yye_manager)
    html = content(client.get(reverse("wagtailadmin_home")))
    for name in ("complaints", "follow-ups", "above-street", "events"):
        assert '<span class="cms-op-count">0</span>' in block(html, name), name
    assert "None: every complaint is answered in time." in html


def test_the_inspector_sees_the_panel_and_a_committee_member_does_not(
    client, waiting, the_inspector
):
    client.force_login(the_inspector)
    assert '<span class="cms-op-count">1</span>' in block(
        content(client.get(reverse("wagtailadmin_home"))), "complaints"
    )
    client.force_login(UserFactory(roles=["committee member"], username="member"))
    assert 'id="cms-operation-section"' not in content(client.get(reverse("wagtailadmin_home")))


def test_the_panel_asks_as_many_queries_for_many_records_as_for_few(
    client, waiting, css_manager, network_officer, django_assert_max_num_queries
):
    client.force_login(css_manager)
    url = reverse("wagtailadmin_home")
    client.get(url)
    with django_assert_max_num_queries(80) as few:
        client.get(url)
    station = waiting["complaint"].station
    for k in range(7):
        outlet = open_outlet(station, name=f"品牌{k}")
        receive(outlet, css_manager, hours_ago=50)
        failed_inspection(outlet, css_manager)
        check_price(outlet, css_manager)
        operation.marketing_event_create(
            actor=network_officer, title=f"活动{k}", station=station,
            starts_on=TODAY(), ends_on=TODAY(),
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = content(client.get(url))
    assert '<span class="cms-op-count">8</span>' in block(html, "complaints")
    assert block(html, "complaints").count("<li>") == 5
