"""Wagtail pages of the portal. The home page shows the network and what is offered for letting."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from stations.models import Station
from stations.selectors import network_overview


class HomePage(Page):
    """The portal's front page: the stations of the network and the units offered for letting."""

    intro = RichTextField(_("introduction"), blank=True)
    contact = models.CharField(_("leasing contact"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("contact")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/pages/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        stations = list(network_overview())
        context["tiers"] = [
            (label, [s for s in stations if s.tier == value])
            for value, label in Station.Tier.choices
        ]
        context["totals"] = {
            "stations": len(stations),
            "available": sum(s.available_count for s in stations),
            "available_area_m2": sum((s.available_area_m2 or 0) for s in stations),
        }
        return context
