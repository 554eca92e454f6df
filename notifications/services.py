"""Sending a notification (:func:`notify`) and marking notifications read.

A notification is written in its recipient's language — their Wagtail profile's preferred
language, else the site's (``LANGUAGE_CODE``) — when it is made, and e-mailed through Django's
mail backend (``EMAIL_BACKEND``) at most once: the row is claimed before the e-mail goes, and
released again if the backend fails, so that a retry sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from notifications.models import Notification

Text = str | Callable[[], str]


def language_of(user) -> str:
    """The language ``user`` reads: their profile's preferred language if they chose one that
    the site ships, else the site's default."""
    from wagtail.users.models import UserProfile

    preferred = (
        UserProfile.objects.filter(user=user).values_list("preferred_language", flat=True).first()
    )
    if preferred and preferred in dict(settings.LANGUAGES):
        return preferred
    return settings.LANGUAGE_CODE


def _render(text: Text) -> str:
    return str(text() if callable(text) else text)


def absolute_url(url: str) -> str:
    """``url`` on the site's address (WAGTAILADMIN_BASE_URL), for an e-mail."""
    return urljoin(settings.WAGTAILADMIN_BASE_URL, url) if url else ""


def notify(
    recipient,
    *,
    kind: str,
    key: str,
    subject: Text,
    body: Text,
    url: str | Callable[[], str] = "",
) -> Notification | None:
    """Tell ``recipient`` once: make their inbox row for ``key`` and e-mail it, unless done.

    ``subject``, ``body`` and ``url`` are strings or callables; callables are called in the
    recipient's language (so their ``gettext`` translates into it). Calling again with the same
    recipient and key changes nothing and sends nothing, but an e-mail that failed before is
    tried again. An inactive user gets nothing (None).
    """
    if not recipient.is_active:
        return None
    notification = Notification.objects.filter(recipient=recipient, key=key).first()
    if notification is None:
        language = language_of(recipient)
        with translation.override(language):
            values = {
                "kind": kind,
                "language": language,
                "subject": _render(subject)[:300],
                "body": _render(body),
                "url": _render(url),
            }
        try:
            with transaction.atomic():
                notification = Notification.objects.create(recipient=recipient, key=key, **values)
        except IntegrityError:
            # Another run made it between our look and our write: theirs stands.
            notification = Notification.objects.get(recipient=recipient, key=key)
    _email(notification, recipient)
    return notification


def _email(notification: Notification, recipient) -> None:
    if notification.emailed_at is not None or not recipient.email:
        return
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=now
    )
    if not claimed:
        return  # another run sent it
    message = notification.body
    link = absolute_url(notification.url)
    if link:
        message = f"{message}\n\n{link}"
    try:
        send_mail(
            subject=notification.subject,
            message=message,
            from_email=None,
            recipient_list=[recipient.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification.pk, emailed_at=now).update(emailed_at=None)
        raise
    notification.emailed_at = now


def notify_all(recipients: Iterable, **message) -> list[Notification]:
    """:func:`notify` each of ``recipients`` (each user once) with the same message."""
    seen: set[int] = set()
    sent = []
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notification = notify(user, **message)
        if notification is not None:
            sent.append(notification)
    return sent


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """Mark ``notification`` read by its recipient (the first reading counts)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of ``actor`` read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
