"""Wagtail pages of the public site: the home page, tender notices (one page per published round),
station pages, and the investment handbook (招商手册).

The pages hold what officers write (introductions, figures, the handbook); everything about the
rounds and the space is read live from tenders and stations when a page is served (see
cms.notices and cms.station_pages), so a page never shows a stale schedule, lot or result.
"""

from __future__ import annotations

from django.db import models
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import HandbookStreamBlock
from stations.models import Station
from tenders.models import RoundDocument, TenderRound
from tenders.round_selectors import PUBLIC_STATUSES


class SitePage(Page):
    """A page of the public site: its template links the site's sections in the navigation."""

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        from cms.site_home import site_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(site_sections(request, page=self))
        return context


class HomePage(SitePage):
    """The site's front page: what the stations offer, open rounds, stations by tier, results."""

    intro = RichTextField(_("introduction"), blank=True)
    contact = models.CharField(_("leasing contact"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("contact")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.TenderNoticeIndexPage", "cms.StationIndexPage", "cms.HandbookPage"]
    max_count = 1
    template = "cms/pages/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from cms import site_home

        context = super().get_context(request, *args, **kwargs)
        context.update(site_home.home_context(self, request))
        return context


class TenderNoticeIndexPage(SitePage):
    """The list of tender notices (招租公告): open rounds first, then results, then the rest."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.TenderNoticePage"]
    max_count = 1
    template = "cms/pages/tender_notice_index_page.html"

    class Meta:
        verbose_name = _("tender notice index")

    def get_context(self, request, *args, **kwargs):
        from cms import notices

        context = super().get_context(request, *args, **kwargs)
        context.update(notices.index_context(self, request))
        return context


class TenderNoticePage(RoutablePageMixin, SitePage):
    """The public notice of one tender round, and from its publicity on, its result notice.

    Served only while the round is public (published and past its publication time); before,
    the page answers 404 like a missing one.
    """

    round = models.OneToOneField(
        TenderRound,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tender round"),
        limit_choices_to={"status__in": PUBLIC_STATUSES},
    )
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("round"), FieldPanel("intro")]
    parent_page_types = ["cms.TenderNoticeIndexPage"]
    subpage_types: list[str] = []
    template = "cms/pages/tender_notice_page.html"
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("tender notice")

    def _public_round(self, request) -> TenderRound:
        from cms import notices

        rounds = TenderRound.objects if getattr(request, "is_preview", False) else None
        round = (rounds or notices.public_rounds()).filter(pk=self.round_id).first()
        if round is None:
            raise Http404(_("No such tender notice."))
        return round

    def get_context(self, request, *args, **kwargs):
        from cms import notices

        context = super().get_context(request, *args, **kwargs)
        context.update(notices.notice_context(self, self._public_round(request), request))
        return context

    @path("")
    def notice(self, request):
        return self.render(request)  # get_context answers 404 while the round is not public

    @path("documents/<int:document_id>/")
    def document(self, request, document_id: int):
        """A version of one of the round's documents, as uploaded (its SHA-256 is on the page)."""
        round = self._public_round(request)
        document = get_object_or_404(RoundDocument, round=round, pk=document_id)
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file.name.rsplit("/", 1)[-1],
        )


class StationIndexPage(SitePage):
    """The stations of the network by tier, each with what it offers for letting."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.StationPage"]
    max_count = 1
    template = "cms/pages/station_index_page.html"

    class Meta:
        verbose_name = _("station index")

    def get_context(self, request, *args, **kwargs):
        from cms import station_pages

        context = super().get_context(request, *args, **kwargs)
        context.update(station_pages.index_context(self, request))
        return context


class StationPage(SitePage):
    """A station: its tier and passengers, each level's plan with the units offered for letting."""

    station = models.OneToOneField(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    intro = RichTextField(_("introduction"), blank=True)
    annual_passengers = models.PositiveIntegerField(_("passengers a year"), null=True, blank=True)
    passengers_year = models.PositiveSmallIntegerField(
        _("year of the passenger figure"), null=True, blank=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("station"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("annual_passengers"), FieldPanel("passengers_year")],
            heading=_("Passenger figures"),
        ),
    ]
    parent_page_types = ["cms.StationIndexPage"]
    subpage_types: list[str] = []
    template = "cms/pages/station_page.html"
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("station page")

    def get_context(self, request, *args, **kwargs):
        from cms import station_pages

        context = super().get_context(request, *args, **kwargs)
        context.update(station_pages.station_context(self, request))
        return context


class HandbookPage(SitePage):
    """The investment handbook (招商手册), or one of its chapters: text, images, documents, video."""

    intro = models.TextField(_("summary"), blank=True)
    body = StreamField(HandbookStreamBlock(), verbose_name=_("content"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.HandbookPage"]
    subpage_types = ["cms.HandbookPage"]
    template = "cms/pages/handbook_page.html"
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("investment handbook page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["chapters"] = self.get_children().live().specific().order_by("path")
        parent = self.get_parent().specific
        context["handbook_parent"] = parent if isinstance(parent, HandbookPage) else None
        return context
