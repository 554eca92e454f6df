"""The tender's records against their journal entries, for ``verify_audit``.

Each sealed bid, its documents, each opened offer, each score sheet and each award was
journaled as it was written; a row altered afterwards in SQL — an amount, a digest, a
receipt time, a score — no longer matches its entry, and is named here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from audit.models import Entry
from tenders.bids import sha256_hex
from tenders.models import Award, Bid, BidDocument, OpenedBid, Opening, Score, ScoreSheet

CHUNK = 2000


def _entries(action: str, target_type: str) -> dict[str, dict]:
    """{target id: the latest entry's ``after``} of one action."""
    return dict(
        Entry.objects.filter(action=action, target_type=target_type)
        .order_by("seq")
        .values_list("target_id", "after")
    )


def _same_amount(journaled, stored) -> bool:
    if journaled is None or stored is None:
        return journaled is None and stored is None
    return Decimal(str(journaled)) == Decimal(str(stored))


def _bids() -> Iterator[str]:
    journaled = _entries("bid.submit", "tenders.bid")
    documents: dict[int, list[BidDocument]] = {}
    for document in BidDocument.objects.order_by("bid_id", "position").iterator(CHUNK):
        documents.setdefault(document.bid_id, []).append(document)
    for bid in Bid.objects.order_by("pk").iterator(CHUNK):
        after = journaled.get(str(bid.pk))
        name = f"bid {bid.receipt_number} (#{bid.pk})"
        if after is None:
            yield f"{name}: no journal entry records its submission"
            continue
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
        stored = documents.get(bid.pk, [])
        if [d.digest for d in stored] != after.get("documents", []):
            yield f"{name}: its documents differ from those journaled"
        for document in stored:
            if sha256_hex(bytes(document.sealed)) != document.digest:
                yield f"{name}: document {document.position} does not match its digest"


def _opened_bids() -> Iterator[str]:
    journaled = _entries("opening.open", "tenders.opening")  # one query, not one an opening
    offers = {}
    for opening_id, round_id in Opening.objects.values_list("pk", "round_id").iterator(CHUNK):
        entry = journaled.get(str(opening_id))
        if entry is None:
            yield f"opening of round #{round_id}: no journal entry records it"
            continue
        for lot in entry.get("lots", []):
            for row in lot.get("bids", []):
                offers[row["receipt_number"]] = (row.get("annual_rent"), row.get("valid"))
    for opened in OpenedBid.objects.select_related("bid").iterator(CHUNK):
        receipt = opened.bid.receipt_number
        if receipt not in offers:
            yield f"opened bid {receipt}: not in the journaled opening record"
            continue
        amount, valid = offers[receipt]
        if not _same_amount(amount, opened.annual_rent) or valid != opened.is_valid:
            yield f"opened bid {receipt}: the offer or its validity differs from the opening record"


def _sheets() -> Iterator[str]:
    journaled = _entries("score.submit", "tenders.scoresheet")
    journaled.update(_entries("score.correct", "tenders.scoresheet"))
    scores: dict[int, dict[str, Decimal]] = {}
    for sheet_id, receipt, criterion, points in Score.objects.values_list(
        "sheet_id", "bid__bid__receipt_number", "criterion__name", "points"
    ).iterator(CHUNK):
        scores.setdefault(sheet_id, {})[f"{receipt} · {criterion}"] = points
    for sheet in ScoreSheet.objects.select_related("seat__user").iterator(CHUNK):
        name = f"score sheet #{sheet.pk} of {sheet.seat.user.get_username()}"
        after = journaled.get(str(sheet.pk))
        if after is None:
            yield f"{name}: no journal entry records it"
            continue
        recorded = {key: Decimal(value) for key, value in after.get("scores", {}).items()}
        if recorded != scores.get(sheet.pk, {}):
            yield f"{name}: its scores differ from those journaled"


def _awards() -> Iterator[str]:
    journaled = _entries("award.make", "tenders.award")
    for award in Award.objects.order_by("pk"):
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
