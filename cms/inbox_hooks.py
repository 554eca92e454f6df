"""Wagtail admin hooks of the staff's messages: a "Messages" menu item with the unread count and
the page listing the signed-in user's notifications (the same rows as their portal inbox)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from notifications.selectors import notifications_for, unread_count
from notifications.services import notifications_mark_all_read

PER_PAGE = 30


class MessagesView(WagtailAdminTemplateMixin, TemplateView):
    """The user's messages, newest first; a POST marks them all read."""

    template_name = "cms/messages.html"
    page_title = gettext_lazy("Messages")
    header_icon = "mail"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notifications = notifications_for(self.request.user)
        context["page"] = Paginator(notifications, PER_PAGE).get_page(self.request.GET.get("p"))
        context["unread"] = unread_count(self.request.user)
        return context

    def post(self, request):
        count = notifications_mark_all_read(actor=request.user)
        if count:
            messages.success(request, _("%(count)s message(s) marked as read.") % {"count": count})
        return redirect("cms_messages")


class MessagesMenuItem(MenuItem):
    """ "Messages", with the number unread after it."""

    def render_component(self, request):
        count = unread_count(request.user)
        label = f"{self.label} ({count})" if count else self.label
        return LinkMenuItem(self.name, label, self.url, icon_name=self.icon_name, attrs=self.attrs)


@hooks.register("register_admin_urls")
def register_messages_url():
    return [path("messages/", MessagesView.as_view(), name="cms_messages")]


@hooks.register("register_admin_menu_item")
def messages_menu_item():
    return MessagesMenuItem(
        gettext_lazy("Messages"),
        reverse("cms_messages"),
        name="messages",
        icon_name="mail",
        order=50,
    )
