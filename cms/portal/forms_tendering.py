"""The portal's tendering forms: they parse what the merchant typed; the views hand it to the
tender services, whose refusals come back on the fields they name.

The offer and the grounds are taken as typed (not validated here) so that the merchant reads
the service's own words; only the shape of the input — a list of lots, files — is the form's.
"""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.columns import category_name
from cms.lease_forms import DocumentsField
from tenders.bids import DOCUMENT_KINDS as DOCUMENT_TYPES
from tenders.models import Lot

# Bid documents: at most this many per bid (each is also checked for size and type).
MAX_BID_DOCUMENTS = 10


def lot_label(lot: Lot) -> str:
    units = "、".join(unit.code for unit in sorted(lot.units.all(), key=lambda unit: unit.code))
    return " · ".join(
        str(part)
        for part in (
            _("Lot %(number)s") % {"number": lot.number},
            lot.title,
            lot.station.code,
            units,
            category_name(lot.business_type),
        )
        if part
    )


class LotsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return lot_label(obj)


class ApplicationForm(forms.Form):
    """The lots applied for; an empty choice reaches the service, which names the fault."""

    lots = LotsField(label=_("Lots"), queryset=Lot.objects.none(), required=False)

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lots"].queryset = lots


class BidForm(forms.Form):
    annual_rent = forms.CharField(
        label=_("Annual rent offered (CNY)"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_(
            "Sealed when you submit: nobody, officers included, can read it before the opening."
        ),
    )
    proposal = forms.CharField(
        label=_("Proposal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("How you will run the outlet: brand, concept, products, service."),
    )
    documents = DocumentsField(
        label=_("Documents"),
        # Formatted when shown: a lazy string formatted here would keep the import's language.
        help_text=lazy(
            lambda: (
                gettext("%(types)s, judged by their content; sealed with the bid.")
                % {"types": ", ".join(DOCUMENT_TYPES)}
            ),
            str,
        )(),
    )

    def clean_annual_rent(self):
        # "150,000.00" as people write it; the service judges the number.
        value = self.cleaned_data["annual_rent"]
        for separator in (",", "，", " ", "\u00a0"):
            value = value.replace(separator, "")
        return value

    def clean_documents(self):
        documents = self.cleaned_data["documents"]
        if len(documents) > MAX_BID_DOCUMENTS:
            raise forms.ValidationError(
                _("Attach at most %(count)s documents.") % {"count": MAX_BID_DOCUMENTS}
            )
        return documents


class ObjectionForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What in the result you object to, and why."),
    )
