"""Wagtail admin hooks: the station-space menu, the plan/report/import pages, the home panel."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cms import (  # noqa: F401 (hooks)
    admin_views,
    inbox_hooks,
    lease_hooks,
    operation_hooks,
    round_policies,
)
from cms.committee_views import EvaluationViewSet
from cms.dashboard import StationsPanel
from cms.demand_viewsets import MerchantsAndDemandsGroup
from cms.member_chooser import member_chooser_viewset
from cms.merchant_dashboard import MerchantsPanel
from cms.merchant_policies import may_add_demands, may_view_merchants
from cms.round_dashboard import EvaluationsPanel, RoundsPanel
from cms.round_policies import sees_internals, sits_on_committees
from cms.round_viewsets import ROUNDS_SUBMENU, TenderRoundGroup, new_round_menu_item
from cms.viewsets import AuditJournalViewSet, StationSpaceGroup

# Before any admin code asks Wagtail for TenderRound's policy (it would make a fallback).
round_policies.register()

SPACE_SUBMENU = "register_station_space_menu_item"


class PermittedMenuItem(MenuItem):
    def __init__(self, *args, test, **kwargs):
        super().__init__(*args, **kwargs)
        self.test = test

    def is_shown(self, request):
        return self.test(request.user)


class SpaceGroup(StationSpaceGroup):
    submenu_hook = SPACE_SUBMENU


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [SpaceGroup(), MerchantsAndDemandsGroup(), AuditJournalViewSet()]


@hooks.register(SPACE_SUBMENU)
def plans_menu_item():
    return PermittedMenuItem(
        _("Floor plans"),
        reverse("cms_plans"),
        name="floor-plans",
        icon_name="table",
        order=10,
        test=admin_views.may_view_space,
    )


@hooks.register(SPACE_SUBMENU)
def reports_menu_item():
    return PermittedMenuItem(
        _("Station reports"),
        reverse("cms_reports"),
        name="station-reports",
        icon_name="list-ul",
        order=900,
        test=admin_views.may_view_reports,
    )


@hooks.register(SPACE_SUBMENU)
def import_menu_item():
    return PermittedMenuItem(
        _("Import units"),
        reverse("cms_unit_import"),
        name="import-units",
        icon_name="upload",
        order=910,
        test=admin_views.may_import_units,
    )


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("station-plans/", admin_views.PlanIndexView.as_view(), name="cms_plans"),
        path(
            "station-plans/<str:code>/",
            admin_views.StationPlanRedirectView.as_view(),
            name="cms_station_plan",
        ),
        path(
            "station-plans/<str:code>/<int:level_id>/",
            admin_views.LevelPlanView.as_view(),
            name="cms_level_plan",
        ),
        path(
            "station-plans/<str:code>/<int:level_id>/plan.svg",
            admin_views.level_plan_svg,
            name="cms_level_plan_svg",
        ),
        path(
            "station-plans/<str:code>/<int:level_id>/plan.png",
            admin_views.level_plan_png,
            name="cms_level_plan_png",
        ),
        path("station-reports/", admin_views.ReportIndexView.as_view(), name="cms_reports"),
        path("station-reports/<slug:name>/", admin_views.ReportView.as_view(), name="cms_report"),
        path(
            "station-imports/units/",
            admin_views.UnitImportView.as_view(),
            name="cms_unit_import",
        ),
    ]


@hooks.register("construct_homepage_panels")
def add_stations_panel(request, panels):
    if admin_views.may_view_space(request.user):
        panels.append(StationsPanel(request.user))


@hooks.register("insert_global_admin_css")
def back_office_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/admin.css"))


# --- tender rounds ------------------------------------------------------------------------


@hooks.register("register_admin_viewset")
def register_round_viewsets():
    return [TenderRoundGroup(), EvaluationViewSet(), member_chooser_viewset]


@hooks.register(ROUNDS_SUBMENU)
def new_round_menu():
    return new_round_menu_item()


@hooks.register("construct_homepage_panels")
def add_rounds_panel(request, panels):
    if sees_internals(request.user):
        panels.append(RoundsPanel(request.user))


@hooks.register("construct_homepage_panels")
def add_evaluations_panel(request, panels):
    if sits_on_committees(request.user) and not request.user.is_superuser:
        panels.append(EvaluationsPanel(request.user))


@hooks.register("insert_global_admin_css")
def round_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/rounds.css"))


@hooks.register("insert_global_admin_css")
def committee_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/committee.css"))


@hooks.register("insert_global_admin_js")
def committee_js():
    return format_html('<script src="{}" defer></script>', static("cms/committee.js"))


# --- merchants and demands ------------------------------------------------------------------


@hooks.register(MerchantsAndDemandsGroup.submenu_hook)
def import_demands_menu_item():
    return PermittedMenuItem(
        _("Import demands"),
        reverse("demands:import"),
        name="import-demands",
        icon_name="upload",
        order=910,
        test=may_add_demands,
    )


@hooks.register("construct_homepage_panels")
def add_merchants_panel(request, panels):
    if may_view_merchants(request.user):
        panels.append(MerchantsPanel(request.user))


@hooks.register("insert_global_admin_css")
def merchants_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/merchants.css"))


@hooks.register("insert_global_admin_js")
def merchants_js():
    return format_html('<script src="{}" defer></script>', static("cms/merchants.js"))
