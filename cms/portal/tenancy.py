"""Portal: tenancy — the company's leases (units, term, rent terms, status), the fit-out
milestones with their due dates and the design upload, the instalments, and monthly turnover.

A lease comes from leasing.selectors.leases_for narrowed to the signed-in user's company, so
another merchant's lease (or its milestone or document) answers 404 like a missing one. Every
change goes through a leasing service, whose refusal is shown on the field it names.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, Min, OuterRef, Prefetch, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from cms.columns import category_name
from cms.lease_views import milestone_state, term_months
from cms.portal import forms_tenancy
from cms.portal.tendering import FormPage, MerchantPageMixin, station_name
from cms.round_views import money
from leasing import fitout
from leasing.models import Lease, LeaseUnit, Milestone, MilestoneDocument
from leasing.schedule import annual_rent, lease_years
from leasing.selectors import leases_for
from leasing.services import turnover_report

Status = Lease.Status
Kind = Milestone.Kind
REPORTING = (Status.OPEN, Status.ENDED, Status.TERMINATED)


def my_leases(user, merchant):
    """The company's leases as its user may read them (the selector, narrowed to the company)."""
    return leases_for(user).filter(merchant=merchant)


def lease_url(lease: Lease, anchor: str = "") -> str:
    url = reverse("portal:lease", args=(lease.pk,))
    return f"{url}#{anchor}" if anchor else url


def _milestone_step():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *(When(kind=kind, then=Value(step)) for step, kind in enumerate(Milestone.ORDER)),
        output_field=IntegerField(),
    )


class LeaseListView(MerchantPageMixin, TemplateView):
    """The company's leases with their units, term, rent, status, the next milestone and
    the instalments overdue — in a number of queries that does not grow with the leases."""

    template_name = "cms/portal/tenancy/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        pending = (
            Milestone.objects.filter(lease=OuterRef("pk"), done_on__isnull=True)
            .annotate(step=_milestone_step())
            .order_by("step")
        )
        unpaid = Q(instalments__paid_on__isnull=True)
        leases = (
            my_leases(self.request.user, self.merchant)
            .select_related("station")
            .prefetch_related(
                Prefetch(
                    "lease_units",
                    queryset=LeaseUnit.objects.select_related("unit").order_by("unit__code"),
                )
            )
            .annotate(
                next_milestone_kind=Subquery(pending.values("kind")[:1]),
                next_milestone_due=Subquery(pending.values("due_on")[:1]),
                next_due=Min("instalments__due_date", filter=unpaid),
                overdue_count=Count(
                    "instalments",
                    filter=unpaid & Q(instalments__due_date__lt=today) & ~Q(status=Status.DRAFT),
                ),
            )
            .order_by("-start_date", "code")
        )
        rows = []
        for lease in leases:
            rows.append(
                {
                    "lease": lease,
                    "station": station_name(lease.station),
                    "units": [lu.unit for lu in lease.lease_units.all()],
                    "rent": money(lease.annual_rent),
                    "next_milestone": Kind(lease.next_milestone_kind).label
                    if lease.next_milestone_kind and lease.status in fitout.PLANNING
                    else None,
                    "last_day": lease.end_date - dt.timedelta(days=1),
                }
            )
        context.update(merchant=self.merchant, rows=rows, today=today)
        return context


class LeasePageMixin(MerchantPageMixin):
    """A page about one of the company's leases (404 alike for missing and another's)."""

    def load(self) -> None:
        super().load()
        self.lease  # noqa: B018

    @cached_property
    def lease(self) -> Lease:
        lease = (
            my_leases(self.request.user, self.merchant)
            .select_related("station", "business_type", "merchant", "responsible_officer")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if lease is None:
            raise Http404(_("No such lease."))
        return lease

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(lease=self.lease, merchant=self.merchant, lease_url=lease_url(self.lease))
        return context


def may_submit_design(user, milestone: Milestone, lease: Lease) -> bool:
    return (
        milestone.kind == Kind.DESIGN_SUBMITTED
        and milestone.done_on is None
        and lease.status in fitout.PLANNING
        and fitout.can_do_milestone(user, milestone)
    )


def instalment_rows(lease: Lease, today: dt.date) -> dict:
    rows, due, paid, overdue = [], Decimal("0.00"), Decimal("0.00"), Decimal("0.00")
    for instalment in lease.instalments.order_by("due_date", "pk"):
        late = (
            instalment.paid_on is None
            and instalment.due_date < today
            and lease.status != Status.DRAFT
        )
        state = "paid" if instalment.paid_on else ("overdue" if late else "due")
        due += instalment.amount
        if instalment.paid_on:
            paid += instalment.paid_amount or Decimal("0.00")
        elif late:
            overdue += instalment.amount
        rows.append(
            {
                "instalment": instalment,
                "amount": money(instalment.amount),
                "paid_amount": money(instalment.paid_amount),
                "state": state,
                "period_last": instalment.period_end - dt.timedelta(days=1),
                "days_late": (today - instalment.due_date).days if late else 0,
            }
        )
    return {
        "instalments": rows,
        "total_due": money(due),
        "total_paid": money(paid),
        "total_overdue": money(overdue),
        "overdue_count": sum(1 for row in rows if row["state"] == "overdue"),
    }


class LeaseDetailView(LeasePageMixin, TemplateView):
    """A lease on one page: units, term, rent terms, status, milestones (with the design
    upload), instalments and turnover."""

    template_name = "cms/portal/tenancy/lease.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, lease, today = self.request.user, self.lease, timezone.localdate()
        units = list(lease.lease_units.select_related("unit__level").order_by("unit__code"))
        milestones = sorted(
            lease.milestones.prefetch_related(
                Prefetch("documents", queryset=MilestoneDocument.objects.order_by("uploaded_at"))
            ),
            key=lambda m: Milestone.ORDER.index(m.kind),
        )
        milestone_rows = [
            {
                "milestone": m,
                "state": milestone_state(m, lease, today),
                "documents": [
                    {
                        "document": d,
                        "name": d.file.name.rsplit("/", 1)[-1],
                        "url": reverse("portal:lease_document", args=(lease.pk, d.pk)),
                    }
                    for d in m.documents.all()
                ],
                "design_url": reverse("portal:lease_design", args=(lease.pk, m.pk))
                if may_submit_design(user, m, lease)
                else None,
            }
            for m in milestones
        ]
        reports = list(lease.turnover.order_by("-month"))
        context.update(
            today=today,
            units=[lu.unit for lu in units],
            area_m2=sum((lu.unit.area_m2 for lu in units), Decimal("0.00")),
            station=station_name(lease.station),
            business_type=category_name(lease.business_type) if lease.business_type else None,
            term_months=term_months(lease),
            last_day=lease.end_date - dt.timedelta(days=1),
            rent=money(lease.annual_rent),
            current_year_rent=self.current_year_rent(lease, today),
            minimum_guarantee=money(lease.minimum_guarantee),
            deposit=money(lease.deposit),
            milestones=milestone_rows,
            turnover_reports=[{"report": r, "amount": money(r.amount)} for r in reports],
            turnover_url=reverse("portal:lease_turnover", args=(lease.pk,))
            if lease.status in REPORTING
            else None,
        )
        context.update(instalment_rows(lease, today))
        return context

    @staticmethod
    def current_year_rent(lease: Lease, today: dt.date) -> str | None:
        for year in lease_years(lease.start_date, lease.end_date):
            if year.start <= today < year.end:
                base = max(lease.annual_rent, lease.minimum_guarantee or Decimal("0"))
                return money(annual_rent(base, lease.escalation_pct, year.number))
        return None


class DocumentDownloadView(LeasePageMixin, View):
    """A milestone document of the company's lease (not through the media URL)."""

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


class DesignView(LeasePageMixin, FormPage):
    """Upload the design and record "design submitted" (the one milestone a tenant records)."""

    template_name = "cms/portal/tenancy/design.html"
    form_class = forms_tenancy.DesignForm

    def load(self) -> None:
        super().load()
        self.milestone  # noqa: B018

    @cached_property
    def milestone(self) -> Milestone:
        milestone = Milestone.objects.filter(
            lease=self.lease, pk=self.kwargs["milestone_pk"], kind=Kind.DESIGN_SUBMITTED
        ).first()
        if milestone is None:
            raise Http404(_("No such milestone."))
        return milestone

    def get_form(self, data=None, files=None):
        return self.form_class(data=data, files=files, initial={"done_on": timezone.localdate()})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            milestone=self.milestone,
            offered=may_submit_design(self.request.user, self.milestone, self.lease),
        )
        return context

    def act(self, form):
        fitout.milestone_done(
            actor=self.request.user,
            milestone=self.milestone,
            done_on=form.cleaned_data["done_on"],
            documents=form.cleaned_data["documents"],
        )
        messages.success(
            self.request,
            _("Your design is submitted for approval (fire safety and the station's style)."),
        )
        return redirect(lease_url(self.lease, "milestones"))


class TurnoverView(LeasePageMixin, FormPage):
    """Report a month's turnover; the months reported are listed."""

    template_name = "cms/portal/tenancy/turnover.html"
    form_class = forms_tenancy.TurnoverForm

    def get_form(self, data=None, files=None):
        # Last month, the usual one to report; this month once last month is reported.
        this_month = timezone.localdate().replace(day=1)
        last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
        reported = self.lease.turnover.filter(month=last_month).exists()
        return self.form_class(
            data=data, initial={"month": this_month if reported else last_month}
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = list(self.lease.turnover.order_by("-month"))
        context.update(
            turnover_reports=[{"report": r, "amount": money(r.amount)} for r in reports],
            reporting=self.lease.status in REPORTING,
        )
        return context

    def act(self, form):
        report = turnover_report(
            actor=self.request.user,
            lease=self.lease,
            month=form.cleaned_data["month"],
            amount=form.cleaned_data["amount"],
        )
        messages.success(
            self.request,
            _("The turnover of %(month)s is reported: %(amount)s CNY.")
            % {"month": f"{report.month:%Y-%m}", "amount": money(report.amount)},
        )
        return redirect(reverse("portal:lease_turnover", args=(self.lease.pk,)))


urlpatterns = [
    path("leases/", LeaseListView.as_view(), name="leases"),
    path("leases/<int:pk>/", LeaseDetailView.as_view(), name="lease"),
    path(
        "leases/<int:pk>/milestones/<int:milestone_pk>/design/",
        DesignView.as_view(),
        name="lease_design",
    ),
    path(
        "leases/<int:pk>/documents/<int:document_pk>/",
        DocumentDownloadView.as_view(),
        name="lease_document",
    ),
    path("leases/<int:pk>/turnover/", TurnoverView.as_view(), name="lease_turnover"),
]
