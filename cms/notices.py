"""Tender notices on the public site: which rounds are public, what a round's notice shows, and
the notice page made for a round when it is published.

A notice reads its round live — schedule, lots, thresholds, criteria, documents with their
SHA-256 — and, once the result is published, the committee's signed result with the objection
deadline. The result is read from the round (its standing Result, while the round is in
publicity or after), not copied into the page: an upheld objection that withdraws the result
takes it off the notice at the same moment, and nothing can be published that the round does
not hold. Reserve prices come through tenders.round_selectors.lots_for as the public sees them:
hidden until the round is awarded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cms.columns import category_name
from cms.result_views import report_view
from cms.site_pager import page_of, pager
from tenders import rounds as round_rules
from tenders.bids import BIDDING_STATUSES
from tenders.models import Award, Criterion, Lot, Result, RoundDocument, TenderRound
from tenders.round_selectors import PUBLIC_STATUSES, lots_for, rounds_for

Status = TenderRound.Status
# Statuses in which a published result stands on the notice.
RESULT_STATUSES = frozenset({Status.PUBLICITY, Status.AWARDED, Status.FAILED})
CLOSED_STATUSES = (Status.AWARDED, Status.FAILED)
TIERED_KINDS = frozenset({Criterion.Kind.REGISTERED_CAPITAL, Criterion.Kind.TRACK_RECORD})
PER_PAGE = 20


def public_rounds() -> QuerySet[TenderRound]:
    """The rounds anyone may read: published, from their publication time on."""
    return rounds_for(AnonymousUser())


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:,.2f}"


# --- the phase a notice is in -------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    key: str  # upcoming | applying | bidding | closed | evaluation | publicity | awarded | failed
    label: str
    open: bool  # merchants may still apply or bid


def phase_of(round: TenderRound, now: dt.datetime) -> Phase:
    """Where a public round stands, in the words a merchant reading the notice uses."""
    status = round.status
    if status in BIDDING_STATUSES and now < round.bid_deadline:
        if now < round.application_opens_at:
            return Phase("upcoming", _("Applications open soon"), True)
        if status == Status.PUBLISHED and now < round.application_closes_at:
            return Phase("applying", _("Applications open"), True)
        return Phase("bidding", _("Open for bids"), True)
    if status in BIDDING_STATUSES or status == Status.BIDDING_CLOSED:
        return Phase("closed", _("Bidding closed"), False)
    if status in (Status.OPENED, Status.SCORED):
        return Phase("evaluation", _("Under evaluation"), False)
    if status == Status.PUBLICITY:
        return Phase("publicity", _("Result in publicity"), False)
    if status == Status.AWARDED:
        return Phase("awarded", _("Awarded"), False)
    return Phase("failed", _("Failed"), False)


# --- the index ------------------------------------------------------------------------------


def _notice_pages(index) -> QuerySet:
    from cms.models import TenderNoticePage

    return (
        TenderNoticePage.objects.child_of(index)
        .live()
        .filter(round__in=public_rounds())
        .select_related("round")
    )


def _lot_counts(round_ids) -> dict[int, int]:
    """The lots of the rounds on the page, in one query: an annotation on the whole list made
    the database count the lots of every round before it cut the page."""
    return dict(
        Lot.objects.filter(round__in=round_ids)
        .values_list("round")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _stations_by_round(round_ids) -> dict[int, list[str]]:
    chinese = (get_language() or "").startswith("zh")
    names: dict[int, list[str]] = {}
    for round_id, name_zh, name_en in (
        Lot.objects.filter(round__in=round_ids)
        .order_by("round", "station__code")
        .values_list("round", "station__name_zh", "station__name_en")
    ):
        name = name_zh if chinese else name_en
        if name not in names.setdefault(round_id, []):
            names[round_id].append(name)
    return names


def _rows(pages, request, now, stations, lots) -> list[dict]:
    return [
        {
            "page": page,
            "url": page.get_url(request),
            "round": page.round,
            "phase": phase_of(page.round, now),
            "lot_count": lots.get(page.round_id, 0),
            "stations": stations.get(page.round_id, []),
        }
        for page in pages
    ]


def open_condition(now) -> Q:
    """The rounds merchants may still apply or bid for (phase_of's ``open``), as a filter."""
    return Q(round__status__in=BIDDING_STATUSES, round__bid_deadline__gt=now)


#: The index's sections: the query parameter of its pager, and the order of its notices.
SECTIONS = {
    "open": ("open", ("round__bid_deadline", "round__code")),
    "result": ("results", ("-round__publicity_ends_at", "round__code")),
    "running": ("running", ("-round__publication_at", "round__code")),
    "closed": ("page", ("-round__publication_at", "round__code")),
}


def index_context(index, request) -> dict:
    """Open rounds first (the nearest deadline first), then results in publicity, rounds under
    way, and the concluded ones, newest first: each section a page at a time (its own pager),
    as the national network has thousands of rounds open at once."""
    now = timezone.now()
    notices = _notice_pages(index)
    is_open = open_condition(now)
    in_publicity = Q(round__status=Status.PUBLICITY)
    closed = Q(round__status__in=CLOSED_STATUSES)
    querysets = {
        "open": notices.filter(is_open),
        "result": notices.filter(in_publicity),
        "running": notices.exclude(is_open).exclude(in_publicity).exclude(closed),
        "closed": notices.filter(closed),
    }
    pages = {
        name: page_of(querysets[name].order_by(*order), request, param, PER_PAGE)
        for name, (param, order) in SECTIONS.items()
    }
    round_ids = [notice.round_id for page in pages.values() for notice in page]
    stations = _stations_by_round(round_ids)
    lots = _lot_counts(round_ids)
    context = {"now": now}
    for name, page in pages.items():
        context[f"{name}_notices"] = _rows(page, request, now, stations, lots)
        context[f"{name}_page"] = page
        context[f"{name}_pager"] = pager(request, page, SECTIONS[name][0])
    return context


# --- one notice -----------------------------------------------------------------------------


def _schedule(round: TenderRound, now) -> list[dict]:
    names = [*TenderRound.SCHEDULE_FIELDS]
    if round.publicity_ends_at:
        names.append("publicity_ends_at")
    return [
        {
            "name": name,
            "label": capfirst(TenderRound._meta.get_field(name).verbose_name),
            "value": getattr(round, name),
            "passed": getattr(round, name) <= now,
        }
        for name in names
    ]


def _thresholds(round: TenderRound) -> list[dict]:
    """The thresholds that apply, each in words."""
    rows = []
    for name in round_rules.THRESHOLD_FIELDS:
        value = getattr(round, name)
        if not value:
            continue
        label = capfirst(TenderRound._meta.get_field(name).verbose_name)
        if isinstance(value, bool):
            shown = None
        elif name == "min_registered_capital":
            shown = money(value)  # the label names the currency
        else:
            shown = str(value)
        rows.append({"name": name, "label": label, "value": shown})
    return rows


def _tier_text(criterion: Criterion, threshold: str) -> str:
    amount = Decimal(threshold)
    if criterion.kind == Criterion.Kind.REGISTERED_CAPITAL:
        return _("at least %(amount)s CNY") % {"amount": f"{amount:,.0f}"}
    return _("at least %(count)s stores") % {"count": f"{amount:,.0f}"}


def _criteria(round: TenderRound) -> tuple[list[dict], Decimal]:
    rows = []
    for criterion in round.criteria.all():
        tiers = []
        if criterion.kind in TIERED_KINDS:
            for threshold, share in criterion.tiers or []:
                tiers.append(
                    {
                        "text": _tier_text(criterion, threshold),
                        "points": (criterion.weight * Decimal(share)).quantize(Decimal("0.01")),
                    }
                )
        rows.append(
            {
                "name": criterion.name,
                "kind": criterion.get_kind_display(),
                "weight": criterion.weight,
                "tiers": tiers,
            }
        )
    return rows, sum((row["weight"] for row in rows), Decimal("0"))


def _documents(page, round: TenderRound, request) -> list[dict]:
    """Each kind of document: its current version first, then the earlier ones."""
    base = (page.get_url(request) or "").rstrip("/")
    by_kind: dict[str, list[dict]] = {}
    for document in round.documents.order_by("kind", "-version"):
        by_kind.setdefault(document.kind, []).append(
            {
                "document": document,
                "name": document.file.name.rsplit("/", 1)[-1],
                "url": f"{base}/{page.reverse_subpage('document', args=(document.pk,))}",
            }
        )
    return [
        {
            "kind": kind,
            "label": label,
            "current": by_kind[kind][0],
            "earlier": by_kind[kind][1:],
        }
        for kind, label in RoundDocument.Kind.choices
        if kind in by_kind
    ]


def _lots(round: TenderRound, request) -> list[dict]:
    from cms import station_pages

    lots = lots_for(AnonymousUser(), round)  # the reserve stays None until the award
    awards = {
        award.lot_id: award
        for award in Award.objects.filter(lot__round=round).select_related("merchant")
    }
    station_urls = station_pages.station_urls({lot.station_id for lot in lots}, request)
    rows = []
    for lot in lots:
        units = sorted(lot.units.all(), key=lambda unit: unit.code)
        award = awards.get(lot.pk)
        rows.append(
            {
                "lot": lot,
                "station": lot.station,
                "station_name": station_pages.station_name(lot.station),
                "station_url": station_urls.get(lot.station_id),
                "units": units,
                "area_m2": sum((unit.area_m2 for unit in units), Decimal("0.00")),
                "business_type": category_name(lot.business_type),
                "reserve": money(lot.reserve_annual_rent),
                "award": award,
                "awarded_rent": money(award.annual_rent) if award else None,
            }
        )
    return rows


def _result(round: TenderRound) -> dict:
    """The published result (None before its publication) and whether an earlier one was
    withdrawn after an upheld objection."""
    results = list(Result.objects.filter(round=round).select_related("signed_by"))
    standing = next((r for r in results if r.withdrawn_at is None), None)
    published = round.status in RESULT_STATUSES and round.publicity_ends_at is not None
    return {
        "result": report_view(standing) if published and standing else None,
        "result_withdrawn": (
            round.status in (Status.OPENED, Status.SCORED)
            and any(r.withdrawn_at is not None for r in results)
        ),
    }


def notice_context(page, round: TenderRound, request) -> dict:
    now = timezone.now()
    criteria, criteria_total = _criteria(round)
    phase = phase_of(round, now)
    lots = _lots(round, request)
    context = {
        "round": round,
        "now": now,
        "phase": phase,
        "schedule": _schedule(round, now),
        "thresholds": _thresholds(round),
        "criteria": criteria,
        "criteria_total": criteria_total,
        "lots": lots,
        "total_area_m2": sum((row["area_m2"] for row in lots), Decimal("0.00")),
        "reserve_public": round.status == Status.AWARDED,
        "documents": _documents(page, round, request),
        "bid_countdown": phase.open,
        "objection_countdown": round.status == Status.PUBLICITY
        and round.publicity_ends_at is not None
        and now < round.publicity_ends_at,
    }
    context.update(_result(round))
    return context


# --- the page made for a published round ----------------------------------------------------


def notice_page_ensure(round: TenderRound):
    """The notice page of ``round``, made under the notice index if it has none yet.

    Only for a round that has been published (a draft or cancelled round gets none); nothing
    happens while the site has no notice index. The page is live at once but answers 404
    until the round's publication time.
    """
    from cms.models import TenderNoticeIndexPage, TenderNoticePage

    if round.status not in PUBLIC_STATUSES:
        return None
    existing = TenderNoticePage.objects.filter(round=round).first()
    if existing is not None:
        return existing
    index = TenderNoticeIndexPage.objects.live().first()
    if index is None:
        return None
    base = slugify(round.code) or f"round-{round.pk}"
    taken = set(index.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    page = TenderNoticePage(title=f"{round.code} {round.title}", slug=slug, round=round)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def on_round_published(round_id: int) -> None:
    """tenders.notices listener: a round was published, so its notice gets its page."""
    round = TenderRound.objects.filter(pk=round_id).first()
    if round is not None:
        notice_page_ensure(round)
