"""The public site's front page: what the stations offer for letting, the tender rounds open
now, the stations by tier and the latest results. A fixed number of queries, whatever the
number of stations or rounds."""

from __future__ import annotations

from django.utils import timezone
from wagtail.models import Page

from cms import notices, station_pages
from stations.selectors import network_overview
from tenders.bids import BIDDING_STATUSES
from tenders.models import TenderRound

Status = TenderRound.Status
LATEST_RESULTS = 5


def _notice_urls(round_ids, request) -> dict[int, str]:
    from cms.models import TenderNoticePage

    return {
        page.round_id: page.get_url(request)
        for page in TenderNoticePage.objects.live().filter(round__in=list(round_ids))
    }


def home_context(home, request) -> dict:
    now = timezone.now()
    stations = list(network_overview())
    urls = station_pages.station_urls([s.pk for s in stations], request)
    for station in stations:
        station.page_url = urls.get(station.pk)
    public = notices.public_rounds()
    open_rounds = list(
        public.filter(status__in=BIDDING_STATUSES, bid_deadline__gt=now).order_by(
            "bid_deadline", "code"
        )
    )
    results = list(
        public.filter(status__in=(Status.PUBLICITY, Status.AWARDED)).order_by(
            "-publicity_ends_at", "code"
        )[:LATEST_RESULTS]
    )
    notice_urls = _notice_urls([r.pk for r in [*open_rounds, *results]], request)
    return {
        "tiers": station_pages.tiers_of(stations),
        "totals": {
            "stations": len(stations),
            "available": sum(s.available_count for s in stations),
            "available_area_m2": sum((s.available_area_m2 or 0) for s in stations),
        },
        "open_rounds": [
            {
                "round": r,
                "url": notice_urls.get(r.pk),
                "phase": notices.phase_of(r, now),
            }
            for r in open_rounds
        ],
        "latest_results": [
            {"round": r, "url": notice_urls.get(r.pk), "phase": notices.phase_of(r, now)}
            for r in results
        ],
    }


def site_sections(request, *, page) -> dict:
    """The URLs of the site's sections — notices, stations, handbook — for the navigation of
    any page under the home page: the home page's live children, in one query."""
    names = {
        "tendernoticeindexpage": "notices_url",
        "stationindexpage": "stations_url",
        "handbookpage": "handbook_url",
    }
    sections = dict.fromkeys(names.values())
    home_path = page.path[: 2 * Page.steplen]
    children = (
        Page.objects.live()
        .filter(
            depth=3,
            path__startswith=home_path,
            content_type__app_label="cms",
            content_type__model__in=list(names),
        )
        .select_related("content_type")
        .order_by("path")
    )
    for child in children:
        name = names[child.content_type.model]
        if sections[name] is None:
            sections[name] = child.get_url(request)
    return sections
