"""cms.demo builds the public site's page tree on top of the leasing demo, and loading it again
changes nothing."""

import datetime as dt

import pytest
import time_machine
from wagtail.models import Page

from cms import demo
from cms.models import HandbookPage, StationPage, TenderNoticePage
from tests.stations.factories import StationFactory, level, unit
from tests.tenders.round_factories import published_round, ready_round

pytestmark = pytest.mark.django_db


def test_the_demo_builds_the_page_tree_once(client, monkeypatch):
    monkeypatch.setattr(demo.leasing_demo, "load", lambda *, stdout: None)
    css = StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South")
    unit(level(css, ordinal=1, width=60, depth=30), "2F-A01", 0, 0, 10)
    public, draft = published_round(), ready_round()

    demo.load()
    pages = Page.objects.count()
    demo.load()

    assert Page.objects.count() == pages
    assert TenderNoticePage.objects.filter(round=public).exists()
    assert not TenderNoticePage.objects.filter(round=draft).exists()
    assert StationPage.objects.get(station=css).url == "/stations/css/"
    handbook = HandbookPage.objects.get(slug="handbook")
    assert len(handbook.body) > 5 and handbook.get_children().count() == 1
    with time_machine.travel(public.publication_at + dt.timedelta(hours=1)):
        for url in ("/", "/notices/", "/stations/", "/stations/css/", handbook.url):
            assert client.get(url).status_code == 200, url
