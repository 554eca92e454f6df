"""The back-office forms for merchants, brands, credit records, members and demands.

They parse what was typed and nothing more: every rule (the credit code's check character,
unique codes and brand names, area ranges, who may set a rating) is the services' to check,
and a refusal comes back on the field the service names. No form is ever saved.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput

from cms.columns import category_name
from cms.large_choices import fit_large_choices
from cms.merchant_policies import acting_merchant_ids
from stations.models import BusinessCategory, Station
from tenders.models import Brand, CreditRecord, Demand, Merchant
from tenders.permissions import is_tender_officer
from tenders.services import MERCHANT_FIELDS, OFFICER_ONLY_FIELDS

STATION_SEPARATORS = re.compile(r"[\s;；,，、]+")


class ServiceModelForm(WagtailAdminModelForm):
    """A model form whose values go to a service.

    The model's own validation is not run here: the service runs it, with the rules only it
    knows, and names the field and the fault; running both would say some things twice and
    others (a violated constraint) less clearly.
    """

    def _post_clean(self):
        pass


def specific_business_type_choices() -> list:
    """The specific business types grouped under their major class (a class itself is not a
    business one can run, so it is not offered)."""
    categories = list(BusinessCategory.objects.only("pk", "code", "parent", "name_zh", "name_en"))
    groups = []
    for major in (c for c in categories if c.parent_id is None):
        options = [(c.code, category_name(c)) for c in categories if c.parent_id == major.pk]
        if options:
            groups.append((category_name(major), options))
    return groups


# --- merchants ----------------------------------------------------------------------------


class MerchantForm(ServiceModelForm):
    brands = forms.CharField(
        label=_("Brands"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Chinese names of the company's brands, one a line. More can be added later."),
    )

    class Meta:
        model = Merchant
        fields = list(MERCHANT_FIELDS)
        widgets = {"founded_on": AdminDateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["brands"]
        if not is_tender_officer(self.for_user):
            # Only a tender officer may change what identifies the company or rates it.
            for name in OFFICER_ONLY_FIELDS:
                if self.instance.pk or name == "customer_rating":
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Only a tender officer may change this.")

    def service_values(self) -> dict:
        """The values for merchant_register / merchant_update: disabled fields are left out."""
        values = {
            name: self.cleaned_data[name]
            for name in MERCHANT_FIELDS
            if name in self.fields and not self.fields[name].disabled
        }
        for name in ("contact_name", "contact_phone"):
            if name in values:
                values[name] = values[name] or ""
        return values

    def brand_names(self) -> list[str]:
        text = self.cleaned_data.get("brands") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class BrandForm(forms.Form):
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    business_types = forms.MultipleChoiceField(
        label=_("Business types"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "cms-business-types"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_types"].choices = specific_business_type_choices()


class CreditRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CreditRecord.Kind.choices)
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("Who recorded it: e.g. 信用中国, the court, the railway group's inspection."),
    )
    recorded_on = forms.DateField(label=_("Recorded on"), widget=AdminDateInput)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=AdminDateInput,
        help_text=_("Empty: in force with no end. A blacklist entry bars tendering until then."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberForm(forms.Form):
    user = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("The user's sign-in name. They will see and act for this merchant only."),
    )

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(
                gettext("There is no user named “%(name)s”.") % {"name": username}
            )
        return user


# --- demands ------------------------------------------------------------------------------


class StationCodesField(forms.CharField):
    """Station codes typed as text ("CSS; YYE"): a select of every station would not do for a
    national network. Unknown codes are the service's to refuse."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return list(dict.fromkeys(c.upper() for c in STATION_SEPARATORS.split(text) if c))

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "; ".join(str(v) for v in value)
        return value


class DemandForm(ServiceModelForm):
    business_type = forms.ChoiceField(label=_("Business type"))
    stations = StationCodesField(
        label=_("Preferred stations"),
        required=False,
        help_text=_(
            "Station codes as in the station list, separated by “;” — e.g. CSS; YYE. Empty: "
            "any station of the preferred tiers, or any station at all."
        ),
    )
    tiers = forms.MultipleChoiceField(
        label=_("Preferred tiers"),
        required=False,
        choices=Station.Tier.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used when no station is named."),
    )

    class Meta:
        model = Demand
        fields = [
            "merchant",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        ids = acting_merchant_ids(user)
        merchants = Merchant.objects.all() if ids is None else Merchant.objects.filter(pk__in=ids)
        self.fields["merchant"].queryset = merchants.only("pk", "name")
        self.fields["business_type"].choices = [
            ("", "---------"),
            *specific_business_type_choices(),
        ]
        brand = self.fields["brand"]
        brand.required = False
        merchant_id = self._merchant_id()
        if self.instance.pk:
            self.fields["merchant"].disabled = True
            # Disabled, it still rendered a list of every merchant (8,000 at national size):
            # it offers the demand's own, which is all it may hold.
            self.fields["merchant"].queryset = merchants.filter(pk=self.instance.merchant_id)
            self.fields["merchant"].help_text = _("A demand stays with its merchant.")
            self.initial["business_type"] = self.instance.business_type.code
            self.initial["stations"] = [s.code for s in self.instance.stations.all()]
            self.initial["tiers"] = self.instance.tiers
        brands = Brand.objects.filter(merchant__in=merchants.values("pk")).select_related(
            "merchant"
        )
        if not self.instance.pk:
            fit_large_choices(self, {"merchant": "credit_code"})
            if self.fields["merchant"].to_field_name and not merchant_id:
                # The merchant is typed by its credit code: its brands once it is known, and
                # no list of every brand of the network meanwhile.
                typed = self.data.get(self.add_prefix("merchant")) if self.is_bound else None
                merchant_id = (
                    merchants.filter(credit_code=typed).values_list("pk", flat=True).first()
                    if typed
                    else None
                )
                if merchant_id is None:
                    brands = brands.none()
        if merchant_id:
            brand.queryset = brands.filter(merchant_id=merchant_id)
            brand.label_from_instance = str
        else:
            brand.queryset = brands.order_by("merchant__name", "name_zh")
            brand.label_from_instance = lambda b: f"{b.merchant.name} · {b}"
            brand.help_text = _("Brands of the merchant chosen above.")

    def _merchant_id(self) -> str | int | None:
        if self.instance.pk:
            return self.instance.merchant_id
        value = self.data.get(self.add_prefix("merchant")) if self.is_bound else None
        value = value or self.initial.get("merchant")
        if isinstance(value, Merchant):
            return value.pk
        return value if value and str(value).isdigit() else None

    def service_values(self) -> dict:
        """The demand's fields for demand_create / demand_update (not the merchant)."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields if name != "merchant"}
        values["location_wish"] = values["location_wish"] or ""
        # Left empty, these mean "none needed", as in the import.
        values["power_kw"] = values["power_kw"] if values["power_kw"] is not None else 0
        values["floor_sockets"] = values["floor_sockets"] or 0
        return values


class DemandWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit journal with the withdrawal."),
    )


class DemandImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "One demand a row, with the columns listed below (the export writes them, so an "
            "exported workbook imports back). One bad row refuses the whole file."
        ),
    )
