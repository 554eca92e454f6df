"""The hash-chained audit journal: writing, verifying, tamper detection, the trigger, concurrency."""

import datetime as dt
import hashlib
import json
import threading
import uuid
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit import journal
from audit.models import GENESIS_HASH, Entry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def record_three(actor=None):
    target = UserFactory(username="target-user")
    return [
        journal.record(actor=actor, action="unit.create", target=target, after={"code": "A1"}),
        journal.record(
            actor=actor,
            action="unit.update",
            target=target,
            before={"code": "A1"},
            after={"code": "A2"},
        ),
        journal.record(actor=actor, action="unit.delete", target=target, before={"code": "A2"}),
    ]


def verify_audit() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def broken_at() -> str:
    with pytest.raises(CommandError) as exc:
        verify_audit()
    return str(exc.value)


@pytest.fixture
def tamperable():
    """On PostgreSQL, switch the append-only trigger off for this session, as an intruder with
    the superuser's password would; SQLite has no trigger to switch off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def jsonb(placeholder: str = "%s") -> str:
    return f"{placeholder}::jsonb" if connection.vendor == "postgresql" else placeholder


# --- writing --------------------------------------------------------------------------------


def test_entries_are_numbered_and_chained_from_the_genesis_hash():
    first, second, third = record_three()

    assert [e.seq for e in Entry.objects.order_by("seq")] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    expected = hashlib.sha256((first.hash + journal.canonical(second)).encode("utf-8")).hexdigest()
    assert second.hash == expected


def test_an_entry_names_the_actor_and_the_target():
    actor = UserFactory(username="officer-li")
    target = UserFactory(username="merchant-wang")

    entry = journal.record(actor=actor, action="user.touch", target=target, data={"why": "test"})

    saved = Entry.objects.get(seq=entry.seq)
    assert (saved.actor_id, saved.actor_name) == (actor.pk, "officer-li")
    assert (saved.target_type, saved.target_id, saved.target_repr) == (
        "auth.user",
        str(target.pk),
        "merchant-wang",
    )
    assert (saved.action, saved.data, saved.before, saved.after) == (
        "user.touch",
        {"why": "test"},
        None,
        None,
    )


def test_the_system_acts_without_a_user_and_without_a_target():
    entry = journal.record(actor=None, action="demo.load")

    assert (entry.actor_id, entry.actor_name) == (None, "system")
    assert (entry.target_type, entry.target_id, entry.target_repr) == ("", "", "")


def test_the_server_clock_stamps_each_entry():
    before = dt.datetime.now(dt.UTC)
    entry = journal.record(actor=None, action="clock")

    assert before <= Entry.objects.get(seq=entry.seq).recorded_at <= dt.datetime.now(dt.UTC)


def test_values_are_turned_into_json_the_same_way_every_time():
    when = dt.datetime(2026, 5, 27, 9, 30, 15, 123456, tzinfo=dt.UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    user = UserFactory()
    value = {
        "rent": Decimal("12500.50"),
        "area": Decimal("35.10"),
        "opened": dt.date(2026, 5, 27),
        "at": when,
        "time": dt.time(9, 30),
        "types": {"retail", "coffee", "bookstore"},
        "numbers": frozenset({10, 9, 1}),
        "pair": (1, "a"),
        "ratio": 0.1,
        "id": ident,
        "user": user,
        7: None,
        "nested": {"flag": True, "list": [Decimal("1.0"), {"x"}]},
    }

    assert journal.to_jsonable(value) == {
        "rent": "12500.50",
        "area": "35.10",
        "opened": "2026-05-27",
        "at": "2026-05-27T09:30:15.123456+00:00",
        "time": "09:30:00",
        "types": ["bookstore", "coffee", "retail"],
        "numbers": [1, 10, 9],  # sorted as text: the order does not matter, only that it is fixed
        "pair": [1, "a"],
        "ratio": "0.1",
        "id": "12345678-1234-5678-1234-567812345678",
        "user": user.pk,
        "7": None,
        "nested": {"flag": True, "list": ["1.0", ["x"]]},
    }


def test_a_set_serialises_the_same_whatever_its_insertion_order():
    one = {f"type-{i}" for i in range(50)}
    other = {f"type-{i}" for i in reversed(range(50))}

    assert json.dumps(journal.to_jsonable(one)) == json.dumps(journal.to_jsonable(other))


def test_an_entry_read_back_from_the_database_hashes_to_what_was_stored():
    actor = UserFactory()
    entry = journal.record(
        actor=actor,
        action="lease.sign",
        target=actor,
        before={"z": 1, "a": [1, 2, {"b": "长沙南"}]},
        after={"rent": Decimal("99.90"), "start": dt.date(2026, 6, 1), "tags": {"b", "a"}},
        data={"note": 'quotes " and \\ and ünïcödé', "big": 2**62},
    )

    saved = Entry.objects.get(seq=entry.seq)

    assert journal.chain_hash(saved.prev_hash, saved) == saved.hash == entry.hash
    assert journal.verify() is None


def test_an_entry_is_part_of_the_callers_transaction():
    journal.record(actor=None, action="kept")

    with pytest.raises(RuntimeError), transaction.atomic():
        journal.record(actor=None, action="rolled back")
        raise RuntimeError("the change failed")

    assert list(Entry.objects.values_list("action", flat=True)) == ["kept"]
    journal.record(actor=None, action="next")
    assert [e.seq for e in Entry.objects.all()] == [1, 2]
    assert journal.verify() is None


# --- verifying ------------------------------------------------------------------------------


def test_an_empty_journal_is_intact():
    assert journal.verify() is None
    assert verify_audit() == "Audit journal intact: 0 entries; records match.\n"


def test_an_intact_chain_verifies_and_the_command_prints_the_count():
    record_three()

    assert journal.verify() is None
    assert verify_audit() == "Audit journal intact: 3 entries; records match.\n"


def test_editing_an_entrys_data_with_raw_sql_is_detected_at_that_entry(tamperable):
    record_three()

    raw(
        f"UPDATE audit_entry SET after = {jsonb()} WHERE seq = %s", [json.dumps({"code": "Z9"}), 2]
    )

    assert (
        broken_at()
        == "Audit journal broken at entry #2: its content was altered (hash does not match)"
    )
    assert str(journal.verify()) == "entry #2: its content was altered (hash does not match)"


@pytest.mark.parametrize(
    "column, value",
    [
        ("actor_name", "someone-else"),
        ("actor_id", 999),
        ("action", "unit.nothing"),
        ("target_type", "stations.zone"),
        ("target_id", "4242"),
        ("target_repr", "another unit"),
        ("recorded_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_editing_any_column_of_an_entry_is_detected_at_that_entry(tamperable, column, value):
    record_three()

    raw(f"UPDATE audit_entry SET {column} = %s WHERE seq = %s", [value, 3])

    assert (
        broken_at()
        == "Audit journal broken at entry #3: its content was altered (hash does not match)"
    )


@pytest.mark.parametrize("column", ["before", "data"])
def test_adding_json_to_an_entry_is_detected(tamperable, column):
    record_three()

    raw(f"UPDATE audit_entry SET {column} = {jsonb()} WHERE seq = 1", ['{"added": true}'])

    assert broken_at().startswith("Audit journal broken at entry #1: its content was altered")


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(tamperable):
    record_three()
    second = Entry.objects.get(seq=2)
    second.after = {"code": "FORGED"}
    forged_hash = journal.chain_hash(second.prev_hash, second)

    raw(
        f"UPDATE audit_entry SET after = {jsonb()}, hash = %s WHERE seq = 2",
        [json.dumps(second.after), forged_hash],
    )

    assert broken_at() == (
        "Audit journal broken at entry #3: does not follow the entry before it "
        "(previous hash differs)"
    )


def test_deleting_a_middle_entry_is_detected_naming_it(tamperable):
    record_three()

    raw("DELETE FROM audit_entry WHERE seq = %s", [2])

    assert broken_at() == "Audit journal broken at entry #2: missing; the next entry found is #3"


def test_deleting_the_first_entry_is_detected(tamperable):
    record_three()

    raw("DELETE FROM audit_entry WHERE seq = %s", [1])

    assert broken_at() == "Audit journal broken at entry #1: missing; the next entry found is #2"


def test_renumbering_after_a_deletion_is_detected(tamperable):
    record_three()

    raw("DELETE FROM audit_entry WHERE seq = 2")
    raw("UPDATE audit_entry SET seq = 2 WHERE seq = 3")

    assert broken_at().startswith("Audit journal broken at entry #2: ")


def test_reordering_two_entries_is_detected_at_the_first_of_them(tamperable):
    record_three()

    raw("UPDATE audit_entry SET seq = -2 WHERE seq = 2")
    raw("UPDATE audit_entry SET seq = 2 WHERE seq = 3")
    raw("UPDATE audit_entry SET seq = 3 WHERE seq = -2")

    assert broken_at() == (
        "Audit journal broken at entry #2: does not follow the entry before it "
        "(previous hash differs)"
    )


def test_swapping_the_content_of_two_entries_is_detected(tamperable):
    record_three()
    fields = ["action", "before", "after", "data", "recorded_at"]
    second, third = (Entry.objects.values(*fields).get(seq=n) for n in (2, 3))

    Entry.objects.filter(seq=2).update(**third)
    Entry.objects.filter(seq=3).update(**second)

    assert (
        broken_at()
        == "Audit journal broken at entry #2: its content was altered (hash does not match)"
    )


def test_the_command_exits_non_zero_when_the_chain_is_broken(tamperable):
    record_three()
    raw("DELETE FROM audit_entry WHERE seq = 3")
    journal.record(actor=None, action="after the gap")  # takes seq 3 again, chained to #2
    raw("DELETE FROM audit_entry WHERE seq = 2")

    with pytest.raises(CommandError) as exc:
        verify_audit()

    assert exc.value.returncode == 1
    assert "entry #2" in str(exc.value)


# --- PostgreSQL: the append-only trigger and concurrent writers -----------------------------


@pytest.mark.parametrize(
    "sql, operation",
    [
        ("UPDATE audit_entry SET action = 'forged' WHERE seq = 1", "UPDATE"),
        ("DELETE FROM audit_entry WHERE seq = 1", "DELETE"),
        ("UPDATE audit_entry SET after = NULL", "UPDATE"),
        ("DELETE FROM audit_entry", "DELETE"),
    ],
)
def test_postgresql_refuses_to_update_or_delete_journal_rows(on_postgres, sql, operation):
    record_three()

    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        raw(sql)

    assert f"audit journal is append-only: {operation} refused on entry" in str(exc.value)
    assert Entry.objects.count() == 3
    assert journal.verify() is None


def test_postgresql_refuses_orm_updates_and_deletes_too(on_postgres):
    record_three()

    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(seq=2).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(seq=3).delete()

    assert journal.verify() is None


# Every transactional test restores the migrated data (serialized_rollback): a plain flush
# re-creates content types under new keys, and the next restoring test would collide with them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_on_postgresql_keep_one_unbroken_chain(on_postgres):
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)
    failures = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                journal.record(actor=None, action="concurrent", data={"thread": n, "i": i})
        except Exception as exc:  # surfaced below: an assertion in a thread would be lost
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    entries = list(Entry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, threads * per_thread + 1))
    assert journal.verify() is None
    for n in range(threads):
        mine = [e.data["i"] for e in entries if e.data["thread"] == n]
        assert mine == list(range(per_thread))
