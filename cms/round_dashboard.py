"""The admin home page's tender panels: "Tender rounds" (rounds by status, and what waits for
the user — openings to confirm, applications to decide, objections to propose or co-sign,
results to publish, rounds to award) and, for committee members, "My evaluations"."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from cms.committee_views import evaluations_of
from cms.round_policies import cosigns_objections, may_confirm_opening, runs_rounds
from tenders import committee
from tenders.applications import DECIDING_STATUSES
from tenders.models import Application, Objection, OpeningConfirmation, TenderRound
from tenders.opening import BEFORE_OPENING, CONFIRMATION_WINDOW
from tenders.result import OPEN_OBJECTIONS
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
        to_cosign = []
        if cosigns_objections(user):
            to_cosign = [
                {"objection": o, "url": _objection_url(o, "objection_decide")}
                for o in Objection.objects.filter(
                    status=Objection.Status.PROPOSED, round__in=visible.values("pk")
                )
                .exclude(proposed_by=user)
                .select_related("round", "lot", "merchant")
                .order_by("proposed_at")[:MAX_ROWS]
            ]
        to_propose, to_publish, to_award = [], [], []
        if runs_rounds(user):
            to_propose = [
                {"objection": o, "url": _objection_url(o, "objection_propose")}
                for o in Objection.objects.filter(
                    status=Objection.Status.PENDING, round__in=visible.values("pk")
                )
                .select_related("round", "lot", "merchant")
                .order_by("lodged_at")[:MAX_ROWS]
            ]
            to_publish = [
                {"round": r, "url": reverse("tender-rounds:action", args=(r.pk, "publish-result"))}
                for r in visible.filter(status=TenderRound.Status.SCORED).order_by("code")[
                    :MAX_ROWS
                ]
            ]
            waiting = Objection.objects.filter(round=OuterRef("pk"), status__in=OPEN_OBJECTIONS)
            to_award = [
                {"round": r, "url": reverse("tender-rounds:action", args=(r.pk, "award"))}
                for r in visible.filter(
                    status=TenderRound.Status.PUBLICITY, publicity_ends_at__lte=now
                )
                .exclude(Exists(waiting))
                .order_by("publicity_ends_at")[:MAX_ROWS]
            ]
        return {
            "statuses": statuses,
            "total": sum(counts.values()),
            "to_confirm": to_confirm,
            "to_decide": to_decide,
            "to_cosign": to_cosign,
            "to_propose": to_propose,
            "to_publish": to_publish,
            "to_award": to_award,
            "waiting": any((to_confirm, to_decide, to_cosign, to_propose, to_publish, to_award)),
            "index_url": index_url,
            "add_url": reverse("tender-rounds:add") if runs_rounds(user) else None,
        }


def _objection_url(objection: Objection, name: str) -> str:
    return reverse(f"tender-rounds:{name}", args=(objection.round_id, objection.pk))


class EvaluationsPanel(Component):
    """A committee member's seats and the lots waiting for their declaration or scores."""

    name = "cms_evaluations"
    template_name = "cms/committee/dashboard_panel.html"
    order = 55

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        # The rounds being evaluated now (declarations and scores are given only then), the
        # first MAX_ROWS of them: each costs queries, and a member sits on hundreds over time.
        seats = committee.seats_for(self.user)
        opened = seats.filter(round__status=TenderRound.Status.OPENED)[:MAX_ROWS]
        evaluations = evaluations_of(self.user, seats=opened)
        return {
            "evaluations": evaluations,
            "seat_count": seats.count(),
            "to_do": sum(item["to_do"] for item in evaluations),
            "index_url": reverse("evaluations:index"),
        }
