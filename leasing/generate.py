"""A synthetic network at national proportions: ``manage.py generate_network``.

Composes stations.generate (the space), tenders.generate (merchants, demands, rounds with
sealed bids, scores, results and awards) and, here, the leases made from the awards, their
rent schedules, fit-out milestones and the outlets open. For N stations the counts follow
DOMAIN.md's national figures scaled by N/6,000: ~17 units, ~1.7 brands, ~8 rounds, ~40 bids
and ~350 scores a station.

Generated data bypasses the services: rows are bulk-inserted in batches, a chunk of stations
at a time, in one transaction, so that 6,000 stations take minutes, not the days the services
would. It is for scale tests and benchmarks, never for a production database. The journal
still receives, through ``audit.record_many``, one entry per sealed bid, opening, score sheet
and award (what ``verify_audit`` compares those records with) and one ``network.generate``
entry with the seed and the counts, so that ``verify_audit`` passes afterwards.

The same seed, station count and day give the same network (see :func:`network_digest`),
except what must stay secret and random: the round keys, the seals and the journal's times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

import audit
from leasing import pipeline
from leasing.fitout import default_plan
from leasing.models import Instalment, Lease, LeaseUnit, Milestone
from leasing.schedule import add_months, cents, rent_schedule
from stations import roles
from stations.generate import Catalogue, generate_stations, insert_models, insert_rows, tiers_for
from stations.models import Level, Station, Unit, UtilityPoint
from tenders import generate as tenders_generate
from tenders.models import (
    Application,
    Award,
    Bid,
    Brand,
    Demand,
    Lot,
    Merchant,
    OpenedBid,
    Score,
    ScoreSheet,
    TenderRound,
)

CHUNK_STATIONS = 50
PLANNED_SHARE = 0.3  # of the units never tendered: still being planned
UNPAID_SHARE = 0.03  # of the instalments already due: overdue
LEASE_STATUS_UNIT = {
    Lease.Status.DRAFT: Unit.Status.RESERVED,
    Lease.Status.SIGNED: Unit.Status.LET,
    Lease.Status.FITTING_OUT: Unit.Status.FITTING_OUT,
    Lease.Status.OPEN: Unit.Status.OPEN,
}
UTC = dt.UTC


class NetworkNotEmpty(Exception):
    """The database already holds a network: generated rows would mix with real ones."""


class Progress:
    """A progress bar on a stream (stderr): ``[#####.....]  50%  3,000/6,000 stations``."""

    WIDTH = 30

    def __init__(self, total: int, *, stream=None, label: str = "stations"):
        self.total, self.done, self.label = max(total, 1), 0, label
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.phase = ""

    def update(self, done: int, phase: str = "") -> None:
        self.done, self.phase = done, phase or self.phase
        filled = self.WIDTH * self.done // self.total
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {100 * self.done // self.total:3d}%"
            f"  {self.done:,}/{self.total:,} {self.label}  {elapsed:6.0f} s  {self.phase:<24}"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


@dataclass
class Generated:
    seed: int
    stations: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def ensure_empty() -> None:
    held = {
        "stations": Station.objects.count(),
        "merchants": Merchant.objects.count(),
        "tender rounds": TenderRound.objects.count(),
    }
    if any(held.values()):
        found = ", ".join(f"{n:,} {what}" for what, n in held.items() if n)
        raise NetworkNotEmpty(
            f"The database already holds {found}: generate_network builds a network only "
            "into an empty database (migrate a fresh one), so that generated rows never mix "
            "with real ones."
        )


def _users(prefix: str, count: int, role: str) -> list:
    User = get_user_model()
    names = [f"{prefix}-{n:03d}" for n in range(1, count + 1)]
    existing = {u.username: u for u in User.objects.filter(username__in=names)}
    new = []
    for name in names:
        if name not in existing:
            user = User(username=name, first_name=prefix, last_name=name[-3:], is_active=True)
            user.set_unusable_password()  # generated people never sign in
            new.append(user)
    User.objects.bulk_create(new)
    users = {**existing, **{u.username: u for u in User.objects.filter(username__in=names)}}
    group = Group.objects.filter(name=role).first()
    if group is not None:
        group.user_set.add(*users.values())
    return [users[name] for name in names]


def _people(stations: int) -> tenders_generate.People:
    return tenders_generate.People(
        officers=_users("gen-officer", max(2, -(-stations // 100)), roles.LEASING_OFFICER),
        inspectors=_users(
            "gen-inspector", max(2, -(-stations // 200)), roles.DISCIPLINE_INSPECTOR
        ),
        members=_users("gen-member", max(8, -(-stations // 10)), roles.COMMITTEE_MEMBER),
    )


def _lease_status(award: Award, start: dt.date, opened: dt.date, today: dt.date) -> str:
    if award.awarded_at.date() + dt.timedelta(days=10) > today:
        return Lease.Status.DRAFT
    if today < start:
        return Lease.Status.SIGNED
    if today < opened:
        return Lease.Status.FITTING_OUT
    return Lease.Status.OPEN


def generate_leases(
    *, rng: random.Random, awarded: list[tenders_generate.Awarded], people, today: dt.date
) -> dict[int, str]:
    """A lease from each award, its units, schedule and milestones; the units' statuses by
    unit pk are returned for the caller to write."""
    leases, lease_units, instalments, milestones = [], [], [], []
    unit_status: dict[int, str] = {}
    for n, item in enumerate(awarded):
        award = item.award
        start = award.awarded_at.date() + dt.timedelta(days=15)
        lease = Lease(
            code=f"{item.lot.round.code}-{item.lot.number}",
            merchant=award.merchant,
            station=item.lot.station,
            award=award,
            business_type=item.lot.business_type,
            start_date=start,
            end_date=add_months(start, item.lot.term_months),
            rent_free_months=3,
            annual_rent=award.annual_rent,
            escalation_pct=Decimal("3.00"),
            payment_frequency=Lease.Frequency.QUARTERLY,
            deposit_months=3,
            deposit=cents(award.annual_rent / 12 * 3),
            responsible_officer=people.officers[n % len(people.officers)],
            created_by=people.officers[0],
        )
        plan = default_plan(lease)
        lease.status = _lease_status(award, start, plan[Milestone.Kind.OPENED], today)
        if lease.status != Lease.Status.DRAFT:
            lease.signed_at = award.awarded_at + dt.timedelta(days=10)
        if lease.status == Lease.Status.OPEN:
            lease.opened_on = plan[Milestone.Kind.OPENED]
        leases.append(lease)
        for unit in item.units:
            lease_units.append(
                LeaseUnit(lease=lease, unit=unit, start_date=lease.start_date,
                          end_date=lease.end_date)
            )  # fmt: skip
            unit_status[unit.pk] = LEASE_STATUS_UNIT[lease.status]
        if lease.status == Lease.Status.DRAFT:
            continue
        for due in rent_schedule(
            start=lease.start_date,
            end=lease.end_date,
            first_year_rent=lease.annual_rent,
            escalation_pct=lease.escalation_pct,
            rent_free_months=lease.rent_free_months,
            frequency_months=lease.payment_frequency,
        ):
            paid = due.due_date <= today and rng.random() >= UNPAID_SHARE
            instalments.append(
                (lease, Instalment.Kind.RENT, due.lease_year, due.period_start, due.period_end,
                 due.due_date, due.amount, due.due_date if paid else None,
                 due.amount if paid else None)
            )  # fmt: skip
        for kind in Milestone.ORDER:
            due_on = plan[kind]
            done = (
                lease.status == Lease.Status.OPEN
                or (kind != Milestone.Kind.OPENED and due_on <= today)
            ) and lease.status != Lease.Status.SIGNED
            milestones.append((lease, kind, due_on, due_on if done else None, ""))
    insert_models(Lease, leases)
    insert_models(LeaseUnit, lease_units)
    insert_rows(
        Instalment,
        ["lease_id", "kind", "lease_year", "period_start", "period_end", "due_date", "amount",
         "paid_on", "paid_amount"],
        [(lease.pk, *rest) for lease, *rest in instalments],
    )  # fmt: skip
    insert_rows(
        Milestone,
        ["lease_id", "kind", "due_on", "done_on", "note"],
        [(lease.pk, *rest) for lease, *rest in milestones],
    )
    return unit_status


def _set_unit_statuses(unit_status: dict[int, str]) -> None:
    by_status: dict[str, list[int]] = {}
    for pk, status in unit_status.items():
        by_status.setdefault(status, []).append(pk)
    for status, pks in by_status.items():
        for start in range(0, len(pks), 5000):
            Unit.objects.filter(pk__in=pks[start : start + 5000]).update(status=status)


def generate_network(
    *,
    stations: int,
    seed: int,
    today: dt.date | None = None,
    chunk: int = CHUNK_STATIONS,
    progress: Callable[[int, str], None] | None = None,
) -> Generated:
    """Build a network of ``stations`` stations into an empty database, in one transaction.

    Refuses (NetworkNotEmpty) when the database holds stations, merchants or tender rounds.
    ``today`` anchors every date (rounds still taking bids, leases open…): the same seed, size
    and day give the same network.
    """
    started = time.monotonic()
    today = today or dt.datetime.now(UTC).date()
    now = dt.datetime.combine(today, dt.time(4, 0), tzinfo=UTC)
    report = progress or (lambda done, phase: None)
    with transaction.atomic():
        ensure_empty()
        catalogue = Catalogue.load()
        people = _people(stations)
        report(0, "merchants")
        market = tenders_generate.generate_merchants(
            rng=random.Random(f"{seed}:merchants"), stations=stations, catalogue=catalogue
        )
        tier_rng = random.Random(f"{seed}:tiers")
        tiers = tiers_for(stations)
        tier_rng.shuffle(tiers)
        rounds = bids = scores = 0
        for index, first in enumerate(range(0, stations, chunk)):
            numbers = list(range(first + 1, min(first + chunk, stations) + 1))
            rng = random.Random(f"{seed}:chunk:{index}")
            spaces = generate_stations(
                rng=rng, numbers=numbers, tiers=tiers[first : first + len(numbers)],
                catalogue=catalogue,
            )  # fmt: skip
            tender = tenders_generate.generate_rounds(
                rng=rng, spaces=spaces, market=market, people=people, now=now,
                first_number=first * 100,  # at most 64 units, so rounds, a station
            )  # fmt: skip
            rounds, bids, scores = (
                rounds + tender.rounds,
                bids + tender.bids,
                scores + tender.scores,
            )
            unit_status = generate_leases(
                rng=rng, awarded=tender.awards, people=people, today=today
            )
            for space in spaces:
                for unit in space.units:
                    if unit.pk not in tender.tendered and rng.random() < PLANNED_SHARE:
                        unit_status[unit.pk] = Unit.Status.PLANNED
            _set_unit_statuses(unit_status)
            report(numbers[-1], "stations, rounds, leases")
        report(stations, "demands")
        station_ids = list(Station.objects.values_list("pk", flat=True))
        tenders_generate.generate_demands(
            rng=random.Random(f"{seed}:demands"), market=market, station_ids=station_ids
        )
        # The rows bypassed the services that keep the pipeline's counts: counted here at once.
        pipeline.rebuild()
        generated = Generated(seed=seed, stations=stations, counts=counts())
        audit.record(
            actor=None,
            action="network.generate",
            data={"seed": seed, "stations": stations, "today": today, **generated.counts},
        )
    # After the commit: PostgreSQL checks the deferred foreign keys of every row there.
    generated.seconds = time.monotonic() - started
    report(stations, "done")
    return generated


def counts() -> dict[str, int]:
    return {
        "stations": Station.objects.count(),
        "levels": Level.objects.count(),
        "units": Unit.objects.count(),
        "utility_points": UtilityPoint.objects.count(),
        "merchants": Merchant.objects.count(),
        "brands": Brand.objects.count(),
        "demands": Demand.objects.count(),
        "rounds": TenderRound.objects.count(),
        "lots": Lot.objects.count(),
        "applications": Application.objects.count(),
        "bids": Bid.objects.count(),
        "opened_bids": OpenedBid.objects.count(),
        "score_sheets": ScoreSheet.objects.count(),
        "scores": Score.objects.count(),
        "awards": Award.objects.count(),
        "leases": Lease.objects.count(),
        "instalments": Instalment.objects.count(),
        "open_outlets": Lease.objects.filter(status=Lease.Status.OPEN).count(),
    }


# What the digest covers, by natural keys (never primary keys, which depend on the database's
# sequences): every generated table but the secrets (keys, seals, their digests) and the
# times the database sets itself.
DIGESTED = [
    (Station, ["code", "name_zh", "tier", "latitude", "longitude"]),
    (Level, ["station__code", "ordinal", "name", "outline_wkt"]),
    (Unit, ["station__code", "code", "level__ordinal", "polygon_wkt", "area_m2", "kind",
            "status", "power_kw"]),
    (UtilityPoint, ["level__station__code", "level__ordinal", "kind", "code", "x", "y",
                    "capacity_kw", "unit__code"]),
    (Merchant, ["credit_code", "name", "legal_form", "registered_capital", "store_count"]),
    (Brand, ["merchant__credit_code", "name_zh"]),
    (Demand, ["merchant__credit_code", "brand__name_zh", "business_type__code", "area_min_m2",
              "area_max_m2", "intended_rent_m2_month", "lease_mode"]),
    (TenderRound, ["code", "status", "publication_at", "bid_deadline", "publicity_ends_at"]),
    (Lot, ["round__code", "number", "station__code", "business_type__code",
           "reserve_annual_rent", "status"]),
    (Application, ["round__code", "merchant__credit_code", "status"]),
    (Bid, ["receipt_number", "lot__number", "merchant__credit_code", "version", "status",
           "received_at"]),
    (OpenedBid, ["bid__receipt_number", "annual_rent", "is_valid"]),
    (Score, ["bid__bid__receipt_number", "criterion__name", "sheet__seat__user__username",
             "points"]),
    (Award, ["lot__round__code", "lot__number", "merchant__credit_code", "annual_rent"]),
    (Lease, ["code", "status", "start_date", "end_date", "annual_rent", "deposit"]),
    (Instalment, ["lease__code", "due_date", "amount", "paid_on"]),
]  # fmt: skip


def network_digest() -> str:
    """SHA-256 of the generated network's content, the same for the same seed, size and day."""
    digest = hashlib.sha256()
    for model, columns in DIGESTED:
        digest.update(model._meta.label.encode())
        for row in model.objects.order_by(*columns).values_list(*columns).iterator(5000):
            digest.update(repr(tuple(str(v) for v in row)).encode())
    return digest.hexdigest()
