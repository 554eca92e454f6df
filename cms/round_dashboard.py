"""The "Tender rounds" panel on the admin home page: rounds by status, and what waits for the
user — openings to confirm, applications to decide."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from cms.round_policies import may_confirm_opening, runs_rounds
from tenders.applications import DECIDING_STATUSES
from tenders.models import Application, OpeningConfirmation, TenderRound
from tenders.opening import BEFORE_OPENING, CONFIRMATION_WINDOW
from tenders.round_selectors import rounds_for

MAX_ROWS = 8


class RoundsPanel(Component):
    name = "cms_tender_rounds"
    template_name = "cms/rounds/dashboard_panel.html"
    order = 60

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        user, now = self.user, timezone.now()
        visible = rounds_for(user)
        counts = dict(
            visible.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        index_url = reverse("tender-rounds:index")
        statuses = [
            {
                "value": status.value,
                "label": status.label,
                "count": counts.get(status.value, 0),
                "url": f"{index_url}?status={status.value}",
            }
            for status in TenderRound.Status
            if counts.get(status.value)
        ]
        to_confirm = []
        if may_confirm_opening(user):
            mine = OpeningConfirmation.objects.filter(
                round=OuterRef("pk"), user=user, confirmed_at__gt=now - CONFIRMATION_WINDOW
            )
            to_confirm = [
                {"round": r, "url": reverse("tender-rounds:opening", args=(r.pk,))}
                for r in visible.filter(status__in=BEFORE_OPENING, bid_deadline__lte=now)
                .exclude(Exists(mine))
                .order_by("bid_deadline")[:MAX_ROWS]
            ]
        to_decide = []
        if runs_rounds(user):
            pending = (
                Application.objects.filter(
                    status=Application.Status.PENDING,
                    round__in=visible.filter(status__in=DECIDING_STATUSES).values("pk"),
                )
                .values_list("round_id", "round__code", "round__title")
                .annotate(n=Count("id"))
                .order_by("round__code")[:MAX_ROWS]
            )
            to_decide = [
                {
                    "code": code,
                    "title": title,
                    "count": n,
                    "url": reverse("tender-rounds:applications", args=(pk,)),
                }
                for pk, code, title, n in pending
            ]
        return {
            "statuses": statuses,
            "total": sum(counts.values()),
            "to_confirm": to_confirm,
            "to_decide": to_decide,
            "index_url": index_url,
            "add_url": reverse("tender-rounds:add") if runs_rounds(user) else None,
        }
