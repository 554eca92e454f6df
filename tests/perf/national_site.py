"""Prepares a copy of the generated national network for tests/perf/test_national_pages.py: the
public site's page tree (generate_network makes none) and the people who open the pages.
Idempotent: a second run adds only what is missing.

- the notice and station indexes under the home page, a station page for every station, and a
  notice page for every public round not yet closed and for the latest ``closed`` closed ones
  (made live through Wagtail's tree API without a revision each, to take minutes, not hours);
- ``scale-officer`` (leasing officer of the whole network), ``scale-inspector`` (discipline
  inspector), ``scale-merchant`` acting for the merchant with the most bids. The committee
  member is a generated one (tests.page_walk.subjects picks the seat).

Writes to the database it is given: run it on a copy, never on the generated original.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify
from guardian.shortcuts import assign_perm

from stations import roles
from stations.models import Station
from tenders.models import Bid, Merchant, TenderRound

CLOSED = ("awarded", "failed", "cancelled")
PUBLIC = ("published", "applications_closed", "bidding_closed", "opened", "scored", "publicity")


def _index(home, model, slug: str, title: str):
    page = model.objects.child_of(home).filter(slug=slug).first()
    if page is None:
        page = model(title=title, slug=slug)
        home.add_child(instance=page)
    return page


def site_tree(*, closed: int = 2000, stdout=print) -> dict[str, int]:
    """The page tree over the network; returns how many pages of each kind were made."""
    from cms.models import (
        HomePage,
        StationIndexPage,
        StationPage,
        TenderNoticeIndexPage,
        TenderNoticePage,
    )

    started = time.monotonic()
    home = HomePage.objects.get()
    notices = _index(home, TenderNoticeIndexPage, "notices", "招租公告 Tender notices")
    stations = _index(home, StationIndexPage, "stations", "车站与网点 Stations")
    made = {"station pages": 0, "notice pages": 0}
    with_page = set(StationPage.objects.values_list("station_id", flat=True))
    for station in Station.objects.exclude(pk__in=with_page).order_by("code").iterator():
        with transaction.atomic():
            stations.add_child(
                instance=StationPage(
                    title=f"{station.name_zh} {station.name_en}",
                    slug=slugify(station.code),
                    station=station,
                )
            )
        made["station pages"] += 1
        if made["station pages"] % 500 == 0:
            stdout(
                f"  {made['station pages']:,} station pages, {time.monotonic() - started:.0f} s"
            )
    with_notice = set(TenderNoticePage.objects.values_list("round_id", flat=True))
    rounds = list(
        TenderRound.objects.filter(status__in=PUBLIC).exclude(pk__in=with_notice).order_by("pk")
    ) + list(
        TenderRound.objects.filter(status__in=CLOSED)
        .exclude(pk__in=with_notice)
        .order_by("-publication_at")[
            : max(0, closed - TenderNoticePage.objects.filter(round__status__in=CLOSED).count())
        ]
    )
    for round_obj in rounds:
        try:
            with transaction.atomic():
                notices.add_child(
                    instance=TenderNoticePage(
                        title=f"{round_obj.code} {round_obj.title}",
                        slug=slugify(round_obj.code) or f"round-{round_obj.pk}",
                        round=round_obj,
                    )
                )
        except ValidationError:
            continue  # not public yet (published with a publication time still to come)
        made["notice pages"] += 1
        if made["notice pages"] % 500 == 0:
            stdout(f"  {made['notice pages']:,} notice pages, {time.monotonic() - started:.0f} s")
    return made


def people() -> dict[str, User]:
    """The officer, the inspector and the merchant user (made if missing)."""
    manage = Permission.objects.get(content_type__app_label="stations", codename="manage_station")

    def user(name: str, role: str) -> User:
        found, created = User.objects.get_or_create(
            username=name, defaults={"email": f"{name}@example.com", "is_active": True}
        )
        if created:
            found.set_unusable_password()
            found.save()
            found.groups.add(Group.objects.get(name=role))
        return found

    officer = user("scale-officer", roles.LEASING_OFFICER)
    officer.user_permissions.add(manage)
    inspector = user("scale-inspector", roles.DISCIPLINE_INSPECTOR)
    merchant_user = user("scale-merchant", roles.MERCHANT)
    assign_perm("tenders.act_for_merchant", merchant_user, busiest_merchant())
    return {
        "officer": User.objects.get(pk=officer.pk),
        "inspector": inspector,
        "merchant": User.objects.get(pk=merchant_user.pk),
    }


def busiest_merchant() -> Merchant:
    top = Bid.objects.values("merchant").annotate(n=Count("pk")).order_by("-n", "merchant")[:1]
    return Merchant.objects.get(pk=top[0]["merchant"])
