"""Wagtail admin hooks of the operation screens (inspections, complaints, penalties, prices,
events, spread limits): the Operation menu, the home panel, the stylesheet."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from cms import operation_policies
from cms.operation_dashboard import OperationPanel
from cms.operation_viewsets import OperationGroup

# Before any admin code asks Wagtail for these models' policies (it would make fallbacks).
operation_policies.register()


@hooks.register("register_admin_viewset")
def register_operation_viewsets():
    return OperationGroup()


@hooks.register("construct_homepage_panels")
def add_operation_panel(request, panels):
    if operation_policies.sees_operation(request.user):
        panels.append(OperationPanel(request.user))


@hooks.register("insert_global_admin_css")
def operation_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/operation.css"))


@hooks.register("insert_global_admin_js")
def operation_js():
    return format_html('<script src="{}" defer></script>', static("cms/operation.js"))
