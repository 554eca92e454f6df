"""Admin screens for the demand database: the list, a demand's page with the units that fit it,
create / edit / withdraw through tenders.services, the import page and the Excel download, and
for a unit the demands it could satisfy (tenders.matching).

Demands come through tenders.selectors.demands_for: a merchant's own user meets only its
company's, and any other answers 404. The import and the download are the functions the
``import_demands`` and ``export_demands`` commands call.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from cms import merchant_forms
from cms.columns import category_list, category_name
from cms.large_choices import LargeChoiceFilterSet
from cms.merchant_policies import (
    may_act_for,
    may_add_demands,
    may_view_merchants,
)
from cms.merchant_viewsets import DecimalColumn, MerchantViewSet, demand_row, money
from cms.policies import POLICIES as SPACE_POLICIES
from cms.policies import may_manage
from cms.viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    SpaceViewSet,
)
from stations import selectors as space_selectors
from stations.models import BusinessCategory, Station, Unit
from tenders import matching, selectors, services
from tenders.models import Demand
from tenders.permissions import can_view_all_merchants

#: How many ranked matches a page shows (fits come first); the count of the rest is given.
MATCHES_SHOWN = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stations_prefetch():
    return Prefetch("stations", queryset=Station.objects.only("code", "name_zh", "name_en"))


# --- the list -----------------------------------------------------------------------------


class DemandFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    business_type = django_filters.ModelChoiceFilter(
        queryset=BusinessCategory.objects.all(),
        method="filter_business_type",
        label=gettext_lazy("Business type"),
    )
    station = django_filters.ModelChoiceFilter(
        queryset=Station.objects.order_by("code"),
        field_name="stations",
        label=gettext_lazy("Preferred station"),
    )
    lease_mode = django_filters.ChoiceFilter(
        choices=Demand.LeaseMode.choices, label=gettext_lazy("Lease mode")
    )
    is_active = django_filters.BooleanFilter(label=gettext_lazy("Active"))

    class Meta:
        model = Demand
        fields = []

    def filter_business_type(self, queryset, name, value):
        # A major class takes in every type within it.
        return queryset.filter(Q(business_type=value) | Q(business_type__parent=value))


SEARCH_FIELDS = ["merchant__name", "merchant__credit_code", "brand__name_zh", "location_wish"]


def filtered_demands(request):
    """The demands the user may read, narrowed by the list's filters and search (for the
    download, so that it holds what the list shows)."""
    queryset = selectors.demands_for(request.user)
    filters = DemandFilterSet(request.GET, queryset=queryset, request=request)
    if filters.is_valid():
        queryset = filters.qs
    query = request.GET.get("q", "").strip()
    if query:
        condition = Q()
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": query})
        queryset = queryset.filter(condition)
    return queryset


class ActiveColumn(Column):
    cell_template_name = "cms/merchants/active_cell.html"


class DemandIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related(_stations_prefetch())

    def get_edit_url(self, instance):
        return None  # the merchant's name opens the demand's page, with its matches

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if may_add_demands(self.request.user):
            buttons.append(
                HeaderButton(
                    gettext_lazy("Import demands"),
                    url=reverse("demands:import"),
                    icon_name="upload",
                )
            )
        query = self.request.GET.urlencode()
        export_url = reverse("demands:export")
        buttons.append(
            HeaderButton(
                gettext_lazy("Download as Excel"),
                url=export_url + (f"?{query}" if query else ""),
                icon_name="download",
                # the filters change without reloading the page: merchants.js carries them
                attrs={"data-cms-follow-filters": export_url},
            )
        )
        return buttons


def _where(demand: Demand) -> str:
    return demand_row(demand)["where"]


# --- a demand's page, with the units that fit -----------------------------------------------


def _unit_links(user, units: list[Unit]) -> dict[int, str]:
    """The page of each unit the user may see: its edit page where they may change it."""
    policy = SPACE_POLICIES[Unit]
    if not units or not policy.user_has_permission(user, "view"):
        return {}
    visible = set(
        space_selectors.units_for(user)
        .filter(pk__in=[u.pk for u in units])
        .values_list("pk", flat=True)
    )
    may_change = policy.user_has_permission(user, "change")
    links = {}
    for unit in units:
        if unit.pk in visible:
            edit = may_change and may_manage(user, unit.station_id)
            links[unit.pk] = reverse("units:edit" if edit else "units:inspect", args=(unit.pk,))
    return links


def match_summary(matches: list) -> dict:
    fits = sum(1 for m in matches if m.fits)
    return {
        "total": len(matches),
        "fits": fits,
        "more": max(0, len(matches) - MATCHES_SHOWN),
    }


class DemandInspectView(ScopedInspectView):
    template_name = "cms/merchants/demand_inspect.html"
    page_title = gettext_lazy("Demand")

    def get_object(self, queryset=None):
        queryset = self.permission_policy.scoped_queryset(self.request.user, manage=False)
        demand = queryset.prefetch_related(_stations_prefetch()).filter(pk=self.pk).first()
        if demand is None:
            raise Http404
        return demand

    def get_page_subtitle(self):
        return f"{self.object.merchant.name} · {category_name(self.object.business_type)}"

    def get_brand_display_value(self):
        return str(self.object.brand) if self.object.brand else "—"

    def get_business_type_display_value(self):
        return category_name(self.object.business_type)

    def get_stations_display_value(self):
        names = [
            f"{s.code} {s.name_zh if (get_language() or '').startswith('zh') else s.name_en}"
            for s in self.object.stations.all()
        ]
        return "、".join(names) or "—"

    def get_tiers_display_value(self):
        tiers = dict(Station.Tier.choices)
        return "、".join(str(tiers.get(t, t)) for t in self.object.tiers) or "—"

    def get_intended_rent_m2_month_display_value(self):
        return money(self.object.intended_rent_m2_month)

    def get_is_active_display_value(self):
        return _("active") if self.object.is_active else _("withdrawn")

    @cached_property
    def may_act(self) -> bool:
        return may_act_for(self.request.user, self.object.merchant_id)

    def get_edit_url(self):
        # A withdrawn demand is not changed; a new one is recorded instead.
        if self.may_act and self.object.is_active:
            return reverse("demands:edit", args=(self.object.pk,))
        return None

    @cached_property
    def header_buttons(self):
        buttons = []
        if edit_url := self.get_edit_url():
            buttons.append(
                HeaderButton(gettext_lazy("Edit"), url=edit_url, icon_name="edit", priority=10)
            )
            buttons.append(
                HeaderButton(
                    gettext_lazy("Withdraw"),
                    url=reverse("demands:withdraw", args=(self.object.pk,)),
                    icon_name="bin",
                    priority=20,
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        demand, user = self.object, self.request.user
        context.update(
            demand=demand,
            merchant_url=reverse("merchants:inspect", args=(demand.merchant_id,)),
        )
        if demand.is_active:
            matches = matching.units_for_demand(demand)
            shown = matches[:MATCHES_SHOWN]
            links = _unit_links(user, [m.unit for m in shown])
            context.update(
                summary=match_summary(matches),
                matches=[
                    {
                        "match": m,
                        "unit": m.unit,
                        "url": links.get(m.unit.pk),
                        "station": m.unit.station,
                        "types": category_list(m.unit.business_types.all()),
                    }
                    for m in shown
                ],
            )
        return context


# --- create, edit, withdraw ------------------------------------------------------------------


class DemandCreateView(ScopedCreateView):
    def get_initial(self):
        initial = super().get_initial()
        wanted = self.request.GET.get("merchant", "")
        if wanted.isdigit() and may_act_for(self.request.user, int(wanted)):
            initial["merchant"] = int(wanted)
        else:
            own = selectors.merchants_for(self.request.user)
            if not can_view_all_merchants(self.request.user):
                mine = list(own.values_list("pk", flat=True)[:2])
                if len(mine) == 1:
                    initial["merchant"] = mine[0]
        return initial

    def save_instance(self):
        return services.demand_create(
            actor=self.request.user,
            merchant=self.form.cleaned_data["merchant"],
            **self.form.service_values(),
        )

    def get_success_url(self):
        return reverse("demands:inspect", args=(self.object.pk,))


class DemandEditView(ScopedEditView):
    def save_instance(self):
        return services.demand_update(
            actor=self.request.user, demand=self.object, **self.form.service_values()
        )

    def get_success_url(self):
        return reverse("demands:inspect", args=(self.object.pk,))


class DemandPageMixin(WagtailAdminTemplateMixin):
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("demands:index"), "label": _("Demands")},
            *self.trail(),
            {"url": "", "label": self.get_page_title()},
        ]

    def trail(self) -> list[dict]:
        return []


class DemandWithdrawView(DemandPageMixin, FormView):
    """Withdraw a demand (it stays on record, inactive) with an optional reason."""

    template_name = "cms/merchants/demand_withdraw.html"
    form_class = merchant_forms.DemandWithdrawForm
    page_title = gettext_lazy("Withdraw the demand")

    def dispatch(self, request, pk, *args, **kwargs):
        self.demand = selectors.get_demand_for(request.user, pk)
        if not may_act_for(request.user, self.demand.merchant_id):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def demand_url(self) -> str:
        return reverse("demands:inspect", args=(self.demand.pk,))

    def trail(self):
        return [{"url": self.demand_url, "label": str(self.demand.merchant)}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(demand=self.demand, row=demand_row(self.demand), cancel_url=self.demand_url)
        return context

    def form_valid(self, form):
        try:
            services.demand_withdraw(
                actor=self.request.user, demand=self.demand, reason=form.cleaned_data["reason"]
            )
        except ValidationError as refusal:
            messages.error(self.request, " ".join(refusal.messages))
            return redirect(self.demand_url)
        messages.success(
            self.request,
            _("The demand of %(merchant)s for %(type)s was withdrawn.")
            % {
                "merchant": self.demand.merchant.name,
                "type": category_name(self.demand.business_type),
            },
        )
        return redirect(self.demand_url)


# --- import and download --------------------------------------------------------------------


def column_help() -> list[dict]:
    """The import's columns, each with its heading in the page's language."""
    from tenders.demands_io import COLUMN_LABELS, COLUMNS, REQUIRED_COLUMNS

    chinese = (get_language() or "").startswith("zh")
    return [
        {
            "name": name,
            "label": COLUMN_LABELS[name][0 if chinese else 1],
            "required": name in REQUIRED_COLUMNS,
        }
        for name in COLUMNS
    ]


class DemandImportView(DemandPageMixin, FormView):
    """Upload a CSV or XLSX of demands: every row saved, or none and every fault listed."""

    template_name = "cms/merchants/demand_import.html"
    form_class = merchant_forms.DemandImportForm
    page_title = gettext_lazy("Import demands")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not may_add_demands(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(columns=column_help(), export_url=reverse("demands:export"))
        return context

    def form_valid(self, form):
        from stations.imports import ImportInvalid
        from tenders.demands_io import COLUMN_LABELS, COLUMNS, demands_import

        upload = form.cleaned_data["file"]
        try:
            result = demands_import(actor=self.request.user, file=upload, filename=upload.name)
        except ImportInvalid as refusal:
            messages.error(
                self.request,
                ngettext(
                    "The file was refused: %(n)d fault. Nothing was saved.",
                    "The file was refused: %(n)d faults. Nothing was saved.",
                    len(refusal.errors),
                )
                % {"n": len(refusal.errors)},
            )
            chinese = (get_language() or "").startswith("zh")
            order = {name: n for n, name in enumerate(COLUMNS)}
            errors = [
                {
                    "row": e.row,
                    "column": e.column,
                    "label": COLUMN_LABELS.get(e.column, ("", ""))[0 if chinese else 1],
                    "message": e.message,
                }
                # by row, then in the file's column order
                for e in sorted(
                    refusal.errors, key=lambda e: (e.row, order.get(e.column, len(order)))
                )
            ]
            return self.render_to_response(
                self.get_context_data(form=form, errors=errors, filename=upload.name)
            )
        messages.success(
            self.request,
            ngettext(
                "%(n)d demand of %(m)d merchant(s) imported from %(file)s.",
                "%(n)d demands of %(m)d merchant(s) imported from %(file)s.",
                result.count,
            )
            % {"n": result.count, "m": result.merchant_count, "file": upload.name},
        )
        return redirect("demands:index")


def demands_download(request):
    """The demands the list shows, as the workbook ``export_demands`` writes (it imports back)."""
    from tenders.demands_io import demands_export

    if not may_view_merchants(request.user):
        raise PermissionDenied
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(demands_export(filtered_demands(request)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="demands-{stamp}.xlsx"'
    return response


# --- for a unit, the demands it could satisfy -----------------------------------------------


class UnitDemandsView(DemandPageMixin, TemplateView):
    template_name = "cms/merchants/unit_demands.html"
    header_icon = "home"

    def dispatch(self, request, unit_pk, *args, **kwargs):
        if not may_view_merchants(request.user):
            raise PermissionDenied
        self.unit = unit = space_selectors.get_unit_for(request.user, unit_pk)
        edit = SPACE_POLICIES[Unit].user_has_permission(request.user, "change") and may_manage(
            request.user, unit.station_id
        )
        self.unit_url = reverse("units:edit" if edit else "units:inspect", args=(unit.pk,))
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Demands unit %(unit)s can satisfy") % {"unit": self.unit.code}

    def get_page_subtitle(self):
        return f"{self.unit.station.code} {self.unit.code}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("units:index"), "label": _("Units")},
            {"url": self.unit_url, "label": f"{self.unit.station.code} {self.unit.code}"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        matches = matching.demands_for_unit(self.unit)
        if not can_view_all_merchants(user):
            readable = set(
                selectors.demands_for(user)
                .filter(pk__in=[m.demand.pk for m in matches])
                .values_list("pk", flat=True)
            )
            matches = [m for m in matches if m.demand.pk in readable]
        shown = matches[:MATCHES_SHOWN]
        context.update(
            unit=self.unit,
            unit_url=self.unit_url,
            summary=match_summary(matches),
            matches=[
                {
                    "match": m,
                    "row": demand_row(m.demand),
                    "merchant_url": reverse("merchants:inspect", args=(m.demand.merchant_id,)),
                }
                for m in shown
            ],
        )
        return context


# --- the viewset and the menu group --------------------------------------------------------


class DemandViewSet(SpaceViewSet):
    model = Demand
    name = "demands"
    icon = "doc-full"
    menu_order = 110
    form_class = merchant_forms.DemandForm
    index_view_class = DemandIndexView
    inspect_view_class = DemandInspectView
    add_view_class = DemandCreateView
    edit_view_class = DemandEditView
    can_delete = False
    list_display = [
        "merchant",
        Column(
            "brand",
            label=gettext_lazy("Brand"),
            accessor=lambda d: d.brand.name_zh if d.brand else "—",
        ),
        Column(
            "business_type",
            label=gettext_lazy("Business type"),
            accessor=lambda d: category_name(d.business_type),
        ),
        Column("where", label=gettext_lazy("Stations or tiers"), accessor=_where),
        Column(
            "area",
            label=gettext_lazy("Area (m²)"),
            accessor=lambda d: f"{d.area_min_m2}–{d.area_max_m2}",
            sort_key="area_min_m2",
            classname="cms-num",
        ),
        DecimalColumn(
            "intended_rent_m2_month",
            label=gettext_lazy("Rent (CNY/m²/month)"),
            sort_key="intended_rent_m2_month",
        ),
        "lease_mode",
        Column(
            "term_months",
            label=gettext_lazy("Term (months)"),
            sort_key="term_months",
            classname="cms-num",
        ),
        ActiveColumn("is_active", label=gettext_lazy("Active"), sort_key="is_active"),
        Column(
            "created_at",
            label=gettext_lazy("Recorded"),
            accessor=lambda d: timezone.localtime(d.created_at).date(),
            sort_key="created_at",
        ),
    ]
    filterset_class = DemandFilterSet
    search_fields = SEARCH_FIELDS
    inspect_view_fields = [
        "brand",
        "business_type",
        "stations",
        "tiers",
        "location_wish",
        "area_min_m2",
        "area_max_m2",
        "power_kw",
        "floor_sockets",
        "needs_water",
        "needs_drainage",
        "needs_exhaust",
        "intended_rent_m2_month",
        "lease_mode",
        "term_months",
        "is_active",
        "created_at",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("withdraw/<int:pk>/", DemandWithdrawView.as_view(), name="withdraw"),
            path("import/", DemandImportView.as_view(), name="import"),
            path("export/", demands_download, name="export"),
            path("for-unit/<int:unit_pk>/", UnitDemandsView.as_view(), name="for_unit"),
        ]


class MerchantsAndDemandsGroup(ViewSetGroup):
    menu_label = gettext_lazy("Merchants and demands")
    menu_icon = "group"
    menu_order = 250
    submenu_hook = "register_merchants_menu_item"
    items = (MerchantViewSet, DemandViewSet)
