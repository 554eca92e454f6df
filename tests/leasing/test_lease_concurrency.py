"""30 overlapping leases of one unit made at once, in real threads on PostgreSQL: exactly one
is stored. The guarantee is the exclusion constraint: without it the same race stores more."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from leasing import services
from leasing.models import Lease, LeaseUnit
from tests.leasing.factories import direct_lease, free_unit
from tests.tenders.factories import MerchantFactory

RACERS = 30
CONSTRAINT = "leaseunit_periods_do_not_overlap"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(unit, merchants, monkeypatch) -> list[str]:
    """All racers check for overlaps before any stores its lease (a barrier after the
    service's own check), so that only the database can keep them apart."""
    go = threading.Event()
    checked = threading.Barrier(RACERS, timeout=60)
    check = services._overlap_errors

    def check_then_wait(*args, **kwargs):
        found = check(*args, **kwargs)
        checked.wait()
        return found

    monkeypatch.setattr(services, "_overlap_errors", check_then_wait)

    def attempt(n):
        go.wait()
        translation.activate("en")
        try:
            # Periods all different, all sharing June 2027.
            direct_lease(merchants[n], [unit], start=dt.date(2027, 1 + n % 6, 1), months=12)
            return "stored"
        except ValidationError:
            return "refused"
        except Exception as error:  # anything else would be a lost or broken lease
            return repr(error)
        finally:
            translation.deactivate()
            connection.close()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        futures = [pool.submit(attempt, n) for n in range(RACERS)]
        go.set()
        return [future.result() for future in futures]


def test_30_overlapping_leases_at_once_exactly_one_is_stored(on_postgres, monkeypatch):
    unit = free_unit()
    merchants = [MerchantFactory() for _ in range(RACERS)]
    results = race(unit, merchants, monkeypatch)
    assert sorted(results) == ["refused"] * (RACERS - 1) + ["stored"]
    assert LeaseUnit.objects.filter(unit=unit).count() == 1
    assert Lease.objects.count() == 1


def test_without_the_constraint_the_same_race_stores_overlaps(on_postgres, monkeypatch):
    """The service does not serialise on PostgreSQL: the constraint is what holds."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE leasing_leaseunit DROP CONSTRAINT {CONSTRAINT}")
    try:
        unit = free_unit()
        merchants = [MerchantFactory() for _ in range(RACERS)]
        results = race(unit, merchants, monkeypatch)
        assert results.count("stored") == RACERS
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM leasing_leaseunit")
            cursor.execute(
                f"ALTER TABLE leasing_leaseunit ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
                "(unit_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
            )
