"""StreamField blocks of the investment handbook (招商手册): text, images, downloadable documents
and videos uploaded to the site (a Wagtail document; no external embeds)."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

# What a <video> element plays in every current browser, by file extension.
# Only these may be uploaded as documents (WAGTAILDOCS_EXTENSIONS), and their content is checked.
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}


def video_type(document) -> str | None:
    """The MIME type of an uploaded video document, or None when it is not a video we play."""
    if document is None or not document.file:
        return None
    return VIDEO_TYPES.get(PurePosixPath(document.file.name).suffix.lower())


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("Heading")
        template = "cms/pages/blocks/heading.html"
        form_classname = "title"


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=255)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/pages/blocks/figure.html"


class DownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Link text"),
        required=False,
        max_length=255,
        help_text=_("The document's own title when empty."),
    )
    description = blocks.TextBlock(label=_("Description"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Downloadable document")
        template = "cms/pages/blocks/download.html"


class VideoBlock(blocks.StructBlock):
    """A video file uploaded to the site as a document, played by the browser's own player."""

    video = DocumentChooserBlock(
        label=_("Video file"), help_text=_("An MP4 or WebM video uploaded as a document.")
    )
    poster = ImageBlock(label=_("Poster image"), required=False)
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=255)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "cms/pages/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if video_type(value.get("video")) is None:
            raise blocks.StructBlockValidationError(
                block_errors={
                    "video": ValidationError(
                        _(
                            "This document is not a video the site can play: upload an MP4 or WebM file."
                        )
                    )
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["mime_type"] = video_type(value.get("video"))
        return context


class HandbookStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Text"),
        features=["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"],
        template="cms/pages/blocks/paragraph.html",
    )
    image = FigureBlock()
    document = DownloadBlock()
    video = VideoBlock()
