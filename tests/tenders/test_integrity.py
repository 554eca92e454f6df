"""The records the journal vouches for (tenders.integrity), checked in a number of queries that
does not grow with the rounds: verify_audit must run on the national network (~50,000
openings)."""

import pytest
import time_machine

from tenders import integrity
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import opened_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


def test_the_opened_bids_are_checked_in_queries_that_do_not_grow_with_the_openings(
    clock, django_assert_max_num_queries
):
    opened_round(clock)
    with django_assert_max_num_queries(10) as one:
        assert list(integrity._opened_bids()) == []
    clock.move_to(BIDDING)
    opened_round(clock)
    opened_round(clock)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert list(integrity._opened_bids()) == []
