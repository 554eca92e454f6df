"""The investment handbook: a StreamField page of text, images, downloadable documents and a
video uploaded to the site (never an outside embed), with its chapters."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import translation
from PIL import Image as PILImage
from wagtail.blocks import StructBlockValidationError
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.blocks import VideoBlock
from cms.models import HandbookPage, HomePage

pytestmark = pytest.mark.django_db


def document(name: str, content: bytes = b"x" * 64, title: str = ""):
    doc = get_document_model()(title=title or name)
    doc.file.save(name, ContentFile(content), save=False)
    doc.save()
    return doc


def image():
    from io import BytesIO

    buffer = BytesIO()
    PILImage.new("RGB", (40, 20), "teal").save(buffer, "PNG")
    img = get_image_model()(title="长沙南站高架层平面图")
    img.file = ImageFile(buffer, name="plan.png")
    img.save()
    return img


@pytest.fixture
def handbook(db):
    home = HomePage.objects.get()
    page = HandbookPage(
        title="招商手册 Investment handbook",
        slug="handbook",
        intro="在高铁车站开店。",
        body=[
            ("heading", "如何参加公开招租"),
            ("paragraph", "<p>在商家门户注册公司，<b>报名</b>并投标。</p>"),
            (
                "image",
                {
                    "image": {"image": image(), "decorative": False, "alt_text": "平面图"},
                    "caption": "绿色为待招租网点",
                },
            ),
            (
                "document",
                {"document": document("guide.pdf"), "title": "下载招商手册", "description": ""},
            ),
            ("video", {"video": document("intro.mp4"), "poster": None, "caption": "车站介绍"}),
        ],
    )
    home.add_child(instance=page)
    chapter = HandbookPage(title="施工与开业", slug="fit-out", intro="六个节点")
    page.add_child(instance=chapter)
    return page


def test_the_handbook_shows_text_image_document_video_and_chapters(client, handbook):
    with translation.override("en"):
        html = client.get(handbook.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "如何参加公开招租" in html and "<b>报名</b>" in html
    assert 'alt="平面图"' in html and "绿色为待招租网点" in html
    assert "下载招商手册" in html and "/documents/" in html
    assert "<video controls" in html and 'type="video/mp4"' in html and "车站介绍" in html
    assert "<iframe" not in html
    assert "施工与开业" in html and "Chapters" in html


def test_a_chapter_links_back_to_the_handbook(client, handbook):
    chapter = handbook.get_children().get().specific
    html = client.get(chapter.url).content.decode()

    assert f'href="{handbook.url}"' in html


def test_the_video_block_refuses_a_document_that_is_not_a_video(db):
    block = VideoBlock()
    value = block.to_python({"video": document("terms.pdf").pk, "poster": None, "caption": ""})

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)
    assert "not a video the site can play" in str(refused.value.block_errors["video"])
