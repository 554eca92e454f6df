"""The opening of sealed bids: two people confirm, then the bids are decrypted and checked.

Only after the bid deadline (server clock), and only when a leasing officer and a discipline
inspector, two different people, have each confirmed within 30 minutes of one another. The
second confirmation opens the round in the same transaction: every active bid is unsealed, its
digest recomputed against the receipt, bids below the lot's reserve marked invalid, and the
opening record (bidders, offers, validity) written for the committee and the bidders. A bid
whose sealed bytes no longer match its receipt is invalid, and journaled as a breach.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import audit
from tenders import notifications as tender_notifications
from tenders.bids import bid_aad, document_aad, round_key, sha256_hex
from tenders.committee import has_declared
from tenders.models import Bid, OpenedBid, Opening, OpeningConfirmation, Seat, TenderRound
from tenders.permissions import ACT_FOR_MERCHANT, CONFIRM_OPENING, RUN_ROUND
from tenders.rounds import move_round, when
from tenders.sealing import SealBroken, unseal

CONFIRMATION_WINDOW = dt.timedelta(minutes=30)
Status = TenderRound.Status
Role = OpeningConfirmation.Role
BEFORE_OPENING = (Status.PUBLISHED, Status.APPLICATIONS_CLOSED, Status.BIDDING_CLOSED)


@dataclass(frozen=True)
class Confirmed:
    """A recorded confirmation, and the opening when it completed the pair (else None)."""

    confirmation: OpeningConfirmation
    opening: Opening | None


def _role_of(actor) -> str:
    if actor is None or not actor.is_active:
        raise PermissionDenied(_("An opening is confirmed by a person, never by the system."))
    if actor.has_perm(RUN_ROUND):
        return Role.OFFICER
    if actor.has_perm(CONFIRM_OPENING):
        return Role.INSPECTOR
    raise PermissionDenied(
        _("Only a leasing officer or a discipline inspector may confirm an opening.")
    )


def opening_confirm(*, actor, round: TenderRound) -> Confirmed:
    """Record the actor's confirmation; the second of a valid pair opens the bids.

    Refused: before the deadline, for anyone but an officer or inspector, for a person whose
    confirmation is still standing, and for a second person of the same role while the first
    one's confirmation stands. A confirmation older than 30 minutes has expired. A refused
    attempt is journaled (``opening.confirm_refused``) with the reason.
    """
    try:
        return _confirm(actor, round)
    except (PermissionDenied, ValidationError) as refusal:
        reasons = getattr(refusal, "messages", None) or [str(refusal)]
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="opening.confirm_refused",
                target=round,
                data={"reasons": [str(reason) for reason in reasons]},
            )
        raise


@transaction.atomic
def _confirm(actor, round: TenderRound) -> Confirmed:
    round = TenderRound.objects.select_for_update().get(pk=round.pk)
    role = _role_of(actor)
    now = timezone.now()
    if round.status not in BEFORE_OPENING:
        raise ValidationError(
            _("Round %(code)s is %(status)s: there is no opening to confirm.")
            % {"code": round.code, "status": round.get_status_display()}
        )
    if now < round.bid_deadline:
        raise ValidationError(
            _("The bids can be opened only after the bid deadline (%(when)s).")
            % {"when": when(round.bid_deadline)}
        )
    standing = list(
        OpeningConfirmation.objects.filter(
            round=round, confirmed_at__gte=now - CONFIRMATION_WINDOW
        ).select_related("user")
    )
    for earlier in standing:
        if earlier.user_id == actor.pk:
            raise ValidationError(
                _(
                    "You confirmed this opening at %(when)s; a second confirmation must come "
                    "from another person."
                )
                % {"when": when(earlier.confirmed_at)}
            )
        if earlier.role == role:
            raise ValidationError(
                _(
                    "%(role)s %(user)s has already confirmed; the opening needs the "
                    "confirmation of a %(other)s."
                )
                % {
                    "role": earlier.get_role_display(),
                    "user": earlier.user.get_username(),
                    "other": (Role.INSPECTOR if role == Role.OFFICER else Role.OFFICER).label,
                }
            )
    expired = OpeningConfirmation.objects.filter(
        round=round, confirmed_at__lt=now - CONFIRMATION_WINDOW
    ).values_list("pk", flat=True)
    confirmation = OpeningConfirmation.objects.create(
        round=round, user=actor, role=role, confirmed_at=now
    )
    audit.record(
        actor=actor,
        action="opening.confirm",
        target=round,
        after={"role": role, "confirmed_at": now},
        data={"expired_confirmations": list(expired)} if expired else None,
    )
    partner = next((c for c in standing if c.role != role), None)
    if partner is None:
        return Confirmed(confirmation=confirmation, opening=None)
    return Confirmed(
        confirmation=confirmation,
        opening=_open(actor, round, [partner, confirmation], now),
    )


def _read_bid(key: bytes, round: TenderRound, bid: Bid) -> tuple[dict | None, str]:
    """The unsealed payload and '' — or None and why the bid cannot be trusted."""
    if sha256_hex(bid.sealed) != bid.digest:
        return None, _("The sealed bid does not match the digest on its receipt.")
    try:
        payload = json.loads(
            unseal(
                key, bid.sealed, aad=bid_aad(round.code, bid.lot_id, bid.merchant_id, bid.version)
            )
        )
    except (SealBroken, ValueError):
        return None, _("The sealed bid does not open: it was altered or damaged.")
    if (payload.get("merchant"), payload.get("lot"), payload.get("version")) != (
        bid.merchant_id,
        bid.lot_id,
        bid.version,
    ):
        return None, _("The sealed bid names another merchant, lot or version.")
    expected = payload.get("documents") or []
    documents = list(bid.documents.all())
    if len(documents) != len(expected):
        return None, _("The bid's documents are not those that were sealed.")
    for document, sealed_as in zip(documents, expected, strict=True):
        if sha256_hex(document.sealed) != document.digest:
            return None, _("Document %(name)s does not match its digest.") % {
                "name": sealed_as.get("name") or document.file_name
            }
        try:
            content = unseal(
                key,
                document.sealed,
                aad=document_aad(
                    round.code, bid.lot_id, bid.merchant_id, bid.version, document.position
                ),
            )
        except SealBroken:
            return None, _("Document %(name)s does not open: it was altered or damaged.") % {
                "name": sealed_as.get("name") or document.file_name
            }
        if sha256_hex(content) != sealed_as.get("sha256"):
            return None, _("Document %(name)s is not the one that was sealed.") % {
                "name": sealed_as.get("name") or document.file_name
            }
    return payload, ""


def _open(actor, round: TenderRound, pair: list[OpeningConfirmation], now) -> Opening:
    # The opening record is the tender's record: its reasons are written in the tender's
    # language (the site's), not in that of whoever happened to confirm second.
    with translation.override(settings.LANGUAGE_CODE):
        return _open_in_record_language(actor, round, pair, now)


def _open_in_record_language(actor, round, pair, now) -> Opening:
    if round.status == Status.PUBLISHED:
        move_round(actor, round, Status.APPLICATIONS_CLOSED, action="round.close_applications")
    if round.status == Status.APPLICATIONS_CLOSED:
        move_round(
            actor,
            round,
            Status.BIDDING_CLOSED,
            action="round.close_bidding",
            data={"reason": "opening"},
        )
    move_round(actor, round, Status.OPENED, action="round.open")
    key = round_key(round)
    opening = Opening.objects.create(round=round, opened_at=now, record={})
    bids = list(
        Bid.objects.filter(round=round, status=Bid.Status.ACTIVE)
        .select_related("lot", "merchant")
        .prefetch_related("documents")
        .order_by("lot__number", "received_at", "pk")
    )
    lots: dict[int, dict] = {}
    for lot in round.lots.order_by("number"):
        lots[lot.pk] = {"lot": lot.number, "title": lot.title, "bids": []}
    opened = []
    for bid in bids:
        payload, reason = _read_bid(key, round, bid)
        digest_ok = payload is not None
        amount = None
        proposal = ""
        if payload is not None:
            try:
                amount = Decimal(payload["annual_rent"])
            except (InvalidOperation, KeyError, TypeError):
                reason = _("The sealed bid holds no readable offer.")
            proposal = str(payload.get("proposal", ""))
        if not digest_ok:
            audit.record(
                actor=actor,
                action="opening.breach",
                target=bid,
                data={
                    "receipt_number": bid.receipt_number,
                    "digest": bid.digest,
                    "reason": reason,
                },
            )
        if not reason and amount < bid.lot.reserve_annual_rent:
            reason = _("The offer is below the reserve price.")
        opened.append(
            OpenedBid(
                bid=bid,
                opening=opening,
                annual_rent=amount,
                proposal=proposal,
                is_valid=not reason,
                invalid_reason=reason,
            )
        )
        lots[bid.lot_id]["bids"].append(
            {
                "receipt_number": bid.receipt_number,
                "merchant_id": bid.merchant_id,
                "merchant": bid.merchant.name,
                "received_at": bid.received_at.isoformat(),
                "annual_rent": f"{amount:.2f}" if amount is not None else None,
                "valid": not reason,
                "reason": reason,
                "digest": bid.digest,
                "digest_verified": digest_ok,
            }
        )
    OpenedBid.objects.bulk_create(opened)
    opening.record = {
        "round": round.code,
        "opened_at": now.isoformat(),
        "bid_deadline": round.bid_deadline.isoformat(),
        "confirmed_by": [
            {
                "user": c.user.get_username(),
                "role": c.role,
                "confirmed_at": c.confirmed_at.isoformat(),
            }
            for c in pair
        ],
        "lots": list(lots.values()),
    }
    opening.save(update_fields=["record"])
    audit.record(actor=actor, action="opening.open", target=opening, after=opening.record)
    tender_notifications.bids_opened_later(round)
    return opening


def may_see_opening(user, round: TenderRound) -> bool:
    """Officers, inspectors, the members seated on the round's committee once they have
    declared their interests, and the users of the round's bidders."""
    if user is None:
        return True
    if not (user.is_active and user.is_authenticated):
        return False
    if user.has_perm(RUN_ROUND) or user.has_perm(CONFIRM_OPENING):
        return True
    seat = Seat.objects.filter(round=round, user=user).first()
    if seat is not None:
        # Offers are seen only after declaring towards every bidder (the names come first).
        return has_declared(seat)
    merchants = {
        bid.merchant for bid in Bid.objects.filter(round=round).select_related("merchant")
    }
    return any(user.has_perm(ACT_FOR_MERCHANT, merchant) for merchant in merchants)


def opening_record_for(user, round: TenderRound) -> dict:
    """The opening record of ``round`` for those entitled to it; refused otherwise."""
    opening = Opening.objects.filter(round=round).first()
    if opening is None:
        raise PermissionDenied(
            _("The bids of round %(code)s have not been opened.") % {"code": round.code}
        )
    if not may_see_opening(user, round):
        raise PermissionDenied(_("You are not entitled to the opening record of this round."))
    return opening.record
