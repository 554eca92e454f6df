"""The two pages the HTTP benchmark (test_station_page_http.py) serves, found or made in the
benchmark's own database after ``load_demo``: the station page of the demo station with the most
units, and a plain page to measure it against — a chapter of the demo's investment handbook
(a HandbookPage, the project's simplest page type) with a one-line summary and an empty body.

Run in that database by the benchmark: ``python -m tests.perf.http_site`` prints what it needs
as JSON (the two URLs, the station, the codes of its units and of those offered for letting).
"""

import json

PLAIN_SLUG = "perf-plain"
PLAIN_TITLE = "性能基准 Benchmark page"
PLAIN_INTRO = "用于对比的空白页面。A plain page to compare the station page with."


def plain_page():
    """The handbook chapter with no body (made once; the demo's handbook is its parent, so the
    site's navigation is the same as on every other page)."""
    from cms.models import HandbookPage

    handbook = HandbookPage.objects.get(slug="handbook", depth=3)
    page = HandbookPage.objects.child_of(handbook).filter(slug=PLAIN_SLUG).first()
    if page is None:
        page = HandbookPage(title=PLAIN_TITLE, slug=PLAIN_SLUG, intro=PLAIN_INTRO)
        handbook.add_child(instance=page)
        page.save_revision().publish()
    return page


def largest_station():
    """The demo station with the most units (ties broken by code), with its live page."""
    from django.db.models import Count

    from cms.models import StationPage
    from stations.models import Station

    station = Station.objects.annotate(n=Count("units")).order_by("-n", "code").first()
    return station, StationPage.objects.live().get(station=station)


def describe() -> dict:
    from stations.models import Unit

    station, station_page = largest_station()
    units = Unit.objects.filter(station=station)
    return {
        "station_code": station.code,
        "station_name_zh": station.name_zh,
        "station_url": station_page.url,
        "unit_codes": sorted(units.values_list("code", flat=True)),
        "offered_codes": sorted(
            units.filter(status=Unit.Status.AVAILABLE).values_list("code", flat=True)
        ),
        "plain_url": plain_page().url,
        "plain_intro": PLAIN_INTRO,
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(describe()))
