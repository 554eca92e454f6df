"""Admin viewsets for the station space, the business types and the audit journal.

Every listing and every object comes through stations.selectors, so a station officer meets
only their station and anything else answers 404, as a missing object does. Create, edit and
delete call stations.services; a refusal (plan violations included) comes back on the form
and nothing is saved. Status is never a field: the unit page offers the allowed transitions.
"""

from __future__ import annotations

import copy

import django_filters
from django.contrib import messages as django_messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from audit import journal
from audit.models import Entry
from cms import forms as cms_forms
from cms.admin_views import inline_svg
from cms.columns import BusinessTypesColumn, LinkColumn, UnitStatusColumn
from cms.large_choices import LargeChoiceFilterSet
from stations import plans, selectors, services
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone

# --- the generic views, narrowed to the user's stations -------------------------------------


class ScopedIndexView(generic.IndexView):
    """Lists only what the user may see; row buttons only where the user may act."""

    list_queryset = None  # a callable (queryset) -> queryset for select/prefetch

    def get_base_queryset(self):
        queryset = self.permission_policy.scoped_queryset(self.request.user, manage=False)
        if self.list_queryset:
            queryset = self.list_queryset(queryset)
        return queryset

    def _may(self, action, instance) -> bool:
        return self.permission_policy.user_has_permission_for_instance(
            self.request.user, action, instance
        )

    def get_edit_url(self, instance):
        if self.edit_url_name and self._may("change", instance):
            return reverse(self.edit_url_name, args=(instance.pk,))

    def get_delete_url(self, instance):
        if self.delete_url_name and self._may("delete", instance):
            return reverse(self.delete_url_name, args=(instance.pk,))


def _shown(value):
    # Wagtail's inspect view prints True, False and None as they are, in English.
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value is None else value


class ScopedInspectView(generic.InspectView):
    def get_field_display_value(self, field_name, field):
        return _shown(super().get_field_display_value(field_name, field))

    def get_object(self, queryset=None):
        queryset = self.permission_policy.scoped_queryset(self.request.user, manage=False)
        try:
            return queryset.get(pk=self.pk)
        except (queryset.model.DoesNotExist, ValueError):
            raise Http404 from None

    def get_edit_url(self):
        if self.edit_url_name and self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", self.object
        ):
            return reverse(self.edit_url_name, args=(self.object.pk,))

    def get_delete_url(self):
        if self.delete_url_name and self.permission_policy.user_has_permission_for_instance(
            self.request.user, "delete", self.object
        ):
            return reverse(self.delete_url_name, args=(self.object.pk,))


class ServiceSaveMixin:
    """Hand the cleaned values to a service; a ValidationError goes back on the form."""

    geometry_field: str | None = None

    def save_instance(self):  # pragma: no cover - each view names its service
        raise NotImplementedError

    def form_valid(self, form):
        self.form = form
        try:
            with transaction.atomic():
                self.object = self.save_instance()
        except ValidationError as error:
            cms_forms.apply_service_errors(form, error, geometry_field=self.geometry_field)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        response = self.save_action()
        return self.run_after_hook() or response


class ScopedCreateView(ServiceSaveMixin, generic.CreateView):
    def get_success_buttons(self):
        if self.edit_url_name:
            return super().get_success_buttons()
        return []


class ScopedEditView(ServiceSaveMixin, generic.EditView):
    def get_queryset(self):
        return self.permission_policy.scoped_queryset(self.request.user, manage=True)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # The form works on a copy, so a refused change leaves the page's object as stored.
        if kwargs.get("instance") is not None:
            kwargs["instance"] = copy.copy(kwargs["instance"])
        return kwargs


class ScopedDeleteView(generic.DeleteView):
    def get_queryset(self):
        return self.permission_policy.scoped_queryset(self.request.user, manage=True)

    def delete_service(self):  # pragma: no cover - each view names its service
        raise NotImplementedError

    def delete_action(self):
        self.delete_service()

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.delete_action()
        except ValidationError as error:
            for message in error.messages:
                messages.error(self.request, message)
            return redirect(self.get_refused_url())
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())

    def get_refused_url(self):
        if self.edit_url_name:
            return reverse(self.edit_url_name, args=(self.object.pk,))
        return reverse(self.index_url_name)


class SpaceViewSet(ModelViewSet):
    """The common shape: no copy, history or usage views (the audit journal is the history)."""

    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False
    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    form_class = None
    can_edit = True
    can_delete = True
    list_queryset = None

    def get_form_class(self, for_update=False):
        return self.form_class

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        kwargs.update(history_url_name=None, usage_url_name=None)
        if not self.can_edit:
            kwargs["edit_url_name"] = None
        if not self.can_delete:
            kwargs["delete_url_name"] = None
        return kwargs

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(list_queryset=self.list_queryset, **kwargs)

    def get_urlpatterns(self):
        keep = {"index", "index_results", "add", "inspect"}
        if self.can_edit:
            keep.add("edit")
        if self.can_delete:
            keep.add("delete")
        return [p for p in super().get_urlpatterns() if p.name in keep]


def _scoped_choice(selector):
    def queryset(request):
        if request is None:
            return selector(None).none()
        return selector(request.user)

    return queryset


# --- stations -----------------------------------------------------------------------------


class StationCreateView(ScopedCreateView):
    def save_instance(self):
        return services.station_create(actor=self.request.user, **self.form.cleaned_data)


class StationEditView(ScopedEditView):
    def save_instance(self):
        return services.station_update(
            actor=self.request.user, station=self.object, **self.form.cleaned_data
        )


class StationIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        return [*super().header_buttons, _plans_button()]


def _plans_button():
    return HeaderButton(gettext_lazy("Floor plans"), url=reverse("cms_plans"), icon_name="table")


class StationFilterSet(WagtailFilterSet):
    tier = django_filters.ChoiceFilter(choices=Station.Tier.choices, label=gettext_lazy("Tier"))

    class Meta:
        model = Station
        fields = []


class StationViewSet(SpaceViewSet):
    model = Station
    name = "stations"
    icon = "site"
    menu_order = 100
    form_class = cms_forms.StationForm
    index_view_class = StationIndexView
    add_view_class = StationCreateView
    edit_view_class = StationEditView
    can_delete = False
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "city",
        "tier",
        LinkColumn(
            "plan",
            label=gettext_lazy("Plan"),
            get_url=lambda station: reverse("cms_station_plan", args=(station.code,)),
            text=gettext_lazy("Floor plans"),
        ),
    ]
    filterset_class = StationFilterSet
    search_fields = ["code", "name_zh", "name_en", "city"]
    inspect_view_fields = [
        "code",
        "name_zh",
        "name_en",
        "line",
        "city",
        "tier",
        "latitude",
        "longitude",
        "plan_rotation_deg",
    ]


# --- levels -------------------------------------------------------------------------------


def _underlay_args(form) -> dict:
    data = form.cleaned_data
    return {
        "scale": data["underlay_scale"],
        "offset_x": data["underlay_offset_x"],
        "offset_y": data["underlay_offset_y"],
    }


class LevelCreateView(ScopedCreateView):
    geometry_field = "outline_wkt"

    def save_instance(self):
        data = self.form.cleaned_data
        level = services.level_create(
            actor=self.request.user,
            station=data["station"],
            name=data["name"],
            short_name=data["short_name"],
            ordinal=data["ordinal"],
            outline=data["outline_wkt"],
        )
        if data.get("underlay_upload"):
            level = services.level_set_underlay(
                actor=self.request.user,
                level=level,
                upload=data["underlay_upload"],
                **_underlay_args(self.form),
            )
        return level


class LevelEditView(ScopedEditView):
    geometry_field = "outline_wkt"

    def save_instance(self):
        data = self.form.cleaned_data
        level = services.level_update(
            actor=self.request.user,
            level=self.object,
            name=data["name"],
            short_name=data["short_name"],
            ordinal=data["ordinal"],
            outline_wkt=data["outline_wkt"],
        )
        placement = _underlay_args(self.form)
        if data.get("underlay_upload"):
            level = services.level_set_underlay(
                actor=self.request.user, level=level, upload=data["underlay_upload"], **placement
            )
        elif level.underlay and (
            placement["scale"] != level.underlay_scale
            or placement["offset_x"] != level.underlay_offset_x
            or placement["offset_y"] != level.underlay_offset_y
        ):
            level = services.level_place_underlay(
                actor=self.request.user, level=level, **placement
            )
        return level

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan_url"] = reverse(
            "cms_level_plan", args=(self.object.station.code, self.object.pk)
        )
        context["underlay"] = self.object.underlay
        return context


class LevelFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    station = django_filters.ModelChoiceFilter(
        queryset=_scoped_choice(selectors.stations_for), label=gettext_lazy("Station")
    )

    class Meta:
        model = Level
        fields = []


class LevelViewSet(SpaceViewSet):
    model = Level
    name = "levels"
    icon = "doc-empty"
    menu_order = 110
    form_class = cms_forms.LevelForm
    add_view_class = LevelCreateView
    edit_view_class = LevelEditView
    edit_template_name = "cms/level_edit.html"
    can_delete = False
    list_display = [
        "name",
        "station",
        "short_name",
        "ordinal",
        LinkColumn(
            "plan",
            label=gettext_lazy("Plan"),
            get_url=lambda level: reverse("cms_level_plan", args=(level.station.code, level.pk)),
            text=gettext_lazy("Show the plan"),
        ),
    ]
    filterset_class = LevelFilterSet
    search_fields = ["name", "short_name", "station__code", "station__name_zh"]
    inspect_view_fields = [
        "station",
        "name",
        "short_name",
        "ordinal",
        "outline_wkt",
        "underlay",
        "underlay_scale",
        "underlay_offset_x",
        "underlay_offset_y",
    ]


# --- units --------------------------------------------------------------------------------

TRANSITION_LABELS = {
    (Unit.Status.PLANNED, Unit.Status.AVAILABLE): gettext_lazy("Release for letting"),
    (Unit.Status.AVAILABLE, Unit.Status.PLANNED): gettext_lazy("Withdraw to planning"),
    (Unit.Status.AVAILABLE, Unit.Status.RESERVED): gettext_lazy("Reserve"),
    (Unit.Status.AVAILABLE, Unit.Status.LET): gettext_lazy("Mark as let"),
    (Unit.Status.RESERVED, Unit.Status.LET): gettext_lazy("Mark as let"),
    (Unit.Status.RESERVED, Unit.Status.AVAILABLE): gettext_lazy("Release the reservation"),
    (Unit.Status.LET, Unit.Status.FITTING_OUT): gettext_lazy("Start fit-out"),
    (Unit.Status.LET, Unit.Status.OPEN): gettext_lazy("Mark as open"),
    (Unit.Status.FITTING_OUT, Unit.Status.OPEN): gettext_lazy("Mark as open"),
    (Unit.Status.CLOSED, Unit.Status.AVAILABLE): gettext_lazy("Offer for letting again"),
    (Unit.Status.CLOSED, Unit.Status.PLANNED): gettext_lazy("Back to planning"),
}


def transitions_for(unit: Unit) -> list[tuple[str, str]]:
    """The statuses ``unit`` may move to, each with the label of its button: the steps
    forward along the lifecycle first (the first is the usual next step), then the steps
    back, closing last."""
    current = Unit.Status(unit.status)
    allowed = Unit.TRANSITIONS.get(current, set()) - Unit.PROCESS_STATUSES
    order = list(Unit.Status)

    def rank(status):
        if status == Unit.Status.CLOSED:
            return (2, 0)
        position = order.index(status) - order.index(current)
        return (0, position) if position > 0 else (1, -position)

    result = []
    for status in sorted(allowed, key=rank):
        if status == Unit.Status.CLOSED:
            label = _("Close the unit")
        elif status == Unit.Status.AVAILABLE and current in (
            Unit.Status.LET,
            Unit.Status.FITTING_OUT,
            Unit.Status.OPEN,
        ):
            label = _("Return to available")
        else:
            label = TRANSITION_LABELS.get((current, status)) or _("Move to %(status)s") % {
                "status": status.label
            }
        result.append((status.value, str(label)))
    return result


def _unit_fields(data) -> dict:
    return {
        "code": data["code"],
        "name": data["name"],
        "polygon": data["polygon_wkt"],
        "kind": data["kind"],
        "business_types": data["business_types"],
        "power_kw": data["power_kw"],
        "has_exhaust": data["has_exhaust"],
        "in_paid_area": data["in_paid_area"],
    }


class UnitCreateView(ScopedCreateView):
    geometry_field = "polygon_wkt"

    def get_initial(self):
        initial = super().get_initial()
        if level_id := self.request.GET.get("level"):
            initial["level"] = level_id
        return initial

    def save_instance(self):
        data = self.form.cleaned_data
        return services.unit_create(
            actor=self.request.user, level=data["level"], **_unit_fields(data)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The plan of the chosen level, to read coordinates from while drawing the new unit.
        level_id = self.request.GET.get("level", "")
        if level_id.isdigit():
            level = (
                selectors.levels_for(self.request.user, manage=True).filter(pk=level_id).first()
            )
            if level is not None:
                context["preview_svg"] = inline_svg(plans.render_level_svg(level))
                context["plan_url"] = reverse(
                    "cms_level_plan", args=(level.station.code, level.pk)
                )
        return context

    def get_success_url(self):
        return reverse("cms_level_plan", args=(self.object.station.code, self.object.level_id))


class UnitEditView(ScopedEditView):
    geometry_field = "polygon_wkt"

    def save_instance(self):
        return services.unit_update(
            actor=self.request.user, unit=self.object, **_unit_fields(self.form.cleaned_data)
        )

    def get_success_url(self):
        return reverse("cms_level_plan", args=(self.object.station.code, self.object.level_id))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        context["unit"] = unit
        context["transitions"] = transitions_for(unit)
        context["status_url"] = reverse("units:change_status", args=(unit.pk,))
        context["plan_url"] = (
            reverse("cms_level_plan", args=(unit.station.code, unit.level_id))
            + f"#unit-{unit.code}"
        )
        context["preview_svg"] = inline_svg(
            plans.render_level_svg(unit.level, highlight=unit.code)
        )
        return context


class UnitDeleteView(ScopedDeleteView):
    def delete_service(self):
        services.unit_delete(actor=self.request.user, unit=self.object)


class UnitStatusView(View):
    """POST only: move a unit along Unit.TRANSITIONS through services.unit_change_status."""

    http_method_names = ["post"]

    def post(self, request, pk):
        unit = selectors.get_unit_for(request.user, pk, manage=True)
        form = cms_forms.UnitStatusForm(request.POST)
        edit_url = reverse("units:edit", args=(unit.pk,))
        if not form.is_valid():
            messages.error(request, _("Choose a status to move the unit to."))
            return redirect(edit_url)
        status = form.cleaned_data["status"]
        try:
            unit = services.unit_change_status(
                actor=request.user, unit=unit, status=status, reason=form.cleaned_data["reason"]
            )
        except ValidationError as refusal:  # InvalidTransition among them
            messages.error(request, " ".join(refusal.messages))
            return redirect(edit_url)
        django_messages.success(
            request,
            _("Unit %(code)s is now “%(status)s”.")
            % {"code": unit.code, "status": unit.get_status_display()},
        )
        return redirect(edit_url)


def _levels_for_filter(request):
    """The levels offered by a filter: the chosen station's, or the chosen level itself, or
    all the user sees when that is a short list (a network has thousands of levels)."""
    if request is None:
        return Level.objects.none()
    levels = selectors.levels_for(request.user)
    station = request.GET.get("station") or request.GET.get("level__station")
    level = request.GET.get("level")
    if station:
        return levels.filter(station_id=station) if station.isdigit() else levels.none()
    if level:
        return levels.filter(pk=level) if level.isdigit() else levels.none()
    if selectors.stations_for(request.user).count() > 50:
        return levels.none()
    return levels


class UnitFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code", "level": None}
    station = django_filters.ModelChoiceFilter(
        queryset=_scoped_choice(selectors.stations_for), label=gettext_lazy("Station")
    )
    level = django_filters.ModelChoiceFilter(
        queryset=_levels_for_filter, label=gettext_lazy("Level")
    )
    kind = django_filters.ChoiceFilter(choices=Unit.Kind.choices, label=gettext_lazy("Kind"))
    status = django_filters.ChoiceFilter(choices=Unit.Status.choices, label=gettext_lazy("Status"))

    class Meta:
        model = Unit
        fields = []


class UnitIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.permission_policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    gettext_lazy("Import units"),
                    url=reverse("cms_unit_import"),
                    icon_name="upload",
                )
            )
        buttons.append(_plans_button())
        return buttons


def _unit_list_queryset(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "business_types", queryset=BusinessCategory.objects.only("code", "name_zh", "name_en")
        )
    )


class UnitViewSet(SpaceViewSet):
    model = Unit
    name = "units"
    icon = "home"
    menu_order = 120
    form_class = cms_forms.UnitForm
    index_view_class = UnitIndexView
    add_view_class = UnitCreateView
    edit_view_class = UnitEditView
    delete_view_class = UnitDeleteView
    edit_template_name = "cms/unit_edit.html"
    create_template_name = "cms/unit_create.html"
    inspect_template_name = "cms/merchants/unit_inspect.html"  # + the demands it can satisfy
    list_queryset = staticmethod(_unit_list_queryset)
    list_display = [
        "code",
        "station",
        LinkColumn(
            "level",
            label=gettext_lazy("Level (plan)"),
            get_url=lambda unit: (
                reverse("cms_level_plan", args=(unit.station.code, unit.level_id))
                + f"#unit-{unit.code}"
            ),
            text=lambda unit: unit.level.name,
        ),
        "kind",
        UnitStatusColumn("status", label=gettext_lazy("Status"), sort_key="status"),
        Column("area_m2", label=gettext_lazy("Area (m²)"), sort_key="area_m2"),
        Column("power_kw", label=gettext_lazy("Power (kW)"), sort_key="power_kw"),
        BusinessTypesColumn("business_types", label=gettext_lazy("Business types")),
    ]
    filterset_class = UnitFilterSet
    search_fields = ["code", "name"]
    list_export = ["station", "level", "code", "name", "kind", "status", "area_m2", "power_kw"]
    inspect_view_fields = [
        "station",
        "level",
        "code",
        "name",
        "kind",
        "status",
        "area_m2",
        "polygon_wkt",
        "power_kw",
        "has_exhaust",
        "in_paid_area",
        "business_types",
    ]

    @property
    def status_view(self):
        return UnitStatusView.as_view()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("status/<int:pk>/", self.status_view, name="change_status"),
        ]


# --- zones and utility points (placed and removed; a change is a removal and a new one) ------


class ZoneCreateView(ScopedCreateView):
    geometry_field = "polygon_wkt"

    def save_instance(self):
        data = self.form.cleaned_data
        return services.zone_create(
            actor=self.request.user,
            level=data["level"],
            kind=data["kind"],
            name=data["name"],
            polygon=data["polygon_wkt"],
        )


class ZoneDeleteView(ScopedDeleteView):
    def delete_service(self):
        services.zone_delete(actor=self.request.user, zone=self.object)


class LevelChildFilterSet(LargeChoiceFilterSet):
    large_choices = {"level__station": "code", "level": None}
    level__station = django_filters.ModelChoiceFilter(
        queryset=_scoped_choice(selectors.stations_for), label=gettext_lazy("Station")
    )
    level = django_filters.ModelChoiceFilter(
        queryset=_levels_for_filter, label=gettext_lazy("Level")
    )


class ZoneFilterSet(LevelChildFilterSet):
    kind = django_filters.ChoiceFilter(choices=Zone.Kind.choices, label=gettext_lazy("Kind"))

    class Meta:
        model = Zone
        fields = []


class ZoneViewSet(SpaceViewSet):
    model = Zone
    name = "zones"
    icon = "warning"
    menu_order = 130
    form_class = cms_forms.ZoneForm
    add_view_class = ZoneCreateView
    delete_view_class = ZoneDeleteView
    can_edit = False
    list_display = ["__str__", "kind", "level__station", "level"]
    filterset_class = ZoneFilterSet
    search_fields = ["name"]
    inspect_view_fields = ["level", "kind", "name", "polygon_wkt"]


class UtilityPointCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.utility_point_create(
            actor=self.request.user,
            level=data["level"],
            kind=data["kind"],
            code=data["code"],
            x=data["x"],
            y=data["y"],
            capacity_kw=data["capacity_kw"],
        )


class UtilityPointDeleteView(ScopedDeleteView):
    def delete_service(self):
        services.utility_point_delete(actor=self.request.user, point=self.object)


class UtilityPointFilterSet(LevelChildFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=UtilityPoint.Kind.choices, label=gettext_lazy("Kind")
    )

    class Meta:
        model = UtilityPoint
        fields = []


class UtilityPointViewSet(SpaceViewSet):
    model = UtilityPoint
    name = "utility-points"
    icon = "cog"
    menu_order = 140
    form_class = cms_forms.UtilityPointForm
    add_view_class = UtilityPointCreateView
    delete_view_class = UtilityPointDeleteView
    can_edit = False
    list_display = [
        "__str__",
        "kind",
        "level__station",
        "level",
        "x",
        "y",
        "capacity_kw",
        Column("unit", accessor="unit.code", label=gettext_lazy("Unit")),
    ]
    filterset_class = UtilityPointFilterSet
    search_fields = ["code"]
    inspect_view_fields = ["level", "kind", "code", "x", "y", "capacity_kw", "unit"]


# --- business types -----------------------------------------------------------------------


class BusinessCategoryIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return BusinessCategory.objects.select_related("parent")


class BusinessCategoryInspectView(generic.InspectView):
    def get_field_display_value(self, field_name, field):
        return _shown(super().get_field_display_value(field_name, field))


class BusinessCategoryCreateView(ScopedCreateView):
    def save_instance(self):
        return services.business_category_create(actor=self.request.user, **self.form.cleaned_data)


class BusinessCategoryEditView(ScopedEditView):
    def get_queryset(self):
        return BusinessCategory.objects.all()

    def save_instance(self):
        return services.business_category_update(
            actor=self.request.user, category=self.object, **self.form.cleaned_data
        )


class BusinessCategoryFilterSet(WagtailFilterSet):
    parent = django_filters.ModelChoiceFilter(
        queryset=BusinessCategory.objects.filter(parent__isnull=True),
        label=gettext_lazy("Business class"),
    )
    is_basic = django_filters.BooleanFilter(label=gettext_lazy("Basic configuration"))

    class Meta:
        model = BusinessCategory
        fields = []


class BusinessCategoryViewSet(SpaceViewSet):
    model = BusinessCategory
    name = "business-types"
    icon = "tag"
    menu_order = 150
    form_class = cms_forms.BusinessCategoryForm
    index_view_class = BusinessCategoryIndexView
    inspect_view_class = BusinessCategoryInspectView
    add_view_class = BusinessCategoryCreateView
    edit_view_class = BusinessCategoryEditView
    can_delete = False
    list_per_page = 50
    list_display = [
        "__str__",
        "code",
        "parent",
        "min_power_kw",
        # Ticks and crosses, not the words True/False.
        *(
            BooleanColumn(
                name,
                label=BusinessCategory._meta.get_field(name).verbose_name,
                sort_key=name,
            )
            for name in ("needs_water", "needs_drainage", "needs_exhaust", "is_basic")
        ),
    ]
    filterset_class = BusinessCategoryFilterSet
    search_fields = ["code", "name_zh", "name_en"]
    inspect_view_fields = [f for f in services.CATEGORY_FIELDS if f != "sort_order"]


class StationSpaceGroup(ViewSetGroup):
    menu_label = gettext_lazy("Station space")
    menu_icon = "site"
    menu_order = 200
    items = (
        StationViewSet,
        LevelViewSet,
        UnitViewSet,
        ZoneViewSet,
        UtilityPointViewSet,
        BusinessCategoryViewSet,
    )


# --- the audit journal (read only) ----------------------------------------------------------


class EntryIndexView(generic.IndexView):
    page_title = gettext_lazy("Audit journal")

    def get_base_queryset(self):
        return Entry.objects.all()

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if self.request.GET.get("verify") and not self.results_only:
            # Walks the whole chain, so only when asked for.
            broken = journal.verify()
            context["verify_result"] = {
                "intact": broken is None,
                "broken": str(broken) if broken else "",
                "count": Entry.objects.count(),
            }
        return context


def _actor_shown(entry: Entry) -> str:
    # The journal records the system as "system" (hashed as is); show it in the reader's language.
    return entry.actor_name if entry.actor_id is not None else _("system")


class EntryInspectView(generic.InspectView):
    def get_actor_name_display_value(self):
        return _actor_shown(self.object)

    def get_field_display_value(self, field_name, field):
        return _shown(super().get_field_display_value(field_name, field))


class EntryFilterSet(WagtailFilterSet):
    action = django_filters.CharFilter(
        lookup_expr="startswith",
        label=gettext_lazy("Action"),
        help_text=gettext_lazy("e.g. unit. or unit.change_status"),
    )
    target_type = django_filters.ChoiceFilter(
        label=gettext_lazy("Target type"),
        choices=[
            (f"stations.{m._meta.model_name}", m._meta.verbose_name)
            for m in (Station, Level, Unit, Zone, UtilityPoint, BusinessCategory)
        ],
    )
    actor_name = django_filters.CharFilter(label=gettext_lazy("Actor"))

    class Meta:
        model = Entry
        fields = []


class AuditJournalViewSet(ModelViewSet):
    model = Entry
    name = "audit-journal"
    icon = "history"
    menu_label = gettext_lazy("Audit journal")
    menu_order = 900
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = EntryIndexView
    inspect_view_class = EntryInspectView
    index_template_name = "cms/audit_index.html"
    ordering = "-seq"
    list_per_page = 50
    list_display = [
        "seq",
        "recorded_at",
        Column(
            "actor_name",
            label=Entry._meta.get_field("actor_name").verbose_name,
            accessor=_actor_shown,
            sort_key="actor_name",
        ),
        "action",
        "target_type",
        "target_repr",
    ]
    filterset_class = EntryFilterSet
    search_fields = ["target_repr", "action"]
    inspect_view_fields = [
        "seq",
        "recorded_at",
        "actor_name",
        "actor_id",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "before",
        "after",
        "data",
        "prev_hash",
        "hash",
    ]

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        kwargs.update(
            history_url_name=None,
            usage_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            add_url_name=None,
        )
        return kwargs

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        # Only reading the journal can be granted; nobody adds, changes or deletes entries.
        return super().get_permissions_to_register().filter(codename="view_entry")
