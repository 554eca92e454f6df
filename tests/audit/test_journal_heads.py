"""The journal's head exported outside the database (audit.heads): export_journal_head appends
a signed, dated line (seq and hash of the latest entry) to the day's file; the task does the
same for the worker; verify_audit --against FILE finds a chain rebuilt since, entries removed
since, and a line forged or altered."""

# The fixtures are imported from the module that defines them, and named as parameters.
# ruff: noqa: F811

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import journal
from audit.models import GENESIS_HASH, Entry
from audit.tasks import export_journal_head
from tests.audit.test_journal import raw, record_three, tamperable  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
# 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai: the file is named for the site's day.
NOW = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def head_dir(tmp_path, settings):
    settings.JOURNAL_HEAD_DIR = str(tmp_path / "heads")
    return tmp_path / "heads"


def export(*args) -> str:
    out = StringIO()
    call_command("export_journal_head", *args, stdout=out)
    return out.getvalue()


def verify_against(*paths) -> str:
    out = StringIO()
    args = [arg for path in paths for arg in ("--against", str(path))]
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def refusal(*paths) -> str:
    with pytest.raises(CommandError) as exc:
        verify_against(*paths)
    return str(exc.value)


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- exporting ----------------------------------------------------------------------------


def test_the_command_appends_the_latest_seq_and_hash_signed_and_dated(clock, head_dir):
    entries = record_three()

    printed = export()

    path = head_dir / "journal-head-2026-03-02.jsonl"
    (line,) = lines(path)
    assert line["seq"] == 3 and line["hash"] == entries[-1].hash
    assert line["at"] == "2026-03-01T23:30:00+00:00"
    assert line["sig"]
    assert str(path) in printed and entries[-1].hash in printed


def test_each_export_appends_a_line_and_keeps_the_earlier_ones(clock, head_dir):
    record_three()
    export()
    first = (head_dir / "journal-head-2026-03-02.jsonl").read_text()
    journal.record(actor=None, action="unit.create", after={"code": "A9"})
    clock.shift(dt.timedelta(hours=1))

    export()

    text = (head_dir / "journal-head-2026-03-02.jsonl").read_text()
    assert text.startswith(first)
    assert [line["seq"] for line in lines(head_dir / "journal-head-2026-03-02.jsonl")] == [3, 4]


def test_the_next_day_goes_to_its_own_file(clock, head_dir):
    record_three()
    export()
    clock.shift(dt.timedelta(days=1))
    export()
    assert sorted(p.name for p in head_dir.iterdir()) == [
        "journal-head-2026-03-02.jsonl",
        "journal-head-2026-03-03.jsonl",
    ]


def test_an_empty_journal_exports_the_genesis(clock, head_dir):
    export()
    (line,) = lines(head_dir / "journal-head-2026-03-02.jsonl")
    assert (line["seq"], line["hash"]) == (0, GENESIS_HASH)
    assert "1 exported heads held" in verify_against(head_dir)


def test_to_writes_in_another_folder(clock, head_dir, tmp_path):
    record_three()
    export("--to", str(tmp_path / "elsewhere"))
    assert (tmp_path / "elsewhere" / "journal-head-2026-03-02.jsonl").exists()
    assert not head_dir.exists()


def test_a_folder_that_cannot_be_written_is_a_clear_error(clock, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CommandError, match="Cannot write the journal head"):
        export("--to", str(blocker / "heads"))


def test_the_task_exports_to_the_settings_folder(clock, head_dir):
    entries = record_three()
    result = export_journal_head.enqueue()
    (line,) = lines(head_dir / "journal-head-2026-03-02.jsonl")
    assert line["hash"] == entries[-1].hash
    assert json.loads(result.return_value) == line


# --- checking against the heads -----------------------------------------------------------


def test_an_intact_journal_holds_every_exported_head(clock, head_dir):
    record_three()
    export()
    journal.record(actor=None, action="unit.create", after={"code": "A9"})
    export()
    path = head_dir / "journal-head-2026-03-02.jsonl"
    assert "4 entries; records match; 2 exported heads held." in verify_against(path)
    assert "2 exported heads held" in verify_against(head_dir)


def test_a_chain_rebuilt_in_the_database_is_found_from_the_exported_head(
    clock, head_dir, tamperable
):
    record_three()
    export()
    # An intruder deletes entries 2 and 3 and writes a new, self-consistent chain after 1.
    raw("DELETE FROM audit_entry WHERE seq >= 2")
    journal.record(actor=None, action="unit.create", after={"code": "FORGED"})
    journal.record(actor=None, action="unit.create", after={"code": "FORGED2"})
    call_command("verify_audit", stdout=StringIO())  # the chain alone looks intact
    rebuilt = Entry.objects.get(seq=3).hash

    message = refusal(head_dir / "journal-head-2026-03-02.jsonl")

    assert "journal-head-2026-03-02.jsonl:1: entry #3 has the hash " + rebuilt in message
    assert "the chain was rebuilt" in message


def test_entries_removed_from_the_end_are_found(clock, head_dir, tamperable):
    record_three()
    export()
    raw("DELETE FROM audit_entry WHERE seq = 3")

    message = refusal(head_dir)

    assert "the journal has no entry #3 (it ends at #2)" in message


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},  # moved to another entry
        {"hash": "f" * 64},
        {"at": "2026-01-01T00:00:00+00:00"},
        {"sig": "not-the-signature"},
    ],
)
def test_a_line_altered_or_forged_is_refused(clock, head_dir, change):
    record_three()
    export()
    path = head_dir / "journal-head-2026-03-02.jsonl"
    line = {**lines(path)[0], **change}
    path.write_text(json.dumps(line) + "\n")

    message = refusal(path)

    assert "journal-head-2026-03-02.jsonl:1: its signature does not match" in message


def test_a_line_signed_with_another_key_is_refused(clock, head_dir, settings):
    record_three()
    settings.SECRET_KEY = "another-site-" + "k" * 40
    export()
    settings.SECRET_KEY = "test-only-not-secret-9a8b7c6d5e4f30211203f4e5d6c7b8a9"
    assert "its signature does not match" in refusal(head_dir)


def test_a_line_that_is_not_a_head_and_a_folder_without_heads_are_refused(head_dir, tmp_path):
    (tmp_path / "junk.jsonl").write_text("hello\n")
    assert "junk.jsonl:1: not a journal head line." in refusal(tmp_path / "junk.jsonl")
    (tmp_path / "empty").mkdir()
    assert "No journal head found in" in refusal(tmp_path / "empty")
