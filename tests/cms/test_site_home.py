"""The public site's home page: the sections in the navigation, the rounds open now and the
latest results with links to their notices, the stations linked to their pages; bounded
queries."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from cms.notices import notice_page_ensure
from stations.models import Station, Unit
from tests.cms.site_fixtures import site_tree, station_page
from tests.stations.factories import StationFactory
from tests.tenders.round_factories import published_round, ready_round

pytestmark = pytest.mark.django_db


def get(client, url="/"):
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def test_the_home_page_links_sections_open_rounds_and_station_pages(client):
    _home, notices, stations = site_tree()
    css = StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South")
    page = station_page(stations, css)
    open_round = published_round(title="长沙南站咖啡网点公开招租")
    notice = notice_page_ensure(open_round)
    draft = ready_round(title="草稿轮次")

    with time_machine.travel(open_round.publication_at + dt.timedelta(hours=1)):
        html = get(client).content.decode()

    assert f'href="{notices.url}"' in html and "Tender notices" in html
    assert f'href="{stations.url}"' in html
    assert f'href="{notice.url}"' in html and "长沙南站咖啡网点公开招租" in html
    assert "Applications open soon" in html
    assert draft.title not in html
    assert f'href="{page.url}"' in html
    assert 'href="/stations/CSS/directory/"' in html
    assert "No result has been published yet." in html


def test_a_round_not_yet_public_is_not_on_the_home_page(client):
    site_tree()
    round_obj = published_round(title="明天发布的轮次")
    notice_page_ensure(round_obj)

    assert round_obj.title not in get(client).content.decode()


def test_the_home_page_makes_the_same_queries_whatever_the_rounds_and_stations(
    client, django_assert_max_num_queries
):
    _home, _notices, stations = site_tree()
    first = published_round()
    notice_page_ensure(first)
    station_page(stations, StationFactory())
    with time_machine.travel(first.publication_at + dt.timedelta(hours=1)):
        get(client)
        with django_assert_max_num_queries(20) as few:
            get(client)
    for _n in range(3):
        notice_page_ensure(published_round())
        station_page(stations, StationFactory())
    with (
        time_machine.travel(first.publication_at + dt.timedelta(hours=1)),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        assert get(client).status_code == 200


def test_the_home_page_shows_the_first_open_rounds_and_stations_and_links_to_the_rest(
    client, monkeypatch
):
    """At national size the home page listed 6,000 stations and 2,000 open rounds (4.8 MB)."""
    from cms import site_home

    monkeypatch.setattr(site_home, "HOME_OPEN_ROUNDS", 2)
    monkeypatch.setattr(site_home, "HOME_STATIONS", 2)
    _home, notices, stations = site_tree()
    made = [published_round(code=f"ZB-HOME-{n}") for n in range(3)]
    for round_obj in made:
        notice_page_ensure(round_obj)
    for n in range(3):
        StationFactory(code=f"S{n:02d}", tier="provincial")
    with time_machine.travel(made[0].publication_at + dt.timedelta(hours=1)):
        html = get(client).content.decode()
    shown = [r.code for r in made if f'data-round="{r.code}"' in html]
    assert len(shown) == 2
    assert f'href="{notices.url}#open-notices">All 3 open rounds</a>' in html
    assert 'data-station="S00"' in html and 'data-station="S02"' not in html
    total = Station.objects.count()  # each round's lot made a station too
    offered = Unit.objects.filter(status=Unit.Status.AVAILABLE).count()
    assert f"{total - 2} more stations" in html
    provincial = Station.objects.filter(tier="provincial").count()
    assert f'href="{stations.url}?tier=provincial">Provincial capital ({provincial})</a>' in html
    assert f'action="{stations.url}"' in html
    assert f"{total} stations · {offered} units offered for letting" in html
