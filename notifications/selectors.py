"""Reads of notifications: only ever the asking user's own."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from notifications.models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    """``user``'s notifications, newest first (none for an anonymous user)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def get_notification_for(user, pk) -> Notification:
    """``user``'s notification ``pk``; another user's answers 404 like a missing one."""
    notification = notifications_for(user).filter(pk=pk).first()
    if notification is None:
        raise Http404(_("No such message."))
    return notification


def unread_count(user) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()
