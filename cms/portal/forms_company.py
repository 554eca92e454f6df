"""The portal's company forms: the particulars a merchant keeps itself, inviting a colleague,
and a demand. They parse; tenders.services and tenders.accounts decide and name the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.merchant_forms import StationCodesField, specific_business_type_choices
from cms.portal.forms_accounts import DateInput, ServiceErrorsMixin
from stations.models import Station
from tenders.models import Brand, Demand, Merchant
from tenders.services import MERCHANT_FIELDS, OFFICER_ONLY_FIELDS

#: What a merchant changes itself: not its credit code nor the railway's rating of it.
PROFILE_FIELDS = tuple(name for name in MERCHANT_FIELDS if name not in OFFICER_ONLY_FIELDS)


class CompanyForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Merchant
        fields = list(PROFILE_FIELDS)
        widgets = {"founded_on": DateInput}

    def _post_clean(self):
        # The service validates (merchant_update); nothing is saved by the form.
        pass

    def changes(self) -> dict:
        values = {name: self.cleaned_data[name] for name in PROFILE_FIELDS}
        for name in ("contact_name", "contact_phone"):
            values[name] = values[name] or ""
        return {
            name: value for name, value in values.items() if value != getattr(self.instance, name)
        }


class InviteForm(ServiceErrorsMixin, forms.Form):
    email = forms.CharField(
        label=_("Colleague's e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("We send them a link to create their account and join the company."),
    )


class DemandForm(ServiceErrorsMixin, forms.ModelForm):
    business_type = forms.ChoiceField(label=_("Business type"))
    stations = StationCodesField(
        label=_("Preferred stations"),
        required=False,
        help_text=_(
            "Station codes separated by “;” — e.g. CSS; YYE. Empty: any station of the "
            "preferred tiers, or any station at all."
        ),
    )
    tiers = forms.MultipleChoiceField(
        label=_("Preferred tiers"),
        required=False,
        choices=Station.Tier.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used when no station is named."),
    )

    FIELDS = [
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
    ]

    class Meta:
        model = Demand
        fields = [
            "brand",
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
        ]

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.FIELDS)
        self.fields["business_type"].choices = [
            ("", "---------"),
            *specific_business_type_choices(),
        ]
        brand = self.fields["brand"]
        brand.required = False
        brand.queryset = Brand.objects.filter(merchant=merchant)
        brand.label_from_instance = str
        self.fields["power_kw"].required = False
        self.fields["floor_sockets"].required = False
        if self.instance.pk:
            self.initial["business_type"] = self.instance.business_type.code
            self.initial["stations"] = [s.code for s in self.instance.stations.all()]
            self.initial["tiers"] = self.instance.tiers

    def _post_clean(self):
        pass

    def service_values(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in self.FIELDS}
        values["location_wish"] = values["location_wish"] or ""
        values["power_kw"] = values["power_kw"] if values["power_kw"] is not None else 0
        values["floor_sockets"] = values["floor_sockets"] or 0
        return values


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; kept with the withdrawal."),
    )
