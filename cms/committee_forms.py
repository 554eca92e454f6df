"""Forms of the committee, scoring, result and objection screens. They parse and present; the
views hand the values to tenders' services (committee, scoring, result), which decide and whose
refusals come back on the fields they name. None has a status, a time or an owner among its
fields: the member who scores is the signed-in user, never a form value.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenders.models import Objection, Seat


class AppointForm(forms.Form):
    """A member for the round's committee, chosen among the committee members."""

    # Any active user: the service says who may sit on a committee, on this field.
    user = forms.ModelChoiceField(
        label=_("Member"),
        queryset=get_user_model().objects.filter(is_active=True),
        error_messages={"required": _("Choose the member to appoint.")},
    )
    department = forms.ChoiceField(
        label=_("Department"),
        choices=[("", "---------"), *Seat.Department.choices],
        required=False,
        help_text=_("The department the member represents on the committee."),
    )
    is_chair = forms.BooleanField(
        label=_("Chair of the committee"),
        required=False,
        help_text=_("The chair signs the committee's report. A committee has one chair."),
    )

    def __init__(self, *args, widget=None, **kwargs):
        super().__init__(*args, **kwargs)
        if widget is not None:
            self.fields["user"].widget = widget


class ReasonForm(forms.Form):
    """A reason the service requires (it says so on this field when it is missing)."""

    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class DeclarationForm(forms.Form):
    CHOICES = [
        ("no", _("I have no conflict of interest with any bidder of this lot")),
        ("yes", _("I have a conflict of interest: I recuse myself from this lot")),
    ]

    conflict = forms.ChoiceField(
        label=_("Your declaration"),
        choices=CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you have a conflict of interest.")},
    )
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required with a conflict: who, and what ties you to them."),
    )

    @property
    def has_conflict(self) -> bool:
        return self.cleaned_data["conflict"] == "yes"


class ConflictForm(forms.Form):
    """A conflict found after declaring none: the member is recused from the lot."""

    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who, and what ties you to them."),
    )


def score_field_name(bid_id: int, criterion_id: int) -> str:
    return f"s-{bid_id}-{criterion_id}"


def justification_field_name(bid_id: int, criterion_id: int) -> str:
    return f"j-{bid_id}-{criterion_id}"


class ScoreGridForm(forms.Form):
    """One input per valid bid × subjective criterion (0 to the criterion's weight, to the
    cent) and an optional justification each; ``with_reason`` adds the correction's reason.

    The fields only parse what was typed; the scoring service checks the sheet as a whole.
    """

    def __init__(self, *args, bids, criteria, with_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.bids, self.criteria = list(bids), list(criteria)
        for bid in self.bids:
            for criterion in self.criteria:
                weight = criterion.weight
                self.fields[score_field_name(bid.pk, criterion.pk)] = forms.DecimalField(
                    label=gettext("%(criterion)s for bid %(receipt)s")
                    % {"criterion": criterion.name, "receipt": bid.bid.receipt_number},
                    min_value=Decimal("0"),
                    max_value=weight,
                    decimal_places=2,
                    max_digits=5,
                    error_messages={
                        "required": gettext("Give a score."),
                        "invalid": gettext("Give a number."),
                        "min_value": gettext("At least 0."),
                        "max_value": gettext("At most %(max)s.") % {"max": weight},
                        "max_decimal_places": gettext("To 2 decimal places at most."),
                        "max_digits": gettext("At most %(max)s.") % {"max": weight},
                        "max_whole_digits": gettext("At most %(max)s.") % {"max": weight},
                    },
                    # Text, not a number input: no spinner, no scroll-wheel changes, and
                    # the full-width digits of a Chinese IME are taken.
                    widget=forms.TextInput(
                        attrs={
                            "inputmode": "decimal",
                            "autocomplete": "off",
                            "class": "cms-score-input",
                            "data-cms-score": "",
                            "data-cms-max": str(weight),
                        }
                    ),
                )
                self.fields[justification_field_name(bid.pk, criterion.pk)] = forms.CharField(
                    label=gettext("Justification"),
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2, "class": "cms-justification"}),
                )
        if with_reason:
            self.fields["reason"] = forms.CharField(
                label=_("Why do you correct your scores?"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Required. Kept with the new version in the audit journal."),
            )

    def cells(self) -> list[dict]:
        """The grid by bid: each row's bid and its (criterion, score field, justification
        field) cells, in the order of the columns."""
        return [
            {
                "bid": bid,
                "cells": [
                    {
                        "criterion": criterion,
                        "score": self[score_field_name(bid.pk, criterion.pk)],
                        "justification": self[justification_field_name(bid.pk, criterion.pk)],
                        # The value as it will be stored, once the grid is valid.
                        "points": (getattr(self, "cleaned_data", None) or {}).get(
                            score_field_name(bid.pk, criterion.pk)
                        ),
                    }
                    for criterion in self.criteria
                ],
            }
            for bid in self.bids
        ]

    def error_count(self) -> int:
        return sum(1 for name in self.errors if name.startswith("s-"))

    def scores(self) -> dict:
        return {
            (bid.pk, criterion.pk): self.cleaned_data[score_field_name(bid.pk, criterion.pk)]
            for bid in self.bids
            for criterion in self.criteria
        }

    def justifications(self) -> dict:
        found = {}
        for bid in self.bids:
            for criterion in self.criteria:
                text = self.cleaned_data.get(justification_field_name(bid.pk, criterion.pk), "")
                if text.strip():
                    found[bid.pk, criterion.pk] = text
        return found


class JustifyForm(forms.Form):
    """The written justification a score far from the others' needs."""

    justification = forms.CharField(
        label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ObjectionProposeForm(forms.Form):
    """The officer's proposed decision on an objection; an inspector co-signs it."""

    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Uphold the objection")), ("no", _("Reject the objection"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Uphold or reject the objection.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome if upheld"),
        choices=Objection.Outcome.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Re-scoring withdraws the result and sends the round back to the committee; a "
            "failed lot is not awarded."
        ),
    )
    reason = forms.CharField(
        label=_("Reasons for the decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required. Shown to the inspector who co-signs, and journalled."),
    )
