"""The operation pages beyond the lists: record an inspection and mark its follow-up done,
receive and answer a complaint, issue a penalty, keep the fine schedule, record a price check
and list the outlets above the street's price, create a marketing event and enter its outlets,
set a station's spread limits and see where the station stands against them.

Every page finds its record through the policies of cms.operation_policies (a record of a
station the user may not read answers 404, as a missing one does) and every change is a POST
handed to a service of leasing.operation or stations.spread; a refusal comes back on the
field it names and nothing is saved.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from cms import operation_forms as op_forms
from cms.columns import category_name
from cms.forms import apply_service_errors
from cms.lease_views import listed_or_none
from cms.operation_policies import POLICIES, may
from leasing import operation
from leasing.models import (
    Complaint,
    Inspection,
    Lease,
    MarketingEvent,
    Penalty,
    PriceCheck,
    ViolationType,
)
from stations import selectors
from stations.models import SpreadLimit, Station
from stations.spread import spread_limit_set, spread_standing

ABOVE_STREET_PER_PAGE = 50


def get_for(user, model, pk, *, manage: bool = False):
    """The record ``pk`` of ``model`` if ``user`` may read it (change it, with ``manage``);
    404 alike for a missing and a forbidden one."""
    queryset = POLICIES[model].scoped_queryset(user, manage=manage)
    try:
        return queryset.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such record.")) from None


def may_keep(user, model, instance) -> bool:
    return POLICIES[model].user_has_permission_for_instance(user, "change", instance)


def refusal_text(refusal) -> list[str]:
    if isinstance(refusal, ValidationError):
        return [str(m) for m in refusal.messages]
    return [str(refusal) or _("You may not do this.")]


def money(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def violation_name(violation: ViolationType) -> str:
    """A violation type in the page's language (its Chinese name when it has no English)."""
    chinese = (get_language() or "").startswith("zh")
    return violation.name_zh if chinese or not violation.name_en else violation.name_en


# --- the page frame -----------------------------------------------------------------------


class OperationPageMixin(WagtailAdminTemplateMixin):
    """A page under one of the Operation lists (``index_url_name``, ``index_label``)."""

    index_url_name = ""
    index_label = ""
    header_icon = "tasks"

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items]
        if self.index_url_name:
            items.append({"url": reverse(self.index_url_name), "label": self.index_label})
        items.extend(self.trail())
        items.append({"url": "", "label": self.get_page_title()})
        return items

    def trail(self) -> list[dict]:
        return []


class ServiceFormView(OperationPageMixin, FormView):
    """A form handed to a service: refused input comes back on its fields (or on top for a
    refusal the form has no field for), and nothing is saved."""

    template_name = "cms/operation/form.html"
    model = None
    action = "add"
    submit_label = gettext_lazy("Save")
    intro = ""
    user_form = True

    def dispatch(self, request, *args, **kwargs):
        if not may(request.user, self.model, self.action):
            raise PermissionDenied
        self.load(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, request, *args, **kwargs) -> None:
        """Find the record the page is about (404 when the user may not see it)."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.user_form:
            kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            submit_label=self.submit_label,
            cancel_url=self.cancel_url(),
            intro=self.intro,
        )
        return context

    def cancel_url(self) -> str:
        return reverse(self.index_url_name)

    def call_service(self, data):  # pragma: no cover - each view names its service
        raise NotImplementedError

    def success_text(self, result) -> str:  # pragma: no cover - each view says what it did
        raise NotImplementedError

    def success_url(self, result) -> str:
        return reverse(self.index_url_name)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                result = self.call_service(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error, geometry_field=None)
            messages.error(self.request, _("Nothing was saved: see the fields marked below."))
            return self.form_invalid(form)
        except PermissionDenied as refusal:
            form.add_error(None, refusal_text(refusal))
            messages.error(self.request, _("Nothing was saved: see the fields marked below."))
            return self.form_invalid(form)
        messages.success(self.request, self.success_text(result))
        return redirect(self.success_url(result))


# --- inspections --------------------------------------------------------------------------


def checklist_view(inspection: Inspection) -> list[dict]:
    labels = dict(operation.ChecklistItem.choices)
    return [
        {
            "item": entry["item"],
            "label": labels.get(entry["item"], entry["item"]),
            "passed": entry["passed"],
            "note": entry.get("note", ""),
        }
        for entry in inspection.checklist
    ]


def follow_up_state(inspection: Inspection, today) -> str:
    """none, open, overdue or done."""
    if not inspection.follow_up:
        return "none"
    if inspection.follow_up_done_on is not None:
        return "done"
    if inspection.follow_up_due is not None and inspection.follow_up_due < today:
        return "overdue"
    return "open"


class InspectionCreateView(ServiceFormView):
    model = Inspection
    form_class = op_forms.InspectionForm
    template_name = "cms/operation/inspection_form.html"
    page_title = gettext_lazy("Record an inspection")
    submit_label = gettext_lazy("Record the inspection")
    index_url_name = "inspections:index"
    index_label = gettext_lazy("Inspections")
    header_icon = "clipboard-list"

    def get_initial(self):
        initial = super().get_initial()
        wanted = self.request.GET.get("outlet", "")
        if wanted.isdigit():
            initial["lease"] = int(wanted)
        return initial

    def call_service(self, data):
        return operation.inspection_record(
            actor=self.request.user,
            lease=data["lease"],
            inspected_on=data["inspected_on"],
            checklist=self.form_checklist,
            score=data["score"],
            findings=data["findings"],
            follow_up=data["follow_up"],
            follow_up_due=data["follow_up_due"],
        )

    def form_valid(self, form):
        self.form_checklist = form.checklist_items()
        return super().form_valid(form)

    def success_text(self, inspection):
        return _("Inspection of %(code)s on %(day)s recorded (score %(score)s).") % {
            "code": inspection.lease.code,
            "day": inspection.inspected_on,
            "score": inspection.score,
        }

    def success_url(self, inspection):
        return reverse("inspections:detail", args=(inspection.pk,))


class InspectionDetailView(ServiceFormView):
    """An inspection on one page, with the follow-up to mark done and the penalties citing
    it."""

    model = Inspection
    action = "view"
    form_class = op_forms.FollowUpDoneForm
    user_form = False
    template_name = "cms/operation/inspection_detail.html"
    submit_label = gettext_lazy("Mark the follow-up done")
    index_url_name = "inspections:index"
    index_label = gettext_lazy("Inspections")
    header_icon = "clipboard-list"

    def load(self, request, pk):
        self.inspection = get_for(request.user, Inspection, pk)

    def get_page_title(self):
        return _("Inspection of %(code)s") % {"code": self.inspection.lease.code}

    def get_page_subtitle(self):
        return str(self.inspection.inspected_on)

    def post(self, request, *args, **kwargs):
        if not (self.follow_up_offered and may_keep(request.user, Inspection, self.inspection)):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    @cached_property
    def follow_up_offered(self) -> bool:
        i = self.inspection
        return bool(i.follow_up) and i.follow_up_done_on is None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        i, user = self.inspection, self.request.user
        lease = Lease.objects.select_related("station", "merchant").get(pk=i.lease_id)
        penalties = list(
            i.penalties.select_related("violation", "issued_by").order_by("issued_on", "pk")
        )
        may_fine = may(user, Penalty, "add") and POLICIES[
            Penalty
        ].user_has_permission_for_instance(user, "add", Penalty(lease=lease))
        context.update(
            inspection=i,
            lease=lease,
            checklist=checklist_view(i),
            state=follow_up_state(i, timezone.localdate()),
            may_mark_done=self.follow_up_offered and may_keep(user, Inspection, i),
            penalties=[
                {"penalty": p, "amount": money(p.amount), "violation": violation_name(p.violation)}
                for p in penalties
            ],
            penalty_url=(reverse("penalties:add") + f"?inspection={i.pk}" if may_fine else None),
            outlet_url=reverse("inspections:index") + f"?outlet={lease.code}",
        )
        return context

    def cancel_url(self):
        return reverse("inspections:index")

    def call_service(self, data):
        return operation.inspection_follow_up_done(
            actor=self.request.user, inspection=self.inspection, done_on=data["done_on"]
        )

    def success_text(self, inspection):
        return _("The follow-up of %(code)s was done on %(day)s.") % {
            "code": inspection.lease.code,
            "day": inspection.follow_up_done_on,
        }

    def success_url(self, inspection):
        return reverse("inspections:detail", args=(inspection.pk,))


# --- complaints ---------------------------------------------------------------------------


def complaint_state(complaint: Complaint, now) -> str:
    """answered (in time), late (answered after its time), overdue or open."""
    if complaint.answered_at is not None:
        return "answered" if complaint.answered_in_time else "late"
    return "overdue" if complaint.answer_due_at < now else "open"


class ComplaintCreateView(ServiceFormView):
    model = Complaint
    form_class = op_forms.ComplaintForm
    page_title = gettext_lazy("Receive a complaint")
    submit_label = gettext_lazy("Record the complaint")
    index_url_name = "complaints:index"
    index_label = gettext_lazy("Passenger complaints")
    header_icon = "mail"
    intro = gettext_lazy(
        "A passenger's complaint about an outlet or the station's commerce. The time to answer "
        "runs from when it was received."
    )

    def call_service(self, data):
        return operation.complaint_receive(
            actor=self.request.user,
            station=data["station"],
            lease=data["lease"],
            category=data["category"],
            received_at=data["received_at"],
            description=data["description"],
            service_hours=data["service_hours"],
        )

    def success_text(self, complaint):
        return _("Complaint recorded: to be answered by %(when)s.") % {
            "when": timezone.localtime(complaint.answer_due_at).strftime("%Y-%m-%d %H:%M")
        }

    def success_url(self, complaint):
        return reverse("complaints:detail", args=(complaint.pk,))


class ComplaintDetailView(ServiceFormView):
    model = Complaint
    action = "view"
    form_class = op_forms.ComplaintAnswerForm
    user_form = False
    template_name = "cms/operation/complaint_detail.html"
    submit_label = gettext_lazy("Answer the complaint")
    index_url_name = "complaints:index"
    index_label = gettext_lazy("Passenger complaints")
    header_icon = "mail"

    def load(self, request, pk):
        self.complaint = get_for(request.user, Complaint, pk)

    def get_page_title(self):
        return _("Complaint of %(when)s") % {
            "when": timezone.localtime(self.complaint.received_at).strftime("%Y-%m-%d %H:%M")
        }

    @cached_property
    def may_answer(self) -> bool:
        return self.complaint.answered_at is None and may_keep(
            self.request.user, Complaint, self.complaint
        )

    def post(self, request, *args, **kwargs):
        if not self.may_answer:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        c, user = self.complaint, self.request.user
        c = Complaint.objects.select_related("station", "lease__merchant").get(pk=c.pk)
        may_fine = (
            c.lease_id is not None
            and c.lease.status == Lease.Status.OPEN
            and POLICIES[Penalty].user_has_permission_for_instance(
                user, "add", Penalty(lease=c.lease)
            )
        )
        context.update(
            complaint=c,
            state=complaint_state(c, timezone.now()),
            may_answer=self.may_answer,
            penalties=[
                {"penalty": p, "amount": money(p.amount), "violation": violation_name(p.violation)}
                for p in c.penalties.select_related("violation", "lease").order_by("pk")
            ],
            penalty_url=reverse("penalties:add") + f"?complaint={c.pk}" if may_fine else None,
        )
        return context

    def cancel_url(self):
        return reverse("complaints:index")

    def call_service(self, data):
        return operation.complaint_answer(
            actor=self.request.user, complaint=self.complaint, resolution=data["resolution"]
        )

    def success_text(self, complaint):
        if complaint.answered_in_time:
            return _("The complaint is answered, within its %(hours)s hours.") % {
                "hours": complaint.service_hours
            }
        return _("The complaint is answered, after its %(hours)s hours had run out.") % {
            "hours": complaint.service_hours
        }

    def success_url(self, complaint):
        return reverse("complaints:detail", args=(complaint.pk,))


# --- penalties ----------------------------------------------------------------------------


class PenaltyCreateView(ServiceFormView):
    model = Penalty
    form_class = op_forms.PenaltyForm
    page_title = gettext_lazy("Issue a penalty")
    submit_label = gettext_lazy("Issue the penalty")
    index_url_name = "penalties:index"
    index_label = gettext_lazy("Penalties")
    header_icon = "warning"
    intro = gettext_lazy(
        "A penalty cites the inspection of the outlet or the complaint about it that it comes "
        "from; the amount is the fine schedule's for the violation today."
    )

    def get_initial(self):
        initial = super().get_initial()
        user = self.request.user
        wanted = self.request.GET
        if wanted.get("inspection", "").isdigit():
            inspection = get_for(user, Inspection, int(wanted["inspection"]))
            initial.update(inspection=inspection.pk, lease=inspection.lease_id)
        elif wanted.get("complaint", "").isdigit():
            complaint = get_for(user, Complaint, int(wanted["complaint"]))
            initial.update(complaint=complaint.pk, lease=complaint.lease_id)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["no_schedule"] = not ViolationType.objects.exists()
        context["schedule_url"] = reverse("violation-types:index")
        return context

    def call_service(self, data):
        return operation.penalty_issue(
            actor=self.request.user,
            lease=data["lease"],
            violation=data["violation"],
            inspection=data["inspection"],
            complaint=data["complaint"],
            note=data["note"],
        )

    def success_text(self, penalty):
        return _("Penalty of %(amount)s CNY issued to %(code)s for %(violation)s.") % {
            "amount": money(penalty.amount),
            "code": penalty.lease.code,
            "violation": violation_name(penalty.violation),
        }


# --- the fine schedule --------------------------------------------------------------------


class ViolationTypeFormView(ServiceFormView):
    model = ViolationType
    form_class = op_forms.ViolationTypeForm
    user_form = False
    page_title = gettext_lazy("Add a violation type")
    submit_label = gettext_lazy("Save")
    index_url_name = "violation-types:index"
    index_label = gettext_lazy("Fine schedule")
    header_icon = "warning"
    existing = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["existing"] = self.existing
        return kwargs

    def call_service(self, data):
        return operation.violation_type_set(
            actor=self.request.user,
            code=self.existing.code if self.existing else data["code"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            fine=data["fine"],
        )

    def success_text(self, violation):
        return _("%(name)s: fine %(fine)s CNY.") % {
            "name": violation.name_zh,
            "fine": money(violation.fine),
        }


class ViolationTypeEditView(ViolationTypeFormView):
    action = "change"
    page_title = gettext_lazy("Change a violation type")

    def load(self, request, pk):
        try:
            self.existing = ViolationType.objects.get(pk=pk)
        except (ViolationType.DoesNotExist, ValueError):
            raise Http404(_("No such record.")) from None

    def get_page_subtitle(self):
        return self.existing.code


class LoadDefaultScheduleView(OperationPageMixin, TemplateView):
    """The default fine schedule: what it would add, and a POST that adds it."""

    template_name = "cms/operation/load_defaults.html"
    page_title = gettext_lazy("Load the default schedule")
    index_url_name = "violation-types:index"
    index_label = gettext_lazy("Fine schedule")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not may(request.user, ViolationType, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        have = set(ViolationType.objects.values_list("code", flat=True))
        context["defaults"] = [
            {"code": code, "name_zh": zh, "name_en": en, "fine": fine, "present": code in have}
            for code, zh, en, fine in operation.DEFAULT_VIOLATION_TYPES
        ]
        context["missing"] = sum(1 for row in context["defaults"] if not row["present"])
        context["index_url"] = reverse("violation-types:index")
        return context

    def post(self, request, *args, **kwargs):
        try:
            added = operation.violation_types_load_defaults(actor=request.user)
        except (ValidationError, PermissionDenied) as refusal:
            for text in refusal_text(refusal):
                messages.error(request, text)
            return redirect("violation-types:load_defaults")
        if added:
            messages.success(
                request,
                ngettext(
                    "%(n)d violation type added to the fine schedule.",
                    "%(n)d violation types added to the fine schedule.",
                    len(added),
                )
                % {"n": len(added)},
            )
        else:
            messages.info(request, _("The fine schedule already holds every default type."))
        return redirect("violation-types:index")


# --- price checks -------------------------------------------------------------------------


class PriceCheckCreateView(ServiceFormView):
    model = PriceCheck
    form_class = op_forms.PriceCheckForm
    page_title = gettext_lazy("Record a price check")
    submit_label = gettext_lazy("Record the check")
    index_url_name = "price-checks:index"
    index_label = gettext_lazy("Price checks")
    header_icon = "tag"
    intro = gettext_lazy(
        "Same quality, same price (同质同价): a chain item's price in the station against the "
        "same item in the street. A station price above the street's is flagged."
    )

    def get_initial(self):
        initial = super().get_initial()
        wanted = self.request.GET.get("outlet", "")
        if wanted.isdigit():
            initial["lease"] = int(wanted)
        return initial

    def call_service(self, data):
        return operation.price_check_record(
            actor=self.request.user,
            lease=data["lease"],
            item=data["item"],
            station_price=data["station_price"],
            street_price=data["street_price"],
            checked_on=data["checked_on"],
        )

    def success_text(self, check):
        if check.above_street:
            return _(
                "Price check recorded: %(item)s at %(code)s costs %(station)s CNY, above the "
                "street price of %(street)s CNY."
            ) % {
                "item": check.item,
                "code": check.lease.code,
                "station": money(check.station_price),
                "street": money(check.street_price),
            }
        return _("Price check recorded: %(item)s at %(code)s is not above the street price.") % {
            "item": check.item,
            "code": check.lease.code,
        }


class AboveStreetView(OperationPageMixin, TemplateView):
    """The outlets whose latest check of some item found the station's price above the
    street's (leasing.operation.outlets_above_street), with those items."""

    template_name = "cms/operation/above_street.html"
    page_title = gettext_lazy("Outlets above street price")
    index_url_name = "price-checks:index"
    index_label = gettext_lazy("Price checks")
    header_icon = "tag"

    def dispatch(self, request, *args, **kwargs):
        if not may(request.user, PriceCheck, "view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        outlets = operation.outlets_above_street(self.request.user)
        page = Paginator(outlets, ABOVE_STREET_PER_PAGE).get_page(self.request.GET.get("p"))
        leases = list(page.object_list)
        flagged = {}
        checks = (
            PriceCheck.objects.filter(lease__in=[lease.pk for lease in leases])
            .order_by("lease_id", "item", "-checked_on", "-pk")
            .only("lease_id", "item", "checked_on", "station_price", "street_price")
        )
        seen = set()
        for check in checks:  # the latest check of each item, kept when it is above
            if (check.lease_id, check.item) in seen:
                continue
            seen.add((check.lease_id, check.item))
            if check.above_street:
                flagged.setdefault(check.lease_id, []).append(
                    {
                        "check": check,
                        "station": money(check.station_price),
                        "street": money(check.street_price),
                        "over": money(check.station_price - check.street_price),
                    }
                )
        index_url = reverse("price-checks:index")
        context.update(
            page=page,
            rows=[
                {
                    "lease": lease,
                    "items": flagged.get(lease.pk, []),
                    "checks_url": f"{index_url}?outlet={lease.code}",
                }
                for lease in leases
            ],
            index_url=index_url,
        )
        return context


# --- marketing events ---------------------------------------------------------------------


class EventCreateView(ServiceFormView):
    model = MarketingEvent
    form_class = op_forms.MarketingEventForm
    page_title = gettext_lazy("New marketing event")
    submit_label = gettext_lazy("Create the event")
    index_url_name = "marketing-events:index"
    index_label = gettext_lazy("Marketing events")
    header_icon = "calendar"

    def call_service(self, data):
        return operation.marketing_event_create(
            actor=self.request.user,
            title=data["title"],
            station=data["station"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            description=data["description"],
        )

    def success_text(self, event):
        return _("Marketing event “%(title)s” created: now enter the outlets taking part.") % {
            "title": event.title
        }

    def success_url(self, event):
        return reverse("marketing-events:detail", args=(event.pk,))


class EventDetailView(ServiceFormView):
    """An event with the outlets taking part; its keepers enter more."""

    model = MarketingEvent
    action = "view"
    form_class = op_forms.EventOutletsForm
    user_form = False
    template_name = "cms/operation/event_detail.html"
    submit_label = gettext_lazy("Enter the outlets chosen")
    index_url_name = "marketing-events:index"
    index_label = gettext_lazy("Marketing events")
    header_icon = "calendar"

    def load(self, request, pk):
        self.event = get_for(request.user, MarketingEvent, pk)

    def get_page_title(self):
        return self.event.title

    @cached_property
    def may_enter(self) -> bool:
        return may_keep(self.request.user, MarketingEvent, self.event)

    @cached_property
    def chosen_station(self) -> Station | None:
        """For a network event, the station whose outlets the form offers."""
        if self.event.station_id is not None or not self.may_enter:
            return None
        stations = selectors.stations_for(self.request.user, manage=True).order_by("code")
        code = self.request.GET.get("station", "")
        return stations.filter(code=code).first() if code else stations.first()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["outlets"] = (
            op_forms.event_candidates(self.request.user, self.event, self.chosen_station)
            if self.may_enter
            else Lease.objects.none()
        )
        return kwargs

    def post(self, request, *args, **kwargs):
        if not self.may_enter:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.event
        today = timezone.localdate()
        outlets = list(
            event.outlets.select_related("station", "merchant").order_by("station__code", "code")
        )
        context.update(
            event=event,
            outlets=outlets,
            may_enter=self.may_enter,
            running=event.starts_on <= today <= event.ends_on,
            over=event.ends_on < today,
            chosen_station=self.chosen_station,
            stations=(
                list(selectors.stations_for(self.request.user, manage=True).order_by("code"))
                if event.station_id is None and self.may_enter
                else []
            ),
        )
        return context

    def cancel_url(self):
        return reverse("marketing-events:index")

    def call_service(self, data):
        return operation.marketing_event_add_outlets(
            actor=self.request.user, event=self.event, outlets=list(data["outlets"])
        )

    def success_text(self, event):
        return _("%(event)s now has %(n)s outlets taking part.") % {
            "event": event.title,
            "n": event.outlets.count(),
        }

    def success_url(self, event):
        url = reverse("marketing-events:detail", args=(event.pk,))
        if self.chosen_station is not None:
            url += f"?station={self.chosen_station.code}"
        return url


# --- spread limits ------------------------------------------------------------------------


class SpreadLimitFormView(ServiceFormView):
    model = SpreadLimit
    form_class = op_forms.SpreadLimitForm
    page_title = gettext_lazy("Set a spread limit")
    submit_label = gettext_lazy("Save the limit")
    index_url_name = "spread-limits:index"
    index_label = gettext_lazy("Spread limits")
    header_icon = "resubmit"
    intro = gettext_lazy(
        "错位经营: the most outlets of one business type the station takes on each level and in "
        "all. Outlets already let stay; new lots and leases beyond a limit are refused."
    )
    existing = None

    def get_initial(self):
        initial = super().get_initial()
        code = self.request.GET.get("station", "")
        if code and self.existing is None:
            station = selectors.stations_for(self.request.user, manage=True).filter(code=code)
            if station := station.first():
                initial["station"] = station.pk
        return initial

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["existing"] = self.existing
        return kwargs

    def call_service(self, data):
        existing = self.existing
        return spread_limit_set(
            actor=self.request.user,
            station=existing.station if existing else data["station"],
            business_type=existing.business_type if existing else data["business_type"],
            max_per_level=data["max_per_level"],
            max_per_station=data["max_per_station"],
        )

    def form_valid(self, form):
        self.station = self.existing.station if self.existing else form.cleaned_data["station"]
        return super().form_valid(form)

    def success_text(self, limit):
        if limit is None:
            return _("The limit is removed.")
        return _(
            "%(station)s: at most %(level)s per level and %(total)s in the station for %(type)s."
        ) % {
            "station": limit.station.code,
            "level": limit.max_per_level or "—",
            "total": limit.max_per_station or "—",
            "type": category_name(limit.business_type),
        }

    def success_url(self, limit):
        return reverse("spread-limits:station", args=(self.station.code,))


class SpreadLimitEditView(SpreadLimitFormView):
    action = "change"
    page_title = gettext_lazy("Change a spread limit")

    def load(self, request, pk):
        self.existing = get_for(request.user, SpreadLimit, pk, manage=True)

    def get_page_subtitle(self):
        return f"{self.existing.station.code} · {category_name(self.existing.business_type)}"


class SpreadStationView(OperationPageMixin, TemplateView):
    """A station's limits and where it stands against them: the outlets counted per level
    and in all, and the rules already broken (stations.spread.spread_standing)."""

    template_name = "cms/operation/spread_station.html"
    index_url_name = "spread-limits:index"
    index_label = gettext_lazy("Spread limits")
    header_icon = "resubmit"

    def dispatch(self, request, code, *args, **kwargs):
        if not may(request.user, SpreadLimit, "view"):
            raise PermissionDenied
        self.station = selectors.get_station_for(request.user, code)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Spread of outlets at %(station)s") % {"station": self.station.code}

    def get_page_subtitle(self):
        return f"{self.station.name_zh} {self.station.name_en}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        may_set = may(user, SpreadLimit, "add") and POLICIES[
            SpreadLimit
        ].user_has_permission_for_instance(user, "add", SpreadLimit(station=self.station))
        rows = []
        for standing in spread_standing(station=self.station):
            limit = standing.limit
            rows.append(
                {
                    "standing": standing,
                    "type": category_name(limit.business_type),
                    "is_class": limit.business_type.parent_id is None,
                    "most_level": max((n for _name, n in standing.per_level), default=0),
                    "edit_url": (
                        reverse("spread-limits:edit", args=(limit.pk,)) if may_set else None
                    ),
                }
            )
        context.update(
            station=self.station,
            rows=rows,
            faults=sum(len(r["standing"].faults) for r in rows),
            add_url=(
                reverse("spread-limits:add") + f"?station={self.station.code}" if may_set else None
            ),
            # No list of thousands to switch between: then the station is reached from the list.
            stations=listed_or_none(
                selectors.stations_for(user).order_by("code").only("code", "name_zh")
            ),
        )
        return context


def events_running(user, day):
    """The marketing events ``user`` may read running on ``day``, with their outlet counts."""
    return (
        POLICIES[MarketingEvent]
        .scoped_queryset(user, manage=False)
        .filter(starts_on__lte=day, ends_on__gte=day)
        .select_related("station")
        .annotate(outlet_count=Count("outlets"))
        .order_by("ends_on", "title")
    )
