"""The back-office forms: they parse and present; the views hand the values to the services.

No form here is ever saved: status is not a field anywhere, areas are computed by the services,
and the level/station choices are narrowed to what the user may change.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cms.large_choices import fit_large_choices
from stations import selectors, services
from stations.geometry import PlanInvalid
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone

GEOMETRY_HELP = _(
    "Plan metres (x east, y north), as WKT — e.g. POLYGON ((0 0, 12 0, 12 8, 0 8, 0 0)) — "
    "or as a GeoJSON Polygon. The first and last points are the same."
)


class GeometryTextarea(forms.Textarea):
    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "rows": 4,
                "class": "cms-geometry",
                "spellcheck": "false",
                "autocomplete": "off",
                **(attrs or {}),
            }
        )


def _geometry_field(form, name: str) -> None:
    field = form.fields[name]
    field.widget = GeometryTextarea()
    field.help_text = GEOMETRY_HELP


def _level_choices(form, *, name: str = "level") -> None:
    field = form.fields[name]
    field.queryset = selectors.levels_for(form.for_user, manage=True).order_by(
        "station__code", "ordinal"
    )
    field.label_from_instance = lambda level: f"{level.station.code} · {level.name}"
    # Thousands of levels nationally: then the level is typed by its number (the id its plan
    # page shows), not picked from a list of every level of every station.
    fit_large_choices(form, {name: None})


def apply_service_errors(form, error: ValidationError, *, geometry_field: str | None) -> None:
    """Put a service's refusal on the form: plan violations on the shape, field faults on
    their field, anything else on top. The services name fields as the model does."""
    if isinstance(error, PlanInvalid):
        target = geometry_field if geometry_field in form.fields else None
        for violation in error.violations:
            form.add_error(target, violation.message)
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            messages = [m for e in errors for m in e.messages]
            if field in form.fields and field != NON_FIELD_ERRORS:
                form.add_error(field, messages)
            else:
                form.add_error(None, messages)
        return
    form.add_error(None, error.messages)


class StationForm(WagtailAdminModelForm):
    class Meta:
        model = Station
        fields = [
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


class LevelForm(WagtailAdminModelForm):
    underlay_upload = forms.FileField(
        label=_("Upload an underlay"),
        required=False,
        help_text=_(
            "A drawing of the level (PNG, JPEG or WebP) shown under the plan. Give its scale "
            "in metres per pixel and where its lower-left corner lies on the plan (offset)."
        ),
    )

    class Meta:
        model = Level
        fields = [
            "station",
            "name",
            "short_name",
            "ordinal",
            "outline_wkt",
            "underlay_scale",
            "underlay_offset_x",
            "underlay_offset_y",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = selectors.stations_for(self.for_user, manage=True)
        _geometry_field(self, "outline_wkt")
        if self.instance.pk:
            self.fields["station"].disabled = True
            self.fields["station"].help_text = _("A level stays in its station.")
        else:
            fit_large_choices(self, {"station": "code"})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("underlay_upload") and not cleaned.get("underlay_scale"):
            self.add_error(
                "underlay_scale", gettext("Give the scale of the underlay (metres per pixel).")
            )
        return cleaned


def business_type_choices() -> list:
    """The types grouped under their major class; a class itself may be designated too."""
    categories = list(BusinessCategory.objects.all())
    classes = [c for c in categories if c.parent_id is None]
    groups = []
    for major in classes:
        options = [(major.code, _("%(name)s (any)") % {"name": major})]
        options += [(c.code, str(c)) for c in categories if c.parent_id == major.pk]
        groups.append((str(major), options))
    return groups


class UnitForm(WagtailAdminModelForm):
    business_types = forms.MultipleChoiceField(
        label=_("Designated business types"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "cms-business-types"}),
    )

    class Meta:
        model = Unit
        fields = [
            "level",
            "code",
            "name",
            "polygon_wkt",
            "kind",
            "power_kw",
            "has_exhaust",
            "in_paid_area",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _level_choices(self)
        _geometry_field(self, "polygon_wkt")
        self.fields["business_types"].choices = business_type_choices()
        if self.instance.pk:
            self.fields["level"].disabled = True
            self.fields["level"].help_text = _("A unit stays on its level.")
            self.initial.setdefault(
                "business_types", [c.code for c in self.instance.business_types.all()]
            )
            self.fields["area"] = forms.CharField(
                label=_("Area (m²)"),
                required=False,
                disabled=True,
                initial=self.instance.area_m2,
                help_text=_("Computed from the polygon when it is saved."),
            )
            # keep the read-only area beside the shape it comes from
            order = list(self.fields)
            order.remove("area")
            order.insert(order.index("polygon_wkt") + 1, "area")
            self.order_fields(order)


class ZoneForm(WagtailAdminModelForm):
    class Meta:
        model = Zone
        fields = ["level", "kind", "name", "polygon_wkt"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _level_choices(self)
        _geometry_field(self, "polygon_wkt")


class UtilityPointForm(WagtailAdminModelForm):
    class Meta:
        model = UtilityPoint
        fields = ["level", "kind", "code", "x", "y", "capacity_kw"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _level_choices(self)

    def clean(self):
        # Said here on the field, before the model's check constraint says it less clearly.
        cleaned = super().clean()
        is_cabinet = cleaned.get("kind") == UtilityPoint.Kind.CABINET
        capacity = cleaned.get("capacity_kw")
        if is_cabinet and capacity is None:
            self.add_error(
                "capacity_kw", gettext("A distribution cabinet needs its capacity in kW.")
            )
        elif not is_cabinet and capacity is not None and "kind" in cleaned:
            self.add_error("capacity_kw", gettext("Only a distribution cabinet has a capacity."))
        return cleaned


class BusinessCategoryForm(WagtailAdminModelForm):
    class Meta:
        model = BusinessCategory
        fields = list(services.CATEGORY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = BusinessCategory.objects.filter(parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].help_text = _("Empty for a major class.")


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: station, level, code, geometry (WKT or GeoJSON, metres), kind, "
            "business_types (codes separated by “;”); optional: name, power_kw, has_exhaust, "
            "in_paid_area. One bad row refuses the whole file."
        ),
    )


class UnitStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Unit.Status.choices)
    reason = forms.CharField(required=False, max_length=500)


def refusal_messages(refusal) -> list[str]:
    """The words of a service's refusal (ValidationError or PermissionDenied)."""
    if isinstance(refusal, ValidationError):
        return [str(m) for m in refusal.messages]
    return [str(refusal) or gettext("You may not do this.")]


def submit_to_service(form, call):
    """``call()`` (which calls a service) in a transaction; its result, or None when the
    service refused — the refusal then stands on ``form``, on the field it names."""
    try:
        with transaction.atomic():
            return call()
    except ValidationError as refusal:
        apply_service_errors(form, refusal, geometry_field=None)
    except PermissionDenied as refusal:
        form.add_error(None, refusal_messages(refusal))
    return None
