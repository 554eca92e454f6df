"""An opened round with its committee seated, built through the services on a frozen clock."""

import datetime as dt
from dataclasses import dataclass, field

from stations import roles
from tenders import committee, scoring
from tenders.models import Lot, OpenedBid, Seat, TenderRound
from tenders.opening import opening_confirm
from tests.factories import UserFactory
from tests.tenders.bid_factories import BIDDING, DEADLINE, applicant, bid, bidding_round
from tests.tenders.factories import MerchantFactory, tender_inspector, tender_officer

AFTER = DEADLINE + dt.timedelta(hours=1)
DEPARTMENTS = list(Seat.Department.values)


def member(**kwargs):
    return UserFactory(roles=[roles.COMMITTEE_MEMBER], **kwargs)


@dataclass
class Opened:
    """An opened round: its lots, bidders (merchant, user) by letter, officer and inspector."""

    round: TenderRound
    lots: list[Lot]
    merchants: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    officer: object = None
    inspector: object = None

    def refresh(self) -> TenderRound:
        self.round = TenderRound.objects.get(pk=self.round.pk)
        return self.round

    def bid_of(self, letter: str, lot: Lot | None = None) -> OpenedBid:
        lot = lot or self.lots[0]
        return OpenedBid.objects.get(
            bid__merchant=self.merchants[letter], bid__lot=lot, bid__status="active"
        )


def opened_round(clock, offers=None, *, capital=None) -> Opened:
    """A round whose bids are open: by default lot 1 has A 150000, B 130000 and C 110000
    (below the 120000 reserve: invalid); lot 2 has D 125000. ``capital`` sets a bidder's
    registered capital by letter."""
    offers = offers or {1: {"a": "150000.00", "b": "130000.00", "c": "110000.00"},
                        2: {"d": "125000.00"}}  # fmt: skip
    capital = capital or {}
    round_obj = bidding_round(clock, lots=len(offers))
    lots = list(round_obj.lots.order_by("number"))
    opened = Opened(round=round_obj, lots=lots)
    for by_letter in offers.values():
        for letter in by_letter:
            if letter in opened.merchants:
                continue
            kwargs = {"registered_capital": capital[letter]} if letter in capital else {}
            merchant = MerchantFactory(name=f"Merchant {letter.upper()}", **kwargs)
            wanted = [lots[n - 1] for n, bids in offers.items() if letter in bids]
            opened.merchants[letter], opened.users[letter] = applicant(
                round_obj, wanted, merchant=merchant
            )
    clock.move_to(BIDDING)
    for number, by_letter in offers.items():
        for letter, amount in by_letter.items():
            clock.shift(dt.timedelta(minutes=1))
            bid(opened.users[letter], round_obj, lots[number - 1], amount)
    clock.move_to(AFTER)
    opened.officer, opened.inspector = tender_officer(), tender_inspector()
    opening_confirm(actor=opened.officer, round=round_obj)
    opening_confirm(actor=opened.inspector, round=round_obj)
    opened.refresh()
    return opened


def seat_committee(opened: Opened, size: int = 5) -> list:
    """``size`` members seated (the first is the chair), in different departments."""
    members = [member() for _ in range(size)]
    for n, user in enumerate(members):
        committee.seat_appoint(
            actor=opened.officer,
            round=opened.round,
            user=user,
            department=DEPARTMENTS[n % len(DEPARTMENTS)],
            is_chair=n == 0,
        )
    return members


def declare_all(opened: Opened, members, *, conflicts=()) -> None:
    """Every member declares towards every bidder; (member index, bidder letter) pairs are
    conflicts (recusing the member from that bidder's lots)."""
    for n, user in enumerate(members):
        committee.declarations_submit(
            actor=user,
            round=opened.round,
            conflicts={
                opened.merchants[letter].pk: "My brother-in-law manages this bidder."
                for index, letter in conflicts
                if index == n
            },
        )


def sheet(lot: Lot, points_by_letter: dict, opened: Opened) -> dict:
    """A score map for ``lot``'s subjective criteria: {letter: points} for every criterion."""
    criteria = list(lot.round.criteria.filter(kind="subjective"))
    return {
        (opened.bid_of(letter, lot).pk, criterion.pk): points
        for letter, points in points_by_letter.items()
        for criterion in criteria
    }


def score_all(opened: Opened, members, points: dict[int, list[dict]] | None = None) -> None:
    """Each member submits their sheet per lot: points[lot number][member index] = {letter:
    points}; by default every member gives A 25, B 20 on lot 1 and D 22 on lot 2."""
    for n, user in enumerate(members):
        for lot in opened.lots:
            if lot.pk in committee.recused_lots(Seat.objects.get(round=lot.round, user=user)):
                continue
            default = {1: {"a": "25", "b": "20"}, 2: {"d": "22"}}.get(lot.number, {})
            given = points[lot.number][n] if points and lot.number in points else default
            if not given:  # a lot without a valid bid has nothing to score
                continue
            scoring.scoresheet_submit(actor=user, lot=lot, scores=sheet(lot, given, opened))
