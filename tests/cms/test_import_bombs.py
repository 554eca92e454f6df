"""The admin's uploads refuse zip bombs with the reason where the officer looks, and save
nothing: the unit and demand spreadsheets (an XLSX is a ZIP that openpyxl would inflate), a
tender round's document (a ZIP, DOCX or XLSX handed to merchants) and a handbook document.
The bombs are built in the test (tests.zip_bombs): tens of KB that unpack to 64 MB."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model

from audit.models import Entry
from stations.models import Unit
from tenders.models import Demand, RoundDocument
from tests import factories
from tests.cms.conftest import speak_english
from tests.cms.round_fixtures import T0, draft_round
from tests.cms.round_fixtures import url as round_url
from tests.zip_bombs import MB, xlsx_bomb, zip_bomb

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_officer(client):
    client.force_login(speak_english(factories.officer(username="officer")))
    return client


def bomb_upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else xlsx_bomb())


def test_a_unit_workbook_bomb_is_refused_on_the_import_page(as_officer, concourse):
    units, entries = Unit.objects.count(), Entry.objects.count()
    response = as_officer.post(reverse("cms_unit_import"), {"file": bomb_upload("units.xlsx")})
    assert response.status_code == 200
    (error,) = response.context["errors"]
    assert "looks like a zip bomb: its member “xl/worksheets/sheet1.xml”" in error.message
    assert "looks like a zip bomb" in response.content.decode()
    assert (Unit.objects.count(), Entry.objects.count()) == (units, entries)


def test_a_demand_workbook_bomb_is_refused_on_the_import_page(as_officer):
    demands, entries = Demand.objects.count(), Entry.objects.count()
    response = as_officer.post(reverse("demands:import"), {"file": bomb_upload("demands.xlsx")})
    assert response.status_code == 200
    (error,) = response.context["errors"]
    assert "looks like a zip bomb" in error["message"]
    assert "looks like a zip bomb" in response.content.decode()
    assert (Demand.objects.count(), Entry.objects.count()) == (demands, entries)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("drawings.zip", zip_bomb(64 * MB, name="drawings/a.dwg")),
        ("book.xlsx", xlsx_bomb()),
    ],
)
def test_a_round_document_that_is_a_bomb_is_refused_on_the_file(as_officer, name, content):
    with time_machine.travel(T0, tick=False):
        round_obj = draft_round()
        before = RoundDocument.objects.count()
        response = as_officer.post(
            round_url("document_add", round_obj.pk),
            {"kind": "tender_book", "file": bomb_upload(name, content), "note": ""},
        )
    assert response.status_code == 200
    (message,) = response.context["form"].errors["file"]
    assert message.startswith(f"“{name}” looks like a zip bomb")
    assert RoundDocument.objects.count() == before


def test_a_handbook_document_that_is_a_bomb_is_refused_on_the_file(as_officer):
    response = as_officer.post(
        reverse("wagtaildocs:add"),
        {
            "title": "drawings",
            "file": bomb_upload("drawings.zip", zip_bomb(64 * MB)),
            "collection": 1,
        },
    )
    assert response.status_code == 200
    (message,) = response.context["form"].errors["file"]
    assert message.startswith("“drawings.zip” looks like a zip bomb")
    assert not get_document_model().objects.exists()
