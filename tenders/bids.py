"""Sealed bids: submission with a receipt, replacement, withdrawal, and refused reads.

A bid is sealed (AES-GCM under the round's own key) before it reaches the database, so no
column holds a readable amount. The deadline is enforced on the server under a row lock on the
round, and judged by the time the server received the request (``arrived_at``, stamped by
cms.arrival before any lock; the time read under the lock when a caller has no request): a bid
received a microsecond before the deadline counts even if it waited behind others for the lock,
one received at the deadline is refused. Every step is journaled with the
receipt number and digest, never the amount. Nobody, officers included, reads a sealed bid
before the opening; each attempt is refused and journaled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from stations.uploads import DRAWING_KINDS, check_files
from tenders import pipeline
from tenders.accounts import ensure_email_verified
from tenders.models import (
    MONEY,
    Application,
    Bid,
    BidDocument,
    Lot,
    Merchant,
    OpenedBid,
    TenderRound,
)
from tenders.permissions import is_member_of
from tenders.rounds import when
from tenders.sealing import seal, unwrap_round_key

Status = TenderRound.Status
BIDDING_STATUSES = frozenset({Status.PUBLISHED, Status.APPLICATIONS_CLOSED})
# A bid's documents: its plans and drawings, scans and photographs.
DOCUMENT_KINDS = DRAWING_KINDS
DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# The largest amount the money columns hold (14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])
OPENED_STATUSES = frozenset({Status.OPENED, Status.SCORED, Status.PUBLICITY, Status.AWARDED})


# What a receipt and its journal entry say the deadline was judged by.
DEADLINE_JUDGED_BY = "received_at"


def deadline_rule() -> str:
    """The receipt's sentence on how the deadline was judged (API, portal, downloaded file)."""
    return _(
        "The deadline was judged by the time the server received the request (received at), "
        "not by when the bid was processed."
    )


@dataclass(frozen=True)
class Receipt:
    """What the merchant keeps: server time of receipt, receipt number, digest of the seal."""

    receipt_number: str
    received_at: dt.datetime
    digest: str
    deadline_judged_by: str = DEADLINE_JUDGED_BY


def _server_now() -> dt.datetime:
    """The server clock, read once under the round lock (tests patch it to race the deadline)."""
    return timezone.now()


def _judged_time(arrived_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The time the deadline is judged by: the request's arrival when the caller has one."""
    if arrived_at is None:
        return now
    if timezone.is_naive(arrived_at):
        raise ValueError("arrived_at must be an aware datetime (the server's clock, UTC)")
    return arrived_at


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()


def bid_aad(round_code: str, lot_id: int, merchant_id: int, version: int) -> bytes:
    """The associated data a bid is sealed with: a sealed bid moved to another row won't open."""
    return f"hsr-bid:{round_code}:{lot_id}:{merchant_id}:{version}".encode()


def document_aad(round_code: str, lot_id: int, merchant_id: int, version: int, n: int) -> bytes:
    return bid_aad(round_code, lot_id, merchant_id, version) + f":doc:{n}".encode()


def canonical_json(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _amount(value) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"annual_rent": _("Enter the annual rent in CNY.")}) from None
    if number.is_finite() and abs(number) >= MAX_AMOUNT:
        raise ValidationError(
            {
                "annual_rent": _("Enter an annual rent below %(limit)s CNY.")
                % {"limit": f"{MAX_AMOUNT:,.0f}"}
            }
        )
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise ValidationError(
            {"annual_rent": _("Give the annual rent in CNY with at most 2 decimals.")}
        )
    if number <= 0:
        raise ValidationError({"annual_rent": _("The annual rent offered must be more than 0.")})
    return number.quantize(Decimal("0.01"))


def max_document_bytes() -> int:
    return int(getattr(settings, "BID_DOCUMENT_MAX_BYTES", DEFAULT_MAX_DOCUMENT_BYTES))


def _documents(documents: Iterable) -> list[tuple[str, bytes]]:
    """(name, content) of each uploaded file or (name, bytes) pair, checked by its content
    (stations.uploads.check_files): a PDF, PNG, JPEG, DWG or DXF within the limits."""
    checked = check_files(
        documents, kinds=DOCUMENT_KINDS, max_bytes=max_document_bytes(), field="documents"
    )
    return [(document.name, document.content) for document in checked]


def _locked_round(round: TenderRound) -> TenderRound:
    return TenderRound.objects.select_for_update().get(pk=round.pk)


def _bidding_merchant(actor, round: TenderRound, lot: Lot, merchant: Merchant | None) -> Merchant:
    """The merchant the actor bids for: one it acts for, admitted to the round for this lot."""
    if actor is None:
        raise PermissionDenied(_("A bid is submitted by a user acting for a merchant."))
    applications = Application.objects.filter(round=round, lots=lot).select_related("merchant")
    if merchant is not None:
        if not is_member_of(actor, merchant):
            raise PermissionDenied(_("You may not act for %(merchant)s.") % {"merchant": merchant})
        # Only the merchant's own application: a bid holds the round's lock while it runs.
        mine = list(applications.filter(merchant=merchant))
    else:
        mine = [a for a in applications if is_member_of(actor, a.merchant)]
        if not mine:
            raise PermissionDenied(
                _("You do not act for any applicant for %(lot)s.") % {"lot": lot}
            )
        if len(mine) > 1:
            raise ValidationError(
                {"merchant": _("You act for several applicants: say which merchant bids.")}
            )
    if not mine or mine[0].status != Application.Status.ADMITTED:
        shown = merchant or mine[0].merchant
        raise ValidationError(
            _("%(merchant)s is not admitted to %(lot)s; only admitted applicants may bid.")
            % {"merchant": shown, "lot": lot}
        )
    return mine[0].merchant


def _ensure_before_deadline(round: TenderRound, now: dt.datetime, *, what: str) -> None:
    if round.status not in BIDDING_STATUSES:
        raise ValidationError(
            _("Round %(code)s is %(status)s: it takes no %(what)s.")
            % {"code": round.code, "status": round.get_status_display(), "what": what}
        )
    if now >= round.bid_deadline:
        raise ValidationError(
            _("The bid deadline (%(when)s) has passed; the %(what)s was refused.")
            % {"when": when(round.bid_deadline), "what": what}
        )


def _receipt_number(round: TenderRound) -> str:
    sequence = Bid.objects.filter(round=round).count() + 1
    return f"{round.code}-{sequence:05d}-{secrets.token_hex(4).upper()}"


@transaction.atomic
def bid_submit(
    *,
    actor,
    round: TenderRound,
    lot: Lot,
    annual_rent: Decimal,
    proposal: str,
    documents: Iterable = (),
    merchant: Merchant | None = None,
    arrived_at: dt.datetime | None = None,
) -> Receipt:
    """Seal and store a bid for ``lot``; it replaces the merchant's active bid for the lot.

    ``merchant`` is needed only when the actor acts for several applicants. The offer is a
    positive amount with at most 2 decimals (the reserve price is checked at the opening).
    ``arrived_at`` is when the server received the request (cms.arrival): the deadline is
    judged by it and it is the bid's time of receipt; without it, the time under the lock.
    """
    round = _locked_round(round)
    taken_at = _server_now()
    now = _judged_time(arrived_at, taken_at)
    lot = Lot.objects.get(pk=getattr(lot, "pk", lot))
    if lot.round_id != round.pk:
        raise ValidationError({"lot": _("%(lot)s is not a lot of this round.") % {"lot": lot}})
    merchant = _bidding_merchant(actor, round, lot, merchant)
    ensure_email_verified(actor)
    _ensure_before_deadline(round, now, what=_("bid"))
    amount = _amount(annual_rent)
    proposal = (proposal or "").strip()
    if not proposal:
        raise ValidationError({"proposal": _("Write the proposal that goes with the offer.")})
    files = _documents(documents)
    previous = (
        Bid.objects.select_for_update()
        .filter(lot=lot, merchant=merchant, status=Bid.Status.ACTIVE)
        .first()
    )
    version = (
        Bid.objects.filter(lot=lot, merchant=merchant).aggregate(n=Max("version"))["n"] or 0
    ) + 1
    key = round_key(round)
    sealed_documents = []  # (name, sealed bytes, SHA-256 of the content, SHA-256 of the seal)
    for n, (name, content) in enumerate(files, start=1):
        blob = seal(key, content, aad=document_aad(round.code, lot.pk, merchant.pk, version, n))
        sealed_documents.append((name, blob, sha256_hex(content), sha256_hex(blob)))
    payload = {
        "annual_rent": f"{amount:.2f}",
        "proposal": proposal,
        "documents": [
            {"name": name, "sha256": plain} for name, _sealed, plain, _digest in sealed_documents
        ],
        "merchant": merchant.pk,
        "lot": lot.pk,
        "version": version,
    }
    sealed = seal(
        key, canonical_json(payload), aad=bid_aad(round.code, lot.pk, merchant.pk, version)
    )
    if previous is not None:
        previous.status = Bid.Status.REPLACED
        previous.save(update_fields=["status"])
    bid = Bid.objects.create(
        round=round,
        lot=lot,
        merchant=merchant,
        version=version,
        received_at=now,
        receipt_number=_receipt_number(round),
        digest=sha256_hex(sealed),
        sealed=sealed,
        submitted_by=actor,
    )
    BidDocument.objects.bulk_create(
        # The real name travels only inside the seal: "offer-123456.pdf" would tell the amount.
        BidDocument(bid=bid, position=n, file_name=f"#{n}", sealed=blob, digest=digest)
        for n, (_name, blob, _plain, digest) in enumerate(sealed_documents, start=1)
    )
    audit.record(
        actor=actor,
        action="bid.submit",
        target=bid,
        before={"replaces": previous.receipt_number} if previous is not None else None,
        after={
            "receipt_number": bid.receipt_number,
            "received_at": now,
            "deadline_judged_by": DEADLINE_JUDGED_BY,
            "taken_at": taken_at,
            "digest": bid.digest,
            "lot": lot.number,
            "merchant": merchant.pk,
            "version": version,
            "documents": [digest for *_rest, digest in sealed_documents],
        },
    )
    if previous is not None:  # a replaced bid is no longer counted, its later version is
        pipeline.count("bids", [(lot.station_id, previous.received_at)], by=-1)
    pipeline.count("bids", [(lot.station_id, now)])
    return Receipt(receipt_number=bid.receipt_number, received_at=now, digest=bid.digest)


@transaction.atomic
def bid_withdraw(*, actor, bid: Bid, arrived_at: dt.datetime | None = None) -> Bid:
    """Withdraw the merchant's active bid, before the deadline; its content stays as it was.

    The deadline is judged by ``arrived_at`` (when the server received the request), which is
    also the time of withdrawal; without it, by the time under the lock."""
    round = _locked_round(bid.round)
    taken_at = _server_now()
    now = _judged_time(arrived_at, taken_at)
    bid = Bid.objects.select_for_update().select_related("merchant", "lot").get(pk=bid.pk)
    if not is_member_of(actor, bid.merchant):
        raise PermissionDenied(_("You may not act for %(merchant)s.") % {"merchant": bid.merchant})
    _ensure_before_deadline(round, now, what=_("withdrawal"))
    if bid.status != Bid.Status.ACTIVE:
        raise ValidationError(
            _("Bid %(receipt)s is %(status)s; only the active bid can be withdrawn.")
            % {"receipt": bid.receipt_number, "status": bid.get_status_display().lower()}
        )
    bid.status = Bid.Status.WITHDRAWN
    bid.withdrawn_at = now
    bid.save(update_fields=["status", "withdrawn_at"])
    audit.record(
        actor=actor,
        action="bid.withdraw",
        target=bid,
        before={"status": Bid.Status.ACTIVE},
        after={
            "status": bid.status,
            "withdrawn_at": now,
            "deadline_judged_by": DEADLINE_JUDGED_BY,
            "taken_at": taken_at,
            "receipt_number": bid.receipt_number,
        },
    )
    return bid


def bid_read(*, actor, bid: Bid) -> OpenedBid:
    """The content of a bid, which exists in readable form only after the opening.

    Before the opening every attempt is refused, for everyone, and the refusal is journaled
    (in its own committed block, so the refusal stays on record). After it, those entitled to
    the opening record read it.
    """
    from tenders.opening import may_see_opening  # the opening builds on this module

    bid = Bid.objects.select_related("round").get(pk=bid.pk)
    opened = OpenedBid.objects.filter(bid=bid).first()
    if bid.round.status not in OPENED_STATUSES or opened is None:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="bid.read_refused",
                target=bid,
                data={"receipt_number": bid.receipt_number, "round_status": bid.round.status},
            )
        raise PermissionDenied(
            _("Bid %(receipt)s is sealed until the opening; nobody may read it before.")
            % {"receipt": bid.receipt_number}
        )
    if not may_see_opening(actor, bid.round):
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="bid.read_refused",
                target=bid,
                data={"receipt_number": bid.receipt_number, "round_status": bid.round.status},
            )
        raise PermissionDenied(_("You are not entitled to the opened bids of this round."))
    audit.record(actor=actor, action="bid.read", target=bid)
    return opened


def round_key(round: TenderRound) -> bytes:
    return unwrap_round_key(bytes(round.wrapped_key), round_code=round.code)
