"""What a request may send (cms.request_limits and Django's limits in the settings): 1,001
form fields are a 400, a 10 MB text field is a 400 from its Content-Length, a body over
REQUEST_MAX_BODY_BYTES is a 413 before it is read; the two screens that post more than 1,000
fields (Wagtail's page editor, a committee member's score grid) read up to 10,000.

Clients here enforce the CSRF check as a browser meets it: the check reads request.POST, so a
raised limit must already hold there."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cms.models import HandbookPage, HomePage
from tenders.models import ScoreSheet
from tests import factories
from tests.cms.committee_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.committee_fixtures import grid_post, lot_url
from tests.cms.conftest import speak_english

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def csrf_client(user=None, *, page: str) -> tuple[Client, str]:
    """A client that must send the CSRF token, and the token (from a GET of ``page``)."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    assert client.get(page).status_code == 200
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


def form_post(client, path: str, data: dict):
    """POST ``data`` URL-encoded, as a browser sends a form without files."""
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def padding(count: int) -> dict:
    return {f"pad-{n}": "x" for n in range(count)}


def test_the_limits_are_djangos_defaults_or_tighter():
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1_000
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2.5 * MB
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * MB
    assert settings.REQUEST_MAX_BODY_BYTES == settings.WAGTAILDOCS_MAX_UPLOAD_SIZE + 16 * MB


# --- the number of fields -----------------------------------------------------------------


@pytest.mark.parametrize("multipart", [False, True])
def test_1001_form_fields_are_a_400_and_1000_are_read(multipart):
    sign_in = reverse("portal:sign_in")
    client, token = csrf_client(page=sign_in)
    fields = {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong"}

    def post(data):
        return client.post(sign_in, data) if multipart else form_post(client, sign_in, data)

    read = post({**fields, **padding(1_000 - len(fields))})
    assert read.status_code == 200  # the form, with its "wrong password" error
    assert read.context["form"].errors

    refused = post({**fields, **padding(1_001 - len(fields))})
    assert refused.status_code == 400


def test_a_score_grid_of_more_than_1000_fields_is_read(declared, members):
    chair = members[0]
    client, token = csrf_client(chair, page=lot_url(declared))
    data = {
        "csrfmiddlewaretoken": token,
        **grid_post(declared, {"a": "25", "b": "20"}),
        # The grid of a busy lot: two fields per bid and criterion, here stood for by padding.
        **padding(1_500),
    }

    response = form_post(client, lot_url(declared), data)

    assert response.status_code == 302, response.status_code
    assert ScoreSheet.objects.filter(seat__user=chair, is_current=True).count() == 1


def test_a_score_grid_beyond_the_raised_limit_is_a_400(declared, members):
    chair = members[0]
    client, token = csrf_client(chair, page=lot_url(declared))
    data = {
        "csrfmiddlewaretoken": token,
        **grid_post(declared, {"a": "25", "b": "20"}),
        **padding(settings.RAISED_MAX_NUMBER_FIELDS),
    }

    response = form_post(client, lot_url(declared), data)

    assert response.status_code == 400
    assert not ScoreSheet.objects.filter(seat__user=chair).exists()


def test_the_page_editor_reads_a_page_of_more_than_1000_fields():
    officer = speak_english(factories.officer(username="officer"))
    home = HomePage.objects.get()
    add = reverse("wagtailadmin_pages:add", args=("cms", "handbookpage", home.pk))
    client, token = csrf_client(officer, page=add)

    response = form_post(
        client,
        add,
        {
            "csrfmiddlewaretoken": token,
            "title": "招商手册",
            "slug": "handbook",
            "intro": "在高铁车站开店。",
            "body-count": "0",
            "action-publish": "publish",
            **padding(1_500),
        },
    )

    assert response.status_code == 302
    assert HandbookPage.objects.get(slug="handbook").live


def test_other_admin_forms_keep_the_limit_of_1000():
    officer = speak_english(factories.officer(username="officer"))
    add = reverse("wagtaildocs:add")
    client, token = csrf_client(officer, page=add)
    response = form_post(client, add, {"csrfmiddlewaretoken": token, **padding(1_001)})
    assert response.status_code == 400


# --- the size of a request ----------------------------------------------------------------


@pytest.mark.parametrize("multipart", [False, True])
def test_a_10_mb_text_field_is_a_400(multipart):
    sign_in = reverse("portal:sign_in")
    client, token = csrf_client(page=sign_in)
    data = {"csrfmiddlewaretoken": token, "username": "x" * (10 * MB), "password": "y"}
    response = client.post(sign_in, data) if multipart else form_post(client, sign_in, data)
    assert response.status_code == 400


def test_a_body_over_the_request_limit_is_a_413_before_it_is_read(settings):
    settings.REQUEST_MAX_BODY_BYTES = MB
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in = reverse("portal:sign_in")
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (2 * MB))

    response = client.post(sign_in, {"username": "a", "password": "b", "file": big})

    assert response.status_code == 413
    assert response.content.decode() == (
        "The request is too large: at most 1 MB may be sent at once."
    )
    assert response.wsgi_request._read_started is False  # not a byte of the body read
    small = SimpleUploadedFile("small.pdf", b"%PDF-1.7\n" + b"0" * (MB // 2))
    assert (
        client.post(sign_in, {"username": "a", "password": "b", "file": small}).status_code == 200
    )
