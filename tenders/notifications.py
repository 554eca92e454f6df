"""What the tender process tells merchants, and when.

A round published: the merchants with a demand that fits a unit of one of its lots (tenders
matching) and wants the lot's business type. The bid deadline coming: the admitted merchants
with no live bid in the round (``manage.py send_reminders``). The opening, the result in
publicity and the award: the round's bidders. Each merchant's members are told, each in their
own language, once per event (notifications.services.notify).

The services call the ``*_later`` functions, which enqueue a task after their commit.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from notifications.reminders import window
from notifications.services import notify_all
from notifications.tasks import enqueue_on_commit
from tenders.matching import demands_for_unit
from tenders.models import Application, Award, Bid, Lot, Merchant, RankedBid, TenderRound
from tenders.selectors import merchant_members

Status = TenderRound.Status
#: Days before the bid deadline at which admitted merchants who have not bid are reminded.
BID_REMINDER_DAYS = (1, 3)
BIDDING_STATUSES = (Status.PUBLISHED, Status.APPLICATIONS_CLOSED)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _tender_url(round_id: int, view: str = "portal:tender") -> str:
    return reverse(view, args=(round_id,))


def _tell(merchant: Merchant, **message) -> int:
    return len(notify_all(merchant_members(merchant), **message))


# --- a round published -------------------------------------------------------------------


def matching_merchants(round: TenderRound) -> dict[Merchant, list[Lot]]:
    """The merchants with an active demand that fits a unit of an open lot of ``round`` (the
    matching's every check passed) and wants the lot's business type (or its class), with the
    lots each one fits, by lot number."""
    found: dict[int, tuple[Merchant, list[Lot]]] = {}
    lots = (
        round.lots.filter(status=Lot.Status.OPEN)
        .select_related("business_type")
        .prefetch_related("units")
        .order_by("number")
    )
    for lot in lots:
        for unit in lot.units.all():
            for match in demands_for_unit(unit):
                demand = match.demand
                wanted = {demand.business_type_id, demand.business_type.parent_id}
                if not match.fits or lot.business_type_id not in wanted:
                    continue
                merchant, fitting = found.setdefault(demand.merchant_id, (demand.merchant, []))
                if lot not in fitting:
                    fitting.append(lot)
    return dict(found.values())


@task()
def round_published(round_id: int) -> int:
    """Tell the merchants whose demands match a lot of the round; returns how many users."""
    round = TenderRound.objects.get(pk=round_id)
    told = 0
    for merchant, lots in matching_merchants(round).items():
        told += _tell(
            merchant,
            kind="round_published",
            key=f"round-published:{round.pk}",
            subject=lambda: (
                _("New tender round %(code)s: %(title)s")
                % {"code": round.code, "title": round.title}
            ),
            body=partial(_round_published_body, round, lots),
            url=_tender_url(round.pk),
        )
    return told


def _round_published_body(round: TenderRound, lots: list[Lot]) -> str:
    return _(
        "The tender round %(code)s (%(title)s) offers lots that match your demand: %(lots)s. "
        "Applications are open from %(opens)s to %(closes)s; bids are due by %(deadline)s."
    ) % {
        "code": round.code,
        "title": round.title,
        "lots": "; ".join(
            _("lot %(number)s: %(title)s") % {"number": lot.number, "title": lot.title}
            for lot in lots
        ),
        "opens": _when(round.application_opens_at),
        "closes": _when(round.application_closes_at),
        "deadline": _when(round.bid_deadline),
    }


def round_published_later(round: TenderRound) -> None:
    enqueue_on_commit(round_published, round.pk)


# --- the bid deadline --------------------------------------------------------------------


def send_bid_deadline_reminders(now: dt.datetime) -> None:
    """Remind the admitted merchants of each round still taking bids that have no live bid in
    it: 3 days and 1 day before the deadline (the smallest window reached; each once)."""
    horizon = now + dt.timedelta(days=max(BID_REMINDER_DAYS))
    rounds = TenderRound.objects.filter(
        status__in=BIDDING_STATUSES, bid_deadline__gt=now, bid_deadline__lte=horizon
    )
    for round in rounds:
        remaining_days = (round.bid_deadline - now).total_seconds() / 86400
        days = window(remaining_days, BID_REMINDER_DAYS)
        bidders = Bid.objects.filter(round=round, status=Bid.Status.ACTIVE).values("merchant")
        merchants = Merchant.objects.filter(
            applications__round=round, applications__status=Application.Status.ADMITTED
        ).exclude(pk__in=bidders)
        for merchant in merchants:
            _remind_to_bid(round, merchant, days)


def _remind_to_bid(round: TenderRound, merchant: Merchant, days: int) -> None:
    values = {"code": round.code, "title": round.title, "deadline": _when(round.bid_deadline)}
    _tell(
        merchant,
        kind="bid_deadline",
        key=f"bid-deadline:{round.pk}:{merchant.pk}:{days}",
        subject=lambda: _("Bids for %(code)s are due by %(deadline)s") % values,
        body=lambda: (
            _(
                "Your company is admitted to the tender round %(code)s (%(title)s) and has not "
                "submitted a bid. Bids are due by %(deadline)s; a bid received after that is "
                "refused."
            )
            % values
        ),
        url=_tender_url(round.pk),
    )


# --- the opening, the result, the award ---------------------------------------------------


def bidders(round: TenderRound):
    """The merchants whose bids were opened in ``round``."""
    return (
        Merchant.objects.filter(bids__round=round, bids__opened__isnull=False)
        .distinct()
        .order_by("pk")
    )


@task()
def bids_opened(round_id: int) -> int:
    round = TenderRound.objects.select_related("opening").get(pk=round_id)
    told = 0
    for merchant in bidders(round):
        told += _tell(
            merchant,
            kind="bids_opened",
            key=f"bids-opened:{round.pk}",
            subject=lambda: _("Bids opened: %(code)s") % {"code": round.code},
            body=lambda: (
                _(
                    "The sealed bids of the tender round %(code)s (%(title)s) were opened on "
                    "%(when)s. The opening record lists every bid received, with its offer and "
                    "whether it is valid."
                )
                % {
                    "code": round.code,
                    "title": round.title,
                    "when": _when(round.opening.opened_at),
                }
            ),
            url=_tender_url(round.pk, "portal:tender_opening"),
        )
    return told


def bids_opened_later(round: TenderRound) -> None:
    enqueue_on_commit(bids_opened, round.pk)


@task()
def result_published(round_id: int) -> int:
    """Tell each bidder the result in publicity, with the rank of each of its bids."""
    round = TenderRound.objects.get(pk=round_id)
    result = round.results.filter(withdrawn_at__isnull=True).first()
    if result is None:
        return 0
    told = 0
    for merchant in bidders(round):
        ranked = RankedBid.objects.filter(
            result=result, bid__bid__merchant=merchant
        ).select_related("lot")
        places = [(r.lot.number, r.rank) for r in ranked.order_by("lot__number")]

        def body(places=places) -> str:
            lines = [
                _(
                    "The committee's result of the tender round %(code)s (%(title)s) is in "
                    "publicity until %(until)s; an objection may be lodged until then."
                )
                % {
                    "code": round.code,
                    "title": round.title,
                    "until": _when(round.publicity_ends_at),
                }
            ]
            lines += [
                _("Lot %(lot)s: your bid ranks %(rank)s.") % {"lot": lot, "rank": rank}
                for lot, rank in places
            ]
            if not places:
                lines.append(_("None of your bids was valid, so none is ranked."))
            return "\n".join(lines)

        told += _tell(
            merchant,
            kind="result_published",
            key=f"result:{result.pk}",
            subject=lambda: _("Result of %(code)s") % {"code": round.code},
            body=body,
            url=_tender_url(round.pk, "portal:tender_result"),
        )
    return told


def result_published_later(round: TenderRound) -> None:
    enqueue_on_commit(result_published, round.pk)


@task()
def round_awarded(round_id: int) -> int:
    """Tell each bidder the award: the lots it won, or that it won none."""
    round = TenderRound.objects.get(pk=round_id)
    told = 0
    for merchant in bidders(round):
        won = [
            (award.lot.number, award.lot.title, f"{award.annual_rent:,.2f}")
            for award in Award.objects.filter(lot__round=round, merchant=merchant)
            .select_related("lot")
            .order_by("lot__number")
        ]

        def body(won=won) -> str:
            if not won:
                return _(
                    "The tender round %(code)s (%(title)s) is decided; none of its lots was "
                    "awarded to your company. Thank you for bidding."
                ) % {"code": round.code, "title": round.title}
            lines = [
                _("The tender round %(code)s (%(title)s) is decided.")
                % {"code": round.code, "title": round.title}
            ]
            lines += [
                _("Lot %(lot)s (%(title)s) is awarded to your company at %(rent)s CNY a year.")
                % {"lot": number, "title": title, "rent": rent}
                for number, title, rent in won
            ]
            lines.append(_("The leasing officer will prepare the lease with you."))
            return "\n".join(lines)

        told += _tell(
            merchant,
            kind="round_awarded",
            key=f"award:{round.pk}",
            subject=lambda won=won: (
                (_("Awarded: %(code)s") if won else _("Decided: %(code)s")) % {"code": round.code}
            ),
            body=body,
            url=_tender_url(round.pk, "portal:tender_result"),
        )
    return told


def round_awarded_later(round: TenderRound) -> None:
    enqueue_on_commit(round_awarded, round.pk)
