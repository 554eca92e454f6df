"""The admin home page's panel for merchants and demands: counts and the newest demands."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from wagtail.admin.ui.components import Component

from cms.merchant_policies import may_add_demands
from cms.merchant_viewsets import credit_bar_in_force, demand_row
from stations.models import Station
from tenders import selectors

NEWEST = 5


class MerchantsPanel(Component):
    name = "cms_merchants"
    template_name = "cms/merchants/dashboard_panel.html"
    order = 60

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        merchants = selectors.merchants_for(self.user).aggregate(
            total=Count("pk"),
            barred=Count("pk", filter=credit_bar_in_force(timezone.localdate())),
        )
        demands = selectors.demands_for(self.user).aggregate(
            total=Count("pk"), active=Count("pk", filter=Q(is_active=True))
        )
        newest = (
            selectors.demands_for(self.user, active=True)
            .prefetch_related(Prefetch("stations", queryset=Station.objects.only("code")))
            .order_by("-created_at", "-pk")[:NEWEST]
        )
        return {
            "merchants": merchants,
            "demands": demands,
            "newest": [demand_row(d) for d in newest],
            "can_add": may_add_demands(self.user),
        }
