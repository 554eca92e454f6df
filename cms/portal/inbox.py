"""Portal: the inbox — the signed-in user's notifications, newest first, and each message.

Any signed-in user has an inbox (a merchant's member, or railway staff who also have one in the
admin). A message is looked up among the user's own (notifications.selectors), so another
user's answers 404 like a missing one; opening it marks it read.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.selectors import get_notification_for, notifications_for, unread_count
from notifications.services import notification_mark_read, notifications_mark_all_read

TEMPLATES = "cms/portal/inbox/"
PER_PAGE = 20
SIGN_IN = "portal:sign_in"


@login_required(login_url=SIGN_IN)
def inbox(request):
    page = Paginator(notifications_for(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        TEMPLATES + "index.html",
        {"page": page, "unread": unread_count(request.user)},
    )


@login_required(login_url=SIGN_IN)
def message(request, pk):
    notification = get_notification_for(request.user, pk)
    notification_mark_read(actor=request.user, notification=notification)
    return render(request, TEMPLATES + "message.html", {"notification": notification})


@require_POST
@login_required(login_url=SIGN_IN)
def read_all(request):
    count = notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("%(count)s message(s) marked as read.") % {"count": count})
    return redirect("portal:inbox")


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/read-all/", read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", message, name="inbox_message"),
]
