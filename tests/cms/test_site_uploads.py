"""Officers keep the public site: a leasing officer adds a handbook page and uploads its images
and documents in the admin, and each upload is judged by its content — a page named ``.pdf``, a
text named ``.mp4``, an image over the pixel limit are refused with the reason, and nothing is
saved."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.models import HandbookPage, HomePage
from tests import factories
from tests.cms.conftest import speak_english
from tests.factories import pdf

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 32


@pytest.fixture
def as_officer(client):
    client.force_login(speak_english(factories.officer(username="officer")))
    return client


def png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


def upload_document(client, name: str, content: bytes):
    return client.post(
        reverse("wagtaildocs:add"),
        {"title": name, "file": SimpleUploadedFile(name, content), "collection": 1},
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("guide.pdf", pdf("招商手册")),
        ("intro.mp4", MP4),
        ("intro.webm", WEBM),
        ("units.csv", "站点,网点,面积\n长沙南,2F-A01,48.5\n".encode()),
        ("units-gbk.csv", "站点,网点\n长沙南,2F-A01\n".encode("gb18030")),
    ],
)
def test_an_officer_uploads_a_document_that_is_what_it_says(as_officer, name, content):
    response = upload_document(as_officer, name, content)
    assert response.status_code == 302
    (document,) = get_document_model().objects.all()
    assert document.title == name


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("guide.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "PDF"),
        ("intro.mp4", b"just some text, not a video", "MP4"),
        ("intro.webm", MP4, "WEBM"),
        ("terms.docx", pdf("terms"), "DOCX"),
        ("units.csv", b"\x00\x01\x02 binary", "CSV"),
    ],
)
def test_a_document_that_is_not_what_it_says_is_refused(as_officer, name, content, extension):
    response = upload_document(as_officer, name, content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        f"“{name}” is not a {extension} file (judged by its content)."
    ]
    assert not get_document_model().objects.exists()


def test_an_image_over_the_pixel_limit_is_refused(as_officer, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1_000
    response = as_officer.post(
        reverse("wagtailimages:add"),
        {"title": "plan", "file": SimpleUploadedFile("plan.png", png((40, 30))), "collection": 1},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This file has too many pixels (1200). Maximum pixels 1000."
    ]
    assert not get_image_model().objects.exists()

    response = as_officer.post(
        reverse("wagtailimages:add"),
        {"title": "plan", "file": SimpleUploadedFile("plan.png", png((40, 20))), "collection": 1},
    )
    assert response.status_code == 302
    assert get_image_model().objects.count() == 1


def test_an_image_must_be_one_of_the_web_formats(as_officer):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = as_officer.post(
        reverse("wagtailimages:add"),
        {"title": "logo", "file": SimpleUploadedFile("logo.svg", svg), "collection": 1},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not get_image_model().objects.exists()


def test_an_officer_adds_and_publishes_a_handbook_page(as_officer):
    home = HomePage.objects.get()
    add = reverse("wagtailadmin_pages:add", args=("cms", "handbookpage", home.pk))
    assert as_officer.get(add).status_code == 200
    response = as_officer.post(
        add,
        {
            "title": "招商手册",
            "slug": "handbook",
            "intro": "在高铁车站开店。",
            "body-count": "0",
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    page = HandbookPage.objects.get(slug="handbook")
    assert page.live and page.get_parent().pk == home.pk


def test_a_station_manager_does_not_edit_the_site(client):
    manager = factories.UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name="station manager"))
    client.force_login(speak_english(manager))
    home = HomePage.objects.get()
    add = reverse("wagtailadmin_pages:add", args=("cms", "handbookpage", home.pk))
    assert client.get(add).status_code in (302, 403)
    assert upload_document(client, "guide.pdf", pdf("x")).status_code in (302, 403)
    assert not get_document_model().objects.exists()
