"""Back-office pages beyond the model listings: floor plans, reports, the unit import.

Plans are read through stations.selectors (a station the user may not see answers 404), and
the plan page asks a fixed number of queries whatever the number of units on the level.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import numpy as np
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from cms.columns import category_list, category_name
from cms.forms import UnitImportForm
from cms.policies import POLICIES, may_manage
from leasing.models import Lease
from stations import plans, selectors, services
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint


def may_view_space(user) -> bool:
    return POLICIES[Unit].user_has_permission(user, "view")


def may_import_units(user) -> bool:
    return POLICIES[Unit].user_has_permission(user, "add")


def may_view_reports(user) -> bool:
    return POLICIES[Station].user_has_permission(user, "view")


class SpacePageMixin(WagtailAdminTemplateMixin):
    """An admin page about the station space: requires a space role."""

    permission_test = staticmethod(may_view_space)

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_test(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


# --- floor plans --------------------------------------------------------------------------


class PlanIndexView(SpacePageMixin, TemplateView):
    """The stations the user may see, each with its levels: the way into the plans."""

    template_name = "cms/plan_index.html"
    page_title = gettext_lazy("Floor plans")
    header_icon = "table"
    per_page = 30

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        stations = selectors.stations_for(self.request.user).annotate(unit_count=Count("units"))
        if query:
            stations = stations.filter(
                Q(code__icontains=query)
                | Q(name_zh__icontains=query)
                | Q(name_en__icontains=query)
            )
        page = Paginator(stations.order_by("code"), self.per_page).get_page(
            self.request.GET.get("p")
        )
        levels = (
            Level.objects.filter(station__in=[s.pk for s in page.object_list])
            .only("pk", "station_id", "name", "short_name", "ordinal")
            .order_by("-ordinal")
        )
        by_station: dict[int, list[Level]] = {}
        for level in levels:
            by_station.setdefault(level.station_id, []).append(level)
        for station in page.object_list:
            station.level_list = by_station.get(station.pk, [])
        context.update(page=page, query=query)
        return context


def _get_station_and_level(user, code: str, level_id: int) -> tuple[Station, Level]:
    station = selectors.get_station_for(user, code)
    level = selectors.get_level_for(user, level_id, station=station)
    return station, level


class StationPlanRedirectView(SpacePageMixin, TemplateView):
    """A station's plans open on its busiest level (most units), the lowest of equals."""

    template_name = "cms/plan_empty.html"
    header_icon = "table"

    def get(self, request, code):
        station = selectors.get_station_for(request.user, code)
        first = (
            station.levels.annotate(unit_count=Count("units")).order_by("-unit_count", "ordinal")
        ).first()
        if first is not None:
            return redirect("cms_level_plan", code=station.code, level_id=first.pk)
        self.station = station
        return self.render_to_response(self.get_context_data())

    def get_page_title(self):
        return _("Floor plans: %(station)s") % {"station": self.station}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["station"] = self.station
        context["can_manage"] = POLICIES[Level].user_has_permission(
            self.request.user, "add"
        ) and may_manage(self.request.user, self.station.pk)
        return context


class LevelPlanView(SpacePageMixin, TemplateView):
    """The plan of one level beside its unit list, with the level's provisions."""

    template_name = "cms/plan.html"
    header_icon = "table"

    def get(self, request, code, level_id):
        self.station, self.level = _get_station_and_level(request.user, code, level_id)
        return self.render_to_response(self.get_context_data())

    def get_page_title(self):
        return _("Plan of %(station)s, %(level)s") % {
            "station": self.station,
            "level": self.level.name,
        }

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cms_plans"), "label": _("Floor plans")},
            {"url": "", "label": f"{self.station.name_zh} {self.station.name_en}"},
        ]

    @cached_property
    def can_manage(self) -> bool:
        return POLICIES[Unit].user_has_permission(self.request.user, "change") and may_manage(
            self.request.user, self.station.pk
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        station, level = self.station, self.level
        levels = list(station.levels.order_by("-ordinal").only("pk", "name", "ordinal"))
        units = list(
            Unit.objects.filter(level=level)
            .order_by("code")
            .prefetch_related(
                Prefetch(
                    "business_types",
                    queryset=BusinessCategory.objects.only("pk", "code", "name_zh", "name_en"),
                )
            )
        )
        edit_url = "units:edit" if self.can_manage else "units:inspect"
        rows = [
            {
                "unit": unit,
                "url": reverse(edit_url, args=(unit.pk,)),
                "types": category_list(unit.business_types.all()),
            }
            for unit in units
        ]
        allocated, capacity = services.station_power(station)
        counts = dict(
            UtilityPoint.objects.filter(level=level)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        statuses = Counter(unit.status for unit in units)
        context.update(
            station=station,
            level=level,
            levels=levels,
            rows=rows,
            svg=inline_svg(plans.render_level_svg(level)),
            allocated_kw=allocated,
            capacity_kw=capacity,
            power_over=allocated > capacity,
            power_share=(
                min(100, int(allocated * 100 / capacity))
                if capacity
                else (100 if allocated else 0)
            ),
            utility_counts=[(kind.label, counts.get(kind.value, 0)) for kind in UtilityPoint.Kind],
            unit_count=len(units),
            leasable_area=sum((unit.area_m2 for unit in units), Decimal("0.00")),
            status_counts=[
                (status.value, status.label, statuses[status.value])
                for status in Unit.Status
                if statuses[status.value]
            ],
            can_manage=self.can_manage,
            add_unit_url=reverse("units:add") + f"?level={level.pk}",
            edit_level_url=reverse("levels:edit", args=(level.pk,)),
            svg_url=reverse("cms_level_plan_svg", args=(station.code, level.pk)),
            png_url=reverse("cms_level_plan_png", args=(station.code, level.pk)),
            zones_url=reverse("zones:index") + f"?level__station={station.pk}&level={level.pk}",
            points_url=(
                reverse("utility-points:index") + f"?level__station={station.pk}&level={level.pk}"
            ),
        )
        return context


def inline_svg(document: str) -> str:
    """An SVG document made fit to sit inside HTML: without its XML declaration."""
    if document.startswith("<?xml"):
        document = document[document.index("?>") + 2 :].lstrip()
    return document


def _plan_filename(station: Station, level: Level, ext: str) -> str:
    return f"{station.code}-L{level.ordinal}.{ext}"


def level_plan_svg(request, code, level_id):
    if not may_view_space(request.user):
        raise PermissionDenied
    station, level = _get_station_and_level(request.user, code, level_id)
    response = HttpResponse(plans.render_level_svg(level), content_type="image/svg+xml")
    response["Content-Disposition"] = (
        f'attachment; filename="{_plan_filename(station, level, "svg")}"'
    )
    return response


def level_plan_png(request, code, level_id):
    if not may_view_space(request.user):
        raise PermissionDenied
    station, level = _get_station_and_level(request.user, code, level_id)
    response = HttpResponse(plans.render_level_png(level), content_type="image/png")
    response["Content-Disposition"] = (
        f'attachment; filename="{_plan_filename(station, level, "png")}"'
    )
    return response


# --- reports ------------------------------------------------------------------------------

REPORTS = {
    "network-summary": (
        gettext_lazy("The network in figures"),
        gettext_lazy(
            "Stations and their provisions, the brands that registered interest, the tender "
            "projects completed, let and failed, the area and rent won against the reserve, the "
            "outlets and brands operating, the chains in every station and the first opening."
        ),
    ),
    "utilities": (
        gettext_lazy("Utilities"),
        gettext_lazy(
            "Per station: units, leasable area and the provisions reserved before tendering "
            "(power, distribution cabinets, sockets, toilet and washbasin interfaces)."
        ),
    ),
    "planned-coverage": (
        gettext_lazy("Basic configuration planned"),
        gettext_lazy(
            "For each station and each business type of the basic configuration, whether a "
            "unit is designated for it."
        ),
    ),
    "coverage": (
        gettext_lazy("Coverage of the basic configuration"),
        gettext_lazy(
            "For each station and each business type of the basic configuration, its open "
            "outlets; complete when every one has at least one."
        ),
    ),
    "occupancy": (
        gettext_lazy("Occupancy by station"),
        gettext_lazy(
            "Per station: the leasable area and the area let now (signed, fitting out or "
            "open), and the let area in per cent of the leasable."
        ),
    ),
    "occupancy-by-tier": (
        gettext_lazy("Occupancy by station tier"),
        gettext_lazy(
            "As occupancy by station, for provincial-capital, prefecture and county stations."
        ),
    ),
    "rent-vs-reserve": (
        gettext_lazy("Rent won against the reserve price"),
        gettext_lazy(
            "For each awarded lot: its area, the reserve annual rent set by the railway group, "
            "the annual rent won, the lease made from it with its first-year rent, and the "
            "premium over the reserve."
        ),
    ),
    "rent-vs-reserve-by-station": (
        gettext_lazy("Rent against reserve by station"),
        gettext_lazy(
            "Per station: lots awarded and leases made from them, their area, the reserve and "
            "won annual rents and the premium; the total is the network."
        ),
    ),
    "rent-vs-reserve-by-type": (
        gettext_lazy("Rent against reserve by business type"),
        gettext_lazy("As by station, for each business type of the awarded lots."),
    ),
    "rent-vs-reserve-by-tier": (
        gettext_lazy("Rent against reserve by station tier"),
        gettext_lazy("As by station, for provincial-capital, prefecture and county stations."),
    ),
    "chains": (
        gettext_lazy("Chain brands"),
        gettext_lazy(
            "Each brand with open outlets: in how many stations, how many outlets in each, and "
            "whether it is present in every station."
        ),
    ),
    "pipeline": (
        gettext_lazy("Pipeline from demand to opening"),
        gettext_lazy(
            "Per station and month: demands naming the station, applications, bids, awards, "
            "leases signed and outlets opened."
        ),
    ),
    "rent-roll": (
        gettext_lazy("Rent roll"),
        gettext_lazy(
            "Every lease signed, fitting out or open: tenant, units, term, area, the current "
            "year's annual rent, the monthly rent and the deposit."
        ),
    ),
    "expiries": (
        gettext_lazy("Expiries in the next 12 months"),
        gettext_lazy(
            "The leases in force whose last day falls within the next twelve months, month by "
            "month, with the area and the rent at stake and whether a renewal is made."
        ),
    ),
}
# Rows of a report shown on its page; the downloads have them all.
REPORT_PAGE_SIZE = 50
# Columns of a report shown on its page (chains has one per station); the downloads have all.
REPORT_PAGE_COLUMNS = 40
DOWNLOADS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


class ReportIndexView(SpacePageMixin, TemplateView):
    template_name = "cms/report_index.html"
    page_title = gettext_lazy("Station reports")
    header_icon = "list-ul"
    permission_test = staticmethod(may_view_reports)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reports"] = [
            {"url": reverse("cms_report", args=(name,)), "title": title, "about": about}
            for name, (title, about) in REPORTS.items()
        ]
        return context


def _report_frame(name: str, user, **options):
    """The report's DataFrame, narrowed to the stations the user may see."""
    from stations import reports  # pandas: loaded when a report is asked for, not at start-up

    report = reports.get_report(name)
    return report(stations=selectors.report_scope(user), **options)


def _windowed(name: str) -> bool:
    from stations import reports

    return reports.get_report(name).windowed


class ReportView(SpacePageMixin, TemplateView):
    template_name = "cms/report.html"
    header_icon = "list-ul"
    permission_test = staticmethod(may_view_reports)

    def get(self, request, name):
        if name not in REPORTS:
            raise Http404
        self.name = name
        fmt = request.GET.get("format")
        if fmt:
            if fmt not in DOWNLOADS:
                raise Http404
            frame = _report_frame(name, request.user)
            from stations import reports

            # Sent a few thousand rows at a time as they are written, never the whole file.
            response = StreamingHttpResponse(
                reports.stream_report(frame, fmt), content_type=DOWNLOADS[fmt]
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
            return response
        # A report that reads a page of its rows itself is not built whole for its page.
        self.frame = None if _windowed(name) else _report_frame(name, request.user)
        return self.render_to_response(self.get_context_data())

    def page_of_rows(self, frame):
        """The page of the report's rows asked for (``?page=``) and its TOTAL row, if it has
        one: a national report has 100,000 rows, which the page does not render. A report
        taking a ``window`` reads only those rows and sums its TOTAL in the database."""
        from stations.reports import has_total_row, rows_with_total

        if frame is None:
            return self.window_of_rows()
        body = len(frame) - has_total_row(frame)
        page = Paginator(range(body), REPORT_PAGE_SIZE).get_page(self.request.GET.get("page"))
        return rows_with_total(frame, page.object_list), page

    def window_of_rows(self):
        try:
            number = max(int(self.request.GET.get("page", 1)), 1)
        except ValueError:
            number = 1

        def window(number: int):
            start = (number - 1) * REPORT_PAGE_SIZE
            return _report_frame(
                self.name, self.request.user, window=slice(start, start + REPORT_PAGE_SIZE)
            )

        frame = window(number)
        paginator = Paginator(range(frame.attrs["rows"]), REPORT_PAGE_SIZE)
        if number > paginator.num_pages:  # past the end: the last page, as get_page gives
            number = paginator.num_pages
            frame = window(number)
        return frame, paginator.page(number)

    def get_page_title(self):
        return str(REPORTS[self.name][0])

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cms_reports"), "label": _("Station reports")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        from stations.reports import TOTAL

        context = super().get_context_data(**kwargs)
        frame, page_obj = self.page_of_rows(self.frame)
        hidden_columns = max(len(frame.columns) - REPORT_PAGE_COLUMNS, 0)
        if hidden_columns:  # chains: a column per station, 6,000 on the national network
            frame, attrs = frame.iloc[:, :REPORT_PAGE_COLUMNS], frame.attrs
            frame.attrs = dict(attrs)
        tiers = dict(Station.Tier.choices)
        type_names = {}
        if "business_type" in frame.columns:
            codes = [str(code) for code in frame["business_type"].dropna().unique()]
            type_names = {
                c.code: category_name(c) for c in BusinessCategory.objects.filter(code__in=codes)
            }
        statuses = dict(Lease.Status.choices) if "status" in frame.columns else {}
        rows = []
        for record in frame.itertuples(index=False, name=None):
            cells = []
            for column, value in zip(frame.columns, record, strict=True):
                if isinstance(value, (bool, np.bool_)):
                    cells.append({"check": bool(value)})
                elif column == "tier":
                    cells.append({"text": tiers.get(value, value)})
                elif column == "business_type" and value:
                    cells.append({"text": type_names.get(value, value)})
                elif column == "status" and value:
                    cells.append({"text": statuses.get(value, value)})
                else:
                    number = isinstance(value, (int, float, Decimal, np.number))
                    cells.append({"text": "" if _is_missing(value) else value, "num": number})
            is_total = bool(record) and record[0] == TOTAL
            if is_total:
                cells[0]["text"] = _("TOTAL")  # the data keeps TOTAL; the screen shows 合计
            rows.append({"cells": cells, "is_total": is_total})
        columns = column_labels(frame.columns)
        if rows:
            for column, cell in zip(columns, rows[0]["cells"], strict=True):
                column["num"] = cell.get("num", False)
                column["check"] = "check" in cell
        from cms.report_charts import chart_for

        context.update(
            chart=chart_for(
                self.name,
                frame if self.frame is None else self.frame,
                [str(row["cells"][0]["text"]) for row in rows if row["cells"]],
                page=frame,
            ),
            page_obj=page_obj,
            hidden_columns=hidden_columns,
            row_count=page_obj.paginator.count,
            name=self.name,
            about=REPORTS[self.name][1],
            columns=columns,
            rows=rows,
            downloads=[
                (fmt.upper(), reverse("cms_report", args=(self.name,)) + f"?format={fmt}")
                for fmt in DOWNLOADS
            ],
            xlsx_url=reverse("cms_report", args=(self.name,)) + "?format=xlsx",
        )
        return context


COLUMN_LABELS = {
    "station": gettext_lazy("Station"),
    "tier": gettext_lazy("Tier"),
    "units": gettext_lazy("Units"),
    "leasable_area_m2": gettext_lazy("Leasable area (m²)"),
    "power_kw": gettext_lazy("Power capacity (kW)"),
    "distribution_cabinets": gettext_lazy("Distribution cabinets"),
    "floor_sockets": gettext_lazy("Floor sockets"),
    "lightbox_sockets": gettext_lazy("Lightbox sockets"),
    "toilet_interfaces": gettext_lazy("Toilet interfaces"),
    "washbasin_interfaces": gettext_lazy("Washbasin interfaces"),
    "complete": gettext_lazy("Complete"),
    "round": gettext_lazy("Round"),
    "lot": gettext_lazy("Lot"),
    "business_type": gettext_lazy("Business type"),
    "area_m2": gettext_lazy("Area (m²)"),
    "reserve_annual_rent": gettext_lazy("Reserve annual rent (CNY)"),
    "awarded_annual_rent": gettext_lazy("Annual rent won (CNY)"),
    "premium_pct": gettext_lazy("Premium over the reserve (%)"),
    "lease": gettext_lazy("Lease"),
    "contract_annual_rent": gettext_lazy("Contract annual rent, first year (CNY)"),
    "awards": gettext_lazy("Lots awarded"),
    "leases": gettext_lazy("Leases"),
    "stations": gettext_lazy("Stations"),
    "let_units": gettext_lazy("Units let"),
    "let_area_m2": gettext_lazy("Let area (m²)"),
    "vacant_area_m2": gettext_lazy("Vacant area (m²)"),
    "occupancy_pct": gettext_lazy("Occupancy (%)"),
    "brand": gettext_lazy("Brand"),
    "outlets": gettext_lazy("Open outlets"),
    "every_station": gettext_lazy("In every station"),
    "month": gettext_lazy("Month"),
    "demands": gettext_lazy("Demands"),
    "applications": gettext_lazy("Applications"),
    "bids": gettext_lazy("Bids"),
    "openings": gettext_lazy("Openings"),
    "tenant": gettext_lazy("Tenant"),
    "status": gettext_lazy("Status"),
    "start_date": gettext_lazy("Start"),
    "end_date": gettext_lazy("End (first day no longer let)"),
    "annual_rent": gettext_lazy("Annual rent, current year (CNY)"),
    "monthly_rent": gettext_lazy("Monthly rent (CNY)"),
    "deposit": gettext_lazy("Deposit (CNY)"),
    "last_day": gettext_lazy("Last day let"),
    "days_left": gettext_lazy("Days left"),
    "renewed": gettext_lazy("Renewed"),
    # network-summary: a stable key, the figure's name and its value.
    "figure": pgettext_lazy("report column", "Key"),
    "label": pgettext_lazy("report column", "Figure"),
    "value": pgettext_lazy("report column", "Value"),
}


def column_labels(columns) -> list[dict]:
    """Readable headings; a business-category code column is headed by the category's name."""
    names = {
        c.code: category_name(c)
        for c in BusinessCategory.objects.filter(code__in=[str(c) for c in columns])
    }
    return [
        {"key": str(c), "label": COLUMN_LABELS.get(str(c)) or names.get(str(c)) or str(c)}
        for c in columns
    ]


def _is_missing(value) -> bool:
    """None, NaN, pandas' NA and NaT: an empty cell."""
    import pandas as pd  # imported by the report already; not at start-up

    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


# --- unit import --------------------------------------------------------------------------


class UnitImportView(SpacePageMixin, FormView):
    """Upload a CSV or XLSX of units: all rows saved, or none and every fault listed."""

    template_name = "cms/unit_import.html"
    form_class = UnitImportForm
    page_title = gettext_lazy("Import units")
    header_icon = "upload"
    permission_test = staticmethod(may_import_units)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("units:index"), "label": _("Units")},
            {"url": "", "label": self.get_page_title()},
        ]

    def form_valid(self, form):
        from stations.imports import ImportInvalid, units_import

        upload = form.cleaned_data["file"]
        try:
            result = units_import(actor=self.request.user, file=upload, filename=upload.name)
        except ImportInvalid as refusal:
            messages.error(
                self.request,
                ngettext(
                    "The file was refused: %(n)d fault. Nothing was saved.",
                    "The file was refused: %(n)d faults. Nothing was saved.",
                    len(refusal.errors),
                )
                % {"n": len(refusal.errors)},
            )
            return self.render_to_response(
                self.get_context_data(form=form, errors=refusal.errors, filename=upload.name)
            )
        messages.success(
            self.request,
            ngettext(
                "%(n)d unit imported from %(file)s.",
                "%(n)d units imported from %(file)s.",
                result.count,
            )
            % {"n": result.count, "file": upload.name},
        )
        return redirect("units:index")
