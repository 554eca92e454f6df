"""The admin home page's Operation panel: what waits in the user's stations — complaints past
their time to answer, follow-ups still open, outlets above the street's price and the marketing
events running today. A count and the first few of each, in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from cms.operation_policies import POLICIES, may
from cms.operation_views import events_running
from leasing import operation
from leasing.models import Complaint, Inspection, MarketingEvent, PriceCheck

MAX_ROWS = 5


def _first(queryset) -> tuple[list, int]:
    """The first rows and how many there are in all (two queries, however many)."""
    return list(queryset[:MAX_ROWS]), queryset.count()


class OperationPanel(Component):
    name = "cms_operation"
    template_name = "cms/operation/dashboard_panel.html"
    order = 65

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        user, now, today = self.user, timezone.now(), timezone.localdate()
        context = {"today": today}
        if may(user, Complaint, "view"):
            overdue, n = _first(operation.complaints_overdue(user, now=now))
            context["complaints"] = {
                "rows": [
                    {
                        "complaint": c,
                        "url": reverse("complaints:detail", args=(c.pk,)),
                        "hours_late": int((now - c.answer_due).total_seconds() // 3600),
                    }
                    for c in overdue
                ],
                "count": n,
                "url": reverse("complaints:index") + "?state=overdue",
            }
        if may(user, Inspection, "view"):
            follow_ups = (
                POLICIES[Inspection]
                .scoped_queryset(user, manage=False)
                .filter(~Q(follow_up=""), follow_up_done_on__isnull=True)
                .select_related("lease__station", "lease__merchant")
                .order_by("follow_up_due", "pk")
            )
            rows, n = _first(follow_ups)
            context["follow_ups"] = {
                "rows": [
                    {
                        "inspection": i,
                        "url": reverse("inspections:detail", args=(i.pk,)),
                        "overdue": i.follow_up_due is not None and i.follow_up_due < today,
                    }
                    for i in rows
                ],
                "count": n,
                "url": reverse("inspections:index") + "?follow_up=open",
            }
        if may(user, PriceCheck, "view"):
            rows, n = _first(operation.outlets_above_street(user))
            context["above_street"] = {
                "rows": rows,
                "count": n,
                "url": reverse("price-checks:above_street"),
            }
        if may(user, MarketingEvent, "view"):
            rows, n = _first(events_running(user, today))
            context["events"] = {
                "rows": [
                    {"event": e, "url": reverse("marketing-events:detail", args=(e.pk,))}
                    for e in rows
                ],
                "count": n,
                "url": reverse("marketing-events:index") + "?when=running",
            }
        context["waiting"] = any(
            context.get(key, {}).get("count")
            for key in ("complaints", "follow_ups", "above_street", "events")
        )
        return context
