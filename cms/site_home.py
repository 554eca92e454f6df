"""The public site's front page: what the stations offer for letting, the first tender rounds
open now, a station search with the stations by tier and the first of them, and the latest
results. A fixed number of queries and a page of rows, whatever the number of stations or
rounds (the national network: 6,000 stations, 2,000 rounds open at once)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils import timezone
from wagtail.models import Page

from cms import notices, station_pages
from stations.models import Station, Unit
from tenders.bids import BIDDING_STATUSES
from tenders.models import TenderRound

Status = TenderRound.Status
LATEST_RESULTS = 5
# The home page shows the first of each list; the rest are a page at a time on their index.
HOME_OPEN_ROUNDS = 10
HOME_STATIONS = 12


def _notice_urls(round_ids, request) -> dict[int, str]:
    from cms.models import TenderNoticePage

    return {
        page.round_id: page.get_url(request)
        for page in TenderNoticePage.objects.live().filter(round__in=list(round_ids))
    }


def _totals(tier_counts) -> dict:
    """The network's totals, summed by the database (not over a list of every station)."""
    offered = Unit.objects.filter(status=Unit.Status.AVAILABLE).aggregate(
        n=Count("pk"), area=Sum("area_m2")
    )
    return {
        "stations": sum(tier["count"] for tier in tier_counts),
        "available": offered["n"],
        "available_area_m2": offered["area"] or 0,
    }


def _tier_counts() -> list[dict]:
    counts = dict(Station.objects.values_list("tier").annotate(n=Count("pk")).order_by())
    return [
        {"value": value, "label": label, "count": counts[value]}
        for value, label in Station.Tier.choices
        if counts.get(value)
    ]


def home_context(home, request) -> dict:
    """The first rounds open (nearest deadline first) and the first stations (provincial
    capitals first), each with the count of the rest and a link to its list; the network's
    totals and its stations by tier counted by the database."""
    now = timezone.now()
    first_stations = station_pages.searched_stations({})[1][:HOME_STATIONS]
    stations = station_pages.with_offers(first_stations, request)
    public = notices.public_rounds()
    open_now = public.filter(status__in=BIDDING_STATUSES, bid_deadline__gt=now)
    open_rounds = list(open_now.order_by("bid_deadline", "code")[:HOME_OPEN_ROUNDS])
    results = list(
        public.filter(status__in=(Status.PUBLICITY, Status.AWARDED)).order_by(
            "-publicity_ends_at", "code"
        )[:LATEST_RESULTS]
    )
    notice_urls = _notice_urls([r.pk for r in [*open_rounds, *results]], request)
    tier_counts = _tier_counts()
    totals = _totals(tier_counts)
    return {
        "tiers": station_pages.tiers_of(stations),
        "tier_counts": tier_counts,
        "station_search": station_pages.StationSearch(),
        "more_stations": max(totals["stations"] - len(stations), 0),
        "totals": totals,
        "open_count": open_now.count()
        if len(open_rounds) == HOME_OPEN_ROUNDS
        else len(open_rounds),
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
