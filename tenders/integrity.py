"""The tender's records against their journal entries, for ``verify_audit``.

Each sealed bid, its documents, each opened offer, each score sheet and each award was
journaled as it was written; a row altered afterwards in SQL — an amount, a digest, a
receipt time, a score — no longer matches its entry, and is named here.

The rows are read a window of ``CHUNK`` at a time (by primary key), each window with its own
journal entries, so that memory stays bounded on the national network (1.9 million scores,
285,000 bids): a few queries a window, none a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet

from audit.models import Entry
from tenders.bids import sha256_hex
from tenders.models import Award, Bid, BidDocument, OpenedBid, Opening, Score, ScoreSheet

CHUNK = 2000


def _windows(queryset: QuerySet) -> Iterator[list]:
    """The rows of ``queryset`` in primary-key order, ``CHUNK`` at a time."""
    last = None
    while True:
        window = queryset.order_by("pk")
        if last is not None:
            window = window.filter(pk__gt=last)
        rows = list(window[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def _within(rows: list, key: str) -> dict:
    """The filter of the rows whose ``key`` lies in the window's primary keys: a range, which
    the planner reads from the index (a list of 2,000 ids made it scan whole tables)."""
    return {f"{key}__gte": rows[0].pk, f"{key}__lte": rows[-1].pk}


def _entries(actions: Iterable[str], target_type: str, rows: Iterable) -> dict[str, dict]:
    """{target id: the latest entry's ``after``} of ``actions`` about ``rows``."""
    ids = [str(row.pk) for row in rows]
    return dict(
        Entry.objects.filter(action__in=list(actions), target_type=target_type, target_id__in=ids)
        .order_by("seq")
        .values_list("target_id", "after")
    )


def _same_amount(journaled, stored) -> bool:
    if journaled is None or stored is None:
        return journaled is None and stored is None
    return Decimal(str(journaled)) == Decimal(str(stored))


def _bids() -> Iterator[str]:
    for bids in _windows(Bid.objects.all()):
        journaled = _entries(["bid.submit"], "tenders.bid", bids)
        documents: dict[int, list[BidDocument]] = {}
        for document in BidDocument.objects.filter(**_within(bids, "bid_id")).order_by(
            "bid_id", "position"
        ):
            documents.setdefault(document.bid_id, []).append(document)
        for bid in bids:
            yield from _bid_faults(bid, journaled.get(str(bid.pk)), documents.get(bid.pk, []))


def _bid_faults(bid: Bid, after: dict | None, stored: list[BidDocument]) -> Iterator[str]:
    name = f"bid {bid.receipt_number} (#{bid.pk})"
    if after is None:
        yield f"{name}: no journal entry records its submission"
        return
    if sha256_hex(bytes(bid.sealed)) != bid.digest:
        yield f"{name}: the sealed bytes do not match the stored digest"
    if after.get("digest") != bid.digest:
        yield f"{name}: the digest differs from the one journaled on receipt"
    if after.get("receipt_number") != bid.receipt_number:
        yield f"{name}: the receipt number differs from the journal"
    if dt.datetime.fromisoformat(after["received_at"]) != bid.received_at:
        yield f"{name}: the receipt time differs from the journal"
    if (after.get("merchant"), after.get("version")) != (bid.merchant_id, bid.version):
        yield f"{name}: the merchant or version differs from the journal"
    if [d.digest for d in stored] != after.get("documents", []):
        yield f"{name}: its documents differ from those journaled"
    for document in stored:
        if sha256_hex(bytes(document.sealed)) != document.digest:
            yield f"{name}: document {document.position} does not match its digest"


def _opened_bids() -> Iterator[str]:
    """Each opened offer against its opening's journaled record, a window of openings at a
    time (an opened bid belongs to its opening: the key is protected)."""
    for openings in _windows(Opening.objects.only("pk", "round_id")):
        journaled = _entries(["opening.open"], "tenders.opening", openings)
        offers = {}
        for opening in openings:
            entry = journaled.get(str(opening.pk))
            if entry is None:
                yield f"opening of round #{opening.round_id}: no journal entry records it"
                continue
            for lot in entry.get("lots", []):
                for row in lot.get("bids", []):
                    offers[row["receipt_number"]] = (row.get("annual_rent"), row.get("valid"))
        yield from _offer_faults(
            OpenedBid.objects.filter(**_within(openings, "opening_id")).select_related("bid"),
            offers,
        )


def _offer_faults(opened_bids: Iterable[OpenedBid], offers: dict) -> Iterator[str]:
    for opened in opened_bids:
        receipt = opened.bid.receipt_number
        if receipt not in offers:
            yield f"opened bid {receipt}: not in the journaled opening record"
            continue
        amount, valid = offers[receipt]
        if not _same_amount(amount, opened.annual_rent) or valid != opened.is_valid:
            yield f"opened bid {receipt}: the offer or its validity differs from the opening record"


def _sheets() -> Iterator[str]:
    for sheets in _windows(ScoreSheet.objects.select_related("seat__user")):
        journaled = _entries(["score.submit", "score.correct"], "tenders.scoresheet", sheets)
        scores: dict[int, dict[str, Decimal]] = {}
        for sheet_id, receipt, criterion, points in (
            Score.objects.filter(**_within(sheets, "sheet_id"))
            .order_by()
            .values_list("sheet_id", "bid__bid__receipt_number", "criterion__name", "points")
        ):
            scores.setdefault(sheet_id, {})[f"{receipt} · {criterion}"] = points
        for sheet in sheets:
            name = f"score sheet #{sheet.pk} of {sheet.seat.user.get_username()}"
            after = journaled.get(str(sheet.pk))
            if after is None:
                yield f"{name}: no journal entry records it"
                continue
            recorded = {key: Decimal(value) for key, value in after.get("scores", {}).items()}
            if recorded != scores.get(sheet.pk, {}):
                yield f"{name}: its scores differ from those journaled"


def _awards() -> Iterator[str]:
    for awards in _windows(Award.objects.all()):
        journaled = _entries(["award.make"], "tenders.award", awards)
        for award in awards:
            after = journaled.get(str(award.pk))
            name = f"award #{award.pk}"
            if after is None:
                yield f"{name}: no journal entry records it"
            elif not _same_amount(after.get("annual_rent"), award.annual_rent) or (
                after.get("merchant_id") != award.merchant_id
            ):
                yield f"{name}: the rent or the winner differs from the journal"


def check() -> Iterator[str]:
    yield from _bids()
    yield from _opened_bids()
    yield from _sheets()
    yield from _awards()
