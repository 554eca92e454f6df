"""The round after the committee: the signed result (every version), the objections with the
officer's proposal and the inspector's co-signature, and the awards.

The result is read from the report the chair signed (tenders.models.Result, frozen at the
sign-off), never recomputed here. Decisions on objections go through tenders.result; a refusal
— the proposer co-signing their own proposal, say — is shown in the service's words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages

from cms import committee_forms
from cms.forms import apply_service_errors
from cms.round_policies import cosigns_objections, runs_rounds
from cms.round_views import RoundFormPage, RoundPageMixin, detail_url, money, refusal_messages
from tenders import result as outcome
from tenders.models import Award, Criterion, Objection, Result, Seat, TenderRound

Status = TenderRound.Status
ObjectionStatus = Objection.Status


def _time(value: str | None):
    return dt.datetime.fromisoformat(value) if value else None


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def report_view(result: Result) -> dict:
    """A signed report as the pages show it: criteria in order, each lot's ranking with its
    points per criterion, the invalid bids, the recused members and those who scored."""
    report = result.report or {}
    kinds = dict(Criterion.Kind.choices)
    departments = dict(Seat.Department.choices)
    criteria = [
        {
            "id": str(c["id"]),
            "name": c["name"],
            "kind": c["kind"],
            "kind_label": kinds.get(c["kind"], c["kind"]),
            "weight": _decimal(c["weight"]),
            "objective": c["kind"] != Criterion.Kind.SUBJECTIVE,
        }
        for c in report.get("criteria", [])
    ]
    lots = []
    for lot in report.get("lots", []):
        ranking = []
        for row in lot.get("ranking", []):
            points = row.get("points", {})
            inputs = row.get("inputs", {})
            ranking.append(
                {
                    "rank": row.get("rank"),
                    "receipt_number": row.get("receipt_number"),
                    "merchant": row.get("merchant"),
                    "annual_rent": money(_decimal(row.get("annual_rent"))),
                    "points": [
                        {
                            "criterion": c["name"],  # labels the cell where a table stacks
                            "points": _decimal(points.get(c["id"])),
                            "input": inputs.get(c["id"]),
                            "objective": c["objective"],
                        }
                        for c in criteria
                    ],
                    "total": _decimal(row.get("total")),
                }
            )
        lots.append(
            {
                "lot": lot.get("lot"),
                "title": lot.get("title"),
                "ranking": ranking,
                "invalid": lot.get("invalid", []),
                "recused": lot.get("recused", []),
                "scored_by": lot.get("scored_by", []),
            }
        )
    return {
        "result": result,
        "version": result.version,
        "signed_by": report.get("signed_by") or result.signed_by.get_username(),
        "signed_at": _time(report.get("signed_at")) or result.signed_at,
        "withdrawn": result.withdrawn_at is not None,
        "criteria": criteria,
        "committee": [
            {**member, "department": departments.get(member["department"], member["department"])}
            for member in report.get("committee", [])
        ],
        "lots": lots,
    }


def result_context(round: TenderRound) -> dict:
    """The standing result and the earlier versions (withdrawn after an upheld objection)."""
    results = list(Result.objects.filter(round=round).select_related("signed_by"))
    versions = [report_view(result) for result in sorted(results, key=lambda r: -r.version)]
    standing = next((v for v in versions if not v["withdrawn"]), None)
    return {
        "result": standing,
        "earlier_results": [v for v in versions if v is not standing],
    }


def awards_context(round: TenderRound) -> list[dict]:
    awards = (
        Award.objects.filter(lot__round=round)
        .select_related("lot", "merchant", "awarded_by", "bid__bid")
        .prefetch_related("lot__units")
        .order_by("lot__number")
    )
    return [
        {
            "award": award,
            "lot": award.lot,
            "rent": money(award.annual_rent),
            "units": sorted(award.lot.units.all(), key=lambda unit: unit.code),
        }
        for award in awards
    ]


def objections_context(user, round: TenderRound) -> list[dict]:
    officer = runs_rounds(user)
    inspector = cosigns_objections(user)
    rows = []
    for objection in round.objections.select_related(
        "lot", "merchant", "lodged_by", "proposed_by", "decided_by"
    ).order_by("lodged_at", "pk"):
        rows.append(
            {
                "objection": objection,
                "propose_url": reverse(
                    "tender-rounds:objection_propose", args=(round.pk, objection.pk)
                )
                if officer and objection.status == ObjectionStatus.PENDING
                else None,
                "decide_url": reverse(
                    "tender-rounds:objection_decide", args=(round.pk, objection.pk)
                )
                if inspector and objection.status == ObjectionStatus.PROPOSED
                else None,
            }
        )
    return rows


class ObjectionPageMixin:
    @cached_property
    def objection(self) -> Objection:
        objection = (
            Objection.objects.select_related("lot", "merchant", "lodged_by", "proposed_by")
            .filter(round=self.round, pk=self.kwargs["objection_pk"])
            .first()
        )
        if objection is None:
            raise Http404
        return objection

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["objection"] = self.objection
        return context


class ObjectionProposeView(ObjectionPageMixin, RoundFormPage):
    """The officer proposes the decision; it takes effect when an inspector co-signs."""

    template_name = "cms/committee/objection_propose.html"
    submit_label = gettext_lazy("Propose the decision")

    def get_page_title(self):
        return _("Propose a decision on the objection of %(merchant)s") % {
            "merchant": self.objection.merchant.name
        }

    def get_form(self, data=None, files=None):
        return committee_forms.ObjectionProposeForm(data)

    def form_valid(self, form):
        data = form.cleaned_data
        objection = outcome.objection_propose(
            actor=self.request.user,
            objection=self.objection,
            upheld=data["upheld"],
            outcome=data["outcome"],
            reason=data["reason"],
        )
        django_messages.success(
            self.request,
            _("Your decision on the objection of %(merchant)s is proposed; it takes effect when a "
              "discipline inspector co-signs it.") % {"merchant": objection.merchant.name},
        )  # fmt: skip
        return redirect(detail_url(self.round, "objections"))


class ObjectionDecideView(ObjectionPageMixin, RoundPageMixin, TemplateView):
    """The inspector co-signs the proposed decision, or sends it back with a reason."""

    internals_only = True
    template_name = "cms/committee/objection_decide.html"

    def get_page_title(self):
        return _("The objection of %(merchant)s") % {"merchant": self.objection.merchant.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            may_decide=cosigns_objections(self.request.user)
            and self.objection.status == ObjectionStatus.PROPOSED,
            proposed_by_me=self.objection.proposed_by_id == self.request.user.pk,
            return_form=kwargs.get("return_form")
            or committee_forms.ReasonForm(label=_("Why is the proposal sent back?")),
            errors=kwargs.get("errors", []),
        )
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "cosign":
            try:
                objection = outcome.objection_cosign(actor=request.user, objection=self.objection)
            except (ValidationError, PermissionDenied) as refusal:
                messages.error(request, _("The decision was not co-signed."))
                return self.render_to_response(
                    self.get_context_data(errors=refusal_messages(refusal))
                )
            django_messages.success(
                request,
                _("The decision is co-signed: the objection of %(merchant)s is “%(status)s”.")
                % {
                    "merchant": objection.merchant.name,
                    "status": objection.get_status_display(),
                },
            )
            return redirect(detail_url(self.round, "objections"))
        if action == "return":
            form = committee_forms.ReasonForm(
                request.POST, label=_("Why is the proposal sent back?")
            )
            form.is_valid()
            try:
                objection = outcome.objection_return(
                    actor=request.user,
                    objection=self.objection,
                    reason=form.cleaned_data.get("reason", ""),
                )
            except (ValidationError, PermissionDenied) as refusal:
                if isinstance(refusal, ValidationError):
                    apply_service_errors(form, refusal, geometry_field=None)
                    errors = list(form.non_field_errors())
                else:
                    errors = refusal_messages(refusal)
                messages.error(request, _("The proposal was not sent back."))
                return self.render_to_response(
                    self.get_context_data(return_form=form, errors=errors)
                )
            django_messages.success(
                request,
                _("The proposal on the objection of %(merchant)s is sent back to the officers.")
                % {"merchant": objection.merchant.name},
            )
            return redirect(detail_url(self.round, "objections"))
        return HttpResponseBadRequest()
