"""The evaluation committee in the admin.

Officers seat the committee from the round's page (appoint, hand the chair over, remove with a
reason) and follow there who has declared and each lot's recusals and sheets, without score
values before the chair's sign-off (inspectors also read the conflicts declared). A member
finds their seats under "My evaluations": once the bids are opened, one declaration of
interest towards every bidder of the round, seeing only the bidders' names; then, once every
member has declared and every lot has enough members, one scoring screen per lot, then — once
their own sheet is in — the others' scores, corrections and justifications. The chair signs
the report.

Every change goes through tenders.committee, tenders.scoring and tenders.result; refusals come
back as the services' own words. Pages about a seat answer 404 to anyone not seated, as a
missing round does. No page shows a lot's reserve price or, before the member's own sheet is
submitted, anything of another member's scores.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from cms import committee_forms
from cms.columns import category_name
from cms.forms import apply_service_errors
from cms.member_chooser import member_chooser_viewset, member_label
from cms.round_policies import cosigns_objections, runs_rounds, sits_on_committees
from cms.round_views import RoundFormPage, RoundPageMixin, detail_url, money, refusal_messages
from tenders import committee, scoring
from tenders.models import (
    Criterion,
    Declaration,
    Lot,
    Merchant,
    OpenedBid,
    Opening,
    Score,
    ScoreSheet,
    Seat,
    TenderRound,
)
from tenders.result import result_sign_off, sign_off_faults
from tenders.round_selectors import get_round_for

Status = TenderRound.Status
Kind = Criterion.Kind
EVALUATION_ICON = "form"


def evaluation_url(round: TenderRound, lot: Lot | None = None) -> str:
    if lot is None:
        return reverse("evaluations:index") + f"#round-{round.pk}"
    return reverse("evaluations:lot", args=(round.pk, lot.pk))


def declaration_url(round: TenderRound) -> str:
    return reverse("evaluations:declare", args=(round.pk,))


def sign_off_url(round: TenderRound) -> str:
    return reverse("tender-rounds:sign_off", args=(round.pk,))


def _names(seats) -> list[str]:
    return [seat.user.get_username() for seat in seats]


# --- the committee on the round's page ----------------------------------------------------


def committee_context(user, round: TenderRound) -> dict:
    """The seats with whether each member has declared (and, for inspectors, the conflicts
    declared with their statements) and, per lot, who has not declared, who is recused, who
    has submitted and who is awaited (names only: no score here), with the officer's
    committee actions."""
    officer = runs_rounds(user)
    seating_open = officer and round.status in committee.SEATING_STATUSES
    opened = Opening.objects.filter(round=round).exists()
    all_seats = list(round.seats.select_related("user", "appointed_by"))
    standing = committee.declaration_standing(all_seats) if opened else {}
    seats = []
    for seat in all_seats:
        mine = standing.get(seat.pk, {})
        seats.append(
            {
                "seat": seat,
                "member": member_label(seat.user),
                "declared": mine.get("declared", False),
                "declared_at": mine.get("declared_at"),
                "conflicts": mine.get("conflicts", []),
                "chair_url": reverse("tender-rounds:seat_chair", args=(round.pk, seat.pk))
                if seating_open and not seat.is_chair
                else None,
                "remove_url": reverse("tender-rounds:seat_remove", args=(round.pk, seat.pk))
                if seating_open
                else None,
            }
        )
    progress = []
    if seats and Opening.objects.filter(round=round).exists():
        entries = committee.committee_progress(round)
        scored = next((entry.lot for entry in entries if entry.submitted), None)
        # Who reads the members' scores is the same for every lot of the round for officers
        # and inspectors (the service's rule): asked once, of a lot with a sheet in.
        reads_scores = scored is not None and scoring.scores_visible_to(user, scored).exists()
        for entry in entries:
            progress.append(
                {
                    "lot": entry.lot,
                    "valid_bids": entry.valid_bids,
                    "undeclared": _names(entry.undeclared),
                    "recused": _names(entry.recused),
                    "scoring": _names(entry.scoring),
                    "submitted": _names(entry.submitted),
                    "waiting": _names(entry.waiting),
                    "short": entry.needs_scores and len(entry.scoring) < round.min_members_per_lot,
                    "scores_url": reverse(
                        "tender-rounds:lot_scores", args=(round.pk, entry.lot.pk)
                    )
                    if reads_scores and entry.submitted
                    else None,
                }
            )
    return {
        "seats": seats,
        "declarations_shown": opened,
        # The statements are the inspector's to read (discipline); officers see who declared.
        "conflicts_shown": cosigns_objections(user),
        "committee_progress": progress,
        "seating_open": seating_open,
        "appoint_url": reverse("tender-rounds:seat_appoint", args=(round.pk,)),
    }


def my_seat_context(user, round: TenderRound) -> dict:
    """For a member of the round's committee: their seat and where to evaluate."""
    seat = committee.seat_of(user, round)
    if seat is None:
        return {"my_seat": None}
    # The opening record (the offers) is shown to a member once they have declared.
    undeclared = Opening.objects.filter(round=round).exists() and not committee.has_declared(seat)
    return {
        "my_seat": seat,
        "my_undeclared": undeclared,
        "my_declaration_url": declaration_url(round)
        if undeclared and round.status == Status.OPENED
        else None,
        "my_evaluation_url": evaluation_url(round),
        "sign_off_url": sign_off_url(round) if seat.is_chair else None,
    }


class SeatPageMixin:
    @cached_property
    def seat(self) -> Seat:
        seat = (
            Seat.objects.select_related("user")
            .filter(round=self.round, pk=self.kwargs["seat_pk"])
            .first()
        )
        if seat is None:
            raise Http404
        return seat


class AppointView(RoundFormPage):
    page_title = gettext_lazy("Appoint a committee member")
    submit_label = gettext_lazy("Appoint")
    intro = gettext_lazy(
        "Members are chosen among the evaluation committee members, each for the department "
        "they represent. The committee can change until its chair signs the report."
    )

    def get_form(self, data=None, files=None):
        return committee_forms.AppointForm(data, widget=member_chooser_viewset.widget_class())

    def form_valid(self, form):
        data = form.cleaned_data
        seat = committee.seat_appoint(
            actor=self.request.user,
            round=self.round,
            user=data["user"],
            department=data["department"],
            is_chair=data["is_chair"],
        )
        django_messages.success(
            self.request,
            _("%(member)s sits on the committee for %(department)s.")
            % {"member": seat.user.get_username(), "department": seat.get_department_display()},
        )
        return redirect(detail_url(self.round, "committee"))


class SeatChairView(SeatPageMixin, RoundPageMixin, TemplateView):
    """Hand the chair over: a confirmation, then the service."""

    officers_only = True
    template_name = "cms/committee/seat_chair.html"

    def get_page_title(self):
        return _("Make %(member)s the chair") % {"member": self.seat.user.get_username()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["seat"] = self.seat
        context["chair"] = self.round.seats.filter(is_chair=True).select_related("user").first()
        return context

    def post(self, request, *args, **kwargs):
        try:
            seat = committee.seat_make_chair(actor=request.user, seat=self.seat)
        except (ValidationError, PermissionDenied) as refusal:
            for message in refusal_messages(refusal):
                messages.error(request, message)
            return self.render_to_response(self.get_context_data())
        django_messages.success(
            request,
            _("%(member)s now chairs the committee.") % {"member": seat.user.get_username()},
        )
        return redirect(detail_url(self.round, "committee"))


class SeatRemoveView(SeatPageMixin, RoundFormPage):
    submit_label = gettext_lazy("Remove from the committee")

    def get_page_title(self):
        return _("Remove %(member)s from the committee") % {
            "member": self.seat.user.get_username()
        }

    def get_intro(self):
        return _(
            "A member who has submitted scores stays on the committee: removing them would "
            "change the result. The reason is kept in the audit journal."
        )

    def get_form(self, data=None, files=None):
        return committee_forms.ReasonForm(
            data, label=_("Why does %(member)s leave?") % {"member": self.seat.user}
        )

    def form_valid(self, form):
        member = self.seat.user.get_username()
        committee.seat_remove(
            actor=self.request.user, seat=self.seat, reason=form.cleaned_data["reason"]
        )
        django_messages.success(
            self.request, _("%(member)s no longer sits on the committee.") % {"member": member}
        )
        return redirect(detail_url(self.round, "committee"))


# --- the chair's sign-off -----------------------------------------------------------------


def blind_lots(progress, seat: Seat) -> list:
    """The lots whose scores ``seat`` may not read (recused, or not yet submitted) though
    another member's sheet is in: anything quoting their scores stays hidden from them."""
    blind = []
    for entry in progress:
        mine = any(s.pk == seat.pk for s in entry.submitted)
        others = any(s.pk != seat.pk for s in entry.submitted)
        if others and not mine:
            blind.append(entry.lot)
    return blind


class SignOffView(RoundPageMixin, TemplateView):
    """The chair's page: what still stands in the way, then the signature (a confirmation)."""

    template_name = "cms/committee/sign_off.html"
    page_title = gettext_lazy("The committee's report")

    def dispatch(self, request, *args, **kwargs):
        self.round = get_round_for(request.user, kwargs["pk"])
        seat = committee.seat_of(request.user, self.round)
        if seat is None or not seat.is_chair:
            raise Http404
        self.seat = seat
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        signing = self.round.status == Status.OPENED
        context["signing"] = signing
        if signing:
            progress = committee.committee_progress(self.round)
            faults = kwargs.get("faults")
            if faults is None:
                faults = sign_off_faults(self.round)
            blind = blind_lots(progress, self.seat)
            context.update(
                faults=[] if blind else faults,
                fault_count=len(faults),
                blind=blind,
                progress=[
                    {
                        "lot": entry.lot,
                        "valid_bids": entry.valid_bids,
                        "undeclared": _names(entry.undeclared),
                        "recused": _names(entry.recused),
                        "submitted": _names(entry.submitted),
                        "waiting": _names(entry.waiting),
                    }
                    for entry in progress
                ],
            )
        context["result_url"] = detail_url(self.round, "result")
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        try:
            result = result_sign_off(actor=request.user, round=self.round)
        except ValidationError as refusal:
            messages.error(request, _("The report is not signed."))
            self.round.refresh_from_db()
            return self.render_to_response(self.get_context_data(faults=refusal.messages))
        except PermissionDenied as refusal:
            for message in refusal_messages(refusal):
                messages.error(request, message)
            return self.render_to_response(self.get_context_data())
        django_messages.success(
            request,
            _("The committee's report on %(code)s is signed (version %(version)s).")
            % {"code": self.round.code, "version": result.version},
        )
        return redirect(detail_url(self.round, "result"))


# --- the scores of a lot, for those who oversee them ---------------------------------------


def scores_table(scores, bids, criteria, *, me: Seat | None = None, flagged=None) -> dict:
    """The scores given, by bid and criterion (rows) and member (columns)."""
    flagged = flagged or {}
    seats = {}
    cells = {}
    for score in scores:
        seat = score.sheet.seat
        seats.setdefault(seat.pk, seat)
        cells[score.bid_id, score.criterion_id, seat.pk] = {
            "score": score,
            "outlier": flagged.get(score.pk),
        }
    columns = sorted(
        seats.values(),
        key=lambda s: (me is None or s.pk != me.pk, not s.is_chair, s.user.get_username()),
    )
    rows = []
    for bid in bids:
        for n, criterion in enumerate(criteria):
            rows.append(
                {
                    "bid": bid,
                    "first": n == 0,
                    "span": len(criteria),
                    "criterion": criterion,
                    "cells": [cells.get((bid.pk, criterion.pk, seat.pk)) for seat in columns],
                }
            )
    return {"columns": columns, "rows": rows, "me": me}


def valid_bids(lot: Lot) -> list[OpenedBid]:
    """The lot's valid opened bids in the order the committee reads them (as received)."""
    return list(
        OpenedBid.objects.filter(bid__lot=lot, is_valid=True)
        .select_related("bid__merchant")
        .order_by("bid__received_at", "pk")
    )


def subjective_criteria(round: TenderRound) -> list[Criterion]:
    return list(round.criteria.filter(kind=Kind.SUBJECTIVE))


class LotScoresView(RoundPageMixin, TemplateView):
    """A lot's scores member by member, as tenders.scoring.scores_visible_to lets the user
    read them (inspectors always; officers once the chair has signed)."""

    internals_only = True
    template_name = "cms/committee/lot_scores.html"

    @cached_property
    def lot(self) -> Lot:
        lot = self.round.lots.filter(pk=self.kwargs["lot_pk"]).first()
        if lot is None:
            raise Http404
        return lot

    def get_page_title(self):
        return _("Scores of lot %(number)s") % {"number": self.lot.number}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = list(
            scoring.scores_visible_to(self.request.user, self.lot).select_related(
                "sheet__seat__user"
            )
        )
        flagged = {}
        if visible:
            flagged = {o.score.pk: o for o in scoring.outliers(self.lot, unjustified_only=False)}
        context.update(
            lot=self.lot,
            table=scores_table(
                visible, valid_bids(self.lot), subjective_criteria(self.round), flagged=flagged
            ),
            visible=bool(visible),
        )
        return context


# --- "My evaluations": the member's seats and one page per lot ----------------------------


def evaluations_of(user, seats=None) -> list[dict]:
    """The member's seats (``seats``, a page of them, or all), newest round first, each with
    whether they have declared, what the round's scoring waits for, and their lots with where
    the member stands on each.

    A fixed number of queries for all the seats, the committees of the rounds being scored
    included (tenders.committee.committees_progress, for all of them at once): whether a round
    waits is tenders.scoring.scoring_faults's to say.
    """
    seats = list(committee.seats_for(user) if seats is None else seats)
    if not seats:
        return []
    round_ids = [seat.round_id for seat in seats]
    lots = list(
        Lot.objects.filter(round_id__in=round_ids)
        .select_related("station", "business_type")
        .only(
            "pk",
            "round_id",
            "number",
            "title",
            "station__code",
            "station__name_zh",
            "station__name_en",
            "business_type__name_zh",
            "business_type__name_en",
        )  # fmt: skip
        .order_by("round_id", "number")
    )
    sheets = {
        (s.seat_id, s.lot_id): s
        for s in ScoreSheet.objects.filter(seat__in=seats, is_current=True).only(
            "pk", "seat_id", "lot_id", "version", "submitted_at"
        )
    }
    valid = dict(
        OpenedBid.objects.filter(bid__round_id__in=round_ids, is_valid=True)
        .values_list("bid__lot_id")
        .annotate(n=Count("pk"))
        .values_list("bid__lot_id", "n")
    )
    opened = set(Opening.objects.filter(round_id__in=round_ids).values_list("round_id", flat=True))
    standing = committee.declaration_standing(seats)
    by_round: dict[int, list[Lot]] = {}
    for lot in lots:
        by_round.setdefault(lot.round_id, []).append(lot)

    def scoring_now(seat) -> bool:
        return seat.round_id in opened and seat.round.status == Status.OPENED

    progress = committee.committees_progress(
        [s.round for s in seats if scoring_now(s) and standing[s.pk]["declared"]]
    )
    result = []
    for seat in seats:
        round = seat.round
        mine = standing[seat.pk]
        faults = (
            scoring.scoring_faults(round, progress=progress[round.pk])
            if round.pk in progress
            else []
        )
        rows = []
        for lot in by_round.get(round.pk, []):
            sheet = sheets.get((seat.pk, lot.pk))
            state = lot_state(
                round,
                opened=round.pk in opened,
                declared=mine["declared"],
                recused=lot.pk in mine["recused"],
                waiting=bool(faults),
                sheet=sheet,
                valid_bids=valid.get(lot.pk, 0),
            )
            rows.append(
                {
                    "lot": lot,
                    "business_type": category_name(lot.business_type),
                    "state": state,
                    "label": STATE_LABELS[state],
                    "to_do": state == "score",
                    "sheet": sheet,
                    "valid_bids": valid.get(lot.pk, 0),
                    "url": reverse("evaluations:lot", args=(round.pk, lot.pk)),
                }
            )
        to_declare = scoring_now(seat) and not mine["declared"]
        result.append(
            {
                "seat": seat,
                "round": round,
                "lots": rows,
                "to_declare": to_declare,
                "declared_at": mine["declared_at"],
                "conflicts": mine["conflicts"],
                "faults": faults,
                "to_do": int(to_declare) + sum(row["to_do"] for row in rows),
                "round_url": detail_url(round),
                "declaration_url": declaration_url(round),
                "sign_off_url": sign_off_url(round)
                if seat.is_chair and round.status == Status.OPENED
                else None,
            }
        )
    return result


STATE_LABELS = {
    "sealed": gettext_lazy("Bids not opened yet"),
    "declare": gettext_lazy("Declare your interests first"),
    "waiting": gettext_lazy("Waiting for the committee"),
    "recused": gettext_lazy("Recused (conflict of interest)"),
    "nothing": gettext_lazy("No valid bid: nothing to score"),
    "score": gettext_lazy("To score"),
    "submitted": gettext_lazy("Submitted"),
    "closed": pgettext_lazy("evaluation of a lot", "Closed"),
}


def lot_state(
    round, *, opened: bool, declared: bool, recused: bool, waiting: bool, sheet, valid_bids: int
) -> str:
    """Where a member stands on a lot, for the pages to say and offer (the services decide):
    after the opening, the declaration towards every bidder, then — once every member has
    declared and every lot has enough members (``waiting`` until then) — the scores."""
    if not opened:
        return "sealed"
    if recused:
        return "recused"
    if sheet is not None:
        return "submitted"
    if round.status != Status.OPENED:
        return "closed"
    if not valid_bids:
        return "nothing"
    if not declared:
        return "declare"
    if waiting:
        return "waiting"
    return "score"


class EvaluationPageMixin(WagtailAdminTemplateMixin):
    """A page of the member's own evaluation: 404 for anyone not seated on the round."""

    header_icon = EVALUATION_ICON

    def dispatch(self, request, *args, **kwargs):
        if not sits_on_committees(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


EVALUATIONS_PER_PAGE = 20


class EvaluationIndexView(EvaluationPageMixin, TemplateView):
    template_name = "cms/committee/index.html"
    page_title = gettext_lazy("My evaluations")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        # A page of seats at a time: a member of a national pool sits on hundreds of rounds
        # over the years, and each round being scored costs its own queries.
        context = super().get_context_data(**kwargs)
        paginator = WagtailPaginator(committee.seats_for(self.request.user), EVALUATIONS_PER_PAGE)
        page = paginator.get_page(self.request.GET.get("p"))
        context["evaluations"] = evaluations_of(self.request.user, seats=page.object_list)
        context["page_obj"] = page
        context["elided_page_range"] = paginator.get_elided_page_range(page.number)
        return context


def lot_facts(lot: Lot) -> dict:
    """What the committee reads about a lot: never its reserve price."""
    units = sorted(lot.units.all(), key=lambda u: u.code)
    return {
        "number": lot.number,
        "title": lot.title,
        "station": lot.station,
        "units": units,
        "area_m2": sum((u.area_m2 for u in units), Decimal("0.00")),
        "business_type": category_name(lot.business_type),
        "term_months": lot.term_months,
    }


def grid_rows(grid, bid_rows: list[dict]) -> list[dict]:
    """The grid's rows, each with its bid's offer and computed points (same order: the
    bids as received)."""
    return [{**row, "info": info} for row, info in zip(grid.cells(), bid_rows, strict=True)]


def lot_numbers(lot_ids) -> str:
    return ", ".join(
        str(n)
        for n in Lot.objects.filter(pk__in=lot_ids)
        .order_by("number")
        .values_list("number", flat=True)
    )


def conflict_recorded(seat: Seat, merchant: Merchant) -> str:
    """The message after a conflict found later: the lots it recuses the member from."""
    return _(
        "Your conflict of interest with %(merchant)s is recorded. You are recused from lot(s) "
        "%(lots)s: your scores for them no longer count."
    ) % {"merchant": merchant.name, "lots": lot_numbers(committee.recused_lots(seat))}


class DeclarationView(EvaluationPageMixin, TemplateView):
    """The member's declaration of interest towards every bidder of a round, before seeing
    any bid: the bidders' names only, a box and a statement for each, a confirmation (it is
    final), then tenders.committee.declarations_submit. Once declared: what they declared,
    and the form for a conflict found later (declaration_add_conflict)."""

    template_name = "cms/committee/declare.html"

    def dispatch(self, request, *args, **kwargs):
        if not sits_on_committees(request.user):
            raise Http404
        self.round = get_round_for(request.user, kwargs["round_pk"])
        self.seat = committee.seat_of(request.user, self.round)
        if self.seat is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Declaration of interest")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("evaluations:index"), "label": _("My evaluations")},
            {"url": evaluation_url(self.round), "label": self.round.code},
            {"url": "", "label": self.get_page_title()},
        ]

    @cached_property
    def opened(self) -> bool:
        return Opening.objects.filter(round=self.round).exists()

    @cached_property
    def bidders(self) -> list[Merchant]:
        return committee.bidders_of(self.round) if self.opened else []

    @cached_property
    def declarations(self) -> list[Declaration]:
        return list(
            Declaration.objects.filter(seat=self.seat)
            .select_related("merchant")
            .order_by("merchant__name")
        )

    @cached_property
    def declared(self) -> bool:
        return self.opened and committee.has_declared(self.seat)

    @property
    def declaring_open(self) -> bool:
        return self.round.status == Status.OPENED

    @cached_property
    def state(self) -> str:
        if not self.opened:
            return "sealed"
        if self.declared:
            return "declared"
        if not self.declaring_open:
            return "closed"
        return "declare"

    def declaration_form(self, data=None) -> committee_forms.DeclarationForm:
        return committee_forms.DeclarationForm(data, bidders=self.bidders)

    def conflict_form(self, data=None) -> committee_forms.ConflictForm:
        free = Merchant.objects.filter(
            pk__in=[d.merchant_id for d in self.declarations if not d.has_conflict]
        ).order_by("name")
        return committee_forms.ConflictForm(data, merchants=free)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = kwargs.pop("state", None) or self.state
        context.update(
            round=self.round,
            seat=self.seat,
            state=state,
            bidders=self.bidders,
            index_url=evaluation_url(self.round),
            round_url=detail_url(self.round),
        )
        if state in ("declare", "confirm"):
            form = kwargs.get("form") or self.declaration_form()
            context.update(form=form, rows=form.rows())
            if state == "confirm":
                context["conflict_rows"] = [row for row in form.rows() if row["ticked"]]
        if state == "declared":
            recused = committee.recused_lots(self.seat)
            conflicts = [d for d in self.declarations if d.has_conflict]
            context.update(
                declarations=self.declarations,
                declared_at=min((d.declared_at for d in self.declarations), default=None),
                conflicts=conflicts,
                recused_lots=lot_numbers(recused) if recused else "",
                free_count=len(self.declarations) - len(conflicts),
                conflict_open=self.declaring_open and len(conflicts) < len(self.declarations),
            )
            if context["conflict_open"]:
                context["conflict_form"] = kwargs.get("conflict_form") or self.conflict_form()
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        handler = {
            "review": self.review,
            "edit": self.edit,
            "submit": self.submit,
            "conflict": self.add_conflict,
        }.get(request.POST.get("action", ""))
        if handler is None:
            return HttpResponseBadRequest()
        return handler(request)

    def _not_recorded(self, request, form):
        messages.error(request, _("Your declaration was not recorded."))
        return self.render_to_response(self.get_context_data(state="declare", form=form))

    def review(self, request):
        if self.state != "declare":
            return redirect(declaration_url(self.round))
        form = self.declaration_form(request.POST)
        if not form.is_valid():
            return self._not_recorded(request, form)
        return self.render_to_response(self.get_context_data(state="confirm", form=form))

    def edit(self, request):
        if self.state != "declare":
            return redirect(declaration_url(self.round))
        form = self.declaration_form(request.POST)
        form.is_valid()
        return self.render_to_response(self.get_context_data(state="declare", form=form))

    def submit(self, request):
        form = self.declaration_form(request.POST)
        if form.is_valid():
            try:
                committee.declarations_submit(
                    actor=request.user, round=self.round, conflicts=form.conflicts()
                )
            except (ValidationError, PermissionDenied) as refusal:
                if self.state != "declare":
                    # Declared already, or the round has moved on: say so over the page.
                    for message in refusal_messages(refusal):
                        messages.error(request, message)
                    return self.render_to_response(self.get_context_data())
                form.add_error(None, refusal_messages(refusal))
            else:
                recused = committee.recused_lots(self.seat)
                if recused:
                    done = _(
                        "Your declaration is recorded. You are recused from lot(s) %(lots)s."
                    ) % {"lots": lot_numbers(recused)}
                else:
                    done = _(
                        "Your declaration is recorded: no conflict of interest with any bidder."
                    )
                django_messages.success(request, done)
                return redirect(evaluation_url(self.round))
        if self.state != "declare":
            return redirect(declaration_url(self.round))
        return self._not_recorded(request, form)

    def add_conflict(self, request):
        if self.state != "declared" or not self.declaring_open:
            return redirect(declaration_url(self.round))
        form = self.conflict_form(request.POST)
        if form.is_valid():
            merchant = form.cleaned_data["merchant"]
            try:
                committee.declaration_add_conflict(
                    actor=request.user,
                    round=self.round,
                    merchant=merchant,
                    statement=form.cleaned_data["statement"],
                )
            except (ValidationError, PermissionDenied) as refusal:
                if isinstance(refusal, ValidationError):
                    apply_service_errors(form, refusal, geometry_field=None)
                else:
                    form.add_error(None, refusal_messages(refusal))
            else:
                django_messages.success(request, conflict_recorded(self.seat, merchant))
                return redirect(declaration_url(self.round))
        messages.error(request, _("Your declaration was not recorded."))
        return self.render_to_response(self.get_context_data(conflict_form=form))


class LotEvaluationView(EvaluationPageMixin, TemplateView):
    """One lot for one member: the declaration, then the scoring screen, then (once their
    sheet is in) everyone's scores with corrections and justifications."""

    template_name = "cms/committee/lot.html"
    # Two fields per valid bid and subjective criterion: a busy lot passes Django's 1,000
    # (cms.request_limits reads this form with the raised limit).
    max_form_fields = settings.RAISED_MAX_NUMBER_FIELDS

    def dispatch(self, request, *args, **kwargs):
        if not sits_on_committees(request.user):
            raise Http404
        self.round = get_round_for(request.user, kwargs["round_pk"])
        self.seat = committee.seat_of(request.user, self.round)
        if self.seat is None:
            raise Http404
        self.lot = (
            Lot.objects.filter(round=self.round, pk=kwargs["lot_pk"])
            .select_related("station", "business_type")
            .prefetch_related("units")
            .defer("reserve_annual_rent")
            .first()
        )
        if self.lot is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Lot %(number)s") % {"number": self.lot.number}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("evaluations:index"), "label": _("My evaluations")},
            {"url": evaluation_url(self.round), "label": self.round.code},
            {"url": "", "label": self.get_page_title()},
        ]

    # --- where the member stands --------------------------------------------------------

    @cached_property
    def opened(self) -> bool:
        return Opening.objects.filter(round=self.round).exists()

    @cached_property
    def declared(self) -> bool:
        return self.opened and committee.has_declared(self.seat)

    @cached_property
    def recused(self) -> bool:
        return self.opened and self.lot.pk in committee.recused_lots(self.seat)

    @cached_property
    def faults(self) -> list[str]:
        """What the round's scoring waits for (every member's declaration, enough members
        on every lot), once the member has declared: the service's words."""
        if not self.declared or self.round.status != Status.OPENED:
            return []
        return scoring.scoring_faults(self.round)

    @cached_property
    def conflicts(self) -> list[Declaration]:
        """The member's declared conflicts with bidders of this lot (why they are recused)."""
        return list(
            Declaration.objects.filter(
                seat=self.seat,
                has_conflict=True,
                merchant__bids__opened__opening__round=self.round,
                merchant__bids__lot=self.lot,
            )
            .select_related("merchant")
            .distinct()
        )

    def free_bidders(self):
        """The bidders of this lot the member declared no conflict with: those a conflict
        found later can name."""
        return (
            Merchant.objects.filter(
                pk__in=Declaration.objects.filter(seat=self.seat, has_conflict=False).values(
                    "merchant_id"
                ),
                bids__lot=self.lot,
                bids__opened__isnull=False,
            )
            .distinct()
            .order_by("name")
        )

    @cached_property
    def sheet(self) -> ScoreSheet | None:
        return ScoreSheet.objects.filter(seat=self.seat, lot=self.lot, is_current=True).first()

    @cached_property
    def bids(self) -> list[OpenedBid]:
        return valid_bids(self.lot)

    @cached_property
    def criteria(self) -> list[Criterion]:
        return list(self.round.criteria.all())

    @cached_property
    def subjective(self) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == Kind.SUBJECTIVE]

    @cached_property
    def state(self) -> str:
        return lot_state(
            self.round,
            opened=self.opened,
            declared=self.declared,
            recused=self.recused,
            waiting=bool(self.faults),
            sheet=self.sheet,
            valid_bids=len(self.bids),
        )

    @property
    def scoring_open(self) -> bool:
        return self.round.status == Status.OPENED

    def grid(self, data=None, *, correcting: bool = False) -> committee_forms.ScoreGridForm:
        initial = {}
        if correcting and data is None:
            for score in self.my_scores:
                initial[committee_forms.score_field_name(score.bid_id, score.criterion_id)] = (
                    score.points
                )
                initial[
                    committee_forms.justification_field_name(score.bid_id, score.criterion_id)
                ] = score.justification
        return committee_forms.ScoreGridForm(
            data,
            bids=self.bids,
            criteria=self.subjective,
            with_reason=correcting,
            initial=initial,
            prefix="c" if correcting else None,
        )

    @cached_property
    def my_scores(self) -> list[Score]:
        if self.sheet is None:
            return []
        return list(self.sheet.scores.all())

    # --- what the page shows --------------------------------------------------------------

    def objective_rows(self) -> dict[int, list[dict]]:
        """Each valid bid's objective points, computed from the data (price from the offers,
        tiers from the merchant's figures): {opened bid id: [{criterion, points, input}]}.

        Only the objective criteria leave this method: the ranking also holds the committee's
        mean of the subjective scores, which no member sees before the sign-off.
        """
        objective = [c for c in self.criteria if c.kind != Kind.SUBJECTIVE]
        if not objective or not self.bids:
            return {}
        standings = scoring.lot_standings(self.round).get(self.lot.pk, [])
        rows = {}
        for standing in standings:
            rows[standing.bid_id] = [
                {
                    "criterion": criterion,
                    "points": standing.points[criterion.pk],
                    "input": standing.inputs.get(criterion.pk),
                }
                for criterion in objective
            ]
        return rows

    def bid_rows(self) -> list[dict]:
        objective = self.objective_rows()
        return [
            {
                "bid": bid,
                "offer": money(bid.annual_rent),
                "objective": objective.get(bid.pk, []),
                "objective_total": sum(
                    (row["points"] for row in objective.get(bid.pk, [])), Decimal("0")
                ),
            }
            for bid in self.bids
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = kwargs.pop("state", None) or self.state
        context.update(
            round=self.round,
            seat=self.seat,
            lot=lot_facts(self.lot),
            state=state,
            state_label=STATE_LABELS.get(state, ""),
            conflicts=self.conflicts if state == "recused" else [],
            faults=self.faults if state == "waiting" else [],
            declaration_url=declaration_url(self.round),
            round_url=detail_url(self.round),
            index_url=evaluation_url(self.round),
            scoring_open=self.scoring_open,
            criteria=self.criteria,
            subjective=self.subjective,
            subjective_total=sum((c.weight for c in self.subjective), Decimal("0")),
            objective_total=sum(
                (c.weight for c in self.criteria if c.kind != Kind.SUBJECTIVE), Decimal("0")
            ),
        )
        if state in ("score", "review"):
            context["grid"] = grid = kwargs.get("grid") or self.grid()
            context["grid_rows"] = grid_rows(grid, self.bid_rows())
            context["readonly"] = state == "review"
            context["filled_template"] = _("%(filled)s of %(total)s scores given")
            context["invalid_bids"] = list(
                OpenedBid.objects.filter(bid__lot=self.lot, is_valid=False)
                .select_related("bid__merchant")
                .order_by("bid__received_at", "pk")
            )
            context["conflict_form"] = kwargs.get("conflict_form") or (
                committee_forms.ConflictForm(merchants=self.free_bidders())
            )
            context["service_errors"] = kwargs.get("service_errors", [])
        if state == "submitted":
            context.update(self.submitted_context(**kwargs))
        return context

    def submitted_context(self, **kwargs) -> dict:
        """The member's own sheet, the others' scores they may now read (outliers flagged),
        and the correction and justification forms while the scoring is open."""
        user = self.request.user
        visible = list(
            scoring.scores_visible_to(user, self.lot).select_related("sheet__seat__user")
        )
        readable = {score.pk for score in visible}
        flagged = {
            o.score.pk: o
            for o in scoring.outliers(self.lot, unjustified_only=False)
            if o.score.pk in readable
        }
        mine = [s for s in visible if s.sheet.seat_id == self.seat.pk]
        criteria = {c.pk: c for c in self.subjective}
        bids = {b.pk: b for b in self.bids}
        to_justify = []
        justify_forms = kwargs.get("justify_forms", {})
        for score in sorted(
            mine, key=lambda s: (bids[s.bid_id].bid.received_at, criteria[s.criterion_id].pk)
        ):
            outlier = flagged.get(score.pk)
            if outlier is None:
                continue
            key = (score.bid_id, score.criterion_id)
            to_justify.append(
                {
                    "score": score,
                    "bid": bids[score.bid_id],
                    "criterion": criteria[score.criterion_id],
                    "outlier": outlier,
                    "form": justify_forms.get(key)
                    or committee_forms.JustifyForm(prefix=f"j{score.pk}"),
                }
            )
        versions = list(
            ScoreSheet.objects.filter(seat=self.seat, lot=self.lot).order_by("-version")
        )
        correction = kwargs.get("correction") or self.grid(correcting=True)
        bid_rows = self.bid_rows()
        return {
            "sheet": self.sheet,
            "versions": versions,
            "bid_rows": bid_rows,
            "table": scores_table(
                visible, self.bids, self.subjective, me=self.seat, flagged=flagged
            ),
            "to_justify": to_justify,
            "unjustified": sum(not item["score"].justification for item in to_justify),
            "correction": correction,
            "correction_rows": grid_rows(correction, bid_rows),
            "correction_open": bool(kwargs.get("correction")),
        }

    # --- what the member does -------------------------------------------------------------

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        handler = {
            "conflict": self.declare_conflict,
            "review": self.review,
            "edit": self.edit,
            "submit": self.submit,
            "correct": self.correct,
            "justify": self.justify,
        }.get(request.POST.get("action", ""))
        if handler is None:
            return HttpResponseBadRequest()
        return handler(request)

    def _done(self, request, message: str):
        django_messages.success(request, message)
        return redirect(evaluation_url(self.round, self.lot))

    def _refused(self, form, refusal):
        if isinstance(refusal, ValidationError):
            apply_service_errors(form, refusal, geometry_field=None)
        else:
            form.add_error(None, refusal_messages(refusal))

    def _elsewhere(self, request, errors, fallback: str):
        """A refusal for a step the page does not offer now (posted by hand, or from a page
        left open): the service's words as messages, over the page as it stands — which
        shows nothing the member may not see."""
        for message in errors or [fallback]:
            messages.error(request, message)
        return self.render_to_response(self.get_context_data())

    def declare_conflict(self, request):
        if self.state != "score":
            return redirect(evaluation_url(self.round, self.lot))
        form = committee_forms.ConflictForm(request.POST, merchants=self.free_bidders())
        if form.is_valid():
            merchant = form.cleaned_data["merchant"]
            try:
                committee.declaration_add_conflict(
                    actor=request.user,
                    round=self.round,
                    merchant=merchant,
                    statement=form.cleaned_data["statement"],
                )
            except (ValidationError, PermissionDenied) as refusal:
                self._refused(form, refusal)
            else:
                return self._done(request, conflict_recorded(self.seat, merchant))
        messages.error(request, _("Your declaration was not recorded."))
        return self.render_to_response(self.get_context_data(conflict_form=form))

    def _grid_refused(self, request, grid, service_errors=()):
        if self.state != "score":
            return self._elsewhere(request, list(service_errors), _("Nothing was submitted."))
        count = grid.error_count() if not service_errors else len(service_errors)
        messages.error(
            request,
            _("Nothing was submitted: %(count)s score(s) need your attention.") % {"count": count},
        )
        return self.render_to_response(
            self.get_context_data(grid=grid, service_errors=list(service_errors))
        )

    def review(self, request):
        if self.state != "score":
            return redirect(evaluation_url(self.round, self.lot))
        grid = self.grid(request.POST)
        if not grid.is_valid():
            return self._grid_refused(request, grid)
        return self.render_to_response(self.get_context_data(state="review", grid=grid))

    def edit(self, request):
        if self.state != "score":
            return redirect(evaluation_url(self.round, self.lot))
        grid = self.grid(request.POST)
        grid.is_valid()
        return self.render_to_response(self.get_context_data(grid=grid))

    def submit(self, request):
        grid = self.grid(request.POST)
        if not grid.is_valid():
            return self._grid_refused(request, grid)
        try:
            sheet = scoring.scoresheet_submit(
                actor=request.user,
                lot=self.lot,
                scores=grid.scores(),
                justifications=grid.justifications(),
            )
        except (ValidationError, PermissionDenied) as refusal:
            return self._grid_refused(request, grid, refusal_messages(refusal))
        return self._done(
            request,
            _("Your scores for lot %(n)s are submitted (version %(version)s). They are final.")
            % {"n": self.lot.number, "version": sheet.version},
        )

    def correct(self, request):
        grid = self.grid(request.POST, correcting=True)
        if grid.is_valid():
            try:
                sheet = scoring.scoresheet_correct(
                    actor=request.user,
                    lot=self.lot,
                    scores=grid.scores(),
                    reason=grid.cleaned_data.get("reason", ""),
                    justifications=grid.justifications(),
                )
            except (ValidationError, PermissionDenied) as refusal:
                if self.state != "submitted":
                    return self._elsewhere(request, refusal_messages(refusal), "")
                self._refused(grid, refusal)
            else:
                return self._done(
                    request,
                    _("Your corrected scores for lot %(n)s are version %(version)s.")
                    % {"n": self.lot.number, "version": sheet.version},
                )
        if self.state != "submitted":
            return redirect(evaluation_url(self.round, self.lot))
        messages.error(request, _("Your scores were not corrected."))
        return self.render_to_response(self.get_context_data(correction=grid))

    def justify(self, request):
        score = None
        pk = request.POST.get("score", "")
        if pk.isdigit():
            score = Score.objects.filter(
                pk=pk, sheet__seat=self.seat, lot=self.lot, is_current=True
            ).first()
        if score is None:
            raise Http404
        form = committee_forms.JustifyForm(request.POST, prefix=f"j{score.pk}")
        if form.is_valid():
            try:
                scoring.score_justify(
                    actor=request.user,
                    lot=self.lot,
                    bid=score.bid,
                    criterion=score.criterion,
                    justification=form.cleaned_data["justification"],
                )
            except (ValidationError, PermissionDenied) as refusal:
                self._refused(form, refusal)
            else:
                return self._done(request, _("Your justification is recorded."))
        messages.error(request, _("Your justification was not recorded."))
        return self.render_to_response(
            self.get_context_data(justify_forms={(score.bid_id, score.criterion_id): form})
        )


class EvaluationMenuItem(MenuItem):
    def is_shown(self, request):
        return sits_on_committees(request.user)


class EvaluationViewSet(ViewSet):
    """My evaluations: the member's seats, and one page per lot."""

    name = "evaluations"
    icon = EVALUATION_ICON
    menu_label = gettext_lazy("My evaluations")
    menu_order = 240
    add_to_admin_menu = True
    menu_item_class = EvaluationMenuItem

    def get_urlpatterns(self):
        return [
            path("", EvaluationIndexView.as_view(), name="index"),
            path("<int:round_pk>/declare/", DeclarationView.as_view(), name="declare"),
            path("<int:round_pk>/lots/<int:lot_pk>/", LotEvaluationView.as_view(), name="lot"),
        ]
