"""The public site's page tree and open outlets for the site and directory tests, built through
the services (pages through Wagtail's tree API, as cms.demo does)."""

import datetime as dt

from leasing import services as leasing
from tests.leasing.factories import direct_lease


def site_tree():
    """The home page (made by the migrations) with the notice and station indexes under it."""
    from cms.models import HomePage, StationIndexPage, TenderNoticeIndexPage

    home = HomePage.objects.get()
    notices = TenderNoticeIndexPage(title="Tender notices", slug="notices")
    home.add_child(instance=notices)
    stations = StationIndexPage(title="Stations", slug="stations")
    home.add_child(instance=stations)
    return home, notices, stations


def station_page(stations_index, station, **fields):
    from cms.models import StationPage

    page = StationPage(
        title=f"{station.name_zh} {station.name_en}",
        slug=station.code.lower(),
        station=station,
        **fields,
    )
    stations_index.add_child(instance=page)
    return page


def open_outlet(merchant, units, **terms):
    """A direct lease of ``units`` to ``merchant``, signed and open."""
    lease = direct_lease(merchant, units, start=dt.date(2026, 1, 1), months=36, **terms)
    leasing.lease_sign(actor=None, lease=lease)
    leasing.lease_open(actor=None, lease=lease, opened_on=dt.date(2026, 2, 1))
    return lease
