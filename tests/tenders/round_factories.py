"""Factories for tender rounds, their lots, criteria and documents (built through services)."""

import datetime as dt
import itertools
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from stations import services as space
from stations.models import BusinessCategory, Unit
from tenders import rounds
from tenders.models import RoundDocument, TenderRound
from tests.factories import pdf
from tests.stations.factories import StationFactory, level, unit

_codes = itertools.count(1)
_unit_codes = itertools.count(1)


def schedule(start: dt.datetime | None = None) -> dict:
    """Dates in order, from a day after ``start`` (default now) over a month."""
    start = start or timezone.now()
    return {
        "publication_at": start + dt.timedelta(days=1),
        "application_opens_at": start + dt.timedelta(days=2),
        "application_closes_at": start + dt.timedelta(days=10),
        "bid_deadline": start + dt.timedelta(days=20),
        "opening_at": start + dt.timedelta(days=20, hours=2),
    }


def make_round(*, actor=None, **overrides) -> TenderRound:
    fields = {"code": f"ZB-2026-{next(_codes):04d}", "title": "长沙南站商业网点公开招租"}
    fields.update(schedule())
    fields.update(overrides)
    return rounds.round_create(actor=actor, **fields)


def business_type(code: str = "coffee") -> BusinessCategory:
    return BusinessCategory.objects.get(code=code)


def available_unit(level_obj=None, *, types=("coffee",), status=Unit.Status.AVAILABLE) -> Unit:
    """A unit designated for ``types``, released for letting."""
    level_obj = level_obj or level(StationFactory())
    n = next(_unit_codes)
    created = unit(
        level_obj, f"U{n:03d}", x=(n % 15) * 12, y=(n // 15 % 8) * 12, business_types=list(types)
    )
    if status != Unit.Status.PLANNED:
        space.unit_change_status(actor=None, unit=created, status=status)
    return Unit.objects.get(pk=created.pk)


def add_lot(round_obj, *, units=None, number=1, type_code="coffee", reserve="120000.00"):
    return rounds.lot_add(
        actor=None,
        round=round_obj,
        number=number,
        title=f"Lot {number}",
        units=units if units is not None else [available_unit()],
        business_type=business_type(type_code),
        term_months=36,
        reserve_annual_rent=Decimal(reserve),
    )


STANDARD_CRITERIA = [
    {"name": "Price", "kind": "price", "weight": "60"},
    {"name": "Registered capital", "kind": "registered_capital", "weight": "10",
     "tiers": [["1000000", "0.5"], ["10000000", "1"]]},
    {"name": "Business plan", "kind": "subjective", "weight": "30"},
]  # fmt: skip


def publish_documents(round_obj, *, actor=None, note=""):
    return [
        rounds.document_publish(
            actor=actor,
            round=round_obj,
            kind=kind,
            file=ContentFile(pdf(f"{kind} of {round_obj.code}"), name=f"{kind}.pdf"),
            note=note,
        )
        for kind in RoundDocument.Kind.values
    ]


def ready_round(**overrides) -> TenderRound:
    """A draft round with everything publication needs: a lot, criteria, the three documents."""
    round_obj = make_round(**overrides)
    add_lot(round_obj)
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    publish_documents(round_obj)
    return round_obj


def published_round(**overrides) -> TenderRound:
    round_obj = ready_round(**overrides)
    return rounds.round_publish(actor=None, round=round_obj)
