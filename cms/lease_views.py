"""The lease pages beyond the list: a lease on one screen (parties, units, term, rent terms,
status actions, the rent schedule and payments, turnover and its yearly settlement, the
fit-out milestones and their documents, the responsible officer), the forms that make a lease
(directly, from an award, as a renewal), and the leasing officer's lists: awards to lease,
what is overdue, my outlets, and the route map.

Every page finds its lease through leasing.selectors.get_lease_for (a lease the user may not
see answers 404, as a missing one does) and every change goes through a leasing service; a
refusal comes back as the service's own message, on the field it names, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from cms import large_choices, lease_forms
from cms.admin_views import inline_svg
from cms.columns import category_name
from cms.forms import apply_service_errors, refusal_messages, submit_to_service
from cms.lease_policies import (
    manages_leases,
    may_keep_milestones,
    may_manage_lease,
    sees_leases,
)
from cms.merchant_viewsets import money
from leasing import fitout, routemap, services
from leasing.models import Instalment, Lease, LeaseUnit, Milestone, MilestoneDocument
from leasing.permissions import may_report_turnover
from leasing.schedule import add_months, annual_rent, lease_years, months_between
from leasing.selectors import (
    get_lease_for,
    outlets_for_officer,
    overdue_instalments,
    overdue_milestones,
)
from stations.models import Station, Unit
from stations.selectors import stations_for
from tenders.models import Award
from tenders.permissions import is_member_of

Status = Lease.Status
Kind = Milestone.Kind
LEASE_ICON = "doc-full"
PER_PAGE = 50


def detail_url(lease: Lease, anchor: str = "") -> str:
    url = reverse("leases:detail", args=(lease.pk,))
    return f"{url}#{anchor}" if anchor else url


def term_months(lease: Lease) -> str:
    """The lease's length in months: whole (36) or to one decimal (7.5)."""
    months = months_between(lease.start_date, lease.end_date)
    return f"{months:.0f}" if months == months.to_integral_value() else f"{months:.1f}"


def station_name(station: Station) -> str:
    return f"{station.code} {station.name_zh}"


# --- the page frames ----------------------------------------------------------------------


class LeasingPageMixin(WagtailAdminTemplateMixin):
    """A leasing page not about one lease: open to those who read leases, or (``managers
    only``) to leasing officers."""

    header_icon = LEASE_ICON
    managers_only = False

    def dispatch(self, request, *args, **kwargs):
        allowed = manages_leases if self.managers_only else sees_leases
        if not allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("leases:index"), "label": _("Leases")},
            {"url": "", "label": self.get_page_title()},
        ]


class LeasePageMixin(WagtailAdminTemplateMixin):
    """A page about one lease, found through get_lease_for (404 alike for missing and
    forbidden). ``managers_only`` pages refuse anyone who may not manage the lease's
    station; ``milestone_keepers`` pages anyone who may not keep its milestones."""

    header_icon = LEASE_ICON
    managers_only = False

    def dispatch(self, request, *args, **kwargs):
        self.lease = get_lease_for(request.user, kwargs["pk"])
        if not self.permitted(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def permitted(self, user) -> bool:
        return not self.managers_only or may_manage_lease(user, self.lease)

    def get_breadcrumbs_items(self):
        items = [
            *self.breadcrumbs_items,
            {"url": reverse("leases:index"), "label": _("Leases")},
        ]
        title = self.get_page_title()
        if title == self.lease.code:
            return [*items, {"url": "", "label": self.lease.code}]
        return [
            *items,
            {"url": detail_url(self.lease), "label": self.lease.code},
            {"url": "", "label": title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(lease=self.lease, detail_url=detail_url(self.lease))
        return context


class FormPage(TemplateView):
    """A form handed to a service: GET shows it, POST calls ``form_valid`` in a transaction;
    a refusal goes back on the form (on the field it names) and nothing is saved."""

    # Not ``template_name``: WagtailAdminTemplateMixin's comes first in the pages' MRO.
    form_template_name = "cms/leases/form_page.html"
    submit_label = gettext_lazy("Save")
    form_is_multipart = False
    intro = ""
    back_anchor = ""

    def get_form(self, data=None, files=None):  # pragma: no cover - each page has its form
        raise NotImplementedError

    def form_valid(self, form):  # pragma: no cover - each page names its service
        raise NotImplementedError

    def get_template_names(self):
        return [self.form_template_name]

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            response = submit_to_service(form, lambda: self.form_valid(form))
            if response is not None:
                return response
        messages.error(request, _("Nothing was saved: see the messages below."))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            submit_label=self.submit_label,
            form_is_multipart=self.form_is_multipart,
            intro=self.get_intro(),
            facts=self.get_facts(),
            back_url=self.get_back_url(),
        )
        return context

    def get_intro(self):
        return self.intro

    def get_facts(self) -> list[tuple[str, object]]:
        return []

    def get_back_url(self) -> str:
        lease = getattr(self, "lease", None)
        if lease is not None:
            return detail_url(lease, self.back_anchor)
        return reverse("leases:index")


# --- the lease on one screen --------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    slug: str
    target: str
    label: str
    question: str
    explanation: str
    done: str
    dangerous: bool = False
    form_class: type | None = None


ACTIONS = {
    action.slug: action
    for action in (
        Action(
            "sign",
            Status.SIGNED,
            gettext_lazy("Sign"),
            gettext_lazy("Sign lease %(code)s?"),
            gettext_lazy(
                "The rent schedule is fixed now, instalment by instalment, from the terms on "
                "this page, and the units become let. The terms cannot change afterwards."
            ),
            gettext_lazy("Lease %(code)s is signed; its rent schedule is fixed."),
        ),
        Action(
            "start-fit-out",
            Status.FITTING_OUT,
            gettext_lazy("Start the fit-out"),
            gettext_lazy("Start the fit-out of %(code)s?"),
            gettext_lazy(
                "The tenant's works begin in the units. With milestones planned, the design "
                "must be approved and the construction safety briefing held first."
            ),
            gettext_lazy("The fit-out of %(code)s has started."),
        ),
        Action(
            "open",
            Status.OPEN,
            gettext_lazy("Open the outlet"),
            gettext_lazy("Open outlet %(code)s to passengers?"),
            gettext_lazy(
                "The outlet opens on the date given, within the lease. With milestones "
                "planned, those before the opening must be done; “Opened” is marked done."
            ),
            gettext_lazy("Outlet %(code)s is open."),
            form_class=lease_forms.OpenForm,
        ),
        Action(
            "end",
            Status.ENDED,
            gettext_lazy("End the lease"),
            gettext_lazy("End lease %(code)s?"),
            gettext_lazy(
                "The lease's period is over: the units become available again, or pass to "
                "the lease that follows."
            ),
            gettext_lazy("Lease %(code)s has ended."),
        ),
        Action(
            "terminate",
            Status.TERMINATED,
            gettext_lazy("Terminate"),
            gettext_lazy("Terminate lease %(code)s early?"),
            gettext_lazy(
                "The lease ends before its term on the date given. Instalments not yet paid "
                "from that date are cancelled and the units are free from then. This cannot "
                "be undone; the reason is kept with the lease and in the audit journal."
            ),
            gettext_lazy("Lease %(code)s is terminated."),
            dangerous=True,
            form_class=lease_forms.TerminateForm,
        ),
    )
}


def _call_action(slug: str, *, actor, lease: Lease, data: dict) -> Lease:
    if slug == "sign":
        return services.lease_sign(actor=actor, lease=lease)
    if slug == "start-fit-out":
        return services.lease_start_fit_out(actor=actor, lease=lease)
    if slug == "open":
        return services.lease_open(actor=actor, lease=lease, opened_on=data["opened_on"])
    if slug == "end":
        return services.lease_end(actor=actor, lease=lease)
    if slug == "terminate":
        return services.lease_terminate(
            actor=actor, lease=lease, reason=data["reason"], on=data.get("on")
        )
    raise Http404


def action_offered(action: Action, lease: Lease, today: dt.date) -> bool:
    """Allowed by the transition table now (and, to end a lease, once its period is over);
    the service still has the last word."""
    if action.target not in Lease.TRANSITIONS[Status(lease.status)]:
        return False
    if action.slug == "end":
        return today >= lease.end_date
    return True


def actions_for(user, lease: Lease, today: dt.date) -> list[dict]:
    if not may_manage_lease(user, lease):
        return []
    return [
        {"action": action, "url": reverse("leases:action", args=(lease.pk, action.slug))}
        for action in ACTIONS.values()
        if action_offered(action, lease, today)
    ]


RENEWABLE = frozenset({Status.SIGNED, Status.FITTING_OUT, Status.OPEN})


def _lease_for_page(pk: int) -> Lease:
    return (
        Lease.objects.select_related(
            "merchant",
            "station",
            "business_type",
            "award__lot__round",
            "renewal_of",
            "responsible_officer",
            "created_by",
        )
        .prefetch_related(
            Prefetch(
                "lease_units",
                queryset=LeaseUnit.objects.select_related("unit__level").order_by("unit__code"),
            ),
            Prefetch(
                "renewals", queryset=Lease.objects.only("pk", "code", "status", "renewal_of")
            ),
        )
        .get(pk=pk)
    )


def instalment_rows(user, lease: Lease, today: dt.date, bound: dict | None = None) -> dict:
    """The rent schedule with each instalment's state, a payment form for each one unpaid
    (for those who may record it), and the totals."""
    bound = bound or {}
    may_pay = may_manage_lease(user, lease)
    rows, totals = [], defaultdict(lambda: Decimal("0.00"))
    next_due = None  # the first instalment due after today gets its form on the page too
    for instalment in lease.instalments.order_by("due_date", "pk"):
        later = instalment.paid_on is None and instalment.due_date > today
        if later and next_due is None:
            next_due, later = instalment.pk, False
        overdue = (
            instalment.paid_on is None
            and instalment.due_date < today
            and lease.status != Status.DRAFT
        )
        totals["due"] += instalment.amount
        if instalment.paid_on is not None:
            totals["paid"] += instalment.paid_amount or Decimal("0")
        elif overdue:
            totals["overdue"] += instalment.amount
        form = None
        if may_pay and instalment.paid_on is None:
            form = bound.get(instalment.pk) or lease_forms.PaymentForm(
                initial={"paid_on": today, "amount": instalment.amount},
                prefix=f"i{instalment.pk}",
            )
        rows.append(
            {
                "instalment": instalment,
                "amount": money(instalment.amount),
                "paid_amount": money(instalment.paid_amount),
                "overdue": overdue,
                "days_late": (today - instalment.due_date).days if overdue else 0,
                "form": form,
                "later": later,
                "pay_url": reverse("leases:pay", args=(lease.pk, instalment.pk)),
            }
        )
    return {
        "rows": rows,
        "total_due": money(totals["due"]),
        "total_paid": money(totals["paid"]),
        "total_overdue": money(totals["overdue"]),
        "overdue_count": sum(row["overdue"] for row in rows),
    }


def turnover_context(user, lease: Lease, today: dt.date) -> dict:
    """The months reported, and each lease year's turnover, scheduled rent and settlement."""
    reports = list(lease.turnover.select_related("reported_by").order_by("month"))
    years = lease_years(lease.start_date, lease.end_date)
    scheduled = dict(
        lease.instalments.filter(kind=Instalment.Kind.RENT)
        .values_list("lease_year")
        .annotate(total=Sum("amount"))
        .values_list("lease_year", "total")
    )
    settlements = {
        s.lease_year: s for s in lease.instalments.filter(kind=Instalment.Kind.SETTLEMENT)
    }
    may_settle = may_manage_lease(user, lease) and lease.turnover_rate_pct is not None
    year_rows = []
    for year in years:
        turnover = sum(
            (r.amount for r in reports if year.start.replace(day=1) <= r.month < year.end),
            Decimal("0.00"),
        )
        rate = lease.turnover_rate_pct
        settlement = settlements.get(year.number)
        year_rows.append(
            {
                "year": year,
                "months": sum(
                    1 for r in reports if year.start.replace(day=1) <= r.month < year.end
                ),
                "turnover": money(turnover),
                "turnover_rent": money(turnover * rate / 100) if rate is not None else None,
                "scheduled": money(scheduled.get(year.number, Decimal("0.00"))),
                "settlement": settlement,
                "settlement_amount": money(settlement.amount) if settlement else None,
                "over": today >= year.end,
                "may_settle": may_settle and settlement is None and today >= year.end,
            }
        )
    may_report = may_report_turnover(user, lease) and lease.status in (
        Status.OPEN,
        Status.ENDED,
        Status.TERMINATED,
    )
    return {
        "turnover_reports": [{"report": r, "amount": money(r.amount)} for r in reports],
        "turnover_total": money(sum((r.amount for r in reports), Decimal("0.00"))),
        "lease_years": year_rows,
        "may_report_turnover": may_report,
        "turnover_form": lease_forms.TurnoverForm(initial={"month": today.replace(day=1)})
        if may_report
        else None,
        "turnover_url": reverse("leases:turnover", args=(lease.pk,)),
        "settle_url": reverse("leases:settle", args=(lease.pk,)),
    }


def milestone_state(milestone: Milestone, lease: Lease, today: dt.date) -> str:
    if milestone.done_on is not None:
        return "done"
    if milestone.due_on < today and lease.status in fitout.PLANNING:
        return "overdue"
    return "planned"


def milestones_context(user, lease: Lease, today: dt.date) -> dict:
    milestones = sorted(
        lease.milestones.prefetch_related(
            Prefetch(
                "documents",
                queryset=MilestoneDocument.objects.select_related("uploaded_by").order_by(
                    "uploaded_at", "pk"
                ),
            )
        ),
        key=lambda m: Milestone.ORDER.index(m.kind),
    )
    planning = lease.status in fitout.PLANNING
    keeps = may_keep_milestones(user, lease)
    tenant = is_member_of(user, lease.merchant)
    following = next((m for m in milestones if m.done_on is None), None)
    rows = []
    for m in milestones:
        is_next = following is not None and m.pk == following.pk
        may_do = planning and is_next and (keeps or (tenant and m.kind == Kind.DESIGN_SUBMITTED))
        rows.append(
            {
                "milestone": m,
                "state": milestone_state(m, lease, today),
                "late_days": (m.done_on - m.due_on).days if m.done_on else 0,
                "is_next": is_next,
                "documents": [
                    {
                        "document": d,
                        "name": d.file.name.rsplit("/", 1)[-1],
                        "url": reverse("leases:document", args=(lease.pk, d.pk)),
                    }
                    for d in m.documents.all()
                ],
                # "Opened" is recorded by opening the lease, by a leasing officer.
                "done_url": (
                    reverse("leases:action", args=(lease.pk, "open"))
                    if m.kind == Kind.OPENED
                    else reverse("leases:milestone_done", args=(lease.pk, m.pk))
                )
                if may_do and (m.kind != Kind.OPENED or may_manage_lease(user, lease))
                else None,
                "reschedule_url": reverse("leases:milestone_reschedule", args=(lease.pk, m.pk))
                if planning and keeps and m.done_on is None
                else None,
            }
        )
    return {
        "milestones": rows,
        "milestones_done": sum(1 for m in milestones if m.done_on),
        "plan_url": reverse("leases:plan", args=(lease.pk,))
        if planning and keeps and not milestones
        else None,
        "planning": planning,
    }


class LeaseDetailView(LeasePageMixin, TemplateView):
    """Everything about a lease on one screen, with what the user may do to it."""

    template_name = "cms/leases/detail.html"

    def get_page_title(self):
        return self.lease.code

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        lease = _lease_for_page(self.lease.pk)
        manage = may_manage_lease(user, lease)
        units = list(lease.lease_units.all())
        renewals = list(lease.renewals.all())
        context.update(
            lease=lease,
            today=today,
            manage=manage,
            units=units,
            area_m2=sum((lu.unit.area_m2 for lu in units), Decimal("0.00")),
            renewals=renewals,
            term_months=term_months(lease),
            last_day=lease.end_date - dt.timedelta(days=1),
            business_type=category_name(lease.business_type) if lease.business_type else None,
            rent=money(lease.annual_rent),
            minimum_guarantee=money(lease.minimum_guarantee),
            deposit=money(lease.deposit),
            current_year_rent=self.current_year_rent(lease, today),
            actions=actions_for(user, lease, today),
            end_waits=manage
            and lease.status == Status.OPEN
            and today < lease.end_date
            and lease.end_date,
            renew_url=reverse("leases:renew", args=(lease.pk,))
            if manage and lease.status in RENEWABLE and not renewals
            else None,
            officer_url=reverse("leases:officer", args=(lease.pk,))
            if manage and lease.status not in (Status.ENDED, Status.TERMINATED)
            else None,
            journal_url=(reverse("audit-journal:index") + f"?q={lease.code}")
            if user.has_perm("audit.view_entry")
            else None,
            award_url=reverse("tender-rounds:detail", args=(lease.award.lot.round_id,))
            if lease.award_id
            else None,
            merchant_url=reverse("merchants:inspect", args=(lease.merchant_id,)),
        )
        context.update(schedule=instalment_rows(user, lease, today, kwargs.get("bound")))
        context["form_media"] = lease_forms.PaymentForm().media + lease_forms.TurnoverForm().media
        context.update(turnover_context(user, lease, today))
        context.update(milestones_context(user, lease, today))
        return context

    @staticmethod
    def current_year_rent(lease: Lease, today: dt.date) -> str | None:
        """This lease year's annual rent with the escalation applied (within the period)."""
        for year in lease_years(lease.start_date, lease.end_date):
            if year.start <= today < year.end:
                base = max(lease.annual_rent, lease.minimum_guarantee or Decimal("0"))
                return money(annual_rent(base, lease.escalation_pct, year.number))
        return None


# --- status actions -----------------------------------------------------------------------


class LeaseActionView(LeasePageMixin, TemplateView):
    """A status action: GET asks for confirmation (with the date or reason it needs), POST
    calls the service."""

    managers_only = True
    template_name = "cms/leases/action.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = ACTIONS.get(kwargs.get("action"))
        if self.action is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(self.action.label)

    def get_form(self, data=None):
        if self.action.form_class is None:
            return None
        initial = {}
        if self.action.slug == "open":
            initial["opened_on"] = timezone.localdate()
        return self.action.form_class(data, initial=initial)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        errors: list[str] = []
        if form is None or form.is_valid():
            data = form.cleaned_data if form is not None else {}
            try:
                _call_action(self.action.slug, actor=request.user, lease=self.lease, data=data)
            except (ValidationError, PermissionDenied) as refusal:
                if form is not None and isinstance(refusal, ValidationError):
                    apply_service_errors(form, refusal, geometry_field=None)
                    errors = form.non_field_errors()
                else:
                    errors = refusal_messages(refusal)
            else:
                django_messages.success(request, str(self.action.done) % {"code": self.lease.code})
                return redirect(detail_url(self.lease))
        messages.error(request, _("Lease %(code)s was not changed.") % {"code": self.lease.code})
        return self.render_to_response(self.get_context_data(form=form, errors=errors))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        words = {"code": self.lease.code}
        context.update(
            action=self.action,
            question=str(self.action.question) % words,
            explanation=str(self.action.explanation) % words,
            allowed=action_offered(self.action, self.lease, timezone.localdate()),
        )
        return context


# --- making a lease -----------------------------------------------------------------------


class DirectLeaseView(LeasingPageMixin, FormPage):
    """A lease without tender: the station first, then its units and the terms."""

    managers_only = True
    form_template_name = "cms/leases/direct_form.html"
    page_title = gettext_lazy("New direct lease")
    submit_label = gettext_lazy("Make the draft lease")
    intro = gettext_lazy(
        "For space let without tender — transferred from a former operator, say — with the "
        "reason recorded. Units offered in a running tender are refused. The lease starts as "
        "a draft: nothing is due until it is signed."
    )

    @cached_property
    def stations(self):
        return stations_for(self.request.user, manage=True).order_by("code")

    def chosen_station(self, data=None) -> Station | None:
        """The station by its id (picked from the list) or its code (typed, when the user
        has more stations than a list holds)."""
        value = str((data or {}).get("station") or self.request.GET.get("station") or "")
        if value.isdigit():
            return self.stations.filter(pk=value).first()
        return self.stations.filter(code=value).first() if value else None

    def get_form(self, data=None, files=None):
        initial = lease_forms.terms_initial()
        merchant = self.request.GET.get("merchant")
        if merchant and merchant.isdigit():
            initial["merchant"] = int(merchant)
        return lease_forms.DirectLeaseForm(
            data, initial=initial, station=self.chosen_station(data)
        )

    def form_valid(self, form):
        data = form.cleaned_data
        lease = services.lease_create_direct(
            actor=self.request.user,
            merchant=data["merchant"],
            units=data["units"],
            code=data["code"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            annual_rent=data["annual_rent"],
            direct_reason=data["direct_reason"],
            business_type=data["business_type"],
            **form.terms(),
        )
        django_messages.success(
            self.request, _("Draft lease %(code)s is made.") % {"code": lease.code}
        )
        return redirect(detail_url(lease))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(station=context["form"].station, stations=listed_or_none(self.stations))
        return context


def awards_to_lease(user):
    """Awards of the stations ``user`` manages that have no lease yet, oldest first."""
    return (
        Award.objects.filter(lease__isnull=True, lot__station__in=stations_for(user, manage=True))
        .select_related("merchant", "lot__round", "lot__station", "lot__business_type")
        .prefetch_related(Prefetch("lot__units", queryset=Unit.objects.order_by("code")))
        .order_by("awarded_at", "pk")
    )


def default_start(today: dt.date) -> dt.date:
    """A new lease starts, by default, on the first day of next month."""
    return add_months(today.replace(day=1), 1)


class AwardLeaseView(LeasingPageMixin, FormPage):
    """The lease of an award: the terms the award does not fix."""

    managers_only = True
    submit_label = gettext_lazy("Make the draft lease")
    intro = gettext_lazy(
        "The tenant, the units, the term and the fixed annual rent (the winning offer) come "
        "from the award; give the contract number, the start and the rent terms. The lease "
        "starts as a draft."
    )

    @cached_property
    def award(self) -> Award:
        award = awards_to_lease(self.request.user).filter(pk=self.kwargs["award_pk"]).first()
        if award is None:
            raise Http404(_("No such award waiting for its lease."))
        return award

    def get(self, request, *args, **kwargs):
        self.award  # noqa: B018 - 404 before anything else
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.award  # noqa: B018
        return super().post(request, *args, **kwargs)

    def get_page_title(self):
        return _("Lease from %(lot)s") % {"lot": self.award.lot}

    def get_form(self, data=None, files=None):
        lot = self.award.lot
        initial = lease_forms.terms_initial() | {
            "code": f"HT-{lot.round.code}-{lot.number:02d}",
            "start_date": default_start(timezone.localdate()),
        }
        return lease_forms.AwardLeaseForm(data, initial=initial)

    def get_facts(self):
        award, lot = self.award, self.award.lot
        units = list(lot.units.all())
        return [
            (_("Tenant"), award.merchant.name),
            (_("Tender"), f"{lot} · {lot.title}"),
            (_("Station"), station_name(lot.station)),
            (_("Units"), "、".join(f"{u.code} ({u.area_m2} m²)" for u in units)),
            (_("Business type"), category_name(lot.business_type)),
            (_("Term"), _("%(n)s months from the start") % {"n": lot.term_months}),
            (_("Fixed annual rent (CNY)"), money(award.annual_rent)),
            (
                pgettext("date", "Awarded"),
                timezone.localtime(award.awarded_at).strftime("%Y-%m-%d"),
            ),
        ]

    def form_valid(self, form):
        data = form.cleaned_data
        lease = services.lease_create_from_award(
            actor=self.request.user,
            award=self.award,
            code=data["code"],
            start_date=data["start_date"],
            **form.terms(),
        )
        django_messages.success(
            self.request,
            _("Draft lease %(code)s is made from %(lot)s.")
            % {"code": lease.code, "lot": self.award.lot},
        )
        return redirect(detail_url(lease))

    def get_back_url(self):
        return reverse("leases:awards")


class RenewView(LeasePageMixin, FormPage):
    managers_only = True
    page_title = gettext_lazy("Renew")
    submit_label = gettext_lazy("Make the renewal")

    def permitted(self, user):
        return super().permitted(user) and self.lease.status in RENEWABLE

    def get_intro(self):
        return _(
            "The renewal is a new draft lease of the same tenant and units from %(day)s, the "
            "day lease %(code)s ends."
        ) % {"day": self.lease.end_date.isoformat(), "code": self.lease.code}

    def get_form(self, data=None, files=None):
        lease = self.lease
        years = lease_years(lease.start_date, lease.end_date)
        base = max(lease.annual_rent, lease.minimum_guarantee or Decimal("0"))
        last_rent = annual_rent(base, lease.escalation_pct, years[-1].number if years else 1)
        initial = lease_forms.terms_initial(lease) | {
            "code": f"{lease.code}-R",
            "end_date": add_months(lease.end_date, 12 * max(1, len(years))),
            "annual_rent": annual_rent(last_rent, lease.escalation_pct, 2),
            "rent_free_months": 0,
        }
        return lease_forms.RenewForm(data, initial=initial)

    def get_facts(self):
        lease = self.lease
        return [
            (_("Tenant"), lease.merchant.name),
            (_("Units"), "、".join(lease.units.order_by("code").values_list("code", flat=True))),
            (_("Starts on"), lease.end_date.isoformat()),
        ]

    def form_valid(self, form):
        data = form.cleaned_data
        renewal = services.lease_renew(
            actor=self.request.user,
            lease=self.lease,
            code=data["code"],
            end_date=data["end_date"],
            annual_rent=data["annual_rent"],
            **form.terms(),
        )
        django_messages.success(
            self.request,
            _("Lease %(code)s renews %(old)s as a draft.")
            % {"code": renewal.code, "old": self.lease.code},
        )
        return redirect(detail_url(renewal))


# --- money --------------------------------------------------------------------------------


class PaymentView(LeasePageMixin, FormPage):
    """Record the payment of one instalment (the form sits on the lease's page too)."""

    managers_only = True
    page_title = gettext_lazy("Record a payment")
    submit_label = gettext_lazy("Record the payment")
    back_anchor = "rent"

    @cached_property
    def instalment(self) -> Instalment:
        instalment = self.lease.instalments.filter(pk=self.kwargs["instalment_pk"]).first()
        if instalment is None:
            raise Http404
        return instalment

    def get_facts(self):
        i = self.instalment
        return [
            (_("Kind"), i.get_kind_display()),
            (_("Lease year"), i.lease_year),
            (_("Period"), f"{i.period_start:%Y-%m-%d} – {i.period_end:%Y-%m-%d}"),
            (_("Due"), i.due_date.isoformat()),
            (_("Amount (CNY)"), money(i.amount)),
        ]

    def get_form(self, data=None, files=None):
        today = timezone.localdate()
        return lease_forms.PaymentForm(
            data,
            initial={"paid_on": today, "amount": self.instalment.amount},
            prefix=f"i{self.instalment.pk}",
        )

    def form_valid(self, form):
        paid = services.instalment_pay(
            actor=self.request.user,
            instalment=self.instalment,
            paid_on=form.cleaned_data["paid_on"],
            amount=form.cleaned_data["amount"],
        )
        django_messages.success(
            self.request,
            _("The instalment due on %(due)s is paid (%(amount)s CNY on %(day)s).")
            % {
                "due": paid.due_date.isoformat(),
                "amount": money(paid.paid_amount),
                "day": paid.paid_on.isoformat(),
            },
        )
        return redirect(detail_url(self.lease, f"instalment-{paid.pk}"))


class TurnoverView(LeasePageMixin, FormPage):
    """The tenant's users report a month's turnover; the station's leasing officer records it
    from the tenant's statement."""

    page_title = gettext_lazy("Report turnover")
    submit_label = gettext_lazy("Report")
    back_anchor = "turnover"

    def permitted(self, user):
        return may_report_turnover(user, self.lease)

    def get_form(self, data=None, files=None):
        return lease_forms.TurnoverForm(
            data, initial={"month": timezone.localdate().replace(day=1)}
        )

    def form_valid(self, form):
        report = services.turnover_report(
            actor=self.request.user,
            lease=self.lease,
            month=form.cleaned_data["month"],
            amount=form.cleaned_data["amount"],
        )
        django_messages.success(
            self.request,
            _("The turnover of %(month)s is reported: %(amount)s CNY.")
            % {"month": f"{report.month:%Y-%m}", "amount": money(report.amount)},
        )
        return redirect(detail_url(self.lease, "turnover"))


class SettleView(LeasePageMixin, View):
    """Settle a lease year's turnover rent (a button on the lease's page)."""

    managers_only = True

    def post(self, request, *args, **kwargs):
        form = lease_forms.SettleForm(request.POST)
        if not form.is_valid():
            for message in form.errors.get("year", []):
                messages.error(request, message)
            return redirect(detail_url(self.lease, "turnover"))
        year = form.cleaned_data["year"]
        try:
            settlement = services.lease_settle_year(
                actor=request.user, lease=self.lease, year=year
            )
        except (ValidationError, PermissionDenied) as refusal:
            for message in refusal_messages(refusal):
                messages.error(request, message)
            return redirect(detail_url(self.lease, "turnover"))
        if settlement.amount:
            done = _(
                "Lease year %(n)s is settled: %(amount)s CNY of turnover rent is due on %(due)s."
            ) % {"n": year, "amount": money(settlement.amount), "due": settlement.due_date}
        else:
            done = _(
                "Lease year %(n)s is settled: the turnover rent did not exceed the rent "
                "scheduled, so nothing more is due."
            ) % {"n": year}
        django_messages.success(request, done)
        return redirect(detail_url(self.lease, "turnover"))

    def get(self, request, *args, **kwargs):
        return redirect(detail_url(self.lease, "turnover"))


# --- fit-out and opening ------------------------------------------------------------------


class MilestonePage(LeasePageMixin, FormPage):
    back_anchor = "fit-out"

    def permitted(self, user):
        return may_keep_milestones(user, self.lease)


class PlanView(MilestonePage):
    page_title = gettext_lazy("Plan the fit-out and opening")
    submit_label = gettext_lazy("Plan the milestones")

    def get_intro(self):
        return _(
            "Prefilled with the default plan, counted from the lease's start: design submitted "
            "by day %(submitted)s, approved by day %(approved)s, safety briefing by day "
            "%(briefing)s; the opening on the last rent-free day (never sooner than day "
            "%(opening)s), fit-out done two weeks and fire acceptance one week before it. "
            "Change any date; they must stay in order."
        ) % {
            "submitted": fitout.DESIGN_SUBMITTED_DAYS,
            "approved": fitout.DESIGN_APPROVED_DAYS,
            "briefing": fitout.SAFETY_BRIEFING_DAYS,
            "opening": fitout.MIN_OPENING_DAYS,
        }

    def get_facts(self):
        lease = self.lease
        return [
            (_("Start"), lease.start_date.isoformat()),
            (_("Rent-free months"), lease.rent_free_months),
            (_("End (first day no longer let)"), lease.end_date.isoformat()),
        ]

    def get_form(self, data=None, files=None):
        return lease_forms.PlanForm(data, defaults=fitout.default_plan(self.lease))

    def form_valid(self, form):
        fitout.milestones_plan(actor=self.request.user, lease=self.lease, due=form.due())
        django_messages.success(
            self.request,
            _("The milestones of %(code)s are planned.") % {"code": self.lease.code},
        )
        return redirect(detail_url(self.lease, "fit-out"))


class MilestoneFormPage(MilestonePage):
    @cached_property
    def milestone(self) -> Milestone:
        milestone = self.lease.milestones.filter(pk=self.kwargs["milestone_pk"]).first()
        if milestone is None:
            raise Http404
        milestone.lease = self.lease
        return milestone

    def get_facts(self):
        m = self.milestone
        facts = [(_("Milestone"), m.get_kind_display()), (_("Due"), m.due_on.isoformat())]
        if m.done_on:
            facts.append((_("Done on"), m.done_on.isoformat()))
        return facts


class RescheduleView(MilestoneFormPage):
    submit_label = gettext_lazy("Move it")

    def get_page_title(self):
        return _("Reschedule “%(kind)s”") % {"kind": self.milestone.get_kind_display()}

    def get_form(self, data=None, files=None):
        return lease_forms.RescheduleForm(data, initial={"due_on": self.milestone.due_on})

    def form_valid(self, form):
        before = self.milestone.due_on
        moved = fitout.milestone_reschedule(
            actor=self.request.user,
            milestone=self.milestone,
            due_on=form.cleaned_data["due_on"],
            reason=form.cleaned_data["reason"],
        )
        django_messages.success(
            self.request,
            _("“%(kind)s” moves from %(before)s to %(after)s.")
            % {"kind": moved.get_kind_display(), "before": before, "after": moved.due_on},
        )
        return redirect(detail_url(self.lease, "fit-out"))


class MilestoneDoneView(MilestoneFormPage):
    submit_label = gettext_lazy("Mark it done")
    form_is_multipart = True

    def permitted(self, user):
        # The tenant's users record that they submitted their design (the service decides).
        return may_keep_milestones(user, self.lease) or is_member_of(user, self.lease.merchant)

    def get_page_title(self):
        return _("“%(kind)s” done") % {"kind": self.milestone.get_kind_display()}

    def get_intro(self):
        return _(
            "Milestones are done in order, never in the future. Attach the documents that "
            "show it (a design, a briefing record, an acceptance certificate, a photograph)."
        )

    def get_form(self, data=None, files=None):
        return lease_forms.MilestoneDoneForm(
            data, files, initial={"done_on": timezone.localdate()}
        )

    def form_valid(self, form):
        done = fitout.milestone_done(
            actor=self.request.user,
            milestone=self.milestone,
            done_on=form.cleaned_data["done_on"],
            documents=form.cleaned_data["documents"],
        )
        count = len(form.cleaned_data["documents"])
        django_messages.success(
            self.request,
            _("“%(kind)s” is done on %(day)s, with %(n)s document(s).")
            % {"kind": done.get_kind_display(), "day": done.done_on, "n": count},
        )
        return redirect(detail_url(self.lease, "fit-out"))


class DocumentDownloadView(LeasePageMixin, View):
    """A milestone's document, to those who may see the lease (not through the media URL)."""

    def get(self, request, *args, **kwargs):
        document = MilestoneDocument.objects.filter(
            milestone__lease=self.lease, pk=kwargs["document_pk"]
        ).first()
        if document is None or not document.file:
            raise Http404
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file.name.rsplit("/", 1)[-1],
        )


class OfficerView(LeasePageMixin, FormPage):
    managers_only = True
    page_title = gettext_lazy("Responsible officer")
    submit_label = gettext_lazy("Make responsible")
    back_anchor = "officer"
    intro = gettext_lazy(
        "One officer answers for this outlet (包保责任人) until it opens, and after: they see "
        "it among their outlets with its next milestone and what is overdue, and keep its "
        "milestones."
    )

    def get_facts(self):
        current = self.lease.responsible_officer
        return [
            (
                _("Now responsible"),
                lease_forms.officer_label(current) if current else _("nobody yet"),
            )
        ]

    def get_form(self, data=None, files=None):
        return lease_forms.OfficerForm(
            data,
            station=self.lease.station,
            initial={"officer": self.lease.responsible_officer_id},
        )

    def form_valid(self, form):
        lease = fitout.lease_assign_officer(
            actor=self.request.user, lease=self.lease, officer=form.cleaned_data["officer"]
        )
        django_messages.success(
            self.request,
            _("%(officer)s is now responsible for %(code)s.")
            % {
                "officer": lease_forms.officer_label(lease.responsible_officer),
                "code": lease.code,
            },
        )
        return redirect(detail_url(lease, "officer"))


# --- the leasing officer's lists ----------------------------------------------------------


class AwardsView(LeasingPageMixin, TemplateView):
    """Awards whose lease is still to be made, each with the button that makes it."""

    managers_only = True
    template_name = "cms/leases/awards.html"
    page_title = gettext_lazy("Awards to lease")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(awards_to_lease(self.request.user), PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        context.update(
            page=page,
            rows=[
                {
                    "award": award,
                    "units": list(award.lot.units.all()),
                    "area_m2": sum((u.area_m2 for u in award.lot.units.all()), Decimal("0.00")),
                    "type": category_name(award.lot.business_type),
                    "rent": money(award.annual_rent),
                    "url": reverse("leases:award_lease", args=(award.pk,)),
                    "round_url": reverse("tender-rounds:detail", args=(award.lot.round_id,)),
                }
                for award in page.object_list
            ],
        )
        return context


def listed_or_none(stations) -> list[Station] | None:
    """The stations to pick from, or None when there are too many for a list (the station is
    then typed by its code; cms.large_choices)."""
    listed = list(stations[: large_choices.LIMIT + 1])
    return listed if len(listed) <= large_choices.LIMIT else None


class StationScopedList(LeasingPageMixin, TemplateView):
    """A list narrowed, on request, to one of the user's stations."""

    @cached_property
    def stations(self):
        return (
            stations_for(self.request.user)
            .order_by("code")
            .only("pk", "code", "name_zh", "name_en")
        )

    def station_by_code(self, code: str) -> Station | None:
        return self.stations.filter(code=code).first() if code else None

    @cached_property
    def station(self) -> Station | None:
        return self.station_by_code(self.request.GET.get("station", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(stations=listed_or_none(self.stations), station=self.station)
        return context


class OverdueView(StationScopedList):
    template_name = "cms/leases/overdue.html"
    page_title = gettext_lazy("Overdue")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        instalments = overdue_instalments(user, on=today)
        milestones = overdue_milestones(user, on=today)
        if self.station is not None:
            instalments = instalments.filter(lease__station=self.station)
            milestones = milestones.filter(lease__station=self.station)
        totals = instalments.aggregate(n=Count("pk"), total=Sum("amount"))
        instalment_page = Paginator(instalments, PER_PAGE).get_page(self.request.GET.get("ip"))
        milestone_page = Paginator(milestones, PER_PAGE).get_page(self.request.GET.get("mp"))
        context.update(
            today=today,
            instalment_page=instalment_page,
            instalments=[
                {
                    "instalment": i,
                    "amount": money(i.amount),
                    "days": (today - i.due_date).days,
                    "url": detail_url(i.lease, f"instalment-{i.pk}"),
                }
                for i in instalment_page.object_list
            ],
            instalment_count=totals["n"],
            instalment_total=money(totals["total"] or Decimal("0.00")),
            milestone_page=milestone_page,
            milestones=[
                {
                    "milestone": m,
                    "days": (today - m.due_on).days,
                    "url": detail_url(m.lease, "fit-out"),
                }
                for m in milestone_page.object_list
            ],
            station_query=f"&station={self.station.code}" if self.station else "",
        )
        return context


class MyOutletsView(LeasingPageMixin, TemplateView):
    """The outlets the user answers for (包保), with the next milestone and what is overdue."""

    template_name = "cms/leases/my_outlets.html"
    page_title = gettext_lazy("My outlets")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        outlets = list(
            outlets_for_officer(self.request.user, on=today).prefetch_related(
                Prefetch("lease_units", queryset=LeaseUnit.objects.select_related("unit"))
            )
        )
        context.update(
            today=today,
            outlets=[
                {
                    "lease": lease,
                    "units": sorted(lu.unit.code for lu in lease.lease_units.all()),
                    "next_kind": Kind(lease.next_milestone_kind).label
                    if lease.next_milestone_kind
                    else None,
                    "next_due": lease.next_milestone_due,
                    "next_late": bool(
                        lease.next_milestone_due
                        and lease.next_milestone_due < today
                        and lease.status in fitout.PLANNING
                    ),
                    "overdue": lease.overdue,
                    "url": detail_url(lease, "fit-out"),
                }
                for lease in outlets
            ],
            overdue_total=sum(lease.overdue_count for lease in outlets),
        )
        return context


class RouteMapView(StationScopedList):
    """The route map (施工开业线路图) of the network or of one station, drawn inline, with the
    first opening and the opening pace."""

    template_name = "cms/leases/route_map.html"

    @cached_property
    def station(self) -> Station | None:
        code = self.kwargs.get("code")
        if not code:
            return None
        station = self.station_by_code(code)
        if station is None:
            raise Http404(_("No such station."))
        return station

    def get_page_title(self):
        return _("Route map")

    def get(self, request, *args, **kwargs):
        picked = request.GET.get("station")
        if picked is not None:
            # The picker (a GET form) lands on the station's own address.
            if picked == "":
                return redirect("leases:route_map")
            return redirect("leases:route_map_station", code=picked)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today, user = timezone.localdate(), self.request.user
        if self.station is not None:
            data = routemap.route_map_data(user, station=self.station, today=today)
            pace = routemap.opening_pace(data.rows)
            first = routemap.first_opening(data.rows)
            outlets = len(data.rows)
            running = sum(1 for row in data.rows if row.status in routemap.RUNNING)
            svg_url = reverse("leases:route_map_svg", args=(self.station.code,))
            page = None
        else:
            # The network's map: its figures counted by the database, the drawing a page of
            # stations at a time.
            page = network_page(user, self.request.GET.get("p"))
            data = routemap.route_map_data(user, stations=[s.pk for s in page], today=today)
            figures = routemap.network_figures(user, today=today)
            pace, first = figures.pace, figures.first
            outlets, running = figures.outlets, figures.running
            svg_url = reverse("leases:route_map_network_svg") + f"?p={page.number}"
        context.update(
            title=data.title,
            svg=inline_svg(routemap.render_route_map_svg(data)) if data.rows else "",
            rows=data.rows,
            outlets=outlets,
            first=first,
            pace=pace,
            pace_max=max((p.opened for p in pace), default=0),
            opened_total=pace[-1].cumulative if pace else 0,
            running=running,
            svg_url=svg_url,
            page_obj=page,
            elided_page_range=page.paginator.get_elided_page_range(page.number) if page else [],
        )
        return context


ROUTE_MAP_STATIONS_PER_PAGE = 20


def network_page(user, number):
    """A page of the stations on ``user``'s route map (by code)."""
    paginator = WagtailPaginator(routemap.stations_on_the_map(user), ROUTE_MAP_STATIONS_PER_PAGE)
    return paginator.get_page(number)


def route_map_svg(request, code=None):
    """The route map as an SVG file."""
    if not sees_leases(request.user):
        raise PermissionDenied
    station, stations = None, None
    if code is not None:
        station = stations_for(request.user).filter(code=code).first()
        if station is None:
            raise Http404
    else:
        stations = [s.pk for s in network_page(request.user, request.GET.get("p"))]
    response = HttpResponse(
        routemap.route_map_svg(request.user, station=station, stations=stations),
        content_type="image/svg+xml",
    )
    name = f"route-map-{code}.svg" if code else "route-map.svg"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
