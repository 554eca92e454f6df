"""A round taking bids: two lots, merchants admitted through the services, on a frozen clock."""

import datetime as dt
from decimal import Decimal

from tenders import rounds
from tenders.applications import application_decide, application_submit
from tenders.bids import bid_submit
from tenders.models import TenderRound
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import STANDARD_CRITERIA, add_lot, make_round, publish_documents

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
APPLYING = T0 + dt.timedelta(days=3)
BIDDING = T0 + dt.timedelta(days=5)
DEADLINE = T0 + dt.timedelta(days=20)
RESERVE = Decimal("120000.00")


def bidding_round(clock, *, lots: int = 2) -> TenderRound:
    """A published round (created at T0) with ``lots`` lots at RESERVE; the clock at APPLYING."""
    clock.move_to(T0)
    round_obj = make_round()
    for number in range(1, lots + 1):
        add_lot(round_obj, number=number, reserve=str(RESERVE))
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    publish_documents(round_obj)
    rounds.round_publish(actor=None, round=round_obj)
    assert round_obj.bid_deadline == DEADLINE
    clock.move_to(APPLYING)
    return TenderRound.objects.get(pk=round_obj.pk)


def applicant(round_obj, lots, *, admit: bool = True, merchant=None):
    """A merchant applying for ``lots`` (admitted unless ``admit`` is False) and its user."""
    merchant = merchant or MerchantFactory()
    user = merchant_user(merchant)
    application = application_submit(actor=user, round=round_obj, merchant=merchant, lots=lots)
    if admit:
        application_decide(actor=None, application=application, admit=True)
    return merchant, user


def bid(user, round_obj, lot, amount="150000.00", proposal="A flagship café.", **kwargs):
    return bid_submit(
        actor=user,
        round=round_obj,
        lot=lot,
        annual_rent=Decimal(amount),
        proposal=proposal,
        **kwargs,
    )
