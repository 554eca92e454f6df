"""No page's query count grows with the rows it lists.

Every list and report page of the back office, the portal's lists and a round and lease of the
merchant's, the public site's pages and every API list (tests.page_walk: found from the URL
resolver, the admin menu, the report registry and the OpenAPI document) is rendered on a
small generated network (leasing.generate, the national proportions at 2 stations), then the
network grows by 3 stations with their own merchants, brands, demands, rounds with bids and
scores, leases and instalments, pages for the site and operation records, and each page is
rendered again: it must cost no more queries than before. A page that grows fails by name.

Each page is rendered once to warm what is cached per process (content types, the site root,
a plan cached under the journal's head), then counted.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from cms import committee_views
from leasing import operation
from leasing.generate import _people, _set_unit_statuses, generate_leases, generate_network
from leasing.models import Lease
from stations.generate import Catalogue, generate_stations, tiers_for
from stations.models import Station
from tenders import generate as tenders_generate
from tenders.models import Merchant, TenderRound
from tests import factories
from tests.cms.site_fixtures import site_tree, station_page
from tests.cms.test_operation_admin import CHECKLIST, receive
from tests.page_walk import (
    Page,
    client_for,
    menu_urls,
    project_routes,
    role_clients,
    subjects,
    walk,
)
from tests.tenders.factories import merchant_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)
FIRST_STATIONS = 2
MORE_STATIONS = 3


def _grow(*, first_station: int, count: int, seed: int) -> None:
    """``count`` more stations numbered from ``first_station``, each kind of row
    generate_network makes (merchants numbered on from the last)."""
    rng = random.Random(f"grow:{seed}")
    catalogue = Catalogue.load()
    people = _people(first_station + count)
    market = tenders_generate.generate_merchants(
        rng=rng, stations=count, catalogue=catalogue, first_number=Merchant.objects.count() + 1
    )
    numbers = list(range(first_station, first_station + count))
    spaces = generate_stations(
        rng=rng, numbers=numbers, tiers=tiers_for(count), catalogue=catalogue
    )
    tender = tenders_generate.generate_rounds(
        rng=rng, spaces=spaces, market=market, people=people, now=NOW,
        first_number=first_station * 100,
    )  # fmt: skip
    _set_unit_statuses(generate_leases(rng=rng, awarded=tender.awards, people=people, today=TODAY))
    tenders_generate.generate_demands(
        rng=rng, market=market, station_ids=[s.station.pk for s in spaces]
    )


def _site_pages(stations_index) -> None:
    """A station page for each station and a notice for each public round, as publishing
    makes them."""
    from cms.models import StationPage
    from cms.notices import notice_page_ensure

    with_page = set(StationPage.objects.values_list("station_id", flat=True))
    for station in Station.objects.exclude(pk__in=with_page).order_by("code"):
        station_page(stations_index, station)
    for round_obj in TenderRound.objects.order_by("pk"):
        notice_page_ensure(round_obj)


def _operation_records(officer, *, stations) -> None:
    """For the open outlets of ``stations``: an inspection, a complaint, a penalty, a price
    check, and a campaign in each station, the way the back office records them."""
    from leasing.models import ViolationType

    if not ViolationType.objects.exists():
        operation.violation_types_load_defaults(actor=officer)
    violation = ViolationType.objects.order_by("pk").first()
    today = timezone.localdate()
    for station in stations:
        operation.marketing_event_create(
            actor=officer, title=f"Campaign {station.code}", station=station,
            starts_on=today, ends_on=today + dt.timedelta(days=10),
        )  # fmt: skip
        for lease in Lease.objects.filter(station=station, status="open").order_by("pk")[:2]:
            inspection = operation.inspection_record(
                actor=officer, lease=lease, inspected_on=today, checklist=CHECKLIST, score=90
            )
            receive(lease, officer)
            operation.penalty_issue(
                actor=officer, lease=lease, violation=violation, inspection=inspection
            )
            operation.price_check_record(
                actor=officer, lease=lease, item="拿铁", station_price="32.00",
                street_price="30.00", checked_on=today,
            )  # fmt: skip


@pytest.fixture
def world():
    """The small network, its site, and the people who open the pages."""
    with time_machine.travel(NOW, tick=False):
        generate_network(stations=FIRST_STATIONS, seed=3, today=TODAY)
        _home, _notices, stations_index = site_tree()
        _site_pages(stations_index)
        officer = factories.officer(username="walk-officer")
        _operation_records(officer, stations=Station.objects.all())
        inspector = factories.inspector(username="walk-inspector")
        busiest = subjects()
        merchant = Merchant.objects.get(pk=busiest.merchant_id)
        users = {
            "officer": officer,
            "inspector": inspector,
            "merchant": merchant_user(merchant, username="walk-merchant"),
            "member": User.objects.get(pk=busiest.member_id),
        }
        yield users, merchant, stations_index


def _count(clients, page: Page) -> tuple[str, int]:
    """(the role served, the queries of the second rendering) of ``page``."""
    refused = []
    for role in page.roles:
        client = client_for(clients, page, role)
        response = client.get(page.url)
        if response.status_code != 200:
            refused.append(f"{role}: {response.status_code}")
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.url)
        assert response.status_code == 200, f"{page.name} {page.url}"
        return role, len(queries)
    raise AssertionError(f"{page.name} ({page.url}) is served to none of its roles: {refused}")


def _walk_counts(users, merchant) -> dict[str, tuple[str, int]]:
    clients = role_clients(users, token_name="walk")
    openapi = clients["anonymous"].get("/api/v1/openapi.json").json()
    pages = walk(subjects(merchant=merchant), openapi)
    counts, faults = {}, []
    for page in pages:
        try:
            counts[page.name] = _count(clients, page)
        except AssertionError as fault:
            faults.append(str(fault))
    assert not faults, "\n".join(faults)
    return counts


def test_no_page_costs_more_queries_with_more_rows(world, monkeypatch):
    users, merchant, stations_index = world
    # Pages of a few rows, so that the small network fills a page before it grows.
    monkeypatch.setattr(committee_views, "EVALUATIONS_PER_PAGE", 2)
    with time_machine.travel(NOW, tick=False):
        before = _walk_counts(users, merchant)
        _grow(first_station=FIRST_STATIONS + 1, count=MORE_STATIONS, seed=4)
        _site_pages(stations_index)
        _operation_records(
            users["officer"], stations=Station.objects.order_by("pk")[FIRST_STATIONS:]
        )
        after = _walk_counts(users, merchant)
    assert set(before) == set(after)
    grown = {
        name: f"{before[name][1]} → {after[name][1]} queries"
        for name in sorted(before)
        if after[name][1] > before[name][1]
    }
    assert not grown, f"pages whose queries grow with their rows: {grown}"
    assert Station.objects.count() == FIRST_STATIONS + MORE_STATIONS


def test_the_walk_covers_every_list_page_of_the_admin_menu(world, rf):
    """Every page of ours the admin menu offers an officer is among the pages walked, so a
    new list cannot be left out of the walk."""
    users, _merchant, _index = world
    request = rf.get("/admin/")
    request.user = users["officer"]
    ours = set(project_routes())
    offered = {
        path
        for path in (url.split("?")[0] for url in menu_urls(request))
        if path.startswith("/admin/") and resolve(path).view_name in ours
    }
    walked = {page.url.split("?")[0] for page in walk(subjects(), {"paths": {}})}
    assert offered, "the menu offers no page of ours: the walk would see nothing"
    assert offered <= walked, f"menu pages not walked: {sorted(offered - walked)}"
