"""The portal's tenancy forms: the design for "design submitted" and a month's turnover. They
parse; the leasing services judge, and their refusals come back on the fields they name."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.lease_forms import DocumentsField, MonthField
from leasing.fitout import DOCUMENT_TYPES


class DesignForm(forms.Form):
    done_on = forms.DateField(
        label=_("Submitted on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    documents = DocumentsField(
        label=_("Design documents"),
        # Formatted when shown: a lazy string formatted here would keep the import's language.
        help_text=lazy(
            lambda: (
                gettext("%(types)s, judged by their content; each kept with its SHA-256.")
                % {"types": ", ".join(DOCUMENT_TYPES)}
            ),
            str,
        )(),
    )

    def clean_documents(self):
        documents = self.cleaned_data["documents"]
        if not documents:
            raise forms.ValidationError(_("Attach the design."))
        return documents


class TurnoverForm(forms.Form):
    month = MonthField(label=_("Month"))
    # The amount's faults (missing, negative) are the service's to name.
    amount = forms.DecimalField(
        label=_("Turnover (CNY)"), max_digits=14, decimal_places=2, required=False
    )
