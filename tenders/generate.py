"""Synthetic merchants and tender rounds at national proportions, for ``generate_network``.

Writes merchants with valid credit codes, brands, demands, and for each station's units
tender rounds in every status: criteria, lots, applications, sealed bids (really sealed under
each round's own key, as tenders.bids does), openings, committee seats and declarations,
score sheets, results with their ranking (the formulas of tenders.scoring) and awards.
Everything is bulk-inserted straight into the tables, bypassing the services (scale tests and
benchmarks only); the journal gets, as ``audit.record_many`` writes them, the entries that
``verify_audit`` compares the records with (bid.submit, opening.open, score.submit,
award.make). Deterministic for a given random generator, except the keys and seals.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from stations.generate import RENT_M2_MONTH, StationSpace, insert_models, insert_rows, journal
from stations.models import BusinessCategory, Station, Unit
from tenders.applications import application_checks
from tenders.bids import bid_aad, canonical_json, sha256_hex
from tenders.credit_code import ALPHABET, check_character
from tenders.models import (
    Application,
    Award,
    Bid,
    Brand,
    Criterion,
    Declaration,
    Demand,
    Lot,
    Merchant,
    OpenedBid,
    Opening,
    OpeningConfirmation,
    RankedBid,
    Result,
    Score,
    ScoreSheet,
    Seat,
    TenderRound,
)
from tenders.scoring import price_points, quantize, trimmed_mean
from tenders.sealing import new_round_key, seal

Status = TenderRound.Status
UTC = dt.UTC

# ~10,000 brands for 6,000 stations; a merchant holds 1.25 brands on average.
BRANDS_PER_STATION = 10_000 / 6_000
BRANDS_PER_MERCHANT = 1.25
DEMANDS_PER_BRAND = 1.5
# Three quarters of the units go to tender, one unit a lot, 1.5 lots a round: ~50,000 rounds
# for 100,000 units; 2 to 5 bidders a round bid for every lot (~5 bids a round, ~250,000);
# 5 members score 2 subjective criteria (10 scores a valid bid, ~2,000,000).
TENDERED_SHARE = 0.75
MEMBERS = 5
STATUS_WEIGHTS = {
    Status.AWARDED: 72,
    Status.FAILED: 6,
    Status.CANCELLED: 3,
    Status.PUBLICITY: 3,
    Status.SCORED: 2,
    Status.OPENED: 3,
    Status.BIDDING_CLOSED: 2,
    Status.APPLICATIONS_CLOSED: 3,
    Status.PUBLISHED: 4,
    Status.DRAFT: 2,
}
OPENED_STATUSES = {Status.OPENED, Status.SCORED, Status.PUBLICITY, Status.AWARDED, Status.FAILED}
RESULT_STATUSES = {Status.SCORED, Status.PUBLICITY, Status.AWARDED}
BIDDING_STATUSES = OPENED_STATUSES | {Status.PUBLISHED, Status.APPLICATIONS_CLOSED,
                                      Status.BIDDING_CLOSED}  # fmt: skip
DIVISIONS = ["110105", "310115", "430102", "430104", "440106", "420106", "510107", "330106"]
PREFIXES = "华湘楚鑫百嘉万金蓝翠福瑞恒达新康乐悦和美"
SUFFIXES = "味记坊园家源轩屋堂号"


def credit_code(number: int, rng: random.Random) -> str:
    """A valid unified social credit code, unique for ``number`` (its organisation code is
    ``number`` in base 31), for a company (91) registered in one of a few divisions."""
    digits, n = [], number
    for _position in range(9):
        n, digit = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[digit])
    first17 = "91" + rng.choice(DIVISIONS) + "".join(reversed(digits))
    return first17 + check_character(first17)


@dataclass
class People:
    officers: list
    inspectors: list
    members: list


@dataclass
class Market:
    """The merchants able to bid (a company operating directly), by business type."""

    merchants: list[Merchant]
    eligible: list[Merchant]
    by_type: dict[int, list[Merchant]] = field(default_factory=dict)
    brand_types: list[tuple[Brand, BusinessCategory]] = field(default_factory=list)
    ineligible: list[Merchant] = field(default_factory=list)  # a few, refused when they apply


def generate_merchants(
    *, rng: random.Random, stations: int, catalogue, first_number: int = 1
) -> Market:
    """Merchants and brands for ``stations`` stations, numbered from ``first_number`` (a
    network grown later numbers on, so that credit codes stay unique)."""
    brand_count = max(6, round(stations * BRANDS_PER_STATION))
    merchant_count = max(5, round(brand_count / BRANDS_PER_MERCHANT))
    merchants = []
    for n in range(first_number, first_number + merchant_count):
        legal_form = rng.choices(
            [Merchant.LegalForm.COMPANY, Merchant.LegalForm.INDIVIDUAL, Merchant.LegalForm.OTHER],
            weights=[95, 3, 2],
        )[0]
        name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)}{n:05d}"
        merchants.append(
            Merchant(
                name=f"{name}商贸有限公司" if legal_form == "company" else f"{name}商行",
                credit_code=credit_code(n, rng),
                legal_form=legal_form,
                registered_capital=Decimal(rng.randrange(10, 2000)) * 100_000,
                founded_on=dt.date(rng.randrange(1990, 2022), rng.randrange(1, 13), 1),
                operation_mode=rng.choices(
                    [Merchant.OperationMode.DIRECT, Merchant.OperationMode.FRANCHISE],
                    weights=[90, 10],
                )[0],
                store_count=rng.randrange(3, 3000),
                customer_rating=Decimal(rng.randrange(350, 500)) / 100,
                contact_name=f"联系人{n}",
            )
        )
    insert_models(Merchant, merchants)
    brands, brand_types = [], []
    for n in range(1, brand_count + 1):
        merchant = merchants[(n - 1) % merchant_count]
        category = rng.choices(catalogue.types, weights=catalogue.weights)[0]
        brand = Brand(merchant=merchant, name_zh=f"品牌{n:05d}", name_en=f"Brand {n:05d}")
        brands.append(brand)
        brand_types.append((brand, category))
    insert_models(Brand, brands)
    insert_rows(
        Brand.business_types.through,
        ["brand_id", "businesscategory_id"],
        [(b.pk, c.pk) for b, c in brand_types],
    )
    eligible = [
        m
        for m in merchants
        if m.legal_form == Merchant.LegalForm.COMPANY
        and m.operation_mode == Merchant.OperationMode.DIRECT
    ]
    market = Market(merchants=merchants, eligible=eligible)
    eligible_ids = {m.pk for m in eligible}
    market.ineligible = [m for m in merchants if m.pk not in eligible_ids][:50]
    for brand, category in brand_types:
        if brand.merchant_id in eligible_ids:
            pool = market.by_type.setdefault(category.pk, [])
            if brand.merchant not in pool:
                pool.append(brand.merchant)
    market.brand_types = brand_types
    return market


def generate_demands(*, rng: random.Random, market: Market, station_ids: list[int]) -> int:
    """About 1.5 demands a brand, each for 1 to 3 stations or for tiers."""
    demands, wanted = [], []
    for brand, category in market.brand_types:
        for _n in range(rng.choice([1, 1, 2])):
            area = Decimal(rng.randrange(10, 120))
            demand = Demand(
                merchant=brand.merchant,
                brand=brand,
                business_type=category,
                tiers=rng.choice([[], [], ["provincial"], ["provincial", "prefecture"]]),
                location_wish=rng.choice(["", "候车厅", "出站口", "进站口"]),
                area_min_m2=area,
                area_max_m2=area + rng.randrange(0, 60),
                power_kw=category.min_power_kw,
                floor_sockets=category.min_floor_sockets,
                needs_water=category.needs_water,
                needs_drainage=category.needs_drainage,
                needs_exhaust=category.needs_exhaust,
                intended_rent_m2_month=Decimal(rng.randrange(100, 900)),
                lease_mode=rng.choice(Demand.LeaseMode.values),
                term_months=rng.choice([36, 60]),
                is_active=rng.random() < 0.9,
            )
            demands.append(demand)
            wanted.append(rng.sample(station_ids, min(len(station_ids), rng.randrange(1, 4))))
    insert_models(Demand, demands)
    insert_rows(
        Demand.stations.through,
        ["demand_id", "station_id"],
        [
            (demand.pk, station_id)
            for demand, ids in zip(demands, wanted, strict=True)
            for station_id in ids
        ],
    )
    return len(demands)


@dataclass
class Schedule:
    publication_at: dt.datetime
    application_opens_at: dt.datetime
    application_closes_at: dt.datetime
    bid_deadline: dt.datetime
    opening_at: dt.datetime


def _schedule(status: str, now: dt.datetime, rng: random.Random) -> Schedule:
    """Dates that fit the status: a past round for a finished one, the deadline ahead for a
    round still taking bids."""
    offsets = {  # days from now to the publication
        Status.DRAFT: rng.randrange(5, 20),
        Status.PUBLISHED: -rng.randrange(3, 9),
        Status.APPLICATIONS_CLOSED: -rng.randrange(11, 18),
        Status.BIDDING_CLOSED: -rng.randrange(22, 24),
        Status.OPENED: -rng.randrange(25, 30),
        Status.SCORED: -rng.randrange(30, 35),
        Status.PUBLICITY: -rng.randrange(35, 37),
    }
    # Finished rounds: published 30 days to ~3 years ago (the award ~28 days after).
    days = offsets.get(status, -rng.randrange(30, 1000))
    publication = (now + dt.timedelta(days=days)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )
    return Schedule(
        publication_at=publication,
        application_opens_at=publication,
        application_closes_at=publication + dt.timedelta(days=10),
        bid_deadline=publication + dt.timedelta(days=20),
        opening_at=publication + dt.timedelta(days=20, hours=1),
    )


@dataclass
class Awarded:
    """What the leases are made from."""

    award: Award
    lot: Lot
    units: list[Unit]


@dataclass
class TenderChunk:
    awards: list[Awarded] = field(default_factory=list)
    tendered: set[int] = field(default_factory=set)  # the units in a lot
    rounds: int = 0
    bids: int = 0
    scores: int = 0


class _Rows:
    """The rows of one chunk, gathered in Python and inserted table by table."""

    def __init__(self):
        self.rounds, self.criteria, self.lots, self.lot_units = [], [], [], []
        self.applications, self.application_lots = [], []
        self.bids = []


def generate_rounds(
    *,
    rng: random.Random,
    spaces: list[StationSpace],
    market: Market,
    people: People,
    now: dt.datetime,
    first_number: int,
) -> TenderChunk:
    """Tender rounds for the units of ``spaces``; returns the awards for the leases."""
    chunk = TenderChunk()
    with translation.override(settings.LANGUAGE_CODE):
        plans = _plan_rounds(rng, spaces, market, now, first_number)
        _insert(rng, plans, market, people, now, chunk)
    return chunk


@dataclass
class _LotPlan:
    lot: Lot
    unit: Unit
    category: BusinessCategory
    valid: bool = False


@dataclass
class _RoundPlan:
    round: TenderRound
    station: Station
    lots: list[_LotPlan]
    bidders: list[Merchant]
    refused: list[Merchant]
    criteria: list[Criterion] = field(default_factory=list)
    key: bytes = b""


def _plan_rounds(rng, spaces, market, now, first_number) -> list[_RoundPlan]:
    plans = []
    number = first_number
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    for space in spaces:
        station = space.station
        tendered = [
            u
            for u in space.units
            if u.kind != Unit.Kind.ATM and rng.random() < TENDERED_SHARE / 0.97
        ]
        rent = RENT_M2_MONTH[station.tier]
        n_in_station = 0
        while tendered:
            size = min(len(tendered), rng.choice([1, 1, 2, 2]))
            units, tendered = tendered[:size], tendered[size:]
            n_in_station += 1
            number += 1
            status = rng.choices(statuses, weights=weights)[0]
            if number <= len(statuses):  # the network's first rounds: one in every status
                status = statuses[number - 1]
            schedule = _schedule(status, now, rng)
            code = f"GR{number:07d}"
            round_obj = TenderRound(
                code=code,
                title=f"{station.name_zh}商业网点公开招租（第{n_in_station}批）",
                status=status,
                **schedule.__dict__,
                publicity_days=3,
                publicity_ends_at=(
                    schedule.opening_at + dt.timedelta(days=rng.randrange(6, 9))
                    if status in {Status.PUBLICITY, Status.AWARDED}
                    else None
                ),
                min_registered_capital=Decimal("1000000"),
                company_only=True,
                direct_only=True,
                no_credit_bar=True,
            )
            if status == Status.PUBLICITY and round_obj.publicity_ends_at <= now:
                round_obj.publicity_ends_at = now + dt.timedelta(days=1)
            lots = []
            for k, unit in enumerate(units, start=1):
                category = space.unit_type[unit.pk]
                reserve = (unit.area_m2 * rent * 12 / 100).quantize(Decimal("1")) * 100
                lots.append(
                    _LotPlan(
                        Lot(
                            round=round_obj,
                            number=k,
                            title=f"{unit.code} {category.name_zh}",
                            station=station,
                            business_type=category,
                            term_months=rng.choice([60, 60, 96]),
                            reserve_annual_rent=max(reserve, Decimal("1200")),
                        ),
                        unit,
                        category,
                    )
                )
            pool = market.by_type.get(lots[0].category.pk, [])
            count = rng.randrange(2, 6)
            bidders = rng.sample(pool, min(count, len(pool)))
            extra = [m for m in rng.sample(market.eligible, min(8, len(market.eligible)))
                     if m not in bidders]  # fmt: skip
            bidders += extra[: count - len(bidders)]
            ineligible = market.ineligible
            refused = [rng.choice(ineligible)] if ineligible and rng.random() < 0.1 else []
            if status in {Status.DRAFT, Status.CANCELLED}:
                bidders, refused = [], []
            plans.append(_RoundPlan(round_obj, station, lots, bidders, refused))
    return plans


def _criteria(round_obj: TenderRound) -> list[Criterion]:
    return [
        Criterion(round=round_obj, name="租金报价", kind=Criterion.Kind.PRICE,
                  weight=Decimal("40"), sort_order=1),
        Criterion(round=round_obj, name="经营方案", kind=Criterion.Kind.SUBJECTIVE,
                  weight=Decimal("30"), sort_order=2),
        Criterion(round=round_obj, name="品牌与服务", kind=Criterion.Kind.SUBJECTIVE,
                  weight=Decimal("30"), sort_order=3),
    ]  # fmt: skip


def _insert(rng, plans: list[_RoundPlan], market, people: People, now, chunk: TenderChunk):
    # The offers first: a round past its opening with no valid offer at all has failed, and
    # the lots' statuses follow their bids.
    offers: dict[tuple[int, int, int], Decimal] = {}  # (plan, lot number, bidder) → offer
    for i, plan in enumerate(plans):
        failing = plan.round.status == Status.FAILED
        any_valid = False
        for lot_plan in plan.lots:
            reserve = lot_plan.lot.reserve_annual_rent
            for merchant in plan.bidders:
                factor = rng.uniform(0.6, 0.95) if failing else rng.uniform(0.95, 1.5)
                offers[i, lot_plan.lot.number, merchant.pk] = (
                    reserve * Decimal(str(round(factor, 3)))
                ).quantize(Decimal("1"))
            lot_plan.valid = any(
                offers[i, lot_plan.lot.number, m.pk] >= reserve for m in plan.bidders
            )
            any_valid = any_valid or lot_plan.valid
        if plan.round.status in OPENED_STATUSES and not any_valid:
            plan.round.status = Status.FAILED
            plan.round.publicity_ends_at = None
        for lot_plan in plan.lots:
            if plan.round.status == Status.AWARDED:
                lot_plan.lot.status = Lot.Status.AWARDED if lot_plan.valid else Lot.Status.FAILED
            elif plan.round.status == Status.FAILED:
                lot_plan.lot.status = Lot.Status.FAILED
    for plan in plans:
        plan.key, plan.round.wrapped_key = new_round_key(round_code=plan.round.code)
        plan.round.created_by = people.officers[0]
    insert_models(TenderRound, [p.round for p in plans])
    chunk.rounds += len(plans)
    for plan in plans:
        plan.criteria = _criteria(plan.round)
    insert_models(Criterion, [c for p in plans for c in p.criteria])
    insert_models(Lot, [lp.lot for p in plans for lp in p.lots])
    chunk.tendered.update(lp.unit.pk for p in plans for lp in p.lots)
    insert_rows(
        Lot.units.through,
        ["lot_id", "unit_id"],
        [(lp.lot.pk, lp.unit.pk) for p in plans for lp in p.lots],
    )
    _applications(plans, now)
    bids_of = _bids(rng, plans, offers, now)
    chunk.bids += sum(len(b) for b in bids_of.values())
    opened_of = _openings(plans, bids_of, people)
    seats_of = _committee(rng, plans, opened_of, people)
    chunk.scores += _scores_and_results(rng, plans, opened_of, seats_of, people, chunk)


def _applications(plans: list[_RoundPlan], now) -> None:
    applications, links = [], []
    for plan in plans:
        # The credit bar is read per merchant from the database: the generated merchants have
        # no credit records, so the check is written as the service would find it.
        no_bar = copy.copy(plan.round)
        no_bar.no_credit_bar = False
        on = plan.round.application_closes_at.date()
        for merchant, admitted in [(m, True) for m in plan.bidders] + [
            (m, False) for m in plan.refused
        ]:
            checks = application_checks(no_bar, merchant, on=on)
            checks.append(
                {
                    "threshold": "credit",
                    "passed": True,
                    "required": _("no blacklist entry in force"),
                    "actual": _("none"),
                    "reason": _("no blacklist entry in force"),
                }
            )
            decided = plan.round.status != Status.PUBLISHED
            status = (
                Application.Status.PENDING
                if not decided
                else Application.Status.ADMITTED
                if admitted
                else Application.Status.REFUSED
            )
            if not admitted and not decided:
                status = Application.Status.PENDING
            application = Application(
                round=plan.round,
                merchant=merchant,
                status=status,
                checks=checks,
                submitted_at=plan.round.application_opens_at + dt.timedelta(hours=12),
                decided_at=(
                    plan.round.application_opens_at + dt.timedelta(hours=18) if decided else None
                ),
            )
            if status == Application.Status.PENDING and admitted:
                # Still taking bids: admitted already, so that its bids are consistent.
                application.status = Application.Status.ADMITTED
                application.decided_at = plan.round.application_opens_at + dt.timedelta(hours=18)
            applications.append(application)
            links.extend((application, lp.lot) for lp in plan.lots)
    insert_models(Application, applications)
    insert_rows(
        Application.lots.through,
        ["application_id", "lot_id"],
        [(a.pk, lot.pk) for a, lot in links],
    )


def _seal(plan: _RoundPlan, lot: Lot, merchant: Merchant, version: int, amount: Decimal):
    payload = {
        "annual_rent": f"{amount:.2f}",
        "proposal": f"{merchant.name}：{lot.title}经营方案（第{version}版）",
        "documents": [],
        "merchant": merchant.pk,
        "lot": lot.pk,
        "version": version,
    }
    return seal(
        plan.key,
        canonical_json(payload),
        aad=bid_aad(plan.round.code, lot.pk, merchant.pk, version),
    )


def _bids(rng, plans, offers, now) -> dict[int, list[Bid]]:
    """Every bidder's bid for every lot, one in ten replacing an earlier version; journaled."""
    bids_of: dict[int, list[Bid]] = {}
    entries = []
    rows = []
    for i, plan in enumerate(plans):
        if plan.round.status not in BIDDING_STATUSES:
            continue
        # Received after the admission (a day after the applications open), before the
        # deadline and before now.
        window_from = plan.round.application_opens_at + dt.timedelta(days=1)
        window = (min(plan.round.bid_deadline, now) - window_from).total_seconds() - 1
        if window <= 0:
            continue
        sequence = 0
        round_bids = bids_of.setdefault(i, [])
        for lot_plan in plan.lots:
            lot = lot_plan.lot
            for merchant in plan.bidders:
                amount = offers[i, lot.number, merchant.pk]
                versions = 2 if rng.random() < 0.1 else 1
                for version in range(1, versions + 1):
                    sequence += 1
                    offered = amount if version == versions else amount * Decimal("0.95")
                    sealed = _seal(plan, lot, merchant, version, offered.quantize(Decimal("1")))
                    received = window_from + dt.timedelta(
                        seconds=rng.randrange(0, int(window)), microseconds=sequence
                    )
                    bid = Bid(
                        round=plan.round,
                        lot=lot,
                        merchant=merchant,
                        version=version,
                        status=Bid.Status.ACTIVE if version == versions else Bid.Status.REPLACED,
                        received_at=received,
                        receipt_number=(
                            f"{plan.round.code}-{sequence:05d}-{rng.getrandbits(32):08X}"
                        ),
                        digest=sha256_hex(sealed),
                        sealed=sealed,
                    )
                    bid.offer = offered.quantize(Decimal("1"))
                    rows.append(bid)
                    round_bids.append(bid)
    insert_models(Bid, rows)
    for bid in rows:
        entries.append(
            {
                "target": bid,
                "after": {
                    "receipt_number": bid.receipt_number,
                    "received_at": bid.received_at,
                    "digest": bid.digest,
                    "lot": bid.lot.number,
                    "merchant": bid.merchant_id,
                    "version": bid.version,
                    "documents": [],
                },
            }
        )
    journal(action="bid.submit", changes=entries)
    return bids_of


def _openings(plans, bids_of, people: People) -> dict[int, list[OpenedBid]]:
    """The openings of the rounds past their opening, with the record the service writes."""
    openings, confirmations, opened_rows = [], [], []
    opened_of: dict[int, list[OpenedBid]] = {}
    below = _("The offer is below the reserve price.")
    for i, plan in enumerate(plans):
        if plan.round.status not in OPENED_STATUSES:
            continue
        round_obj = plan.round
        opened_at = round_obj.opening_at + dt.timedelta(minutes=5)
        officer = people.officers[i % len(people.officers)]
        inspector = people.inspectors[i % len(people.inspectors)]
        pair = [
            OpeningConfirmation(round=round_obj, user=officer, role="officer",
                                confirmed_at=round_obj.opening_at),
            OpeningConfirmation(round=round_obj, user=inspector, role="inspector",
                                confirmed_at=opened_at),
        ]  # fmt: skip
        confirmations.extend(pair)
        lots = {lp.lot.pk: {"lot": lp.lot.number, "title": lp.lot.title, "bids": []}
                for lp in plan.lots}  # fmt: skip
        opening = Opening(round=round_obj, opened_at=opened_at, record={})
        active = sorted(
            (b for b in bids_of.get(i, []) if b.status == Bid.Status.ACTIVE),
            key=lambda b: (b.lot.number, b.received_at, b.pk),
        )
        round_opened = opened_of.setdefault(i, [])
        for bid in active:
            valid = bid.offer >= bid.lot.reserve_annual_rent
            reason = "" if valid else below
            opened = OpenedBid(
                bid=bid,
                opening=opening,
                annual_rent=bid.offer,
                proposal=f"{bid.merchant.name}：{bid.lot.title}经营方案（第{bid.version}版）",
                is_valid=valid,
                invalid_reason=reason,
            )
            round_opened.append(opened)
            opened_rows.append(opened)
            lots[bid.lot_id]["bids"].append(
                {
                    "receipt_number": bid.receipt_number,
                    "merchant_id": bid.merchant_id,
                    "merchant": bid.merchant.name,
                    "received_at": bid.received_at.isoformat(),
                    "annual_rent": f"{bid.offer:.2f}",
                    "valid": valid,
                    "reason": reason,
                    "digest": bid.digest,
                    "digest_verified": True,
                }
            )
        opening.record = {
            "round": round_obj.code,
            "opened_at": opened_at.isoformat(),
            "bid_deadline": round_obj.bid_deadline.isoformat(),
            "confirmed_by": [
                {
                    "user": c.user.get_username(),
                    "role": c.role,
                    "confirmed_at": c.confirmed_at.isoformat(),
                }
                for c in pair
            ],  # fmt: skip
            "lots": list(lots.values()),
        }
        openings.append(opening)
    insert_models(OpeningConfirmation, confirmations)
    insert_models(Opening, openings)
    insert_models(OpenedBid, opened_rows)
    journal(
        action="opening.open",
        changes=[{"target": o, "after": o.record} for o in openings],
    )
    return opened_of


def _committee(rng, plans, opened_of, people: People) -> dict[int, list[Seat]]:
    """Five seats on every opened round, the first one the chair; each member declares no
    conflict with each bidder."""
    seats, declarations = [], []
    seats_of: dict[int, list[Seat]] = {}
    departments = list(Seat.Department.values)
    for i, plan in enumerate(plans):
        if i not in opened_of:
            continue
        members = rng.sample(people.members, MEMBERS)
        round_seats = [
            Seat(round=plan.round, user=user, department=departments[k % len(departments)],
                 is_chair=k == 0, appointed_at=plan.round.bid_deadline,
                 appointed_by=people.officers[0])
            for k, user in enumerate(members)
        ]  # fmt: skip
        seats_of[i] = round_seats
        seats.extend(round_seats)
    insert_models(Seat, seats)
    for i, round_seats in seats_of.items():
        bidders = {o.bid.merchant_id: o.bid.merchant for o in opened_of[i]}
        declared_at = plans[i].round.opening_at + dt.timedelta(minutes=30)
        for seat in round_seats:
            for merchant in bidders.values():
                declarations.append((seat.pk, merchant.pk, False, "", declared_at))
    insert_rows(
        Declaration,
        ["seat_id", "merchant_id", "has_conflict", "statement", "declared_at"],
        declarations,
    )
    return seats_of


def _scores_and_results(rng, plans, opened_of, seats_of, people, chunk) -> int:
    """Sheets and scores for the rounds scored and after, their results and awards."""
    sheets, sheet_scores = [], []
    results, ranked_rows = [], []
    award_plans = []  # (plan, result, lot, winning standing)
    for i, plan in enumerate(plans):
        if plan.round.status not in RESULT_STATUSES:
            continue
        round_seats = seats_of[i]
        subjective = [c for c in plan.criteria if c.kind == Criterion.Kind.SUBJECTIVE]
        price = next(c for c in plan.criteria if c.kind == Criterion.Kind.PRICE)
        signed_at = plan.round.opening_at + dt.timedelta(days=2)
        standings_of = {}
        for lot_plan in plan.lots:
            lot = lot_plan.lot
            valid = [o for o in opened_of[i] if o.bid.lot_id == lot.pk and o.is_valid]
            if not valid:
                continue
            points: dict[tuple[int, int], list[Decimal]] = {}
            for seat in round_seats:
                sheet = ScoreSheet(seat=seat, lot=lot, version=1, is_current=True,
                                   submitted_at=signed_at - dt.timedelta(hours=3))  # fmt: skip
                sheets.append(sheet)
                rows = []  # (bid, criterion, points): the sheet's id comes with its insert
                for opened in valid:
                    for criterion in subjective:
                        value = Decimal(rng.randrange(1200, int(criterion.weight * 100) + 1))
                        value /= 100
                        rows.append((opened, criterion, value))
                        points.setdefault((opened.pk, criterion.pk), []).append(value)
                sheet_scores.append((sheet, rows))
            best = max(o.annual_rent for o in valid)
            standings = []
            for opened in valid:
                by_criterion = {price.pk: price_points(opened.annual_rent, best, price.weight)}
                for criterion in subjective:
                    values = points[opened.pk, criterion.pk]
                    by_criterion[criterion.pk] = trimmed_mean(
                        sum(values), max(values), min(values), len(values)
                    )
                total = quantize(sum(by_criterion.values()))
                standings.append((opened, by_criterion, total))
            standings.sort(key=lambda s: (-s[2], -s[0].annual_rent, s[0].bid.received_at, s[0].pk))
            standings_of[lot.pk] = standings
        chair = round_seats[0]
        result = Result(round=plan.round, version=1, signed_by=chair.user, signed_at=signed_at)
        result.report = _report(plan, standings_of, round_seats, signed_at, opened_of[i])
        results.append(result)
        for lot_plan in plan.lots:
            for rank, (opened, by_criterion, total) in enumerate(
                standings_of.get(lot_plan.lot.pk, []), start=1
            ):
                ranked_rows.append(
                    RankedBid(result=result, lot=lot_plan.lot, bid=opened, rank=rank,
                              total=total,
                              points={str(c): str(p) for c, p in by_criterion.items()})
                )  # fmt: skip
                if rank == 1 and plan.round.status == Status.AWARDED:
                    award_plans.append((plan, result, lot_plan, opened, total))
    insert_models(ScoreSheet, sheets)
    scores = [
        (sheet.pk, sheet.lot_id, True, opened.pk, criterion.pk, value, "")
        for sheet, rows in sheet_scores
        for opened, criterion, value in rows
    ]
    insert_rows(
        Score,
        ["sheet_id", "lot_id", "is_current", "bid_id", "criterion_id", "points", "justification"],
        scores,
    )
    journal(
        action="score.submit",
        changes=[
            {
                "target": sheet,
                "after": {
                    "lot": sheet.lot.number,
                    "scores": {
                        f"{opened.bid.receipt_number} · {criterion.name}": str(value)
                        for opened, criterion, value in rows
                    },
                },
            }
            for sheet, rows in sheet_scores
        ],
    )
    insert_models(Result, results)
    insert_models(RankedBid, ranked_rows)
    awards = []
    for plan, result, lot_plan, opened, total in award_plans:
        award = Award(
            lot=lot_plan.lot,
            bid=opened,
            merchant=opened.bid.merchant,
            annual_rent=opened.annual_rent,
            result=result,
            awarded_at=plan.round.publicity_ends_at + dt.timedelta(hours=2),
            awarded_by=people.officers[0],
        )
        award.total = total
        award.unit_codes = [lot_plan.unit.code]
        awards.append(award)
        chunk.awards.append(Awarded(award, lot_plan.lot, [lot_plan.unit]))
    insert_models(Award, awards)
    journal(
        action="award.make",
        changes=[
            {
                "target": a,
                "after": {
                    "lot": a.lot.number,
                    "merchant_id": a.merchant_id,
                    "merchant": a.merchant.name,
                    "receipt_number": a.bid.bid.receipt_number,
                    "annual_rent": a.annual_rent,
                    "total": a.total,
                    "units": a.unit_codes,
                },
            }
            for a in awards
        ],
    )
    return len(scores)


def _report(plan, standings_of, seats, signed_at, opened) -> dict:
    """The committee's report in the shape tenders.result writes it."""
    chair = seats[0].user.get_username()
    lots = []
    for lot_plan in plan.lots:
        lot = lot_plan.lot
        lots.append(
            {
                "lot": lot.number,
                "title": lot.title,
                "scored_by": [s.user.get_username() for s in seats]
                if lot.pk in standings_of
                else [],
                "recused": [],
                "ranking": [
                    {
                        "rank": rank,
                        "receipt_number": o.bid.receipt_number,
                        "merchant_id": o.bid.merchant_id,
                        "merchant": o.bid.merchant.name,
                        "annual_rent": str(o.annual_rent),
                        "points": {str(c): str(p) for c, p in by_criterion.items()},
                        "inputs": {
                            str(c.pk): str(o.annual_rent)
                            for c in plan.criteria
                            if c.kind == Criterion.Kind.PRICE
                        },
                        "total": str(total),
                    }
                    for rank, (o, by_criterion, total) in enumerate(
                        standings_of.get(lot.pk, []), start=1
                    )
                ],
                "invalid": [
                    {
                        "receipt_number": o.bid.receipt_number,
                        "merchant": o.bid.merchant.name,
                        "reason": o.invalid_reason,
                    }
                    for o in opened
                    if o.bid.lot_id == lot.pk and not o.is_valid
                ],
            }
        )
    return {
        "round": plan.round.code,
        "version": 1,
        "signed_by": chair,
        "signed_at": signed_at.isoformat(),
        "criteria": [
            {"id": c.pk, "name": c.name, "kind": c.kind, "weight": str(c.weight)}
            for c in plan.criteria
        ],
        "committee": [
            {"member": s.user.get_username(), "department": s.department, "chair": s.is_chair}
            for s in seats
        ],
        "lots": lots,
    }
