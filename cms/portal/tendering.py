"""Portal: tendering — the rounds a merchant may apply to, its application with the threshold
checks, its sealed bids and their receipts, the opening record, the result and objections.

Every page is the signed-in user's company's (tenders.services.company_of): a round comes from
tenders.round_selectors.rounds_for, a bid or a lot from that round and that company only, so
that another merchant's id answers 404 like a missing one. Every change goes through a tender
service and a refusal comes back in the service's words, on the field it names. Nothing here
reads a sealed bid: before the opening a merchant sees its receipts, never an amount.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from cms.arrival import arrival_of
from cms.columns import category_name
from cms.forms import apply_service_errors
from cms.portal import forms_tendering
from cms.round_views import THRESHOLD_LABELS, money, opening_record_view
from tenders import result as outcome
from tenders.applications import application_checks, application_submit
from tenders.bids import BIDDING_STATUSES, bid_submit, bid_withdraw, deadline_rule
from tenders.models import (
    Application,
    Award,
    Bid,
    Lot,
    Objection,
    OpenedBid,
    RoundDocument,
    TenderRound,
)
from tenders.opening import may_see_opening, opening_record_for
from tenders.round_selectors import PUBLIC_STATUSES, lots_for, rounds_for
from tenders.rounds import SCHEDULE_FIELDS, when
from tenders.services import company_of

Status = TenderRound.Status
RESULT_STATUSES = (Status.PUBLICITY, Status.AWARDED)


# --- the signed-in merchant ---------------------------------------------------------------


def sign_in_url() -> str:
    """The portal's sign-in page once it exists, the site's login page until then."""
    try:
        return reverse("portal:sign_in")
    except NoReverseMatch:
        return resolve_url(settings.LOGIN_URL)


def _portal_url(*names: str) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def station_name(station) -> str:
    chinese = (get_language() or "").startswith("zh")
    return station.name_zh if chinese or not station.name_en else station.name_en


class MerchantPageMixin:
    """A page of the signed-in user's company: anonymous visitors go to the sign-in page; a
    user who belongs to no company is told to register one (they have nothing to see)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), sign_in_url())
        self.merchant = company_of(request.user)
        if self.merchant is None:
            return render(
                request,
                "cms/portal/tendering/no_company.html",
                {"register_url": _portal_url("portal:company_register", "portal:home")},
                status=403,
            )
        self.load()
        return super().dispatch(request, *args, **kwargs)

    def load(self) -> None:
        """Find the page's objects (raising Http404) before any handler runs."""


# --- rounds -------------------------------------------------------------------------------


def portal_rounds(user, merchant):
    """The rounds the merchant's user sees in the portal: the published notices and any round
    the company applied to (rounds_for, narrowed to what a merchant is shown)."""
    applied = Application.objects.filter(round=OuterRef("pk"), merchant=merchant)
    public = Q(status__in=PUBLIC_STATUSES, publication_at__lte=timezone.now())
    return rounds_for(user).filter(public | Q(Exists(applied)))


def get_portal_round(user, merchant, pk) -> TenderRound:
    round = portal_rounds(user, merchant).filter(pk=pk).first()
    if round is None:
        raise Http404(_("No such tender round."))
    return round


def taking_applications(round: TenderRound, now) -> bool:
    return (
        round.status == Status.PUBLISHED
        and round.application_opens_at <= now < round.application_closes_at
    )


def taking_bids(round: TenderRound, now) -> bool:
    return round.status in BIDDING_STATUSES and now < round.bid_deadline


def round_url(round: TenderRound, anchor: str = "") -> str:
    url = reverse("portal:tender", args=(round.pk,))
    return f"{url}#{anchor}" if anchor else url


ROUNDS_PER_PAGE = 20


def count_lots(rounds: list[TenderRound]) -> None:
    """Sets ``lot_count`` on each of ``rounds`` (a page) in one query: an annotation on the
    whole list made the database count the lots of every open round (2,000 at national size)
    before it cut the page."""
    counts = dict(
        Lot.objects.filter(round__in=[round.pk for round in rounds])
        .values_list("round")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for round in rounds:
        round.lot_count = counts.get(round.pk, 0)


class RoundListView(MerchantPageMixin, TemplateView):
    """The rounds taking applications now, and the rounds the company applied to."""

    template_name = "cms/portal/tendering/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        # The lists below hold published rounds only, which a merchant sees once their
        # notice is out (applications open after publication): the public notices, without
        # portal_rounds' test of the company's applications, which the database ran on
        # every round of the network (0.3 s a query at national size).
        rounds = rounds_for(AnonymousUser()).order_by("application_closes_at", "code")
        mine = {
            application.round_id: application
            for application in Application.objects.filter(merchant=self.merchant)
            .select_related("round")
            .annotate(lot_count=Count("lots"))
        }
        # A page of each at a time: the national network has thousands of rounds open at once.
        open_page = Paginator(
            rounds.filter(
                status=Status.PUBLISHED,
                application_opens_at__lte=now,
                application_closes_at__gt=now,
            ),
            ROUNDS_PER_PAGE,
        ).get_page(self.request.GET.get("page"))
        open_rounds = [{"round": round, "application": mine.get(round.pk)} for round in open_page]
        upcoming_page = Paginator(
            rounds.filter(status=Status.PUBLISHED, application_opens_at__gt=now).exclude(
                pk__in=mine.keys()
            ),
            ROUNDS_PER_PAGE,
        ).get_page(self.request.GET.get("soon"))
        upcoming = list(upcoming_page)
        count_lots([entry["round"] for entry in open_rounds] + upcoming)
        applied = sorted(
            mine.values(), key=lambda a: (a.round.status in (Status.AWARDED, Status.FAILED,
                                                              Status.CANCELLED),
                                          -a.submitted_at.timestamp()),
        )  # fmt: skip
        context.update(
            merchant=self.merchant,
            open_rounds=open_rounds,
            upcoming=upcoming,
            open_page=open_page,
            upcoming_page=upcoming_page,
            applications=applied,
            now=now,
        )
        return context


def schedule_rows(round: TenderRound, now) -> list[dict]:
    names = [*SCHEDULE_FIELDS]
    if round.publicity_ends_at:
        names.append("publicity_ends_at")
    return [
        {
            "label": capfirst(TenderRound._meta.get_field(name).verbose_name),
            "value": getattr(round, name),
            "passed": getattr(round, name) <= now,
        }
        for name in names
    ]


def check_rows(checks: list[dict]) -> list[dict]:
    return [
        {**check, "label": THRESHOLD_LABELS.get(check["threshold"], check["threshold"])}
        for check in checks
    ]


def lot_rows(user, round: TenderRound) -> list[dict]:
    rows = []
    for lot in lots_for(user, round):
        units = sorted(lot.units.all(), key=lambda unit: unit.code)
        rows.append(
            {
                "lot": lot,
                "station": station_name(lot.station),
                "units": units,
                "area_m2": sum((unit.area_m2 for unit in units), Decimal("0.00")),
                "business_type": category_name(lot.business_type),
                "reserve": money(lot.reserve_annual_rent),  # None until the award
            }
        )
    return rows


def my_application(round: TenderRound, merchant) -> Application | None:
    return (
        Application.objects.filter(round=round, merchant=merchant)
        .prefetch_related(Prefetch("lots", queryset=Lot.objects.order_by("number")))
        .first()
    )


def my_bids(round: TenderRound, merchant) -> list[Bid]:
    """The company's bid rows (receipts only, never the sealed content), newest first."""
    return list(
        Bid.objects.filter(round=round, merchant=merchant)
        .select_related("lot")
        .only(
            "receipt_number",
            "received_at",
            "digest",
            "status",
            "version",
            "withdrawn_at",
            "lot__number",
            "lot__title",
            "round_id",
            "merchant_id",
        )
        .order_by("lot__number", "-version")
    )


class RoundPageMixin(MerchantPageMixin):
    """A page about one round the merchant may see (404 alike for missing and forbidden)."""

    def load(self) -> None:
        super().load()
        self.round  # noqa: B018

    @cached_property
    def round(self) -> TenderRound:
        return get_portal_round(self.request.user, self.merchant, self.kwargs["pk"])

    @cached_property
    def application(self) -> Application | None:
        return my_application(self.round, self.merchant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(round=self.round, merchant=self.merchant, round_url=round_url(self.round))
        return context


def documents_of(round: TenderRound) -> list[dict]:
    rows, seen = [], set()
    for document in round.documents.order_by("kind", "-version"):
        rows.append(
            {
                "document": document,
                "current": document.kind not in seen,
                "url": reverse("portal:tender_document", args=(round.pk, document.pk)),
            }
        )
        seen.add(document.kind)
    return rows


class RoundDetailView(RoundPageMixin, TemplateView):
    """A round for the merchant: schedule, lots, thresholds (its own checks), documents with
    their SHA-256, its application and bids, and what it may do now."""

    template_name = "cms/portal/tendering/round.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, round, now = self.request.user, self.round, timezone.now()
        application = self.application
        if application is not None:
            checks, checks_stored = application.checks, True
        else:
            checks = application_checks(round, self.merchant, on=timezone.localdate(now))
            checks_stored = False
        applied_lots = set(application.lots.all()) if application else set()
        admitted = application is not None and application.status == Application.Status.ADMITTED
        bids = my_bids(round, self.merchant)
        active = {bid.lot_id: bid for bid in bids if bid.status == Bid.Status.ACTIVE}
        bidding = admitted and taking_bids(round, now)
        lots = lot_rows(user, round)
        for row in lots:
            lot = row["lot"]
            row["applied"] = lot in applied_lots
            row["active_bid"] = active.get(lot.pk)
            row["bid_url"] = (
                reverse("portal:bid_submit", args=(round.pk, lot.pk))
                if bidding and row["applied"] and lot.status == Lot.Status.OPEN
                else None
            )
        may_apply = taking_applications(round, now) and (
            application is None or application.status == Application.Status.PENDING
        )
        opened = hasattr(round, "opening") and may_see_opening(user, round)
        context.update(
            now=now,
            schedule=schedule_rows(round, now),
            lots=lots,
            checks=check_rows(checks),
            checks_stored=checks_stored,
            passes_all=all(check["passed"] for check in checks),
            documents=documents_of(round),
            application=application,
            applied_lots=sorted(applied_lots, key=lambda lot: lot.number),
            bids=[
                {
                    "bid": bid,
                    "receipt_url": reverse("portal:bid_receipt", args=(round.pk, bid.pk)),
                    "withdraw_url": reverse("portal:bid_withdraw", args=(round.pk, bid.pk))
                    if bidding and bid.status == Bid.Status.ACTIVE
                    else None,
                }
                for bid in bids
            ],
            bidding=bidding,
            apply_url=reverse("portal:tender_apply", args=(round.pk,)) if may_apply else None,
            opening_url=reverse("portal:tender_opening", args=(round.pk,)) if opened else None,
            result_url=reverse("portal:tender_result", args=(round.pk,))
            if application is not None and round.status in RESULT_STATUSES
            else None,
            deadline=when(round.bid_deadline),
            publicity_ends=when(round.publicity_ends_at)
            if round.status == Status.PUBLICITY and now < round.publicity_ends_at
            else None,
        )
        return context


class DocumentDownloadView(RoundPageMixin, View):
    """A document of a round the merchant may see (not through the public media URL)."""

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


def refusal_text(refusal) -> list[str]:
    if isinstance(refusal, ValidationError):
        return [str(message) for message in refusal.messages]
    return [str(refusal) or _("You may not do this.")]


class FormPage(TemplateView):
    """GET shows the form, POST hands it to ``act``; a refusal is shown on the form, in the
    service's words, and nothing is saved."""

    form_class = None

    def get_form(self, data=None, files=None):
        return self.form_class(data=data, files=files)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    return self.act(form)
            except ValidationError as refusal:
                apply_service_errors(form, refusal, geometry_field=None)
            except PermissionDenied as refusal:
                form.add_error(None, refusal_text(refusal))
        return self.render_to_response(self.get_context_data(form=form, refused=True))

    def act(self, form):
        raise NotImplementedError


class ApplyView(RoundPageMixin, FormPage):
    """Apply (or change the lots applied for) while applications are taken; the checks of
    every threshold are shown before, and stored with the application."""

    template_name = "cms/portal/tendering/apply.html"
    form_class = forms_tendering.ApplicationForm

    def get_form(self, data=None, files=None):
        lots = (
            self.round.lots.filter(status=Lot.Status.OPEN)
            .select_related("station", "business_type")
            .prefetch_related("units")
            .order_by("number")
        )
        initial = {"lots": list(self.application.lots.all())} if self.application else None
        return self.form_class(data=data, lots=lots, initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        checks = application_checks(self.round, self.merchant, on=timezone.localdate())
        context.update(
            checks=check_rows(checks),
            passes_all=all(check["passed"] for check in checks),
            application=self.application,
            taking=taking_applications(self.round, timezone.now()),
        )
        return context

    def act(self, form):
        application = application_submit(
            actor=self.request.user,
            round=self.round,
            merchant=self.merchant,
            lots=list(form.cleaned_data["lots"]),
        )
        if application.passed_all_checks:
            messages.success(
                self.request,
                _("Your application is submitted; it meets every threshold. The officer decides."),
            )
        else:
            messages.warning(
                self.request,
                _("Your application is submitted, but it fails a threshold: see the checks."),
            )
        return redirect(round_url(self.round, "application"))


# --- sealed bids --------------------------------------------------------------------------


class LotPageMixin(RoundPageMixin):
    """A lot of the round that the company applied for (404 otherwise)."""

    def load(self) -> None:
        super().load()
        self.lot  # noqa: B018

    @cached_property
    def lot(self) -> Lot:
        lot = (
            Lot.objects.filter(round=self.round, pk=self.kwargs["lot_pk"])
            .select_related("station", "business_type")
            .first()
        )
        if lot is None or self.application is None or lot not in self.application.lots.all():
            raise Http404(_("No such lot."))
        return lot

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lot"] = self.lot
        context["lot_label"] = forms_tendering.lot_label(self.lot)
        return context


class BidView(LotPageMixin, FormPage):
    """Submit a sealed bid for a lot, or replace the active one, before the deadline."""

    template_name = "cms/portal/tendering/bid.html"
    form_class = forms_tendering.BidForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            active_bid=Bid.objects.filter(
                lot=self.lot, merchant=self.merchant, status=Bid.Status.ACTIVE
            ).first(),
            deadline=when(self.round.bid_deadline),
            taking=taking_bids(self.round, now),
        )
        return context

    def act(self, form):
        receipt = bid_submit(
            actor=self.request.user,
            round=self.round,
            lot=self.lot,
            annual_rent=form.cleaned_data["annual_rent"],
            proposal=form.cleaned_data["proposal"],
            documents=form.cleaned_data["documents"],
            merchant=self.merchant,
            arrived_at=arrival_of(self.request),
        )
        bid = Bid.objects.get(receipt_number=receipt.receipt_number)
        messages.success(
            self.request,
            _("Your bid is sealed: receipt %(receipt)s. Keep the receipt.")
            % {"receipt": receipt.receipt_number},
        )
        return redirect("portal:bid_receipt", self.round.pk, bid.pk)


class BidPageMixin(RoundPageMixin):
    """One of the company's bids in the round (404 for another merchant's or round's)."""

    def load(self) -> None:
        super().load()
        self.bid  # noqa: B018

    @cached_property
    def bid(self) -> Bid:
        bid = (
            Bid.objects.filter(round=self.round, merchant=self.merchant, pk=self.kwargs["bid_pk"])
            .select_related("lot__station", "merchant", "submitted_by")
            .defer("sealed")
            .first()
        )
        if bid is None:
            raise Http404(_("No such bid."))
        return bid

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bid"] = self.bid
        return context


def receipt_context(bid: Bid) -> dict:
    return {
        "bid": bid,
        "deadline_rule": deadline_rule(),
        "round": bid.round,
        "lot": bid.lot,
        "merchant": bid.merchant,
        "station": station_name(bid.lot.station),
        "documents": list(bid.documents.only("position", "digest", "bid_id").order_by("position")),
        "replaced": Bid.objects.filter(lot=bid.lot, merchant=bid.merchant, version__gt=bid.version)
        .only("receipt_number", "version")
        .order_by("version")
        .first(),
    }


class ReceiptView(BidPageMixin, TemplateView):
    """A bid's receipt: number, server time, the SHA-256 of the sealed bid; printable, and as
    a file (``?download=1``). The amount is on no receipt: the bid is sealed."""

    template_name = "cms/portal/tendering/receipt.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("download"):
            html = render_to_string(
                "cms/portal/tendering/receipt_file.html", receipt_context(self.bid), request
            )
            response = HttpResponse(html, content_type="text/html; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="receipt-{self.bid.receipt_number}.html"'
            )
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(receipt_context(self.bid))
        context["withdraw_url"] = (
            reverse("portal:bid_withdraw", args=(self.round.pk, self.bid.pk))
            if self.bid.status == Bid.Status.ACTIVE and taking_bids(self.round, timezone.now())
            else None
        )
        return context


class WithdrawView(BidPageMixin, TemplateView):
    """GET asks for confirmation; POST withdraws the active bid (before the deadline)."""

    template_name = "cms/portal/tendering/withdraw.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        try:
            bid_withdraw(actor=request.user, bid=self.bid, arrived_at=arrival_of(request))
        except (ValidationError, PermissionDenied) as refusal:
            return self.render_to_response(self.get_context_data(errors=refusal_text(refusal)))
        messages.success(
            request,
            _("Bid %(receipt)s is withdrawn.") % {"receipt": self.bid.receipt_number},
        )
        return redirect(round_url(self.round, "bids"))


# --- after the opening --------------------------------------------------------------------


class OpeningView(RoundPageMixin, TemplateView):
    """The opening record, for the round's bidders (404 before the opening and to others)."""

    template_name = "cms/portal/tendering/opening.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            record = opening_record_for(self.request.user, self.round)
        except PermissionDenied:
            raise Http404(_("No opening record.")) from None
        record = opening_record_view(record)
        for lot in record["lots"]:
            for bid in lot["bids"]:
                bid["mine"] = bid.get("merchant_id") == self.merchant.pk
        context["record"] = record
        return context


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


class ResultView(RoundPageMixin, TemplateView):
    """The result in publicity (or awarded) for the lots the company applied for: the ranking
    as the notice shows it, its own bid marked, and objections with the deadline."""

    template_name = "cms/portal/tendering/result.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round, now = self.round, timezone.now()
        result = outcome.standing_result(round) if round.status in RESULT_STATUSES else None
        if self.application is None or result is None:
            raise Http404(_("No published result."))
        my_lots = {lot.number: lot for lot in self.application.lots.all()}
        my_receipts = set(
            Bid.objects.filter(round=round, merchant=self.merchant).values_list(
                "receipt_number", flat=True
            )
        )
        invalid_mine = {
            opened.bid.lot_id: opened.invalid_reason
            for opened in OpenedBid.objects.filter(
                bid__round=round, bid__merchant=self.merchant, is_valid=False
            ).select_related("bid")
        }
        awards = {
            award.lot_id: award
            for award in Award.objects.filter(lot__round=round).select_related("merchant")
        }
        in_publicity = round.status == Status.PUBLICITY and now < round.publicity_ends_at
        lots = []
        for entry in result.report.get("lots", []):
            lot = my_lots.get(entry.get("lot"))
            if lot is None:
                continue
            ranking = [
                {
                    "rank": row.get("rank"),
                    "merchant": row.get("merchant"),
                    "receipt_number": row.get("receipt_number"),
                    "annual_rent": money(_decimal(row.get("annual_rent"))),
                    "total": _decimal(row.get("total")),
                    "mine": row.get("receipt_number") in my_receipts,
                }
                for row in entry.get("ranking", [])
            ]
            award = awards.get(lot.pk)
            lots.append(
                {
                    "lot": lot,
                    "title": entry.get("title"),
                    "ranking": ranking,
                    "my_rank": next((r["rank"] for r in ranking if r["mine"]), None),
                    "invalid_reason": invalid_mine.get(lot.pk),
                    "award": award,
                    "award_rent": money(award.annual_rent) if award else None,
                    "objection_url": reverse("portal:objection_lodge", args=(round.pk, lot.pk))
                    if in_publicity and lot.status == Lot.Status.OPEN
                    else None,
                }
            )
        context.update(
            result=result,
            lots=lots,
            in_publicity=in_publicity,
            publicity_ends=when(round.publicity_ends_at) if round.publicity_ends_at else None,
            objections=list(
                Objection.objects.filter(round=round, merchant=self.merchant)
                .select_related("lot")
                .order_by("-lodged_at")
            ),
        )
        return context


class ObjectionView(LotPageMixin, FormPage):
    """Object to a lot's result during publicity, with grounds, before the deadline shown."""

    template_name = "cms/portal/tendering/objection.html"
    form_class = forms_tendering.ObjectionForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round, now = self.round, timezone.now()
        context.update(
            publicity_ends=when(round.publicity_ends_at) if round.publicity_ends_at else None,
            taking=round.status == Status.PUBLICITY and now < round.publicity_ends_at,
            result_url=reverse("portal:tender_result", args=(round.pk,)),
        )
        return context

    def act(self, form):
        outcome.objection_lodge(
            actor=self.request.user,
            lot=self.lot,
            merchant=self.merchant,
            grounds=form.cleaned_data["grounds"],
        )
        messages.success(
            self.request,
            _("Your objection to %(lot)s is lodged; you will see the decision here.")
            % {"lot": self.lot},
        )
        return redirect(reverse("portal:tender_result", args=(self.round.pk,)) + "#objections")


urlpatterns = [
    path("tenders/", RoundListView.as_view(), name="tenders"),
    path("tenders/<int:pk>/", RoundDetailView.as_view(), name="tender"),
    path("tenders/<int:pk>/apply/", ApplyView.as_view(), name="tender_apply"),
    path(
        "tenders/<int:pk>/documents/<int:document_pk>/",
        DocumentDownloadView.as_view(),
        name="tender_document",
    ),
    path("tenders/<int:pk>/lots/<int:lot_pk>/bid/", BidView.as_view(), name="bid_submit"),
    path("tenders/<int:pk>/bids/<int:bid_pk>/receipt/", ReceiptView.as_view(), name="bid_receipt"),
    path(
        "tenders/<int:pk>/bids/<int:bid_pk>/withdraw/", WithdrawView.as_view(), name="bid_withdraw"
    ),
    path("tenders/<int:pk>/opening/", OpeningView.as_view(), name="tender_opening"),
    path("tenders/<int:pk>/result/", ResultView.as_view(), name="tender_result"),
    path(
        "tenders/<int:pk>/lots/<int:lot_pk>/objection/",
        ObjectionView.as_view(),
        name="objection_lodge",
    ),
]
