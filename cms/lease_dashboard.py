"""The admin home page's leasing panel: what is overdue (instalments and milestones), the
user's own outlets (包保), and this month's openings — done and still to come — in a fixed
number of queries whatever the number of leases."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from cms.lease_policies import manages_leases
from cms.lease_views import detail_url
from cms.merchant_viewsets import money
from leasing import fitout
from leasing.models import Lease, Milestone
from leasing.schedule import add_months
from leasing.selectors import leases_for, overdue_instalments, overdue_milestones

MAX_ROWS = 5


class LeasingPanel(Component):
    name = "cms_leasing"
    template_name = "cms/leases/dashboard_panel.html"
    order = 65

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        user, today = self.user, timezone.localdate()
        month_start = today.replace(day=1)
        month_end = add_months(month_start, 1)
        instalments = overdue_instalments(user, on=today).aggregate(
            n=Count("pk"), total=Sum("amount")
        )
        late = overdue_milestones(user, on=today)
        milestone_count = late.count()
        officer = manages_leases(user)
        mine = {"outlets": 0, "late": 0}
        if officer:
            mine = Lease.objects.filter(
                responsible_officer=user, status__in=Lease.HOLDING
            ).aggregate(
                outlets=Count("pk", distinct=True),
                late=Count(
                    "milestones",
                    filter=Q(
                        milestones__done_on__isnull=True,
                        milestones__due_on__lt=today,
                        status__in=fitout.PLANNING,
                    ),
                ),
            )
        visible = leases_for(user)
        opened = visible.filter(opened_on__gte=month_start, opened_on__lt=month_end).count()
        to_open = list(
            Milestone.objects.filter(
                lease__in=visible,
                lease__status__in=fitout.PLANNING,
                kind=Milestone.Kind.OPENED,
                done_on__isnull=True,
                due_on__gte=month_start,
                due_on__lt=month_end,
            )
            .select_related("lease__merchant", "lease__station")
            .order_by("due_on", "lease__code")[:MAX_ROWS]
        )
        return {
            "today": today,
            "officer": officer,
            "overdue_instalments": instalments["n"],
            "overdue_amount": money(instalments["total"]) if instalments["n"] else None,
            "overdue_milestones": milestone_count,
            "late_milestones": [
                {
                    "milestone": m,
                    "days": (today - m.due_on).days,
                    "url": detail_url(m.lease, "fit-out"),
                }
                for m in late[:MAX_ROWS]
            ],
            "my_outlets": mine["outlets"],
            "my_late": mine["late"],
            "opened_this_month": opened,
            "to_open": [
                {"milestone": m, "late": m.due_on < today, "url": detail_url(m.lease, "fit-out")}
                for m in to_open
            ],
            "index_url": reverse("leases:index"),
            "overdue_url": reverse("leases:overdue"),
            "mine_url": reverse("leases:mine"),
            "awards_url": reverse("leases:awards") if officer else None,
            "route_map_url": reverse("leases:route_map"),
            "opened_url": reverse("leases:index") + f"?status={Lease.Status.OPEN}",
        }
