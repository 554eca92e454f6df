"""Forms of the operation screens: they parse and present; the views hand the values to the
services of leasing.operation and stations.spread, which decide and whose refusals come back
on the fields they name. Amounts, scores and limits are taken as text so that the service's
own message says what is wrong with them. No form here is ever saved.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from cms.columns import category_name
from cms.large_choices import LargeChoicesForm
from cms.operation_policies import open_outlets_kept_by
from leasing.models import (
    Complaint,
    Inspection,
    Lease,
    MarketingEvent,
    Penalty,
    PriceCheck,
)
from leasing.operation import MAX_SERVICE_HOURS, ChecklistItem
from stations import selectors
from stations.models import BusinessCategory, Station

# How many recent inspections or complaints the penalty form offers as its source.
SOURCES_OFFERED = 200


def outlet_label(lease: Lease) -> str:
    return f"{lease.station.code} · {lease.code} · {lease.merchant.name}"


def station_label(station: Station) -> str:
    return f"{station.code} {station.name_zh} {station.name_en}"


class OutletChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return outlet_label(obj)


class OutletsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return outlet_label(obj)


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return station_label(obj)


def _amount(label, help_text=""):
    return forms.CharField(
        label=label,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "cms-op-number"}),
    )


def _outlets(user, model):
    return (
        open_outlets_kept_by(user, model)
        .select_related("station", "merchant")
        .order_by("station__code", "code")
    )


def _managed_stations(user):
    return selectors.stations_for(user, manage=True).order_by("code")


class UserForm(LargeChoicesForm, forms.Form):
    """A form that offers only what ``user`` may act on; an outlet or station is typed by its
    code when the user may pick from hundreds."""

    large_choices = {"lease": "code", "station": "code"}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


# --- inspections --------------------------------------------------------------------------


class InspectionForm(UserForm):
    lease = OutletChoiceField(label=_("Outlet"), queryset=Lease.objects.none())
    inspected_on = forms.DateField(label=_("Inspected on"), widget=AdminDateInput)
    # The checklist's faults (from the service) are shown on the checklist as a whole.
    checklist = forms.CharField(required=False, widget=forms.HiddenInput)
    score = _amount(_("Score (0–100)"))
    findings = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.CharField(
        label=_("Follow-up required"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the outlet must put right; needed when an item failed."),
    )
    follow_up_due = forms.DateField(
        label=_("Follow-up due"), required=False, widget=AdminDateInput
    )

    RESULT_CHOICES = [("passed", _("Passed")), ("failed", _("Not passed"))]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lease"].queryset = _outlets(self.user, Inspection)
        self.fields["inspected_on"].initial = timezone.localdate()
        for item in ChecklistItem:
            self.fields[f"{item.value}_result"] = forms.ChoiceField(
                label=item.label,
                choices=self.RESULT_CHOICES,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "cms-op-result"}),
            )
            self.fields[f"{item.value}_note"] = forms.CharField(
                label=_("Note on %(item)s") % {"item": item.label},
                required=False,
                max_length=500,
                widget=forms.TextInput(attrs={"placeholder": _("What was wrong, or a remark")}),
            )

    def checklist_rows(self):
        """(item label, result field, note field) for the template."""
        return [
            (item.label, self[f"{item.value}_result"], self[f"{item.value}_note"])
            for item in ChecklistItem
        ]

    def checklist_items(self) -> list[dict]:
        """The checklist as the service takes it; an item left unanswered goes as such, for
        the service to name it."""
        data = self.cleaned_data
        results = {"passed": True, "failed": False}
        return [
            {
                "item": item.value,
                "passed": results.get(data.get(f"{item.value}_result") or ""),
                "note": data.get(f"{item.value}_note", ""),
            }
            for item in ChecklistItem
        ]


class FollowUpDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=AdminDateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()


# --- complaints ---------------------------------------------------------------------------


class ComplaintForm(UserForm):
    station = StationChoiceField(label=_("Station"), queryset=Station.objects.none())
    lease = OutletChoiceField(
        label=_("Outlet"),
        queryset=Lease.objects.none(),
        required=False,
        empty_label=_("The station's commerce in general"),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    received_at = forms.DateTimeField(label=_("Received at"), widget=AdminDateTimeInput)
    description = forms.CharField(
        label=_("Complaint"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the passenger complains about, in their words where possible."),
        required=False,
    )
    service_hours = forms.IntegerField(
        label=_("To be answered within (hours)"),
        initial=24,
        min_value=1,
        max_value=MAX_SERVICE_HOURS,
        widget=forms.NumberInput(attrs={"class": "cms-op-number"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stations = _managed_stations(self.user)
        self.fields["station"].queryset = stations
        self.fields["lease"].queryset = _outlets(self.user, Complaint)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        only = list(stations[:2])
        if len(only) == 1:
            self.fields["station"].initial = only[0].pk


class ComplaintAnswerForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the complaint was resolved and what the passenger was told."),
    )


# --- the fine schedule and penalties ------------------------------------------------------


class ViolationTypeForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=32,
        help_text=_("Letters, digits and hyphens, e.g. hygiene. It never changes."),
    )
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100, required=False)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    fine = _amount(_("Fine (CNY)"), _("Penalties issued before a change keep their fine."))

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if existing is not None:
            self.fields["code"].disabled = True
            self.initial.update(
                code=existing.code,
                name_zh=existing.name_zh,
                name_en=existing.name_en,
                fine=existing.fine,
            )


class ViolationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.name_zh if not obj.name_en else f"{obj.name_zh} · {obj.name_en}"
        return f"{name} — {obj.fine:,.2f} CNY"


class SourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if isinstance(obj, Inspection):
            return f"{obj.inspected_on} · {obj.lease.code} · {obj.score}"
        when = timezone.localtime(obj.received_at).strftime("%Y-%m-%d %H:%M")
        about = obj.lease.code if obj.lease_id else obj.station.code
        return f"{when} · {about} · {obj.get_category_display()}"


class PenaltyForm(UserForm):
    lease = OutletChoiceField(label=_("Outlet"), queryset=Lease.objects.none())
    violation = ViolationChoiceField(
        label=_("Violation"),
        queryset=None,
        help_text=_("The fine is the schedule's for this violation today."),
    )
    inspection = SourceChoiceField(
        label=_("From the inspection"),
        queryset=Inspection.objects.none(),
        required=False,
        empty_label=_("—"),
    )
    complaint = SourceChoiceField(
        label=_("Or from the complaint"),
        queryset=Complaint.objects.none(),
        required=False,
        empty_label=_("—"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        from leasing.models import ViolationType

        super().__init__(*args, **kwargs)
        self.fields["lease"].queryset = _outlets(self.user, Penalty)
        self.fields["violation"].queryset = ViolationType.objects.order_by("code")
        stations = _managed_stations(self.user).values("pk")
        self.fields["inspection"].queryset = (
            Inspection.objects.filter(
                pk__in=Inspection.objects.filter(lease__station__in=stations)
                .order_by("-inspected_on", "-pk")
                .values("pk")[:SOURCES_OFFERED]
            )
            .select_related("lease")
            .order_by("-inspected_on", "-pk")
        )
        self.fields["complaint"].queryset = (
            Complaint.objects.filter(
                pk__in=Complaint.objects.filter(station__in=stations)
                .order_by("-received_at", "-pk")
                .values("pk")[:SOURCES_OFFERED]
            )
            .select_related("station", "lease")
            .order_by("-received_at", "-pk")
        )


# --- same price ---------------------------------------------------------------------------


class PriceCheckForm(UserForm):
    lease = OutletChoiceField(label=_("Outlet"), queryset=Lease.objects.none())
    checked_on = forms.DateField(label=_("Checked on"), widget=AdminDateInput)
    item = forms.CharField(
        label=_("Item"),
        max_length=120,
        required=False,
        help_text=_("The chain's item as sold in the street too, e.g. 巨无霸套餐 (Big Mac meal)."),
    )
    station_price = _amount(_("Station price (CNY)"))
    street_price = _amount(_("Street price (CNY)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lease"].queryset = _outlets(self.user, PriceCheck)
        self.fields["checked_on"].initial = timezone.localdate()


# --- marketing events ---------------------------------------------------------------------


class MarketingEventForm(UserForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    station = StationChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        empty_label=_("The whole network"),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=AdminDateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=AdminDateInput)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        field.queryset = _managed_stations(self.user)
        if selectors.managed_station_ids(self.user) is None:
            field.help_text = _("Empty: a campaign of the whole network.")
        else:
            # Only an officer of the whole network runs a network campaign.
            field.required = True
            field.empty_label = None


class EventOutletsForm(forms.Form):
    outlets = OutletsChoiceField(
        label=_("Outlets taking part"),
        queryset=Lease.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "cms-op-outlets"}),
    )

    def __init__(self, *args, outlets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlets"].queryset = outlets


def event_candidates(user, event: MarketingEvent, station: Station | None):
    """The open outlets ``user`` may enter in ``event`` (of its station; of ``station`` for a
    network event), not taking part yet."""
    outlets = _outlets(user, MarketingEvent).exclude(marketing_events=event)
    where = event.station or station
    return outlets.filter(station=where) if where is not None else outlets.none()


# --- spread limits ------------------------------------------------------------------------


class BusinessTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = category_name(obj)
        return name if obj.parent_id else _("%(name)s (the whole class)") % {"name": name}


class SpreadLimitForm(UserForm):
    station = StationChoiceField(label=_("Station"), queryset=Station.objects.none())
    business_type = BusinessTypeChoiceField(
        label=_("Business type"),
        queryset=BusinessCategory.objects.none(),
        help_text=_("A type, or a major class to count all its types together."),
    )
    max_per_level = forms.CharField(
        label=_("Most per level"),
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "cms-op-number"}),
        help_text=_("Empty: no limit per level."),
    )
    max_per_station = forms.CharField(
        label=_("Most in the station"),
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "cms-op-number"}),
        help_text=_("Empty: no limit for the station. Both empty removes the limit."),
    )

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = _managed_stations(self.user)
        self.fields["business_type"].queryset = BusinessCategory.objects.order_by(
            "parent_id", "code"
        )
        if existing is not None:
            self.fields["station"].disabled = True
            self.fields["business_type"].disabled = True
            self.initial.update(
                station=existing.station_id,
                business_type=existing.business_type_id,
                max_per_level=existing.max_per_level or "",
                max_per_station=existing.max_per_station or "",
            )
