"""Writing and verifying the hash chain."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import importlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import GENESIS_HASH, Entry

# Any constant will do: it names the one advisory lock that serialises journal appends.
_PG_LOCK_KEY = 0x4155444954  # "AUDIT"


def to_jsonable(value: Any) -> Any:
    """Turn a value into plain JSON types, the same way on every database."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk if not isinstance(value.pk, uuid.UUID) else str(value.pk)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return str(value)


def canonical(entry: Entry) -> str:
    """The canonical JSON of an entry's content: sorted keys, no whitespace, UTF-8."""
    payload = {
        "seq": entry.seq,
        "recorded_at": entry.recorded_at.astimezone(dt.UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "before": entry.before,
        "after": entry.after,
        "data": entry.data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, entry: Entry) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode("utf-8")).hexdigest()


def hold_chain() -> None:
    """Take the chain's lock for the caller's transaction (an append takes it first). A
    service that also adds to rows other writers share (tenders.pipeline's counts) takes it
    before them, so that those writers queue once, in one order, and never deadlock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    data: Any = None,
) -> Entry:
    """Append one entry: who (``actor``, a user or None for the system) did what to what.

    Runs inside the caller's transaction, so the entry exists exactly when the change does.
    """
    return record_many(
        actor=actor,
        action=action,
        changes=[{"target": target, "before": before, "after": after, "data": data}],
    )[0]


def record_many(*, actor, action: str, changes: Iterable[dict[str, Any]]) -> list[Entry]:
    """Append one entry per change (a dict of target, before, after, data), in one insert.

    For batch services (an import of thousands of units): the chain is the same as from as
    many ``record`` calls, but the chain lock, the read of its head and the insert happen once.
    """
    with transaction.atomic():
        entries = chained_entries(actor=actor, action=action, changes=changes)
        return Entry.objects.bulk_create(entries, batch_size=500)


def chained_entries(*, actor, action: str, changes: Iterable[dict[str, Any]]) -> list[Entry]:
    """The entries of ``changes``, numbered and hashed onto the chain's head, not yet saved.

    Takes the chain's lock for the caller's transaction (which must be open and must insert
    them before it ends): ``record_many`` saves them with ``bulk_create``; the network
    generator copies them in with COPY, where inserting JSON columns row by row is too slow.
    """
    changes = list(changes)
    if not changes:
        return []
    hold_chain()
    last = Entry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    now = timezone.now()
    entries = []
    for change in changes:
        target = change.get("target")
        seq += 1
        entry = Entry(
            seq=seq,
            recorded_at=now,
            actor_id=actor.pk if is_user else None,
            actor_name=(actor.get_username() if is_user else "system"),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:255] if target is not None else "",
            before=to_jsonable(change.get("before")),
            after=to_jsonable(change.get("after")),
            data=to_jsonable(change.get("data")),
            prev_hash=prev_hash,
        )
        entry.hash = prev_hash = chain_hash(prev_hash, entry)
        entries.append(entry)
    return entries


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"entry #{self.seq}: {self.reason}"


def verify(entries: Iterable[Entry] | None = None) -> Break | None:
    """Walk the chain from the start; return the first broken entry, or None when intact."""
    if entries is None:
        entries = Entry.objects.order_by("seq").iterator(chunk_size=2000)
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            return Break(expected_seq, f"missing; the next entry found is #{entry.seq}")
        if entry.prev_hash != prev_hash:
            return Break(entry.seq, "does not follow the entry before it (previous hash differs)")
        if entry.hash != chain_hash(prev_hash, entry):
            return Break(entry.seq, "its content was altered (hash does not match)")
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    return None


def record_faults(limit: int | None = None) -> list[str]:
    """Records that disagree with what the journal says was written, from every app.

    The chain proves the journal unaltered; an app's ``integrity.check()`` (discovered by
    name, so that audit imports no app) compares its own rows with their journal entries, so
    that a row changed in SQL behind the services is found too.
    """
    faults: list[str] = []
    for app in django_apps.get_app_configs():
        module_name = f"{app.name}.integrity"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name == module_name:
                continue
            raise
        for fault in module.check():
            faults.append(fault)
            if limit is not None and len(faults) >= limit:
                return faults
    return faults
