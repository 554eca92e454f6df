"""The lease screens' forms: they parse and present; the views hand the values to the
leasing services, whose refusals come back on the fields they name.

No form here is saved: status, the deposit, the dates a lease is signed, opened or ended,
and who did what are never fields. The rent terms take their labels, choices and bounds from
the Lease model, so that the form and the service speak of them alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from cms.large_choices import LargeChoicesForm
from cms.round_forms import business_type_choices, unit_label
from leasing.fitout import DOCUMENT_TYPES
from leasing.models import Lease, Milestone
from leasing.selectors import responsible_officer_candidates
from stations.models import BusinessCategory, Station, Unit
from tenders.models import Merchant

# The rent terms every new lease is given (the services' ``**terms``).
TERMS = (
    "rent_free_months",
    "escalation_pct",
    "turnover_rate_pct",
    "minimum_guarantee",
    "payment_frequency",
    "deposit_months",
    "street_price_commitment",
)
TERMS_HELP = {
    "rent_free_months": _("The fit-out period from the start; rent is due from its end."),
    "escalation_pct": _("Each lease year's rent is the previous year's plus this, to the cent."),
    "turnover_rate_pct": _(
        "Empty for none. With a rate, each lease year is settled at the greater of the "
        "turnover rent and the rent already scheduled."
    ),
    "minimum_guarantee": _(
        "Paid in advance instead of the fixed rent when it is higher. Empty for none."
    ),
    "deposit_months": _("The deposit is this many months of the first year's rent."),
}


def _model_field(name: str, **overrides) -> forms.Field:
    field = Lease._meta.get_field(name).formfield(**overrides)
    field.label = capfirst(field.label)
    if name in TERMS_HELP:
        field.help_text = TERMS_HELP[name]
    return field


def _date(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=AdminDateInput, **kwargs)


def _station_label(station: Station) -> str:
    return f"{station.code} {station.name_zh} {station.name_en}"


class TermsForm(forms.Form):
    """The rent terms of a new lease, as the services take them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TERMS:
            self.fields[name] = _model_field(name)
        self.fields["turnover_rate_pct"].required = False
        self.fields["minimum_guarantee"].required = False
        self.fields["street_price_commitment"].required = False

    def terms(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in TERMS}


def terms_initial(lease: Lease | None = None) -> dict:
    """A new lease's terms: those of ``lease`` (a renewal), or the usual ones."""
    if lease is not None:
        return {name: getattr(lease, name) for name in TERMS}
    return {
        "rent_free_months": 3,
        "escalation_pct": Decimal("3.00"),
        "payment_frequency": Lease.Frequency.QUARTERLY,
        "deposit_months": 3,
        "street_price_commitment": True,
    }


class AwardLeaseForm(TermsForm):
    """The terms of a lease from an award that the award does not fix: the winner, the units,
    the term and the fixed rent come from the award and its lot."""

    code = _model_field("code")
    start_date = _date(capfirst(Lease._meta.get_field("start_date").verbose_name))

    field_order = ["code", "start_date", *TERMS]


class DirectLeaseForm(LargeChoicesForm, TermsForm):
    """A lease without tender: the station is chosen first, then its units."""

    large_choices = {"merchant": "credit_code"}

    merchant = forms.ModelChoiceField(
        label=_("Tenant"), queryset=Merchant.objects.order_by("name"), empty_label="---------"
    )
    units = forms.TypedMultipleChoiceField(
        label=_("Units"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "cms-lot-units"}),
        help_text=_(
            "Units of one station, with their status now; a unit let for part of the period is "
            "refused with the lease that holds it."
        ),
    )
    business_type = forms.ChoiceField(
        label=_("Business type"),
        required=False,
        help_text=_(
            "Counted by the station's spread limits. Empty: the one type the units are "
            "designated for."
        ),
    )
    code = _model_field("code")
    start_date = _date(capfirst(Lease._meta.get_field("start_date").verbose_name))
    end_date = _date(capfirst(Lease._meta.get_field("end_date").verbose_name))
    annual_rent = _model_field("annual_rent")
    direct_reason = forms.CharField(
        label=_("Why without tender"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. transferred from the station's former operator. Kept with the lease."),
    )

    field_order = [
        "merchant",
        "units",
        "business_type",
        "code",
        "start_date",
        "end_date",
        "annual_rent",
        "direct_reason",
        *TERMS,
    ]

    def __init__(self, *args, station: Station | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        self.fields["merchant"].label_from_instance = lambda m: m.name
        self.fields["business_type"].choices = business_type_choices()
        units = Unit.objects.none()
        if station is not None:
            # Every unit: one let now may be let again from the day its lease ends.
            units = Unit.objects.filter(station=station).exclude(status=Unit.Status.CLOSED)
        self.unit_objects = list(
            units.select_related("level")
            .prefetch_related("business_types")
            .order_by("level__ordinal", "code")
        )
        self.fields["units"].choices = [(u.pk, unit_label(u)) for u in self.unit_objects]

    def clean_business_type(self):
        code = self.cleaned_data.get("business_type")
        if not code:
            return None
        category = BusinessCategory.objects.filter(code=code).first()
        if category is None:
            raise forms.ValidationError(gettext("Choose a business type."))
        return category

    def clean_units(self):
        chosen = set(self.cleaned_data["units"])
        return [u for u in self.unit_objects if u.pk in chosen]


class RenewForm(TermsForm):
    """The next lease of the same tenant and units, from the day the old one ends."""

    code = _model_field("code")
    end_date = _date(capfirst(Lease._meta.get_field("end_date").verbose_name))
    annual_rent = _model_field("annual_rent")

    field_order = ["code", "end_date", "annual_rent", *TERMS]


# --- the status actions -------------------------------------------------------------------


class OpenForm(forms.Form):
    opened_on = _date(
        _("Opened to passengers on"),
        help_text=_("Within the lease; not before the milestones before the opening are done."),
    )


class TerminateForm(forms.Form):
    # Not required here: the service says what is missing, in its words.
    reason = forms.CharField(
        label=_("Why is the lease terminated?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    on = _date(
        _("Terminated on"),
        required=False,
        help_text=_(
            "Empty: today. The period is cut there; instalments not yet paid from then on are "
            "cancelled and the units are free from that day."
        ),
    )


# --- money --------------------------------------------------------------------------------


class PaymentForm(forms.Form):
    paid_on = _date(_("Paid on"))
    amount = forms.DecimalField(
        label=_("Amount paid (CNY)"), max_digits=14, decimal_places=2, min_value=0
    )


class MonthField(forms.DateField):
    """A month as YYYY-MM (the browser's month picker), taken as its first day."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class TurnoverForm(forms.Form):
    month = MonthField(label=_("Month"))
    amount = forms.DecimalField(
        label=_("Turnover (CNY)"), max_digits=14, decimal_places=2, min_value=0
    )


class SettleForm(forms.Form):
    year = forms.IntegerField(label=_("Lease year"), min_value=1, widget=forms.HiddenInput)


# --- fit-out and opening ------------------------------------------------------------------


class PlanForm(forms.Form):
    """The six due dates, prefilled with the default plan; each can be changed."""

    def __init__(self, *args, defaults: dict[str, dt.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.defaults = defaults
        for kind in Milestone.ORDER:
            self.fields[kind] = _date(
                Milestone.Kind(kind).label,
                initial=defaults[kind],
                help_text=_("Default: %(day)s") % {"day": defaults[kind].isoformat()},
            )

    def due(self) -> dict[str, dt.date]:
        """The dates that differ from the default plan (the rest is left to the service)."""
        return {
            kind: self.cleaned_data[kind]
            for kind in Milestone.ORDER
            if self.cleaned_data[kind] != self.defaults[kind]
        }


class RescheduleForm(forms.Form):
    due_on = _date(_("New due date"))
    reason = forms.CharField(
        label=_("Why is it moved?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit journal with the old and the new date."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Any number of files (none included); the service checks each one."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(DocumentsField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class MilestoneDoneForm(forms.Form):
    done_on = _date(_("Done on"))
    documents = DocumentsField(
        label=_("Documents"),
        # Formatted lazily: at import the language is not the page's yet.
        help_text=lazy(
            lambda: (
                gettext("%(types)s, judged by their content; each kept with its SHA-256.")
                % {"types": ", ".join(DOCUMENT_TYPES)}
            ),
            str,
        )(),
    )


class OfficerForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Responsible officer"),
        queryset=None,
        empty_label="---------",
        help_text=_("A leasing officer who manages the station's leases."),
    )

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        field.queryset = responsible_officer_candidates(station)
        field.label_from_instance = officer_label


def officer_label(user) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()
