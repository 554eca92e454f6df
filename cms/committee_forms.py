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


def conflict_field_name(merchant_id: int) -> str:
    return f"conflict-{merchant_id}"


def statement_field_name(merchant_id: int) -> str:
    return f"statement-{merchant_id}"


class DeclarationForm(forms.Form):
    """The member's declaration towards every bidder of a round: for each, a "conflict of
    interest" box and the statement that goes with a ticked one.

    It only reads what was ticked and typed; ``conflicts()`` is what the service takes. A
    statement next to an unticked box is refused: the member meant one or the other.
    """

    def __init__(self, *args, bidders, **kwargs):
        super().__init__(*args, **kwargs)
        self.bidders = list(bidders)
        for merchant in self.bidders:
            self.fields[conflict_field_name(merchant.pk)] = forms.BooleanField(
                label=_("Conflict of interest"), required=False
            )
            self.fields[statement_field_name(merchant.pk)] = forms.CharField(
                label=gettext("Statement about %(merchant)s") % {"merchant": merchant.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "cms-declare__statement"}),
            )

    def clean(self):
        data = super().clean()
        for merchant in self.bidders:
            ticked = data.get(conflict_field_name(merchant.pk))
            statement = (data.get(statement_field_name(merchant.pk)) or "").strip()
            if ticked and not statement:
                self.add_error(
                    statement_field_name(merchant.pk),
                    gettext("Describe your conflict of interest with %(merchant)s.")
                    % {"merchant": merchant.name},
                )
            elif statement and not ticked:
                self.add_error(
                    statement_field_name(merchant.pk),
                    gettext(
                        "You wrote a statement about %(merchant)s: tick “conflict of interest” "
                        "or clear the statement."
                    )
                    % {"merchant": merchant.name},
                )
        return data

    def rows(self) -> list[dict]:
        """One row per bidder: the merchant, its box and its statement field."""
        return [
            {
                "merchant": merchant,
                "conflict": self[conflict_field_name(merchant.pk)],
                "statement": self[statement_field_name(merchant.pk)],
                "ticked": bool(
                    (getattr(self, "cleaned_data", None) or {}).get(
                        conflict_field_name(merchant.pk)
                    )
                ),
            }
            for merchant in self.bidders
        ]

    def conflicts(self) -> dict[int, str]:
        """{merchant id: statement} for every ticked bidder, as the service takes it."""
        return {
            merchant.pk: self.cleaned_data.get(statement_field_name(merchant.pk), "")
            for merchant in self.bidders
            if self.cleaned_data.get(conflict_field_name(merchant.pk))
        }


class ConflictForm(forms.Form):
    """A conflict found after declaring: one of the bidders declared free, and the statement.
    The member is recused from every lot that bidder bid for."""

    merchant = forms.ModelChoiceField(
        label=_("Bidder"),
        queryset=None,
        empty_label=_("Choose the bidder"),
        error_messages={
            "required": _("Choose the bidder you have a conflict with."),
            "invalid_choice": _("Choose one of the bidders you declared no conflict with."),
        },
    )
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who, and what ties you to them."),
    )

    def __init__(self, *args, merchants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = merchants


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
