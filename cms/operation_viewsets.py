"""The Operation menu: the lists of inspections, passenger complaints, penalties, the fine
schedule, price checks, marketing events and spread limits, with their filters, and the URLs
of the pages in cms.operation_views.

Each list holds what cms.operation_policies gives the user (their stations' records; the
inspector every station's), with its relations selected in the same query, so that a page
asks as many queries for many rows as for few.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, F, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from cms import operation_views as views
from cms.columns import category_name
from cms.large_choices import LargeChoiceFilterSet
from cms.operation_policies import POLICIES
from cms.viewsets import ScopedIndexView, SpaceViewSet
from leasing import operation
from leasing.models import (
    Complaint,
    Inspection,
    MarketingEvent,
    Penalty,
    PriceCheck,
    ViolationType,
)
from stations import selectors
from stations.models import BusinessCategory, SpreadLimit

OPERATION_SUBMENU = "register_operation_menu_item"


def _stations(request):
    if request is None:
        return selectors.stations_for(None).none()
    return selectors.stations_for(request.user).order_by("code")


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


class CellColumn(Column):
    """A cell drawn by a template of cms/operation/cells/, with what ``cell`` gives for the
    row's object (from the row itself: no query a row)."""

    def __init__(self, name, *, template: str, cell, **kwargs):
        super().__init__(name, **kwargs)
        self.cell_template_name = f"cms/operation/cells/{template}.html"
        self._cell = cell

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context.update(self._cell(instance))
        return context


def outlet_cell(lease) -> dict:
    return {"code": lease.code, "merchant": lease.merchant.name}


class OutletFilter(django_filters.CharFilter):
    """An outlet by its contract number (exact) or its tenant's name (part of it)."""

    def filter(self, queryset, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{self.field_name}__code__iexact": value})
            | Q(**{f"{self.field_name}__merchant__name__icontains": value})
        )


class OperationViewSet(SpaceViewSet):
    """The common shape: a list through the policy, pages of cms.operation_views, nothing
    edited or deleted through Wagtail's generic forms."""

    can_edit = False
    can_delete = False
    inspect_view_enabled = False
    index_view_class = ScopedIndexView
    list_per_page = 30
    #: extra URL patterns: (route, view, name)
    pages: tuple = ()

    def get_urlpatterns(self):
        keep = {"index", "index_results"}
        return [
            *(p for p in super().get_urlpatterns() if p.name in keep),
            *(path(route, view.as_view(), name=name) for route, view, name in self.pages),
        ]

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        kwargs.update(inspect_url_name=None)
        if not any(name == "add" for _route, _view, name in self.pages):
            kwargs.update(add_url_name=None)
        return kwargs


# --- inspections --------------------------------------------------------------------------


FOLLOW_UP_CHOICES = [
    ("open", gettext_lazy("Not done yet")),
    ("overdue", gettext_lazy("Overdue")),
    ("done", gettext_lazy("Done")),
    ("none", gettext_lazy("None asked")),
]


class InspectionFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    station = django_filters.ModelChoiceFilter(
        queryset=_stations, field_name="lease__station", label=gettext_lazy("Station")
    )
    outlet = OutletFilter(field_name="lease", label=gettext_lazy("Outlet"))
    inspected_on = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Inspected on"), widget=DateRangePickerWidget
    )
    follow_up = django_filters.ChoiceFilter(
        choices=FOLLOW_UP_CHOICES, method="filter_follow_up", label=gettext_lazy("Follow-up")
    )

    class Meta:
        model = Inspection
        fields = []

    def filter_follow_up(self, queryset, name, value):
        asked = ~Q(follow_up="")
        if value == "open":
            return queryset.filter(asked, follow_up_done_on__isnull=True)
        if value == "overdue":
            return queryset.filter(
                asked, follow_up_done_on__isnull=True, follow_up_due__lt=timezone.localdate()
            )
        if value == "done":
            return queryset.filter(follow_up_done_on__isnull=False)
        if value == "none":
            return queryset.filter(follow_up="")
        return queryset


def _checklist_cell(inspection) -> dict:
    return {"items": views.checklist_view(inspection)}


def _follow_up_cell(inspection) -> dict:
    return {"state": views.follow_up_state(inspection, timezone.localdate()), "i": inspection}


class InspectionIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(
                HeaderButton(
                    gettext_lazy("Record an inspection"), url=self.add_url, icon_name="plus"
                )
            )
        return buttons


class InspectionViewSet(OperationViewSet):
    model = Inspection
    name = "inspections"
    url_prefix = "operation/inspections"
    icon = "clipboard-list"
    menu_label = gettext_lazy("Inspections")
    menu_order = 100
    index_view_class = InspectionIndexView
    filterset_class = InspectionFilterSet
    search_fields = ["lease__code", "lease__merchant__name", "findings"]
    ordering = ["-inspected_on", "-pk"]
    list_queryset = staticmethod(
        lambda qs: qs.select_related("lease__station", "lease__merchant", "inspector")
    )
    list_display = [
        TitleColumn(
            "inspected_on",
            label=gettext_lazy("Inspected on"),
            get_url=lambda i: reverse("inspections:detail", args=(i.pk,)),
            accessor=lambda i: i.inspected_on.isoformat(),
            sort_key="inspected_on",
        ),
        CellColumn(
            "outlet",
            label=gettext_lazy("Outlet"),
            template="outlet",
            cell=lambda i: outlet_cell(i.lease),
            sort_key="lease__code",
        ),
        Column(
            "station",
            label=gettext_lazy("Station"),
            accessor=lambda i: i.lease.station.code,
            sort_key="lease__station__code",
        ),
        Column("score", label=gettext_lazy("Score"), sort_key="score", classname="cms-num"),
        CellColumn(
            "checklist",
            label=gettext_lazy("Checklist"),
            template="checklist",
            cell=_checklist_cell,
        ),
        CellColumn(
            "follow_up",
            label=gettext_lazy("Follow-up"),
            template="follow_up",
            cell=_follow_up_cell,
            sort_key="follow_up_due",
        ),
        Column(
            "inspector",
            label=gettext_lazy("Inspector"),
            accessor=lambda i: i.inspector.get_username(),
        ),
    ]
    pages = (
        ("new/", views.InspectionCreateView, "add"),
        ("<int:pk>/", views.InspectionDetailView, "detail"),
    )


# --- complaints ---------------------------------------------------------------------------

COMPLAINT_STATES = [
    ("open", gettext_lazy("Awaiting an answer")),
    ("overdue", gettext_lazy("Overdue")),
    ("answered", gettext_lazy("Answered in time")),
    ("late", gettext_lazy("Answered late")),
]


class ComplaintFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    station = django_filters.ModelChoiceFilter(
        queryset=_stations, field_name="station", label=gettext_lazy("Station")
    )
    outlet = OutletFilter(field_name="lease", label=gettext_lazy("Outlet"))
    category = django_filters.ChoiceFilter(
        choices=Complaint.Category.choices, label=gettext_lazy("Category")
    )
    state = django_filters.ChoiceFilter(
        choices=COMPLAINT_STATES, method="filter_state", label=gettext_lazy("Answer")
    )
    received_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Received"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Complaint
        fields = []

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        if value == "open":
            return queryset.filter(answered_at__isnull=True)
        if value == "overdue":
            return queryset.filter(answered_at__isnull=True, answer_due__lt=now)
        if value == "answered":
            return queryset.filter(answered_at__lte=F("answer_due"))
        if value == "late":
            return queryset.filter(answered_at__gt=F("answer_due"))
        return queryset


def _complaint_cell(complaint) -> dict:
    return {
        "state": views.complaint_state(complaint, timezone.now()),
        "due": _local(complaint.answer_due_at),
        "answered": _local(complaint.answered_at) if complaint.answered_at else "",
    }


class ComplaintIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return operation.with_answer_due(super().get_base_queryset())

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(
                HeaderButton(
                    gettext_lazy("Receive a complaint"), url=self.add_url, icon_name="plus"
                )
            )
        return buttons


class ComplaintViewSet(OperationViewSet):
    model = Complaint
    name = "complaints"
    url_prefix = "operation/complaints"
    icon = "mail"
    menu_label = gettext_lazy("Complaints")
    menu_order = 110
    index_view_class = ComplaintIndexView
    filterset_class = ComplaintFilterSet
    search_fields = ["description", "lease__code", "lease__merchant__name", "resolution"]
    ordering = ["-received_at", "-pk"]
    list_queryset = staticmethod(lambda qs: qs.select_related("station", "lease__merchant"))
    list_display = [
        TitleColumn(
            "received_at",
            label=gettext_lazy("Received"),
            get_url=lambda c: reverse("complaints:detail", args=(c.pk,)),
            accessor=lambda c: _local(c.received_at),
            sort_key="received_at",
        ),
        Column(
            "station",
            label=gettext_lazy("Station"),
            accessor=lambda c: c.station.code,
            sort_key="station__code",
        ),
        CellColumn(
            "outlet",
            label=gettext_lazy("Outlet"),
            template="outlet",
            cell=lambda c: outlet_cell(c.lease) if c.lease_id else {"code": ""},
        ),
        Column(
            "category",
            label=gettext_lazy("Category"),
            accessor="get_category_display",
            sort_key="category",
        ),
        Column(
            "description",
            label=gettext_lazy("Complaint"),
            accessor=lambda c: (
                c.description if len(c.description) <= 80 else c.description[:79] + "…"
            ),
        ),
        CellColumn(
            "answer",
            label=gettext_lazy("Answer"),
            template="complaint_state",
            cell=_complaint_cell,
            sort_key="answer_due",
        ),
    ]
    pages = (
        ("new/", views.ComplaintCreateView, "add"),
        ("<int:pk>/", views.ComplaintDetailView, "detail"),
    )


# --- penalties ----------------------------------------------------------------------------


class PenaltyFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    station = django_filters.ModelChoiceFilter(
        queryset=_stations, field_name="lease__station", label=gettext_lazy("Station")
    )
    outlet = OutletFilter(field_name="lease", label=gettext_lazy("Outlet"))
    violation = django_filters.ModelChoiceFilter(
        queryset=ViolationType.objects.order_by("code"), label=gettext_lazy("Violation")
    )
    issued_on = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Issued on"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Penalty
        fields = []


def _source_cell(penalty) -> dict:
    if penalty.inspection_id:
        return {
            "kind": "inspection",
            "url": reverse("inspections:detail", args=(penalty.inspection_id,)),
            "day": penalty.inspection.inspected_on,
        }
    return {
        "kind": "complaint",
        "url": reverse("complaints:detail", args=(penalty.complaint_id,)),
        "day": timezone.localtime(penalty.complaint.received_at).date(),
    }


class PenaltyIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(
                HeaderButton(gettext_lazy("Issue a penalty"), url=self.add_url, icon_name="plus")
            )
        return buttons


class PenaltyViewSet(OperationViewSet):
    model = Penalty
    name = "penalties"
    url_prefix = "operation/penalties"
    icon = "warning"
    menu_label = gettext_lazy("Penalties")
    menu_order = 120
    index_view_class = PenaltyIndexView
    filterset_class = PenaltyFilterSet
    search_fields = ["lease__code", "lease__merchant__name", "note"]
    ordering = ["-issued_on", "-pk"]
    list_queryset = staticmethod(
        lambda qs: qs.select_related(
            "lease__station",
            "lease__merchant",
            "violation",
            "inspection",
            "complaint",
            "issued_by",
        )
    )
    list_display = [
        Column(
            "issued_on",
            label=gettext_lazy("Issued on"),
            accessor=lambda p: p.issued_on.isoformat(),
            sort_key="issued_on",
        ),
        CellColumn(
            "outlet",
            label=gettext_lazy("Outlet"),
            template="outlet",
            cell=lambda p: outlet_cell(p.lease),
            sort_key="lease__code",
        ),
        Column(
            "station",
            label=gettext_lazy("Station"),
            accessor=lambda p: p.lease.station.code,
            sort_key="lease__station__code",
        ),
        Column(
            "violation",
            label=gettext_lazy("Violation"),
            accessor=lambda p: views.violation_name(p.violation),
            sort_key="violation__code",
        ),
        Column(
            "amount",
            label=gettext_lazy("Amount (CNY)"),
            accessor=lambda p: views.money(p.amount),
            sort_key="amount",
            classname="cms-num",
        ),
        CellColumn(
            "source", label=gettext_lazy("Comes from"), template="source", cell=_source_cell
        ),
        Column(
            "issued_by",
            label=gettext_lazy("Issued by"),
            accessor=lambda p: p.issued_by.get_username(),
        ),
    ]
    pages = (("new/", views.PenaltyCreateView, "add"),)


# --- the fine schedule --------------------------------------------------------------------


class ViolationTypeIndexView(ScopedIndexView):
    page_title = gettext_lazy("Fine schedule")

    def get_base_queryset(self):
        return ViolationType.objects.all()

    def get_edit_url(self, instance):
        if POLICIES[ViolationType].user_has_permission(self.request.user, "change"):
            return reverse("violation-types:edit", args=(instance.pk,))

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(
                HeaderButton(
                    gettext_lazy("Add a violation type"), url=self.add_url, icon_name="plus"
                )
            )
            buttons.append(
                HeaderButton(
                    gettext_lazy("Load the default schedule"),
                    url=reverse("violation-types:load_defaults"),
                    icon_name="download",
                )
            )
        return buttons


class ViolationTypeViewSet(OperationViewSet):
    model = ViolationType
    name = "violation-types"
    url_prefix = "operation/fine-schedule"
    icon = "list-ol"
    menu_label = gettext_lazy("Fine schedule")
    menu_order = 130
    index_view_class = ViolationTypeIndexView
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["code"]
    list_display = [
        "code",
        Column("name_zh", label=gettext_lazy("Chinese name"), sort_key="name_zh"),
        Column("name_en", label=gettext_lazy("English name"), sort_key="name_en"),
        Column(
            "fine",
            label=gettext_lazy("Fine (CNY)"),
            accessor=lambda v: views.money(v.fine),
            sort_key="fine",
            classname="cms-num",
        ),
    ]
    pages = (
        ("new/", views.ViolationTypeFormView, "add"),
        ("<int:pk>/", views.ViolationTypeEditView, "edit"),
        ("defaults/", views.LoadDefaultScheduleView, "load_defaults"),
    )

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        kwargs.update(edit_url_name="violation-types:edit")
        return kwargs


# --- price checks -------------------------------------------------------------------------


class PriceCheckFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    station = django_filters.ModelChoiceFilter(
        queryset=_stations, field_name="lease__station", label=gettext_lazy("Station")
    )
    outlet = OutletFilter(field_name="lease", label=gettext_lazy("Outlet"))
    above_street = django_filters.BooleanFilter(
        method="filter_above", label=gettext_lazy("Above street price")
    )
    checked_on = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Checked on"), widget=DateRangePickerWidget
    )

    class Meta:
        model = PriceCheck
        fields = []

    def filter_above(self, queryset, name, value):
        if value is None:
            return queryset
        above = Q(station_price__gt=F("street_price"))
        return queryset.filter(above) if value else queryset.exclude(above)


def _price_cell(check) -> dict:
    return {
        "above": check.above_street,
        "difference": views.money(check.station_price - check.street_price),
    }


class PriceCheckIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(
                HeaderButton(
                    gettext_lazy("Record a price check"), url=self.add_url, icon_name="plus"
                )
            )
        buttons.append(
            HeaderButton(
                gettext_lazy("Outlets above street price"),
                url=reverse("price-checks:above_street"),
                icon_name="warning",
            )
        )
        return buttons


class PriceCheckViewSet(OperationViewSet):
    model = PriceCheck
    name = "price-checks"
    url_prefix = "operation/price-checks"
    icon = "tag"
    menu_label = gettext_lazy("Price checks")
    menu_order = 140
    index_view_class = PriceCheckIndexView
    filterset_class = PriceCheckFilterSet
    search_fields = ["item", "lease__code", "lease__merchant__name"]
    ordering = ["-checked_on", "-pk"]
    list_queryset = staticmethod(
        lambda qs: qs.select_related("lease__station", "lease__merchant", "checked_by")
    )
    list_display = [
        Column(
            "checked_on",
            label=gettext_lazy("Checked on"),
            accessor=lambda c: c.checked_on.isoformat(),
            sort_key="checked_on",
        ),
        CellColumn(
            "outlet",
            label=gettext_lazy("Outlet"),
            template="outlet",
            cell=lambda c: outlet_cell(c.lease),
            sort_key="lease__code",
        ),
        Column(
            "station",
            label=gettext_lazy("Station"),
            accessor=lambda c: c.lease.station.code,
            sort_key="lease__station__code",
        ),
        Column("item", label=gettext_lazy("Item"), sort_key="item"),
        Column(
            "station_price",
            label=gettext_lazy("Station (CNY)"),
            accessor=lambda c: views.money(c.station_price),
            sort_key="station_price",
            classname="cms-num",
        ),
        Column(
            "street_price",
            label=gettext_lazy("Street (CNY)"),
            accessor=lambda c: views.money(c.street_price),
            sort_key="street_price",
            classname="cms-num",
        ),
        CellColumn("above", label=gettext_lazy("Same price"), template="price", cell=_price_cell),
        Column(
            "checked_by",
            label=gettext_lazy("Checked by"),
            accessor=lambda c: c.checked_by.get_username(),
        ),
    ]
    pages = (
        ("new/", views.PriceCheckCreateView, "add"),
        ("above-street/", views.AboveStreetView, "above_street"),
    )


# --- marketing events ---------------------------------------------------------------------

EVENT_WHEN = [
    ("running", gettext_lazy("Running today")),
    ("coming", gettext_lazy("Coming")),
    ("over", gettext_lazy("Over")),
]


class EventFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    station = django_filters.ModelChoiceFilter(
        queryset=_stations, method="filter_station", label=gettext_lazy("Station")
    )
    network = django_filters.BooleanFilter(
        field_name="station", lookup_expr="isnull", label=gettext_lazy("Network campaign")
    )
    when = django_filters.ChoiceFilter(
        choices=EVENT_WHEN, method="filter_when", label=gettext_lazy("When")
    )

    class Meta:
        model = MarketingEvent
        fields = []

    def filter_station(self, queryset, name, value):
        # A station's own campaigns and the network's, which run in it too.
        return queryset.filter(Q(station=value) | Q(station__isnull=True))

    def filter_when(self, queryset, name, value):
        today = timezone.localdate()
        if value == "running":
            return queryset.filter(starts_on__lte=today, ends_on__gte=today)
        if value == "coming":
            return queryset.filter(starts_on__gt=today)
        if value == "over":
            return queryset.filter(ends_on__lt=today)
        return queryset


def _event_when_cell(event) -> dict:
    today = timezone.localdate()
    state = (
        "running"
        if event.starts_on <= today <= event.ends_on
        else ("coming" if event.starts_on > today else "over")
    )
    return {"state": state, "event": event}


class EventIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(outlet_count=Count("outlets"))

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(
                HeaderButton(
                    gettext_lazy("New marketing event"), url=self.add_url, icon_name="plus"
                )
            )
        return buttons


class MarketingEventViewSet(OperationViewSet):
    model = MarketingEvent
    name = "marketing-events"
    url_prefix = "operation/events"
    icon = "calendar"
    menu_label = gettext_lazy("Marketing events")
    menu_order = 150
    index_view_class = EventIndexView
    filterset_class = EventFilterSet
    search_fields = ["title", "description"]
    ordering = ["-starts_on", "title"]
    list_queryset = staticmethod(lambda qs: qs.select_related("station"))
    list_display = [
        TitleColumn(
            "title",
            label=gettext_lazy("Title"),
            get_url=lambda e: reverse("marketing-events:detail", args=(e.pk,)),
            sort_key="title",
        ),
        CellColumn(
            "station",
            label=gettext_lazy("Where"),
            template="event_where",
            cell=lambda e: {"station": e.station},
            sort_key="station__code",
        ),
        CellColumn(
            "when",
            label=gettext_lazy("When"),
            template="event_when",
            cell=_event_when_cell,
            sort_key="starts_on",
        ),
        Column(
            "outlet_count",
            label=gettext_lazy("Outlets taking part"),
            sort_key="outlet_count",
            classname="cms-num",
        ),
    ]
    pages = (
        ("new/", views.EventCreateView, "add"),
        ("<int:pk>/", views.EventDetailView, "detail"),
    )


# --- spread limits ------------------------------------------------------------------------


class SpreadLimitFilterSet(LargeChoiceFilterSet):
    large_choices = {"station": "code"}
    station = django_filters.ModelChoiceFilter(
        queryset=_stations, field_name="station", label=gettext_lazy("Station")
    )
    business_type = django_filters.ModelChoiceFilter(
        queryset=BusinessCategory.objects.order_by("parent_id", "code"),
        label=gettext_lazy("Business type"),
    )

    class Meta:
        model = SpreadLimit
        fields = []


class SpreadLimitIndexView(ScopedIndexView):
    def get_edit_url(self, instance):
        if self._may("change", instance):
            return reverse("spread-limits:edit", args=(instance.pk,))

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(
                HeaderButton(
                    gettext_lazy("Set a spread limit"), url=self.add_url, icon_name="plus"
                )
            )
        return buttons


class SpreadLimitViewSet(OperationViewSet):
    model = SpreadLimit
    name = "spread-limits"
    url_prefix = "operation/spread"
    icon = "resubmit"
    menu_label = gettext_lazy("Spread limits")
    menu_order = 160
    index_view_class = SpreadLimitIndexView
    filterset_class = SpreadLimitFilterSet
    search_fields = ["station__code", "station__name_zh", "business_type__name_zh"]
    ordering = ["station__code", "business_type__code"]
    list_queryset = staticmethod(lambda qs: qs.select_related("station", "business_type"))
    list_display = [
        TitleColumn(
            "station",
            label=gettext_lazy("Station"),
            get_url=lambda s: reverse("spread-limits:station", args=(s.station.code,)),
            accessor=lambda s: f"{s.station.code} {s.station.name_zh}",
            sort_key="station__code",
        ),
        Column(
            "business_type",
            label=gettext_lazy("Business type"),
            accessor=lambda s: category_name(s.business_type),
            sort_key="business_type__code",
        ),
        Column(
            "max_per_level",
            label=gettext_lazy("Most per level"),
            accessor=lambda s: s.max_per_level or "—",
            sort_key="max_per_level",
            classname="cms-num",
        ),
        Column(
            "max_per_station",
            label=gettext_lazy("Most in the station"),
            accessor=lambda s: s.max_per_station or "—",
            sort_key="max_per_station",
            classname="cms-num",
        ),
    ]
    pages = (
        ("new/", views.SpreadLimitFormView, "add"),
        ("<int:pk>/", views.SpreadLimitEditView, "edit"),
        ("station/<str:code>/", views.SpreadStationView, "station"),
    )

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        kwargs.update(edit_url_name="spread-limits:edit")
        return kwargs


class OperationGroup(ViewSetGroup):
    menu_label = gettext_lazy("Operation")
    menu_icon = "tasks"
    menu_order = 270
    submenu_hook = OPERATION_SUBMENU
    items = (
        InspectionViewSet,
        ComplaintViewSet,
        PenaltyViewSet,
        ViolationTypeViewSet,
        PriceCheckViewSet,
        MarketingEventViewSet,
        SpreadLimitViewSet,
    )
