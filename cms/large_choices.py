"""Choices that stay small at national size: a station, merchant, level or outlet is picked
from a list while there are a few hundred, and typed by its code above that.

A list of the national network's 6,000 stations or 8,000 merchants weighs hundreds of KB and
seconds of rendering on every page that offers it (the back office's filters and forms). Above
``LIMIT`` choices the field becomes a text box that takes the object's code (``to_field_name``:
Django's ModelChoiceField then looks the code up in the same queryset, so what the user may
not pick is refused as before). Deciding costs one bounded query (``LIMIT + 1`` rows at most).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet

LIMIT = 200
PLACEHOLDERS = {
    "code": gettext_lazy("Code"),
    "credit_code": gettext_lazy("Unified social credit code"),
}


def fit_large_choices(form, codes: dict[str, str | None]) -> None:
    """For each ``form`` field named in ``codes`` whose queryset holds more than LIMIT rows: a
    text box taking the value of the field ``codes[name]`` (None: the id) instead of a list."""
    for name, code_field in codes.items():
        field = form.fields.get(name)
        if field is None or not isinstance(field, forms.ModelChoiceField):
            continue
        if field.queryset.order_by()[: LIMIT + 1].count() <= LIMIT:
            continue
        field.to_field_name = code_field
        field.widget = forms.TextInput(
            attrs={
                "placeholder": PLACEHOLDERS.get(code_field or "", gettext_lazy("Number")),
                "autocomplete": "off",
                "size": 18,
            }
        )


class LargeChoiceFilterSet(WagtailFilterSet):
    """A filter set whose ``large_choices`` ({filter name: code field}) are fitted to size."""

    large_choices: dict[str, str | None] = {}

    @property
    def form(self):
        form = super().form
        if not getattr(self, "_fitted", False):
            self._fitted = True
            fit_large_choices(form, self.large_choices)
        return form


class LargeChoicesForm:
    """A form mixin: its ``large_choices`` ({field name: code field}) are fitted to size when
    the form is first rendered or validated (after the form's own __init__ has narrowed each
    field's queryset to what the user may pick)."""

    large_choices: dict[str, str | None] = {}

    def __getitem__(self, name):
        if not getattr(self, "_large_choices_fitted", False):
            self._large_choices_fitted = True
            fit_large_choices(self, self.large_choices)
        return super().__getitem__(name)
