"""Forms of the tender-round screens: they parse and present; the views hand the values to
tenders' services, which decide. No form here is ever saved, and none has a status, a receipt
time or an owner among its fields.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateTimeInput

from cms.columns import category_name
from stations.models import BusinessCategory, Station, Unit
from tenders import rounds
from tenders.models import Criterion, Lot, RoundDocument, TenderRound

SCHEDULE_HELP = _(
    "Beijing time. Every date lies ahead, in this order: publication, applications open, "
    "applications close, bid deadline, opening."
)

THRESHOLDS_HELP = _(
    "Checked automatically on every application; the merchant sees each failure in words. "
    "Leave a minimum at 0 (or empty) to set none."
)


def _label(field_name: str) -> str:
    return capfirst(TenderRound._meta.get_field(field_name).verbose_name)


class RoundFormBase(WagtailAdminModelForm):
    """The round's own fields; the service checks them (its messages land on the fields)."""

    #: (heading, field names, a line under the heading)
    fieldsets: list[tuple[str, tuple[str, ...], str]] = []

    def _post_clean(self):
        # No model validation here: the service validates the round and says what is wrong
        # with the schedule field by field, where the model's check constraint would only
        # name itself.
        pass

    def grouped_fields(self):
        """(heading, about, bound fields) for the template, in the order of ``fieldsets``."""
        return [
            (heading, about, [self[name] for name in names])
            for heading, names, about in self.fieldsets
        ]


class RoundCreateForm(RoundFormBase):
    fieldsets = [
        (_("The round"), ("code", "title"), ""),
        (_("Schedule"), rounds.SCHEDULE_FIELDS, SCHEDULE_HELP),
        (_("Thresholds"), rounds.THRESHOLD_FIELDS, THRESHOLDS_HELP),
        (_("Committee and publicity"), rounds.OPTION_FIELDS, ""),
    ]

    class Meta:
        model = TenderRound
        fields = ["code", "title", *rounds.SCHEDULE_FIELDS, *rounds.OPTION_FIELDS]
        fields += list(rounds.THRESHOLD_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("The tender number, e.g. ZB-2026-0001.")


class RoundEditForm(RoundFormBase):
    fieldsets = [
        (_("The round"), ("title",), _("The schedule has its own page: Change the schedule.")),
        (_("Thresholds"), rounds.THRESHOLD_FIELDS, THRESHOLDS_HELP),
        (_("Committee and publicity"), rounds.OPTION_FIELDS, ""),
    ]

    class Meta:
        model = TenderRound
        fields = ["title", *rounds.OPTION_FIELDS, *rounds.THRESHOLD_FIELDS]


class ScheduleForm(forms.Form):
    """The five dates of the schedule. Only the dates moved (to the minute) go to the service."""

    def __init__(self, *args, round: TenderRound, **kwargs):
        self.round = round
        kwargs.setdefault(
            "initial", {name: getattr(round, name) for name in rounds.SCHEDULE_FIELDS}
        )
        super().__init__(*args, **kwargs)
        now = timezone.now()
        for name in rounds.SCHEDULE_FIELDS:
            passed = getattr(round, name) <= now
            self.fields[name] = forms.DateTimeField(
                label=_label(name),
                widget=AdminDateTimeInput(),
                help_text=gettext("Passed: it can no longer change.") if passed else "",
            )

    def moved_dates(self) -> dict:
        """The dates that differ from the round's, compared to the minute as they are shown."""

        def minute(value):
            return timezone.localtime(value).replace(second=0, microsecond=0)

        moved = {}
        for name in rounds.SCHEDULE_FIELDS:
            value = self.cleaned_data[name]
            if minute(value) != minute(getattr(self.round, name)):
                moved[name] = value
        return moved


class CancelForm(forms.Form):
    """The reason a status action needs (cancelling, failing a round)."""

    # Not required here: the service says why a reason is needed, on this field.
    reason = forms.CharField(
        label=_("Why is the round cancelled?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit journal and shown with the round."),
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label


def _station_label(station: Station) -> str:
    return f"{station.code} {station.name_zh} {station.name_en}"


def business_type_choices() -> list:
    """The specific business types, grouped under their major class (a lot is for one type)."""
    categories = list(BusinessCategory.objects.order_by("sort_order", "code"))
    groups = []
    for major in (c for c in categories if c.parent_id is None):
        options = [(c.code, category_name(c)) for c in categories if c.parent_id == major.pk]
        if options:
            groups.append((category_name(major), options))
    return [("", "---------"), *groups]


def unit_label(unit: Unit, in_lot: str | None = None) -> str:
    types = "、".join(category_name(c) for c in unit.business_types.all())
    parts = [unit.code, unit.level.name, f"{unit.area_m2} m²", unit.get_status_display()]
    if types:
        parts.append(types)
    if in_lot:
        parts.append(gettext("already in %(lot)s") % {"lot": in_lot})
    return " · ".join(parts)


def _units_in_other_lots(unit_ids: list[int], lot) -> dict[int, str]:
    """For the units offered, the live lot each already belongs to (a hint; the service
    refuses such a unit with its own message)."""
    links = (
        Lot.units.through.objects.filter(unit_id__in=unit_ids, lot__status=Lot.Status.OPEN)
        .exclude(lot__round__status__in=rounds.LIVE_EXCLUDED_STATUSES)
        .values_list("unit_id", "lot__round__code", "lot__number")
    )
    if lot is not None:
        links = links.exclude(lot=lot)
    return {
        unit_id: gettext("%(round)s · lot %(number)s") % {"round": code, "number": number}
        for unit_id, code, number in links
    }


class LotForm(forms.Form):
    """A lot: its number, title, the units of one station, the type, the term, the reserve.

    The units offered are the station's units available for letting (and those already in the
    lot); the service checks them all again.
    """

    number = forms.IntegerField(label=_("Lot number"), min_value=1)
    title = forms.CharField(label=_("Title"), max_length=200)
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.order_by("code"),
        help_text=_("The units of a lot are all in one station."),
    )
    units = forms.TypedMultipleChoiceField(
        label=_("Units"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "cms-lot-units"}),
    )
    business_type = forms.ChoiceField(label=_("Business type"))
    term_months = forms.IntegerField(label=_("Lease term (months)"), min_value=1)
    reserve_annual_rent = forms.DecimalField(
        label=_("Reserve annual rent (CNY)"),
        help_text=_("Seen only by officers with the right, until the round is awarded."),
    )

    def __init__(self, *args, station: Station | None, lot=None, show_reserve=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].label_from_instance = _station_label
        self.fields["business_type"].choices = business_type_choices()
        if not show_reserve:
            # An officer without the right neither sees nor changes the reserve.
            del self.fields["reserve_annual_rent"]
        self.station = station
        units = Unit.objects.none()
        if station is not None:
            offered = Q(status=Unit.Status.AVAILABLE)
            if lot is not None:
                offered |= Q(lots=lot)
            units = Unit.objects.filter(offered, station=station).distinct()
        self.unit_objects = list(
            units.select_related("level")
            .prefetch_related("business_types")
            .order_by("level__ordinal", "code")
        )
        taken = _units_in_other_lots([u.pk for u in self.unit_objects], lot)
        self.fields["units"].choices = [
            (u.pk, unit_label(u, taken.get(u.pk))) for u in self.unit_objects
        ]

    def clean_business_type(self):
        code = self.cleaned_data["business_type"]
        category = BusinessCategory.objects.filter(code=code).first()
        if category is None:
            raise forms.ValidationError(gettext("Choose a business type."))
        return category

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "number": data["number"],
            "title": data["title"],
            "units": data["units"],
            "business_type": data["business_type"],
            "term_months": data["term_months"],
        }
        if "reserve_annual_rent" in data:
            arguments["reserve_annual_rent"] = data["reserve_annual_rent"]
        return arguments


def tiers_text(tiers) -> str:
    return "\n".join(f"{threshold} {share}" for threshold, share in tiers or [])


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    # A blank first choice, so that a spare row left empty is not taken for a price criterion.
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "---------"), *Criterion.Kind.choices])
    weight = forms.DecimalField(label=_("Weight (points)"))
    tiers = forms.CharField(
        label=_("Tiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "cms-tiers"}),
        help_text=_(
            "Tiered kinds only: one tier a line, the threshold and the share of the weight it "
            "earns, e.g. “1000000 0.5”."
        ),
    )

    def clean_tiers(self):
        tiers = []
        lines = [line for line in self.cleaned_data["tiers"].splitlines() if line.strip()]
        for n, line in enumerate(lines, start=1):
            # "1,000,000 0.5" and "1000000 0.5" alike: thousands separators are dropped.
            parts = line.replace(",", "").replace("，", "").split()
            try:
                pair = [str(Decimal(part)) for part in parts]
            except InvalidOperation:
                pair = []
            if len(pair) != 2:
                raise forms.ValidationError(
                    gettext(
                        "Line %(n)d: write the threshold and the share of the weight, "
                        "separated by a space, e.g. “1000000 0.5”."
                    )
                    % {"n": n}
                )
            tiers.append(pair)
        return tiers


class BaseCriterionFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        # Every row may be left empty (and is then left out), the rows shown filled included.
        kwargs["empty_permitted"] = True
        kwargs["use_required_attribute"] = False
        return super()._construct_form(i, **kwargs)

    def criteria(self) -> list[dict]:
        """The criteria to set, in the order of the rows; empty and deleted rows left out."""
        result = []
        for form in self.forms:
            if not form.has_changed() or (self.can_delete and self._should_delete_form(form)):
                continue
            data = form.cleaned_data
            result.append(
                {
                    "name": data["name"],
                    "kind": data["kind"],
                    "weight": data["weight"],
                    "tiers": data["tiers"],
                }
            )
        return result


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=2, can_delete=True
)


def criteria_initial(round: TenderRound) -> list[dict]:
    return [
        {"name": c.name, "kind": c.kind, "weight": c.weight, "tiers": tiers_text(c.tiers)}
        for c in round.criteria.all()
    ]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=RoundDocument.Kind.choices)
    # Not required here: the service says so on this field.
    file = forms.FileField(label=_("File"), required=False)
    note = forms.CharField(
        label=_("What changed"),
        max_length=255,
        required=False,
        help_text=_("Required once the round is published: the amendment is public."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("admit", _("Admit")), ("refuse", _("Refuse"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the decision goes against the automatic checks."),
    )
