"""The lease admin: the list (filters by station, status, business type and tenant; search by
contract number or tenant), the "Leasing" menu group, and the addresses of every lease page.

The list holds the leases leasing.selectors.leases_for gives the user, in a fixed number of
queries whatever the number of rows; a lease opens on its own page (cms.lease_views), which
offers what the user may do to it. No lease is edited in a form: every change is an action.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from cms import lease_views
from cms.columns import category_name
from cms.large_choices import LargeChoiceFilterSet
from cms.lease_policies import manages_leases, sees_leases
from cms.merchant_viewsets import DecimalColumn
from leasing.models import Lease, LeaseUnit
from leasing.selectors import leases_for
from stations.models import BusinessCategory, Station
from stations.selectors import stations_for
from tenders.models import Merchant

LEASING_SUBMENU = "register_leasing_menu_item"


class LeaseStatusColumn(Column):
    """The status as a badge, coloured by where the lease stands."""

    cell_template_name = "cms/leases/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["status"] = instance.status
        context["label"] = instance.get_status_display()
        return context


class UnitsColumn(Column):
    """The lease's units with their level, from a prefetched relation (no query a row)."""

    cell_template_name = "cms/leases/units_cell.html"

    def get_value(self, instance):
        return None  # the cell reads the prefetched units, never the manager

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["units"] = [lu.unit for lu in instance.lease_units.all()]
        return context


class TermColumn(Column):
    cell_template_name = "cms/leases/term_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["lease"] = instance
        context["months"] = lease_views.term_months(instance)
        return context


def _stations(request):
    if request is None:
        return Station.objects.none()
    return stations_for(request.user).order_by("code")


def _merchants(request):
    if request is None:
        return Merchant.objects.none()
    return Merchant.objects.filter(pk__in=leases_for(request.user).values("merchant_id")).order_by(
        "name"
    )


def _business_types(request):
    return BusinessCategory.objects.filter(parent__isnull=False).order_by("sort_order", "code")


class LeaseFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code", "merchant": "credit_code"}
    station = django_filters.ModelChoiceFilter(queryset=_stations, label=gettext_lazy("Station"))
    status = django_filters.ChoiceFilter(
        choices=Lease.Status.choices, label=gettext_lazy("Status")
    )
    business_type = django_filters.ModelChoiceFilter(
        queryset=_business_types, label=gettext_lazy("Business type")
    )
    merchant = django_filters.ModelChoiceFilter(queryset=_merchants, label=gettext_lazy("Tenant"))

    class Meta:
        model = Lease
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["station"].label_from_instance = lambda s: f"{s.code} {s.name_zh}"
        fields["business_type"].label_from_instance = category_name
        fields["merchant"].label_from_instance = lambda m: m.name


class LeaseIndexView(generic.IndexView):
    """The leases the user may see, their tenant, station, type and units in three queries."""

    def get_base_queryset(self):
        return (
            leases_for(self.request.user)
            .select_related("merchant", "station", "business_type")
            .prefetch_related(
                Prefetch(
                    "lease_units",
                    queryset=LeaseUnit.objects.select_related("unit__level").order_by(
                        "unit__code"
                    ),
                )
            )
        )

    def get_edit_url(self, instance):
        return None  # a lease opens on its own page, which offers its actions

    def get_delete_url(self, instance):
        return None

    @property
    def header_buttons(self):
        buttons = []
        if manages_leases(self.request.user):
            buttons.append(
                HeaderButton(
                    gettext_lazy("New direct lease"),
                    url=reverse("leases:add"),
                    icon_name="plus",
                )
            )
        return buttons


class LeaseViewSet(ModelViewSet):
    model = Lease
    name = "leases"
    icon = lease_views.LEASE_ICON
    menu_label = gettext_lazy("Leases")
    menu_order = 100
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = LeaseIndexView
    ordering = ["-start_date", "code"]
    list_per_page = 50
    filterset_class = LeaseFilterSet
    search_fields = ["code", "merchant__name"]
    list_display = [
        TitleColumn(
            "code",
            label=gettext_lazy("Contract number"),
            get_url=lambda lease: lease_views.detail_url(lease),
            sort_key="code",
        ),
        Column(
            "merchant",
            label=gettext_lazy("Tenant"),
            accessor=lambda lease: lease.merchant.name,
            sort_key="merchant__name",
        ),
        Column(
            "station",
            label=gettext_lazy("Station"),
            accessor=lambda lease: f"{lease.station.code} {lease.station.name_zh}",
            sort_key="station__code",
        ),
        UnitsColumn("units", label=gettext_lazy("Units")),
        LeaseStatusColumn("status", label=gettext_lazy("Status"), sort_key="status"),
        TermColumn("start_date", label=gettext_lazy("Term"), sort_key="start_date"),
        DecimalColumn(
            "annual_rent",
            label=gettext_lazy("Annual rent (CNY)"),
            sort_key="annual_rent",
        ),
    ]

    def get_form_class(self, for_update=False):
        return None

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        # No edit, delete or history: a lease changes by its actions, journalled.
        kwargs.update(
            history_url_name=None,
            usage_url_name=None,
            delete_url_name=None,
            edit_url_name=None,
        )
        return kwargs

    def get_urlpatterns(self):
        keep = {"index", "index_results"}
        views = lease_views
        return [
            *(p for p in super().get_urlpatterns() if p.name in keep),
            path("new/", views.DirectLeaseView.as_view(), name="add"),
            path("awards/", views.AwardsView.as_view(), name="awards"),
            path("awards/<int:award_pk>/", views.AwardLeaseView.as_view(), name="award_lease"),
            path("overdue/", views.OverdueView.as_view(), name="overdue"),
            path("my-outlets/", views.MyOutletsView.as_view(), name="mine"),
            path("route-map/", views.RouteMapView.as_view(), name="route_map"),
            path("route-map/route-map.svg", views.route_map_svg, name="route_map_network_svg"),
            path(
                "route-map/<str:code>/",
                views.RouteMapView.as_view(),
                name="route_map_station",
            ),
            path("route-map/<str:code>/route-map.svg", views.route_map_svg, name="route_map_svg"),
            path("<int:pk>/", views.LeaseDetailView.as_view(), name="detail"),
            path(
                "<int:pk>/action/<slug:action>/",
                views.LeaseActionView.as_view(),
                name="action",
            ),
            path("<int:pk>/renew/", views.RenewView.as_view(), name="renew"),
            path(
                "<int:pk>/instalments/<int:instalment_pk>/pay/",
                views.PaymentView.as_view(),
                name="pay",
            ),
            path("<int:pk>/turnover/", views.TurnoverView.as_view(), name="turnover"),
            path("<int:pk>/settle/", views.SettleView.as_view(), name="settle"),
            path("<int:pk>/milestones/plan/", views.PlanView.as_view(), name="plan"),
            path(
                "<int:pk>/milestones/<int:milestone_pk>/reschedule/",
                views.RescheduleView.as_view(),
                name="milestone_reschedule",
            ),
            path(
                "<int:pk>/milestones/<int:milestone_pk>/done/",
                views.MilestoneDoneView.as_view(),
                name="milestone_done",
            ),
            path(
                "<int:pk>/documents/<int:document_pk>/",
                views.DocumentDownloadView.as_view(),
                name="document",
            ),
            path("<int:pk>/officer/", views.OfficerView.as_view(), name="officer"),
        ]


class LeasingMenuItem(MenuItem):
    """A menu item of the leasing group, shown to those ``test`` admits."""

    def __init__(self, *args, test, **kwargs):
        super().__init__(*args, **kwargs)
        self.test = test

    def is_shown(self, request):
        return self.test(request.user)


# The leasing group's pages beyond the list: (label, url name, icon, order, who sees it).
MENU_ITEMS = {
    "new-direct-lease": (gettext_lazy("New direct lease"), "leases:add", "plus", 200, manages_leases),
    "awards-to-lease": (
        gettext_lazy("Awards to lease"), "leases:awards", "success", 300, manages_leases,
    ),
    "leases-overdue": (gettext_lazy("Overdue"), "leases:overdue", "warning", 400, sees_leases),
    "my-outlets": (gettext_lazy("My outlets"), "leases:mine", "user", 500, manages_leases),
    "route-map": (gettext_lazy("Route map"), "leases:route_map", "date", 600, sees_leases),
}  # fmt: skip


def menu_item(name: str) -> MenuItem:
    label, url_name, icon, order, test = MENU_ITEMS[name]
    return LeasingMenuItem(
        label, reverse(url_name), name=name, icon_name=icon, order=order, test=test
    )


class LeasingGroup(ViewSetGroup):
    menu_label = gettext_lazy("Leasing")
    menu_icon = lease_views.LEASE_ICON
    menu_order = 260
    submenu_hook = LEASING_SUBMENU
    items = (LeaseViewSet,)
