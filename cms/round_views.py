"""The tender-round pages beyond the list and the create/edit forms: the round on one screen,
its schedule, the status actions, lots, criteria, documents, applications and the opening; the
committee, the result, objections and awards join the round's page from cms.committee_views and
cms.result_views.

Every page finds its round through tenders.round_selectors.get_round_for (a round the user
may not see answers 404, as a missing one does) and every change goes through a tender
service; a refusal comes back as the service's own message, on the field it names. Nothing
here reads a sealed bid: before the opening the pages show receipts and digests only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from cms import round_forms
from cms.columns import category_name
from cms.forms import apply_service_errors, refusal_messages, submit_to_service
from cms.lease_views import listed_or_none
from cms.round_policies import may_confirm_opening, runs_rounds, sees_internals
from stations.models import Station
from tenders import result as outcome
from tenders import rounds
from tenders.applications import DECIDING_STATUSES, application_decide
from tenders.models import (
    Application,
    Bid,
    Lot,
    OpeningConfirmation,
    RoundDocument,
    TenderRound,
)
from tenders.opening import (
    BEFORE_OPENING,
    CONFIRMATION_WINDOW,
    may_see_opening,
    opening_confirm,
    opening_record_for,
)
from tenders.round_selectors import get_round_for, lots_for, reserve_visible_to

Status = TenderRound.Status
ROUND_ICON = "doc-full-inverse"


def detail_url(round: TenderRound, anchor: str = "") -> str:
    url = reverse("tender-rounds:detail", args=(round.pk,))
    return f"{url}#{anchor}" if anchor else url


# --- the page frame -----------------------------------------------------------------------


class RoundPageMixin(WagtailAdminTemplateMixin):
    """A page about one round: the round comes from get_round_for (404 alike for missing and
    forbidden). ``internals_only`` pages (applications, receipts, the opening) answer 404 to
    anyone but officers and inspectors; ``officers_only`` pages refuse the others."""

    header_icon = ROUND_ICON
    internals_only = False
    officers_only = False

    def dispatch(self, request, *args, **kwargs):
        self.round = get_round_for(request.user, kwargs["pk"])
        if self.internals_only and not sees_internals(request.user):
            raise Http404(_("No such tender round."))
        if self.officers_only and not runs_rounds(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        items = [
            *self.breadcrumbs_items,
            {"url": reverse("tender-rounds:index"), "label": _("Tender rounds")},
        ]
        title = self.get_page_title()
        if title == self.round.code:
            return [*items, {"url": "", "label": self.round.code}]
        return [
            *items,
            {"url": detail_url(self.round), "label": self.round.code},
            {"url": "", "label": title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["round"] = self.round
        context["detail_url"] = detail_url(self.round)
        return context


# --- the round on one screen --------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    slug: str
    target: str
    label: str
    question: str
    explanation: str
    done: str
    service: object
    dangerous: bool = False
    #: When set, the confirmation asks for a reason (the service requires it) with this label.
    reason_label: str = ""
    #: When set, whether to offer the action now beyond what the transition table allows
    #: (``offered(round, now)``); the service still has the last word.
    offered: object = None


ACTIONS = {
    action.slug: action
    for action in (
        Action(
            "publish",
            Status.PUBLISHED,
            gettext_lazy("Publish"),
            gettext_lazy("Publish round %(code)s?"),
            gettext_lazy(
                "The notice, the lots and the documents become public at the publication "
                "time, %(publication)s. Lots and criteria can no longer change; a document "
                "changes only by an amendment that says what it changes."
            ),
            gettext_lazy("Round %(code)s is published."),
            rounds.round_publish,
        ),
        Action(
            "close-applications",
            Status.APPLICATIONS_CLOSED,
            gettext_lazy("Close applications"),
            gettext_lazy("Close the applications of round %(code)s?"),
            gettext_lazy(
                "No more applications are taken. The application window ends at "
                "%(applications_close)s; applications cannot be closed before."
            ),
            gettext_lazy("The applications of round %(code)s are closed."),
            rounds.round_close_applications,
        ),
        Action(
            "close-bidding",
            Status.BIDDING_CLOSED,
            gettext_lazy("Close bidding"),
            gettext_lazy("Close the bidding of round %(code)s?"),
            gettext_lazy(
                "No more bids are taken. The bid deadline is %(deadline)s; bidding cannot be "
                "closed before it. The bids stay sealed until a leasing officer and a "
                "discipline inspector confirm the opening."
            ),
            gettext_lazy("The bidding of round %(code)s is closed."),
            rounds.round_close_bidding,
        ),
        Action(
            "cancel",
            Status.CANCELLED,
            gettext_lazy("Cancel the round"),
            gettext_lazy("Cancel round %(code)s?"),
            gettext_lazy(
                "The round ends here and its lots' units are free again. This cannot be "
                "undone; the reason is kept in the audit journal."
            ),
            gettext_lazy("Round %(code)s is cancelled."),
            rounds.round_cancel,
            dangerous=True,
            reason_label=gettext_lazy("Why is the round cancelled?"),
        ),
        Action(
            "publish-result",
            Status.PUBLICITY,
            gettext_lazy("Publish the result"),
            gettext_lazy("Publish the result of round %(code)s?"),
            gettext_lazy(
                "The committee's signed result becomes public from now for the publicity period "
                "of %(publicity_days)s days. Until it ends, any bidder may object with grounds; "
                "the award comes after it."
            ),
            gettext_lazy("The result of round %(code)s is published."),
            outcome.result_publish,
        ),
        Action(
            "fail",
            Status.FAILED,
            gettext_lazy("Declare the round failed"),
            gettext_lazy("Declare round %(code)s failed?"),
            gettext_lazy(
                "The round ends without an award: its open lots fail and their units are free "
                "again. This cannot be undone; the reason is kept in the audit journal."
            ),
            gettext_lazy("Round %(code)s is declared failed."),
            outcome.round_fail,
            dangerous=True,
            reason_label=gettext_lazy("Why does the round fail?"),
        ),
        Action(
            "award",
            Status.AWARDED,
            gettext_lazy("Make the award"),
            gettext_lazy("Make the award of round %(code)s?"),
            gettext_lazy(
                "Each open lot goes to its first-ranked bid at the rent offered, in one step, "
                "and the lot's units become reserved for the winner; a lot without a ranked bid "
                "fails. The publicity period ended at %(publicity_ends)s. This cannot be undone."
            ),
            gettext_lazy("Round %(code)s is awarded."),
            outcome.round_award,
            offered=lambda round, now: award_offered(round, now),  # defined below
        ),
    )
}


def award_offered(round: TenderRound, now) -> bool:
    """After the publicity period, with no objection awaiting its decision."""
    return (
        round.publicity_ends_at is not None
        and now >= round.publicity_ends_at
        and not round.objections.filter(status__in=outcome.OPEN_OBJECTIONS).exists()
    )


def _schedule_words(round: TenderRound) -> dict:
    return {
        "code": round.code,
        "publication": rounds.when(round.publication_at),
        "applications_close": rounds.when(round.application_closes_at),
        "deadline": rounds.when(round.bid_deadline),
        "publicity_days": round.publicity_days,
        "publicity_ends": rounds.when(round.publicity_ends_at) if round.publicity_ends_at else "",
    }


def actions_for(user, round: TenderRound) -> list[dict]:
    """The status actions the round's transition table allows now, for an officer only."""
    if not runs_rounds(user):
        return []
    allowed = TenderRound.TRANSITIONS.get(Status(round.status), set())
    now = timezone.now()
    return [
        {
            "action": action,
            "url": reverse("tender-rounds:action", args=(round.pk, action.slug)),
        }
        for action in ACTIONS.values()
        if action.target in allowed and (action.offered is None or action.offered(round, now))
    ]


def opening_offered(user, round: TenderRound, now) -> bool:
    return (
        may_confirm_opening(user) and round.status in BEFORE_OPENING and now >= round.bid_deadline
    )


def money(amount: Decimal | None) -> str | None:
    """An amount in CNY as officers read it: 1,234,567.00 (None stays None)."""
    return None if amount is None else f"{amount:,.2f}"


def _parse_time(value: str | None):
    return dt.datetime.fromisoformat(value) if value else None


def opening_record_view(record: dict) -> dict:
    """The opening record with its times as datetimes and its offers as Decimals."""
    roles = dict(OpeningConfirmation.Role.choices)
    lots = []
    for lot in record.get("lots", []):
        bids = []
        for bid in lot.get("bids", []):
            rent = bid.get("annual_rent")
            bids.append(
                {
                    **bid,
                    "received_at": _parse_time(bid.get("received_at")),
                    "annual_rent": money(Decimal(rent)) if rent is not None else None,
                }
            )
        lots.append({"lot": lot.get("lot"), "title": lot.get("title"), "bids": bids})
    return {
        "opened_at": _parse_time(record.get("opened_at")),
        "confirmed_by": [
            {
                "user": c.get("user"),
                "role": roles.get(c.get("role"), c.get("role")),
                "confirmed_at": _parse_time(c.get("confirmed_at")),
            }
            for c in record.get("confirmed_by", [])
        ],
        "lots": lots,
    }


def opening_context(user, round: TenderRound, now) -> dict:
    """The confirmations with their 30-minute window, and the record once opened."""
    context = {
        "opening_offered": opening_offered(user, round, now),
        "opening_record": None,
        "opening_internals": sees_internals(user),
    }
    if context["opening_internals"]:
        confirmations = []
        for confirmation in round.opening_confirmations.select_related("user").order_by(
            "confirmed_at"
        ):
            expires_at = confirmation.confirmed_at + CONFIRMATION_WINDOW
            confirmations.append(
                {
                    "confirmation": confirmation,
                    "expires_at": expires_at,
                    "standing": expires_at > now,
                }
            )
        context["confirmations"] = confirmations
        standing = [c for c in confirmations if c["standing"]]
        mine = next((c for c in standing if c["confirmation"].user_id == user.pk), None)
        context["my_confirmation"] = mine
        if mine is not None:
            # The service would refuse a second confirmation by the same person.
            context["opening_offered"] = False
        if len(standing) == 1:
            waiting = WAITING_FOR[standing[0]["confirmation"].role]
            context["waiting_for"] = waiting % {"until": rounds.when(standing[0]["expires_at"])}
        context["window_minutes"] = int(CONFIRMATION_WINDOW.total_seconds() // 60)
        context["awaiting_opening"] = round.status in BEFORE_OPENING
        context["deadline_passed"] = now >= round.bid_deadline
    if hasattr(round, "opening") and may_see_opening(user, round):
        context["opening_record"] = opening_record_view(opening_record_for(user, round))
    return context


def _threshold_rows(round: TenderRound) -> list[dict]:
    rows = []
    for name in rounds.THRESHOLD_FIELDS:
        value = getattr(round, name)
        field = TenderRound._meta.get_field(name)
        if isinstance(value, bool):
            shown = _("yes") if value else _("no")
        elif value is None:
            shown = _("no minimum")
        elif name == "min_registered_capital":
            shown = _("%(amount)s CNY") % {"amount": money(value)}
        else:
            shown = value
        rows.append({"label": capfirst(field.verbose_name), "value": shown, "on": bool(value)})
    for name in rounds.OPTION_FIELDS:
        rows.append(
            {
                "label": capfirst(TenderRound._meta.get_field(name).verbose_name),
                "value": getattr(round, name),
                "on": True,
            }
        )
    return rows


def _schedule_rows(round: TenderRound, now) -> list[dict]:
    names = [*rounds.SCHEDULE_FIELDS]
    if round.publicity_ends_at:
        names.append("publicity_ends_at")
    return [
        {
            "name": name,
            "label": capfirst(TenderRound._meta.get_field(name).verbose_name),
            "value": getattr(round, name),
            "passed": getattr(round, name) <= now,
        }
        for name in names
    ]


def _lot_rows(user, round: TenderRound) -> list[dict]:
    rows = []
    for lot in lots_for(user, round):
        units = sorted(lot.units.all(), key=lambda u: u.code)
        rows.append(
            {
                "lot": lot,
                "units": units,
                "area_m2": sum((u.area_m2 for u in units), Decimal("0.00")),
                "business_type": category_name(lot.business_type),
                # None where the reserve is hidden from the user
                "reserve": money(lot.reserve_annual_rent),
                "edit_url": reverse("tender-rounds:lot_edit", args=(round.pk, lot.pk)),
                "delete_url": reverse("tender-rounds:lot_delete", args=(round.pk, lot.pk)),
            }
        )
    return rows


def applications_of(round: TenderRound) -> list[Application]:
    return list(
        round.applications.select_related("merchant", "decided_by")
        .prefetch_related(Prefetch("lots", queryset=Lot.objects.only("pk", "number")))
        .order_by("submitted_at", "pk")
    )


def bids_of(round: TenderRound) -> list[Bid]:
    """The receipts of every bid row, never its sealed content."""
    return list(
        Bid.objects.filter(round=round)
        .select_related("lot", "merchant")
        .only(
            "receipt_number",
            "received_at",
            "digest",
            "status",
            "version",
            "withdrawn_at",
            "lot",
            "lot__number",
            "lot__title",
            "merchant",
            "merchant__name",
        )
        .order_by("received_at", "pk")
    )


class RoundDetailView(RoundPageMixin, TemplateView):
    """Everything about a round on one screen, as the user may see it."""

    template_name = "cms/rounds/detail.html"

    def get_page_title(self):
        return self.round.code

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, round = self.request.user, self.round
        now = timezone.now()
        officer = runs_rounds(user)
        draft = round.status == Status.DRAFT
        criteria = list(round.criteria.all())
        kinds = list(RoundDocument.Kind.values)
        documents = sorted(
            round.documents.select_related("uploaded_by"),
            key=lambda d: (kinds.index(d.kind), -d.version),
        )
        lots = _lot_rows(user, round)
        context.update(
            now=now,
            officer=officer,
            internals=sees_internals(user),
            actions=actions_for(user, round),
            can_edit=officer and draft,
            can_change_lots=officer and draft,
            can_move_schedule=officer and round.status in rounds.SCHEDULE_OPEN_STATUSES,
            can_upload=officer and round.status in rounds.DOCUMENT_OPEN_STATUSES,
            schedule=_schedule_rows(round, now),
            thresholds=_threshold_rows(round),
            criteria=criteria,
            criteria_total=sum((c.weight for c in criteria), Decimal("0")),
            lots=lots,
            documents=[
                {
                    "document": d,
                    "url": reverse("tender-rounds:document", args=(round.pk, d.pk)),
                }
                for d in documents
            ],
            edit_url=reverse("tender-rounds:edit", args=(round.pk,)),
            schedule_url=reverse("tender-rounds:schedule", args=(round.pk,)),
            criteria_url=reverse("tender-rounds:criteria", args=(round.pk,)),
            lot_add_url=reverse("tender-rounds:lot_add", args=(round.pk,)),
            upload_url=reverse("tender-rounds:document_add", args=(round.pk,)),
            applications_url=reverse("tender-rounds:applications", args=(round.pk,)),
            opening_url=reverse("tender-rounds:opening", args=(round.pk,)),
        )
        if context["internals"]:
            applications = applications_of(round)
            bids = bids_of(round)
            context.update(
                applications=applications,
                pending=sum(a.status == Application.Status.PENDING for a in applications),
                bids=bids,
                active_bids=sum(b.status == Bid.Status.ACTIVE for b in bids),
            )
        context.update(opening_context(user, round, now))
        context.update(self.after_opening_context(user, round, now, officer))
        return context

    def after_opening_context(self, user, round: TenderRound, now, officer: bool) -> dict:
        """The committee, the result, objections and awards: each as the user may see it."""
        # Those modules build their pages on this one.
        from cms import committee_views, result_views

        context = committee_views.my_seat_context(user, round)
        context.update(result_views.result_context(round))
        context["awards"] = result_views.awards_context(round)
        if sees_internals(user):
            context.update(committee_views.committee_context(user, round))
            context["objections"] = result_views.objections_context(user, round)
        context["award_waits"] = (
            officer
            and round.status == Status.PUBLICITY
            and not award_offered(round, now)
            and {
                "until": round.publicity_ends_at,
                "objections": round.objections.filter(status__in=outcome.OPEN_OBJECTIONS).count(),
            }
        )
        return context


# --- schedule and status ------------------------------------------------------------------


class RoundFormPage(RoundPageMixin, TemplateView):
    """An officer's form page about a round; ``form_valid`` calls the service."""

    officers_only = True
    template_name = "cms/rounds/form_page.html"
    submit_label = gettext_lazy("Save")
    form_is_multipart = False
    intro = ""

    def get_form(self, data=None, files=None):  # pragma: no cover - each page has its form
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            response = submit_to_service(form, lambda: self.form_valid(form))
            if response is not None:
                return response
        messages.error(request, _("Nothing was saved: see the messages below."))
        return self.render_to_response(self.get_context_data(form=form), status=200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            submit_label=self.submit_label,
            form_is_multipart=self.form_is_multipart,
            intro=self.get_intro(),
        )
        return context

    def get_intro(self):
        return self.intro


class ScheduleView(RoundFormPage):
    page_title = gettext_lazy("Change the schedule")
    submit_label = gettext_lazy("Move the dates")
    intro = gettext_lazy(
        "Only dates still ahead can move, and only into the future; the order must hold. "
        "The audit journal keeps the old and the new value of every date that moves."
    )

    def get_form(self, data=None, files=None):
        return round_forms.ScheduleForm(data, round=self.round)

    def form_valid(self, form):
        moved = form.moved_dates()
        if not moved:
            django_messages.info(self.request, _("No date was moved."))
            return redirect(detail_url(self.round, "schedule"))
        rounds.round_change_schedule(actor=self.request.user, round=self.round, **moved)
        labels = ", ".join(str(form.fields[name].label) for name in moved)
        django_messages.success(
            self.request,
            _("The schedule of %(code)s is changed: %(dates)s.")
            % {"code": self.round.code, "dates": labels},
        )
        return redirect(detail_url(self.round, "schedule"))


class RoundActionView(RoundPageMixin, TemplateView):
    """A status action: GET asks for confirmation, POST calls the service."""

    officers_only = True
    template_name = "cms/rounds/action.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = ACTIONS.get(kwargs.get("action"))
        if self.action is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(self.action.label)

    def get_form(self, data=None):
        if self.action.reason_label:
            return round_forms.CancelForm(data, label=self.action.reason_label)
        return None

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        arguments = {"actor": request.user, "round": self.round}
        if form is not None:
            form.is_valid()
            arguments["reason"] = form.cleaned_data.get("reason", "")
        try:
            self.action.service(**arguments)
        except (ValidationError, PermissionDenied) as refusal:
            errors = refusal_messages(refusal)
            if form is not None and isinstance(refusal, ValidationError):
                apply_service_errors(form, refusal, geometry_field=None)
                errors = form.non_field_errors()
            messages.error(
                request, _("Round %(code)s was not changed.") % {"code": self.round.code}
            )
            context = self.get_context_data(form=form, errors=errors)
            return self.render_to_response(context)
        status = TenderRound.objects.values_list("status", flat=True).get(pk=self.round.pk)
        if status == self.action.target:
            done = str(self.action.done) % {"code": self.round.code}
        else:
            # The award fails a round none of whose lots could be awarded, say.
            done = _("Round %(code)s is now “%(status)s”.") % {
                "code": self.round.code,
                "status": Status(status).label,
            }
        django_messages.success(request, done)
        return redirect(detail_url(self.round))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        words = _schedule_words(self.round)
        context.update(
            action=self.action,
            question=str(self.action.question) % words,
            explanation=str(self.action.explanation) % words,
            allowed=self.action.target in TenderRound.TRANSITIONS.get(Status(self.round.status)),
        )
        return context


# --- lots ---------------------------------------------------------------------------------


class LotFormView(RoundFormPage):
    """Add a lot, or edit one, on a draft round: first the station, then its units."""

    template_name = "cms/rounds/lot_form.html"

    @cached_property
    def lot(self) -> Lot | None:
        lot_pk = self.kwargs.get("lot_pk")
        if lot_pk is None:
            return None
        lot = (
            Lot.objects.select_related("station", "business_type")
            .filter(round=self.round, pk=lot_pk)
            .first()
        )
        if lot is None:
            raise Http404
        return lot

    @cached_property
    def show_reserve(self) -> bool:
        if self.lot is None:
            return True
        return reserve_visible_to(self.request.user, self.lot)

    def get_page_title(self):
        if self.lot is None:
            return _("Add a lot")
        return _("Lot %(number)s") % {"number": self.lot.number}

    @cached_property
    def submit_label(self):
        return _("Add the lot") if self.lot is None else _("Save the lot")

    def chosen_station(self, data=None) -> Station | None:
        value = str((data or {}).get("station") or self.request.GET.get("station") or "")
        if value.isdigit():
            return Station.objects.filter(pk=value).first()
        if value:  # typed by its code when there are too many stations for a list
            return Station.objects.filter(code=value).first()
        return self.lot.station if self.lot is not None else None

    def get_form(self, data=None, files=None):
        station = self.chosen_station(data)
        initial = {"station": station}
        if self.lot is not None:
            lot = self.lot
            initial.update(
                number=lot.number,
                title=lot.title,
                business_type=lot.business_type.code,
                term_months=lot.term_months,
                units=list(lot.units.values_list("pk", flat=True)),
            )
            if self.show_reserve:
                initial["reserve_annual_rent"] = lot.reserve_annual_rent
        else:
            initial["number"] = (
                max(self.round.lots.values_list("number", flat=True), default=0)
            ) + 1
        return round_forms.LotForm(
            data,
            initial=initial,
            station=station,
            lot=self.lot,
            show_reserve=self.show_reserve,
        )

    def form_valid(self, form):
        arguments = form.service_arguments()
        if self.lot is None:
            lot = rounds.lot_add(actor=self.request.user, round=self.round, **arguments)
            done = _("Lot %(number)s is added.")
        else:
            lot = rounds.lot_update(actor=self.request.user, lot=self.lot, **arguments)
            done = _("Lot %(number)s is saved.")
        django_messages.success(self.request, done % {"number": lot.number})
        return redirect(detail_url(self.round, "lots"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            station=form.station,
            stations=listed_or_none(
                Station.objects.order_by("code").only("pk", "code", "name_zh", "name_en")
            ),
        )
        return context


class LotDeleteView(RoundPageMixin, TemplateView):
    officers_only = True
    template_name = "cms/rounds/lot_delete.html"

    @cached_property
    def lot(self) -> Lot:
        lot = (
            Lot.objects.filter(round=self.round, pk=self.kwargs["lot_pk"])
            .select_related("station")
            .first()
        )
        if lot is None:
            raise Http404
        return lot

    def get_page_title(self):
        return _("Remove lot %(number)s") % {"number": self.lot.number}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lot"] = self.lot
        context["units"] = list(self.lot.units.order_by("code"))
        return context

    def post(self, request, *args, **kwargs):
        number = self.lot.number
        try:
            rounds.lot_remove(actor=request.user, lot=self.lot)
        except (ValidationError, PermissionDenied) as refusal:
            for message in refusal_messages(refusal):
                messages.error(request, message)
            return redirect(detail_url(self.round, "lots"))
        django_messages.success(request, _("Lot %(number)s is removed.") % {"number": number})
        return redirect(detail_url(self.round, "lots"))


# --- criteria -----------------------------------------------------------------------------


class CriteriaView(RoundPageMixin, TemplateView):
    """The round's criteria as one formset, set as a whole by criterion_set."""

    officers_only = True
    template_name = "cms/rounds/criteria.html"
    page_title = gettext_lazy("Criteria and weights")

    def get_formset(self, data=None):
        if data is not None:
            # Posted rows stand on their own: a row emptied is left out, like a spare one.
            return round_forms.CriterionFormSet(data, prefix="criteria")
        return round_forms.CriterionFormSet(
            initial=round_forms.criteria_initial(self.round), prefix="criteria"
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(formset=self.get_formset()))

    def post(self, request, *args, **kwargs):
        formset = self.get_formset(request.POST)
        service_errors: list[str] = []
        if formset.is_valid():
            try:
                rounds.criterion_set(
                    actor=request.user, round=self.round, criteria=formset.criteria()
                )
            except (ValidationError, PermissionDenied) as refusal:
                service_errors = refusal_messages(refusal)
            else:
                django_messages.success(
                    request,
                    _("The criteria of %(code)s are saved.") % {"code": self.round.code},
                )
                return redirect(detail_url(self.round, "criteria"))
        messages.error(request, _("Nothing was saved: see the messages below."))
        return self.render_to_response(
            self.get_context_data(formset=formset, service_errors=service_errors)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tiered_kinds"] = sorted(rounds.TIERED_KINDS)
        return context


# --- documents ----------------------------------------------------------------------------


class DocumentUploadView(RoundFormPage):
    page_title = gettext_lazy("Upload a document")
    submit_label = gettext_lazy("Upload")
    form_is_multipart = True

    def get_intro(self):
        if self.round.status == Status.DRAFT:
            return _(
                "Each upload is a new version of the document, kept with its SHA-256; earlier "
                "versions stay as they were."
            )
        return _(
            "The round is published: a new version is an amendment, and must say what it "
            "changes. Earlier versions stay as they were."
        )

    def get_form(self, data=None, files=None):
        initial = {"kind": self.request.GET.get("kind")} if self.request.GET.get("kind") else {}
        return round_forms.DocumentForm(data, files, initial=initial)

    def form_valid(self, form):
        data = form.cleaned_data
        document = rounds.document_publish(
            actor=self.request.user,
            round=self.round,
            kind=data["kind"],
            file=data["file"],
            note=data["note"],
        )
        django_messages.success(
            self.request,
            _("%(kind)s version %(version)s is uploaded (SHA-256 %(sha)s).")
            % {
                "kind": document.get_kind_display(),
                "version": document.version,
                "sha": document.sha256,
            },
        )
        return redirect(detail_url(self.round, "documents"))


class DocumentDownloadView(RoundPageMixin, View):
    """A round document, to those who may see the round (not through the public media URL)."""

    def get(self, request, *args, **kwargs):
        document = RoundDocument.objects.filter(round=self.round, pk=kwargs["document_pk"]).first()
        if document is None or not document.file:
            raise Http404
        extension = document.file.name.rsplit(".", 1)[-1] if "." in document.file.name else ""
        filename = f"{self.round.code}-{document.kind}-v{document.version}"
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=f"{filename}.{extension}" if extension else filename,
        )


# --- applications -------------------------------------------------------------------------

THRESHOLD_LABELS = {
    "registered_capital": gettext_lazy("Registered capital"),
    "years_in_business": gettext_lazy("Years in business"),
    "store_count": gettext_lazy("Stores operated"),
    "legal_form": gettext_lazy("Legal form"),
    "operation_mode": gettext_lazy("Operation mode"),
    "credit": gettext_lazy("Credit record"),
    "customer_rating": gettext_lazy("Customer rating"),
}


class ApplicationsView(RoundPageMixin, TemplateView):
    """The round's applications with each threshold check; an officer admits or refuses."""

    internals_only = True
    template_name = "cms/rounds/applications.html"
    page_title = gettext_lazy("Applications")

    def decisions_open(self) -> bool:
        return runs_rounds(self.request.user) and self.round.status in DECIDING_STATUSES

    def rows(self, bound: dict | None = None) -> list[dict]:
        bound = bound or {}
        rows = []
        allowed = Application.TRANSITIONS
        for application in applications_of(self.round):
            status = Application.Status(application.status)
            rows.append(
                {
                    "application": application,
                    "checks": [
                        {
                            **check,
                            "label": str(
                                THRESHOLD_LABELS.get(check["threshold"], check["threshold"])
                            ),
                        }
                        for check in application.checks
                    ],
                    "failed": sum(not check["passed"] for check in application.checks),
                    "may_admit": self.decisions_open()
                    and Application.Status.ADMITTED in allowed[status],
                    "may_refuse": self.decisions_open()
                    and Application.Status.REFUSED in allowed[status],
                    "form": bound.get(application.pk) or round_forms.DecisionForm(),
                }
            )
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = self.rows(kwargs.pop("bound", None))
        context["decisions_open"] = self.decisions_open()
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        application = (
            self.round.applications.select_related("merchant")
            .filter(pk=request.POST.get("application") or 0)
            .first()
            if str(request.POST.get("application", "")).isdigit()
            else None
        )
        if application is None:
            raise Http404
        form = round_forms.DecisionForm(request.POST)
        if form.is_valid():
            admit = form.cleaned_data["decision"] == "admit"
            try:
                application = application_decide(
                    actor=request.user,
                    application=application,
                    admit=admit,
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as refusal:
                if isinstance(refusal, ValidationError):
                    apply_service_errors(form, refusal, geometry_field=None)
                else:
                    form.add_error(None, refusal_messages(refusal))
            else:
                django_messages.success(
                    request,
                    _("The application of %(merchant)s is now “%(status)s”.")
                    % {
                        "merchant": application.merchant.name,
                        "status": application.get_status_display(),
                    },
                )
                return redirect(
                    reverse("tender-rounds:applications", args=(self.round.pk,))
                    + f"#application-{application.pk}"
                )
        messages.error(
            request,
            _("The application of %(merchant)s was not decided.")
            % {"merchant": application.merchant.name},
        )
        return self.render_to_response(self.get_context_data(bound={application.pk: form}))


# --- the opening --------------------------------------------------------------------------


class OpeningView(RoundPageMixin, TemplateView):
    """The two-person opening: who has confirmed and when, the 30-minute window, the button.

    A refusal is journalled by the service; here it is shown as a message.
    """

    internals_only = True
    template_name = "cms/rounds/opening.html"
    page_title = gettext_lazy("Opening of the bids")

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(now=now, may_confirm=may_confirm_opening(self.request.user))
        context.update(opening_context(self.request.user, self.round, now))
        return context

    def post(self, request, *args, **kwargs):
        try:
            confirmed = opening_confirm(actor=request.user, round=self.round)
        except (ValidationError, PermissionDenied) as refusal:
            for message in refusal_messages(refusal):
                messages.error(request, message)
            return redirect(reverse("tender-rounds:opening", args=(self.round.pk,)))
        if confirmed.opening is not None:
            django_messages.success(
                request, _("The bids of %(code)s are opened.") % {"code": self.round.code}
            )
            return redirect(detail_url(self.round, "opening"))
        confirmation = confirmed.confirmation
        needed = WAITING_FOR[confirmation.role] % {
            "until": rounds.when(confirmation.confirmed_at + CONFIRMATION_WINDOW)
        }
        django_messages.success(
            request,
            _("Your confirmation is recorded at %(when)s.")
            % {"when": rounds.when(confirmation.confirmed_at)}
            + " "
            + needed,
        )
        return redirect(reverse("tender-rounds:opening", args=(self.round.pk,)))


# The confirmation a recorded one still waits for, by the role of the one recorded.
WAITING_FOR = {
    OpeningConfirmation.Role.OFFICER: gettext_lazy(
        "The bids open when a discipline inspector confirms before %(until)s."
    ),
    OpeningConfirmation.Role.INSPECTOR: gettext_lazy(
        "The bids open when a leasing officer confirms before %(until)s."
    ),
}
