"""The tender-round admin: the list, the create and edit forms, and the round's own pages
(the committee's, the result's and the objections' among them).

The list holds the rounds tenders.round_selectors.rounds_for gives the user; create and edit
call tenders.rounds.round_create / round_update, whose refusals come back on the fields; the
round's page and everything below it are in cms.round_views.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from cms import committee_views, result_views, round_views
from cms.round_forms import RoundCreateForm, RoundEditForm
from cms.round_policies import runs_rounds
from cms.viewsets import ScopedCreateView, ScopedEditView
from tenders import rounds
from tenders.models import TenderRound
from tenders.round_selectors import rounds_for

ROUNDS_SUBMENU = "register_tender_rounds_menu_item"


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class RoundStatusColumn(Column):
    """The status as a badge, coloured by where the round stands."""

    cell_template_name = "cms/rounds/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["status"] = instance.status
        context["label"] = instance.get_status_display()
        return context


class RoundFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        choices=TenderRound.Status.choices, label=gettext_lazy("Status")
    )

    class Meta:
        model = TenderRound
        fields = []


class RoundIndexView(generic.IndexView):
    """The rounds the user may see, with their lots counted in the same query."""

    def get_base_queryset(self):
        return rounds_for(self.request.user).annotate(lot_count=Count("lots"))

    def get_edit_url(self, instance):
        # A round opens on its own page, which offers editing while it is a draft.
        return None


class RoundCreateView(ScopedCreateView):
    def save_instance(self):
        return rounds.round_create(actor=self.request.user, **self.form.cleaned_data)

    def get_success_url(self):
        return round_views.detail_url(self.object)


class RoundEditView(ScopedEditView):
    def save_instance(self):
        return rounds.round_update(
            actor=self.request.user, round=self.object, **self.form.cleaned_data
        )

    def get_success_url(self):
        return round_views.detail_url(self.object)

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        # Home › Tender rounds › ZB-… › Edit: the round's page sits between the list and its form.
        return [
            *items[:-1],
            {"url": round_views.detail_url(self.object), "label": self.object.code},
            items[-1],
        ]


class TenderRoundViewSet(ModelViewSet):
    model = TenderRound
    name = "tender-rounds"
    icon = round_views.ROUND_ICON
    menu_label = gettext_lazy("All rounds")
    menu_order = 100
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = RoundIndexView
    add_view_class = RoundCreateView
    edit_view_class = RoundEditView
    create_template_name = "cms/rounds/round_form.html"
    edit_template_name = "cms/rounds/round_form.html"
    ordering = ["-publication_at", "code"]
    list_per_page = 30
    filterset_class = RoundFilterSet
    search_fields = ["code", "title"]
    list_display = [
        TitleColumn(
            "code",
            label=gettext_lazy("Round number"),
            get_url=lambda r: round_views.detail_url(r),
            sort_key="code",
        ),
        Column("title", label=gettext_lazy("Title"), sort_key="title"),
        RoundStatusColumn("status", label=gettext_lazy("Status"), sort_key="status"),
        Column(
            "bid_deadline",
            label=gettext_lazy("Bid deadline"),
            accessor=lambda r: _local(r.bid_deadline),
            sort_key="bid_deadline",
        ),
        Column(
            "lot_count",
            label=gettext_lazy("Lots"),
            sort_key="lot_count",
            classname="cms-num",
        ),
    ]

    def get_form_class(self, for_update=False):
        return RoundEditForm if for_update else RoundCreateForm

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        # No delete (a round is cancelled, with its reason), no history (the audit journal is).
        kwargs.update(history_url_name=None, usage_url_name=None, delete_url_name=None)
        return kwargs

    def get_urlpatterns(self):
        keep = {"index", "index_results", "add", "edit"}
        return [
            *(p for p in super().get_urlpatterns() if p.name in keep),
            path("<int:pk>/", round_views.RoundDetailView.as_view(), name="detail"),
            path("<int:pk>/schedule/", round_views.ScheduleView.as_view(), name="schedule"),
            path(
                "<int:pk>/action/<slug:action>/",
                round_views.RoundActionView.as_view(),
                name="action",
            ),
            path("<int:pk>/lots/new/", round_views.LotFormView.as_view(), name="lot_add"),
            path(
                "<int:pk>/lots/<int:lot_pk>/", round_views.LotFormView.as_view(), name="lot_edit"
            ),
            path(
                "<int:pk>/lots/<int:lot_pk>/remove/",
                round_views.LotDeleteView.as_view(),
                name="lot_delete",
            ),
            path("<int:pk>/criteria/", round_views.CriteriaView.as_view(), name="criteria"),
            path(
                "<int:pk>/documents/new/",
                round_views.DocumentUploadView.as_view(),
                name="document_add",
            ),
            path(
                "<int:pk>/documents/<int:document_pk>/",
                round_views.DocumentDownloadView.as_view(),
                name="document",
            ),
            path(
                "<int:pk>/applications/",
                round_views.ApplicationsView.as_view(),
                name="applications",
            ),
            path("<int:pk>/opening/", round_views.OpeningView.as_view(), name="opening"),
            # The committee, its report, objections (cms.committee_views, cms.result_views).
            path(
                "<int:pk>/committee/appoint/",
                committee_views.AppointView.as_view(),
                name="seat_appoint",
            ),
            path(
                "<int:pk>/committee/<int:seat_pk>/chair/",
                committee_views.SeatChairView.as_view(),
                name="seat_chair",
            ),
            path(
                "<int:pk>/committee/<int:seat_pk>/remove/",
                committee_views.SeatRemoveView.as_view(),
                name="seat_remove",
            ),
            path(
                "<int:pk>/lots/<int:lot_pk>/scores/",
                committee_views.LotScoresView.as_view(),
                name="lot_scores",
            ),
            path("<int:pk>/sign-off/", committee_views.SignOffView.as_view(), name="sign_off"),
            path(
                "<int:pk>/objections/<int:objection_pk>/propose/",
                result_views.ObjectionProposeView.as_view(),
                name="objection_propose",
            ),
            path(
                "<int:pk>/objections/<int:objection_pk>/",
                result_views.ObjectionDecideView.as_view(),
                name="objection_decide",
            ),
        ]


class OfficerMenuItem(MenuItem):
    """A menu item offered to officers who run rounds only."""

    def is_shown(self, request):
        return runs_rounds(request.user)


def new_round_menu_item() -> MenuItem:
    return OfficerMenuItem(
        gettext_lazy("New round"),
        reverse("tender-rounds:add"),
        name="new-tender-round",
        icon_name="plus",
        order=200,
    )


class TenderRoundGroup(ViewSetGroup):
    menu_label = gettext_lazy("Tender rounds")
    menu_icon = round_views.ROUND_ICON
    menu_order = 250
    submenu_hook = ROUNDS_SUBMENU
    items = (TenderRoundViewSet,)
