"""Wagtail admin hooks of the lease screens (leases, rent, fit-out, the route map)."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from cms import lease_policies
from cms.lease_dashboard import LeasingPanel
from cms.lease_policies import sees_leases
from cms.lease_viewsets import LEASING_SUBMENU, LeasingGroup, menu_item

# Before any admin code asks Wagtail for Lease's policy (it would make a fallback).
lease_policies.register()


@hooks.register("register_admin_viewset")
def register_lease_viewsets():
    return [LeasingGroup()]


@hooks.register(LEASING_SUBMENU)
def new_direct_lease_menu_item():
    return menu_item("new-direct-lease")


@hooks.register(LEASING_SUBMENU)
def awards_to_lease_menu_item():
    return menu_item("awards-to-lease")


@hooks.register(LEASING_SUBMENU)
def overdue_menu_item():
    return menu_item("leases-overdue")


@hooks.register(LEASING_SUBMENU)
def my_outlets_menu_item():
    return menu_item("my-outlets")


@hooks.register(LEASING_SUBMENU)
def route_map_menu_item():
    return menu_item("route-map")


@hooks.register("construct_homepage_panels")
def add_leasing_panel(request, panels):
    if sees_leases(request.user):
        panels.append(LeasingPanel(request.user))


@hooks.register("insert_global_admin_css")
def leases_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/leases.css"))
