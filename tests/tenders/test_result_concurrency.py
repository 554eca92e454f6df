"""The committee's and the award's races, in real threads on PostgreSQL: a member submitting
their sheet twice at once, the chair signing twice at once, two officers awarding at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from audit import journal
from stations.models import Unit
from tenders import result as outcome
from tenders import scoring
from tenders.models import Award, Result, ScoreSheet, TenderRound
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import (
    declare_all,
    opened_round,
    score_all,
    seat_committee,
    sheet,
)
from tests.tenders.factories import tender_officer

WORKERS = 4

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(call, times: int = WORKERS) -> list:
    """Run ``call`` in ``times`` threads released together: [("ok", value) | ("refused", …)]."""
    go = threading.Event()

    def attempt(n):
        go.wait()
        translation.activate("en")
        try:
            return "ok", call(n)
        except ValidationError as refusal:
            return "refused", refusal.messages
        except Exception as error:  # anything else is a failure of the test
            return "error", repr(error)
        finally:
            translation.deactivate()
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as pool:
        futures = [pool.submit(attempt, n) for n in range(times)]
        go.set()
        return [future.result() for future in futures]


def test_a_sheet_submitted_twice_at_once_is_stored_once(on_postgres):
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        lot = opened.lots[0]
        scores = sheet(lot, {"a": "25", "b": "20"}, opened)
        results = race(
            lambda n: scoring.scoresheet_submit(actor=members[1], lot=lot, scores=scores)
        )
    assert sorted(kind for kind, _ in results) == ["ok", "refused", "refused", "refused"]
    assert ScoreSheet.objects.filter(seat__user=members[1], lot=lot).count() == 1
    assert journal.verify() is None


def test_the_chair_signing_twice_at_once_makes_one_result(on_postgres):
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        results = race(lambda n: outcome.result_sign_off(actor=members[0], round=opened.round))
    assert [kind for kind, _ in results].count("ok") == 1
    assert {kind for kind, _ in results} <= {"ok", "refused"}
    assert Result.objects.count() == 1
    assert TenderRound.objects.get(pk=opened.round.pk).status == TenderRound.Status.SCORED


def test_two_officers_awarding_at_once_make_one_award_per_lot(on_postgres):
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.refresh())
        clock.move_to(opened.refresh().publicity_ends_at)
        officers = [opened.officer, tender_officer()]
        results = race(
            lambda n: outcome.round_award(actor=officers[n % 2], round=opened.round), times=2
        )
    assert sorted(kind for kind, _ in results) == ["ok", "refused"]
    assert Award.objects.count() == 2
    assert set(Unit.objects.filter(lots__round=opened.round).values_list("status", flat=True)) == {
        Unit.Status.RESERVED
    }
    assert journal.verify() is None
