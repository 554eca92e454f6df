"""Admin screens for merchants: the list, the company's page (brands, credit records, members,
demands), registration and changes, and the forms that add a brand, a credit record or a
member — each through its tenders.services function.

Every merchant comes through tenders.selectors.merchants_for, so a merchant's own user meets
only its company and any other answers 404, as a missing one does. The discipline inspector
reads every merchant and is offered nothing to change; a change it posts is refused.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from cms import merchant_forms
from cms.columns import category_list, category_name
from cms.forms import apply_service_errors
from cms.merchant_policies import may_act_for, may_keep_credit_records
from cms.viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    SpaceViewSet,
)
from stations.models import BusinessCategory, Station
from tenders import selectors, services
from tenders.models import Brand, Demand, Merchant

# --- shared pieces ------------------------------------------------------------------------


def money(value, places: int = 2) -> str:
    """An amount with its thousands grouped by commas and two places — as Chinese financial
    documents write them too (the zh_Hans locale itself groups with no separator)."""
    if value is None:
        return "—"
    return f"{value:,.{places}f}"


class DecimalColumn(Column):
    """A right-aligned amount with grouped thousands (Wagtail prints raw digits)."""

    def __init__(self, name, *, places: int = 2, **kwargs):
        kwargs.setdefault("classname", "cms-num")
        super().__init__(name, **kwargs)
        self.places = places

    def get_value(self, instance):
        return money(super().get_value(instance), self.places)


def credit_bar_in_force(on):
    """Whether a merchant's blacklist entry is in force on the date ``on``, as a queryset
    expression for a list of merchants (one query, not one a row)."""
    return Exists(services.credit_bars_in_force(on=on).filter(merchant=OuterRef("pk")))


class BarredColumn(Column):
    cell_template_name = "cms/merchants/barred_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["barred"] = bool(getattr(instance, "barred", False))
        return context


class FormColumn(Column):
    """Legal form and operation mode, one above the other (both decide thresholds)."""

    cell_template_name = "cms/merchants/form_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["legal_form"] = instance.get_legal_form_display()
        context["operation_mode"] = instance.get_operation_mode_display()
        context["warn"] = (
            instance.legal_form != Merchant.LegalForm.COMPANY
            or instance.operation_mode != Merchant.OperationMode.DIRECT
        )
        return context


class BrandsColumn(Column):
    def get_value(self, instance):
        return "、".join(b.name_zh for b in instance.brands.all()) or "—"


# --- merchants ----------------------------------------------------------------------------


class MerchantFilterSet(WagtailFilterSet):
    legal_form = django_filters.ChoiceFilter(
        choices=Merchant.LegalForm.choices, label=gettext_lazy("Legal form")
    )
    operation_mode = django_filters.ChoiceFilter(
        choices=Merchant.OperationMode.choices, label=gettext_lazy("Operation mode")
    )
    barred = django_filters.BooleanFilter(label=gettext_lazy("Credit bar in force"))

    class Meta:
        model = Merchant
        fields = []


class MerchantIndexView(ScopedIndexView):
    """The merchants the user may read; the name opens the company's page."""

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                barred=credit_bar_in_force(timezone.localdate()),
                active_demands=Count("demands", filter=Q(demands__is_active=True)),
            )
            .prefetch_related(
                Prefetch("brands", queryset=Brand.objects.only("merchant", "name_zh"))
            )
        )

    def get_edit_url(self, instance):
        return None  # edited from the company's page, which the name opens


class MerchantInspectView(ScopedInspectView):
    template_name = "cms/merchants/merchant_inspect.html"
    page_title = gettext_lazy("Merchant")

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value == "" else value

    @cached_property
    def header_buttons(self):
        if edit_url := self.get_edit_url():
            return [HeaderButton(gettext_lazy("Edit"), url=edit_url, icon_name="edit")]
        return []

    @cached_property
    def header_more_buttons(self):
        return []

    def get_registered_capital_display_value(self):
        return money(self.object.registered_capital)

    def get_customer_rating_display_value(self):
        rating = self.object.customer_rating
        return "—" if rating is None else f"{rating} / 5"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        merchant, user = self.object, self.request.user
        bar = services.merchant_credit_bar(merchant, on=timezone.localdate())
        brands = list(
            merchant.brands.prefetch_related(
                Prefetch(
                    "business_types",
                    queryset=BusinessCategory.objects.only("code", "name_zh", "name_en"),
                )
            )
        )
        records = list(merchant.credit_records.order_by("-recorded_on", "-pk"))
        members = selectors.merchant_members(merchant)
        demands = list(
            selectors.demands_for(user, merchant=merchant)
            .prefetch_related(Prefetch("stations", queryset=Station.objects.only("code")))
            .order_by("-is_active", "-created_at")
        )
        may_act = may_act_for(user, merchant.pk)
        context.update(
            merchant=merchant,
            bar=bar,
            brands=[{"brand": b, "types": category_list(b.business_types.all())} for b in brands],
            records=records,
            members=members,
            demands=[demand_row(d) for d in demands],
            may_act=may_act,
            may_keep_credit=may_keep_credit_records(user),
            add_brand_url=reverse("merchants:add_brand", args=(merchant.pk,)),
            add_record_url=reverse("merchants:add_credit_record", args=(merchant.pk,)),
            add_member_url=reverse("merchants:add_member", args=(merchant.pk,)),
            add_demand_url=reverse("demands:add") + f"?merchant={merchant.pk}",
        )
        return context


def demand_row(demand: Demand) -> dict:
    """What a table of demands shows of one (stations prefetched)."""
    stations = [s.code for s in demand.stations.all()]
    tiers = dict(Station.Tier.choices)
    return {
        "demand": demand,
        "url": reverse("demands:inspect", args=(demand.pk,)),
        "type": category_name(demand.business_type),
        "where": "; ".join(stations)
        or "、".join(str(tiers.get(t, t)) for t in demand.tiers)
        or _("any station"),
        "area": f"{demand.area_min_m2}–{demand.area_max_m2}",
        "rent": money(demand.intended_rent_m2_month),
    }


class MerchantCreateView(ScopedCreateView):
    def save_instance(self):
        try:
            return services.merchant_register(
                actor=self.request.user,
                brands=self.form.brand_names(),
                **self.form.service_values(),
            )
        except ValidationError as error:
            # A brand's fault is about a line of the form's "brands" box.
            faults = getattr(error, "error_dict", {})
            if "name_zh" in faults:
                raise ValidationError({"brands": faults["name_zh"]}) from None
            raise

    def get_success_url(self):
        return reverse("merchants:inspect", args=(self.object.pk,))


class MerchantEditView(ScopedEditView):
    def save_instance(self):
        return services.merchant_update(
            actor=self.request.user, merchant=self.object, **self.form.service_values()
        )

    def get_success_url(self):
        return reverse("merchants:inspect", args=(self.object.pk,))


# --- brand, credit record and member: small forms on the company's page ----------------------


class MerchantActionView(WagtailAdminTemplateMixin, FormView):
    """A form about one merchant, handed to a service. A merchant the user may not read answers
    404; one it may read but not act for (the inspector) is refused."""

    template_name = "cms/merchants/merchant_form.html"
    header_icon = "group"
    submit_label = gettext_lazy("Save")
    success_message = ""

    def dispatch(self, request, pk, *args, **kwargs):
        self.merchant = selectors.get_merchant_for(request.user, pk)
        if not self.permitted(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def permitted(self, user) -> bool:
        return may_act_for(user, self.merchant.pk)

    def get_page_subtitle(self):
        return self.merchant.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("merchants:index"), "label": _("Merchants")},
            {"url": self.merchant_url, "label": self.merchant.name},
            {"url": "", "label": self.get_page_title()},
        ]

    @cached_property
    def merchant_url(self) -> str:
        return reverse("merchants:inspect", args=(self.merchant.pk,))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            merchant=self.merchant, cancel_url=self.merchant_url, submit_label=self.submit_label
        )
        return context

    def call_service(self, data):  # pragma: no cover - each view names its service
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                result = self.call_service(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error, geometry_field=None)
            messages.error(self.request, _("Nothing was saved: see the fields marked below."))
            return self.form_invalid(form)
        messages.success(self.request, self.success_text(result))
        return redirect(self.merchant_url)

    def success_text(self, result) -> str:  # pragma: no cover - each view says what it did
        raise NotImplementedError


class BrandAddView(MerchantActionView):
    form_class = merchant_forms.BrandForm
    page_title = gettext_lazy("Add a brand")
    submit_label = gettext_lazy("Add the brand")

    def call_service(self, data):
        return services.brand_add(
            actor=self.request.user,
            merchant=self.merchant,
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            business_types=data["business_types"],
        )

    def success_text(self, brand):
        return _("Brand %(brand)s added to %(merchant)s.") % {
            "brand": brand,
            "merchant": self.merchant.name,
        }


class CreditRecordAddView(MerchantActionView):
    form_class = merchant_forms.CreditRecordForm
    page_title = gettext_lazy("Add a credit record")
    submit_label = gettext_lazy("Add the record")

    def permitted(self, user) -> bool:
        return may_keep_credit_records(user)

    def call_service(self, data):
        return services.credit_record_add(
            actor=self.request.user,
            merchant=self.merchant,
            kind=data["kind"],
            source=data["source"],
            recorded_on=data["recorded_on"],
            expires_on=data["expires_on"],
            note=data["note"],
        )

    def success_text(self, record):
        return _("Credit record “%(kind)s” from %(source)s added to %(merchant)s.") % {
            "kind": record.get_kind_display(),
            "source": record.source,
            "merchant": self.merchant.name,
        }


class MemberAddView(MerchantActionView):
    form_class = merchant_forms.MemberForm
    page_title = gettext_lazy("Add a member")
    submit_label = gettext_lazy("Add the member")

    def call_service(self, data):
        services.merchant_add_member(
            actor=self.request.user, merchant=self.merchant, user=data["user"]
        )
        return data["user"]

    def success_text(self, user):
        return _("%(user)s now acts for %(merchant)s.") % {
            "user": user.get_username(),
            "merchant": self.merchant.name,
        }


class MerchantViewSet(SpaceViewSet):
    model = Merchant
    name = "merchants"
    icon = "group"
    menu_order = 100
    form_class = merchant_forms.MerchantForm
    index_view_class = MerchantIndexView
    inspect_view_class = MerchantInspectView
    add_view_class = MerchantCreateView
    edit_view_class = MerchantEditView
    can_delete = False
    list_display = [
        "name",
        "credit_code",
        BarredColumn("barred", label=gettext_lazy("Credit bar"), sort_key="barred"),
        FormColumn(
            "legal_form", label=gettext_lazy("Legal form · operation"), sort_key="legal_form"
        ),
        DecimalColumn(
            "registered_capital",
            label=gettext_lazy("Registered capital (CNY)"),
            sort_key="registered_capital",
        ),
        Column(
            "store_count",
            label=gettext_lazy("Stores"),
            sort_key="store_count",
            classname="cms-num",
        ),
        Column(
            "customer_rating",
            label=gettext_lazy("Rating"),
            sort_key="customer_rating",
            classname="cms-num",
        ),
        BrandsColumn("brands", label=gettext_lazy("Brands")),
        Column(
            "active_demands",
            label=gettext_lazy("Active demands"),
            sort_key="active_demands",
            classname="cms-num",
        ),
    ]
    filterset_class = MerchantFilterSet
    search_fields = ["name", "credit_code"]
    inspect_view_fields = [
        "name",
        "credit_code",
        "legal_form",
        "registered_capital",
        "founded_on",
        "operation_mode",
        "store_count",
        "customer_rating",
        "contact_name",
        "contact_phone",
        "created_at",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/brands/new/", BrandAddView.as_view(), name="add_brand"),
            path(
                "<int:pk>/credit-records/new/",
                CreditRecordAddView.as_view(),
                name="add_credit_record",
            ),
            path("<int:pk>/members/new/", MemberAddView.as_view(), name="add_member"),
        ]
