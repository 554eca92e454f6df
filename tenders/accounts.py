"""Portal accounts: signing up with a company, verifying the e-mail address, inviting colleagues,
setting a new password, and the sign-in throttle. Every write is atomic and audited.

A portal user signs up and registers their company in one transaction (tenders.services
``merchant_register`` checks the company). Their address is verified by a signed, expiring
link; until then they may sign in and record their company's wishes, but not apply or bid
(``ensure_email_verified``). A colleague joins through an invitation: a signed link sent to
their address, accepted once, which creates their user and adds them through
``merchant_add_member`` in the inviter's name.

Sign-ins are throttled per account (the username typed): after ``SIGN_IN_FAILURE_LIMIT``
failures within ``SIGN_IN_FAILURE_WINDOW`` seconds, every attempt is refused — the right
password too — until the oldest failure leaves the window; a new password clears them. The
failures live in the database, so every app server counts the same.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from tenders import services
from tenders.models import MemberInvitation, Merchant, PortalAccount, SignInFailure
from tenders.permissions import ensure_can_act_for, is_member_of

User = get_user_model()

VERIFY_SALT = "tenders.accounts.verify-email"
INVITE_SALT = "tenders.accounts.invitation"


def _limit() -> int:
    return int(getattr(settings, "SIGN_IN_FAILURE_LIMIT", 100))


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "SIGN_IN_FAILURE_WINDOW", 3600)))


# --- the sign-in throttle -------------------------------------------------------------------


def sign_in_retry_at(username: str) -> dt.datetime | None:
    """When ``username`` may try again, or None when a sign-in may be tried now.

    The window slides: once ``SIGN_IN_FAILURE_LIMIT`` failures lie within the last
    ``SIGN_IN_FAILURE_WINDOW``, the account is refused until the oldest of those counted
    leaves the window.
    """
    if not username:
        return None
    now = timezone.now()
    limit = _limit()
    recent = (
        SignInFailure.objects.filter(username=username, failed_at__gt=now - _window())
        .order_by("-failed_at")
        .values_list("failed_at", flat=True)[:limit]
    )
    recent = list(recent)
    if len(recent) < limit:
        return None
    return recent[-1] + _window()


def sign_in_refusal(username: str) -> str | None:
    """The message that refuses a sign-in for ``username`` now, or None when it may try."""
    retry_at = sign_in_retry_at(username)
    if retry_at is None:
        return None
    return _(
        "Too many failed sign-ins for this account: sign-in is refused until %(time)s. "
        "You may reset your password to sign in at once."
    ) % {"time": f"{timezone.localtime(retry_at):%Y-%m-%d %H:%M}"}


@transaction.atomic
def sign_in_failure_record(*, username: str) -> None:
    """Count one failed sign-in for ``username``; failures older than the window are dropped
    (they no longer count), so the table holds at most an hour of failures."""
    if not username:
        return
    now = timezone.now()
    SignInFailure.objects.filter(failed_at__lte=now - _window()).delete()
    SignInFailure.objects.create(username=username[:150], failed_at=now)


@transaction.atomic
def sign_in_failures_clear(*, actor, username: str) -> int:
    """Forget the failed sign-ins of ``username`` (its owner has proved who they are)."""
    deleted, _by_model = SignInFailure.objects.filter(username=username).delete()
    if deleted:
        audit.record(
            actor=actor,
            action="account.sign_in_failures_clear",
            data={"username": username, "failures": deleted},
        )
    return deleted


class SignInThrottled(PermissionDenied):
    """A sign-in refused by the throttle; ``str()`` says until when."""


class ThrottledModelBackend(ModelBackend):
    """Django's username-and-password backend, refusing a throttled account and counting each
    failure; it serves the admin's sign-in as well as the portal's."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        refusal = sign_in_refusal(username)
        if refusal:
            # PermissionDenied stops authenticate() at this backend: no other may let them in.
            raise SignInThrottled(refusal)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            sign_in_failure_record(username=username)
        return user


# --- signing up -------------------------------------------------------------------------------


def _clean_username(username: str) -> str:
    username = User.normalize_username((username or "").strip())
    field = User._meta.get_field(User.USERNAME_FIELD)
    try:
        field.run_validators(username)
        if not username:
            raise ValidationError(_("A username is required."))
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from None
    if User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
        raise ValidationError(
            {"username": _("The username %(name)s is taken.") % {"name": username}}
        )
    return username


def _clean_email(email: str) -> str:
    email = User._default_manager.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("“%(email)s” is not an e-mail address.") % {"email": email}}
        ) from None
    if User._default_manager.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _("An account with the e-mail address %(email)s exists already.")
                % {"email": email}
            }
        )
    return email


def _new_user(*, username: str, email: str, password: str, first_name: str, last_name: str):
    username = _clean_username(username)
    email = _clean_email(email)
    user = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip()[:150],
        last_name=(last_name or "").strip()[:150],
    )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def portal_user_create(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email_verified: bool = False,
):
    """Create a portal user: a username and an e-mail address no one has (either case), a
    password the settings' validators accept. The address awaits verification unless
    ``email_verified`` (it came through a link sent to it)."""
    user = _new_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    account = PortalAccount.objects.create(
        user=user, email_verified_at=timezone.now() if email_verified else None
    )
    audit.record(
        actor=user,
        action="account.create",
        target=user,
        after={
            "username": user.get_username(),
            "email": user.email,
            "email_verified": account.email_verified_at is not None,
        },
    )
    return user


def _check_company(company: dict) -> None:
    """The checks ``merchant_register`` makes of a company's fields, without saving it."""
    fields = {k: v for k, v in company.items() if k in services.MERCHANT_FIELDS}
    merchant = Merchant(**fields)
    merchant.name = (merchant.name or "").strip()
    merchant.credit_code = services.normalise_credit_code(merchant.credit_code)
    faults: dict[str, list] = {}
    for check in (
        lambda: services._check_credit_code(merchant.credit_code),
        lambda: services._clean_merchant(merchant),
    ):
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                faults.setdefault(field, []).extend(messages)
    if faults:
        raise ValidationError(faults)


@transaction.atomic
def sign_up(
    *,
    username: str,
    email: str,
    password: str,
    company: dict,
    first_name: str = "",
    last_name: str = "",
):
    """A person signs up and registers their company: the user, then ``merchant_register``
    with the ``company``'s fields, in one transaction — a refused company saves no user.

    When the account is refused, the company is checked all the same, so that every fault is
    named at once. Returns (user, merchant); the user's address awaits verification.
    """
    try:
        user = portal_user_create(
            username=username,
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
    except ValidationError as account_fault:
        faults = dict(account_fault.message_dict)
        try:
            _check_company(company)
        except ValidationError as company_fault:
            for field, messages in company_fault.message_dict.items():
                faults.setdefault(field, []).extend(messages)
        raise ValidationError(faults) from None
    merchant = services.merchant_register(actor=user, **company)
    return user, merchant


# --- e-mail verification ----------------------------------------------------------------------


def email_is_verified(user) -> bool:
    """Whether ``user``'s address is not awaiting verification (users made otherwise than by
    signing up on the portal have nothing to verify)."""
    if user is None or not getattr(user, "pk", None):
        return False
    pending = PortalAccount.objects.filter(user=user, email_verified_at__isnull=True)
    return not pending.exists()


def ensure_email_verified(user) -> None:
    """Refuse a user whose e-mail address awaits verification (applying and bidding)."""
    if user is not None and not email_is_verified(user):
        raise PermissionDenied(
            _("Verify your e-mail address first: follow the link we sent to %(email)s.")
            % {"email": user.email}
        )


def email_verification_token(user) -> str:
    """A signed token for the link that verifies ``user``'s current address."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=VERIFY_SALT, compress=True)


def _max_age(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@transaction.atomic
def email_verify(*, token: str):
    """Mark the address in ``token`` verified and return its user.

    Refuses a token that was tampered with, has expired (``EMAIL_VERIFICATION_MAX_AGE``
    seconds) or names an address the user no longer has. Verifying twice changes nothing.
    """
    try:
        payload = signing.loads(
            token,
            salt=VERIFY_SALT,
            max_age=_max_age("EMAIL_VERIFICATION_MAX_AGE", 3 * 24 * 3600),
        )
    except signing.SignatureExpired:
        raise ValidationError(
            _("This verification link has expired. Sign in and ask for a new one.")
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("This verification link is not valid.")) from None
    user = User._default_manager.filter(pk=payload.get("u")).first()
    if user is None or user.email.lower() != payload.get("e"):
        raise ValidationError(_("This verification link is not valid."))
    account, _created = PortalAccount.objects.select_for_update().get_or_create(user=user)
    if account.email_verified_at is None:
        account.email_verified_at = timezone.now()
        account.save(update_fields=["email_verified_at"])
        audit.record(
            actor=user,
            action="account.verify_email",
            target=user,
            after={"email": user.email, "email_verified_at": account.email_verified_at},
        )
    return user


# --- a new password ---------------------------------------------------------------------------


@transaction.atomic
def password_set(*, actor, user, password: str):
    """Give ``user`` a new password (a reset from the e-mailed link, or the user's own
    change): the validators must accept it; the account's failed sign-ins are forgotten."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="account.password_set", target=user)
    sign_in_failures_clear(actor=actor, username=user.get_username())
    return user


# --- inviting a colleague ---------------------------------------------------------------------


@transaction.atomic
def member_invite(*, actor, merchant: Merchant, email: str) -> MemberInvitation:
    """Invite the person at ``email`` to act for ``merchant``; by one of its users.

    Refuses an address that already belongs to one of the merchant's users, or that has an
    invitation to it still pending.
    """
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    ensure_can_act_for(actor, merchant)
    email = User._default_manager.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("“%(email)s” is not an e-mail address.") % {"email": email}}
        ) from None
    for user in User._default_manager.filter(email__iexact=email):
        if is_member_of(user, merchant):
            raise ValidationError(
                {
                    "email": _("%(email)s already acts for %(merchant)s.")
                    % {"email": email, "merchant": merchant.name}
                }
            )
    pending = MemberInvitation.objects.filter(
        merchant=merchant, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if pending.exists():
        raise ValidationError(
            {
                "email": _(
                    "%(email)s has been invited already; revoke that invitation to send another."
                )
                % {"email": email}
            }
        )
    invitation = MemberInvitation.objects.create(
        merchant=merchant, email=email, invited_by=actor, created_at=timezone.now()
    )
    audit.record(
        actor=actor,
        action="invitation.create",
        target=invitation,
        after={"merchant": merchant.pk, "email": email},
    )
    return invitation


def invitation_token(invitation: MemberInvitation) -> str:
    return signing.dumps(
        {"i": invitation.pk, "e": invitation.email.lower()}, salt=INVITE_SALT, compress=True
    )


def invitation_from_token(token: str) -> MemberInvitation:
    """The pending invitation of ``token``; refuses a tampered, expired (after
    ``MEMBER_INVITATION_MAX_AGE`` seconds), accepted or revoked one."""
    invalid = _("This invitation link is not valid.")
    try:
        payload = signing.loads(
            token,
            salt=INVITE_SALT,
            max_age=_max_age("MEMBER_INVITATION_MAX_AGE", 14 * 24 * 3600),
        )
    except signing.SignatureExpired:
        raise ValidationError(
            _("This invitation has expired; ask your colleague to invite you again.")
        ) from None
    except signing.BadSignature:
        raise ValidationError(invalid) from None
    invitation = (
        MemberInvitation.objects.select_related("merchant", "invited_by")
        .filter(pk=payload.get("i"))
        .first()
    )
    if invitation is None or invitation.email.lower() != payload.get("e"):
        raise ValidationError(invalid)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has been accepted already; sign in instead."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation has been revoked."))
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, username: str, password: str, first_name: str = "", last_name: str = ""
):
    """Accept an invitation: create the invitee's user at the invited address (verified: the
    link came to it) and add them to the merchant through ``merchant_add_member``, in the
    inviter's name — an inviter who no longer acts for the merchant voids the invitation."""
    invitation = invitation_from_token(token)
    invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has been used or revoked."))
    user = portal_user_create(
        username=username,
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email_verified=True,
    )
    try:
        services.merchant_add_member(
            actor=invitation.invited_by, merchant=invitation.merchant, user=user
        )
    except PermissionDenied:
        raise ValidationError(
            _("This invitation is no longer valid: its sender no longer acts for %(merchant)s.")
            % {"merchant": invitation.merchant.name}
        ) from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        actor=user,
        action="invitation.accept",
        target=invitation,
        after={"accepted_by": user.pk, "accepted_at": invitation.accepted_at},
    )
    return user


@transaction.atomic
def invitation_revoke(*, actor, invitation: MemberInvitation) -> MemberInvitation:
    """Revoke a pending invitation; by one of the merchant's users."""
    invitation = (
        MemberInvitation.objects.select_for_update(of=("self",))
        .select_related("merchant")
        .get(pk=invitation.pk)
    )
    ensure_can_act_for(actor, invitation.merchant)
    if not invitation.is_pending:
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="invitation.revoke",
        target=invitation,
        after={"revoked_at": invitation.revoked_at},
    )
    return invitation


def invitations_pending(merchant: Merchant):
    """The merchant's invitations not yet accepted nor revoked, newest first."""
    return MemberInvitation.objects.filter(
        merchant=merchant, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


# --- API tokens -------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor, name: str):
    """A new API token of ``actor`` (Wagtail's APIToken: only its digest is stored). Returns
    ``(token, plaintext)``; the plaintext exists only in this return value."""
    from wagtail.models import APIToken

    if actor is None or not getattr(actor, "pk", None) or not actor.is_active:
        raise PermissionDenied(_("Sign in to create an API token."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the token, e.g. the system that will use it.")})
    if len(name) > 255:
        raise ValidationError({"name": _("A token's name has at most 255 characters.")})
    token, plaintext = APIToken.create_token(user=actor, name=name)
    audit.record(
        actor=actor,
        action="api_token.create",
        target=token,
        after={"name": token.name, "prefix": token.prefix, "user": actor.pk},
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor, token):
    """Revoke one of ``actor``'s own API tokens; a revoked token is refused from then on."""
    from wagtail.models import APIToken

    token = APIToken.objects.select_for_update().get(pk=token.pk)
    if actor is None or token.user_id != actor.pk:
        raise PermissionDenied(_("You may revoke only your own tokens."))
    if token.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."))
    token.revoke()
    audit.record(
        actor=actor,
        action="api_token.revoke",
        target=token,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at, "prefix": token.prefix},
    )
    return token
