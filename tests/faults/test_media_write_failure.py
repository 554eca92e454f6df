"""A file the disk refuses (full, over quota, too large, an I/O error) while a service stores an
upload: the service refuses with a message naming the file and the cause, its transaction rolls
back, and no file of that operation stays on disk — not the part of the one that failed, not the
ones written before it, not those written before a later step failed. Simulated here by the
storage raising the OSError a full disk raises; test_media_disk_full.py fills a real one."""

# The fixtures are imported from the modules that define them, and named as parameters.
# ruff: noqa: F811

import errno
import html
import os
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

import audit
from audit.models import Entry
from leasing import fitout
from leasing.models import Milestone, MilestoneDocument
from stations import media, services
from stations.media import MediaStorage
from stations.models import Level
from tenders import rounds
from tenders.models import RoundDocument
from tests import factories
from tests.cms.conftest import speak_english
from tests.cms.test_portal_tenancy import (  # noqa: F401 - the fixtures
    client,
    clock,
    design,
    fitting_out,
    merchant,
    signed_in,
    text,
    url,
    user,
)
from tests.cms.test_site_uploads import png
from tests.factories import pdf
from tests.leasing.factories import lease_officer
from tests.leasing.test_fitout import PDF, lease, planned, png_bytes  # noqa: F401
from tests.stations.factories import level
from tests.tenders.round_factories import make_round

pytestmark = pytest.mark.django_db
Kind = Milestone.Kind
FULL = "The server could not store “%s” (the server's disk is full). Nothing was recorded; try again later."


@pytest.fixture(autouse=True)
def own_media_root(tmp_path, settings):
    """A media folder of the test's own: what is on disk afterwards is this test's doing."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def media_files(folder: str = "") -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def disk_full_after(files_written: int):
    """MediaStorage._save that really writes the first ``files_written`` files, then writes
    half of the next one and fails as a full disk does."""
    real = MediaStorage._save
    calls = []

    class HalfWritten(ContentFile):
        def chunks(self, chunk_size=None):
            data = self.read()
            yield data[: len(data) // 2]
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def _save(storage, name, content):
        calls.append(name)
        if len(calls) <= files_written:
            return real(storage, name, content)
        content.seek(0)
        return real(storage, name, HalfWritten(content.read()))

    return mock.patch.object(MediaStorage, "_save", _save)


# --- the storage --------------------------------------------------------------------------


def test_the_storage_removes_the_part_of_a_file_it_could_not_finish(tmp_path):
    storage = MediaStorage(location=tmp_path)

    class Failing(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"the first half"
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        storage.save("docs/a.pdf", Failing(b"x"))

    assert list(tmp_path.rglob("*.pdf")) == []


def test_the_storage_keeps_the_file_already_there_under_the_same_name(tmp_path):
    storage = MediaStorage(location=tmp_path)
    storage.save("a.pdf", ContentFile(b"someone else's"))

    class Failing(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"half"
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        storage.save("a.pdf", Failing(b"x"))

    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]
    assert (tmp_path / "a.pdf").read_bytes() == b"someone else's"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "the server's disk is full"),
        (errno.EDQUOT, "the server's storage quota is used up"),
        (errno.EFBIG, "the file is too large for the server's storage"),
        (errno.EIO, "the server's storage failed"),
    ],
)
def test_each_cause_is_said_in_the_message(code, reason):
    assert media.storage_refusal(OSError(code, os.strerror(code)), "plan.pdf") == (
        f"The server could not store “plan.pdf” ({reason}). Nothing was recorded; try again later."
    )


# --- the design and fit-out documents -----------------------------------------------------


def test_a_full_disk_on_the_second_document_records_nothing_and_leaves_no_file(planned):
    officer = lease_officer()
    entries = Entry.objects.count()

    with disk_full_after(1), pytest.raises(ValidationError) as refused:
        fitout.milestone_done(
            actor=officer,
            milestone=Milestone.objects.get(lease=planned, kind=Kind.DESIGN_SUBMITTED),
            done_on=planned.milestones.get(kind=Kind.DESIGN_SUBMITTED).due_on,
            documents=[
                SimpleUploadedFile("方案.pdf", PDF),
                SimpleUploadedFile("效果图.png", png_bytes()),
            ],
        )

    assert refused.value.message_dict == {"documents": [FULL % "效果图.png"]}
    assert not MilestoneDocument.objects.exists()
    assert Milestone.objects.get(lease=planned, kind=Kind.DESIGN_SUBMITTED).done_on is None
    assert Entry.objects.count() == entries
    assert media_files("milestones") == []


def test_a_failure_after_the_documents_were_written_leaves_no_file(planned):
    officer = lease_officer()

    with (
        mock.patch.object(audit, "record_many", side_effect=RuntimeError("journal failed")),
        pytest.raises(RuntimeError),
    ):
        fitout.milestone_done(
            actor=officer,
            milestone=Milestone.objects.get(lease=planned, kind=Kind.DESIGN_SUBMITTED),
            done_on=planned.milestones.get(kind=Kind.DESIGN_SUBMITTED).due_on,
            documents=[SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", png_bytes())],
        )

    assert not MilestoneDocument.objects.exists()
    assert media_files("milestones") == []


def test_documents_stored_without_a_fault_stay(planned):
    fitout.milestone_done(
        actor=lease_officer(),
        milestone=Milestone.objects.get(lease=planned, kind=Kind.DESIGN_SUBMITTED),
        done_on=planned.milestones.get(kind=Kind.DESIGN_SUBMITTED).due_on,
        documents=[SimpleUploadedFile("a.pdf", PDF)],
    )

    (document,) = MilestoneDocument.objects.all()
    assert media_files("milestones") == [Path(document.file.path)]


def test_the_portal_shows_the_full_disk_on_the_design_form(signed_in, fitting_out):
    with disk_full_after(0):
        response = signed_in.post(
            url("lease_design", fitting_out.pk, design(fitting_out).pk),
            {"done_on": "2026-05-19", "documents": [SimpleUploadedFile("shop.pdf", PDF)]},
        )

    assert response.status_code == 200
    assert response.context["form"].errors["documents"] == [FULL % "shop.pdf"]
    assert design(fitting_out).done_on is None
    assert not MilestoneDocument.objects.exists()
    assert media_files("milestones") == []


# --- the other uploads the services store -------------------------------------------------


def test_a_full_disk_under_a_plan_underlay_changes_nothing():
    concourse = level()
    before = Level.objects.filter(pk=concourse.pk).values().get()
    entries = Entry.objects.count()
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, "PNG")

    with disk_full_after(0), pytest.raises(ValidationError) as refused:
        services.level_set_underlay(
            actor=None,
            level=concourse,
            upload=SimpleUploadedFile("底图.png", buffer.getvalue()),
            scale=Decimal("0.5"),
        )

    assert refused.value.message_dict == {"underlay": [FULL % "底图.png"]}
    assert Level.objects.filter(pk=concourse.pk).values().get() == before
    assert Entry.objects.count() == entries
    assert media_files("underlays") == []


def test_a_full_disk_under_a_round_document_records_nothing():
    round_obj = make_round()
    entries = Entry.objects.count()

    with disk_full_after(0), pytest.raises(ValidationError) as refused:
        rounds.document_publish(
            actor=None, round=round_obj, kind="notice", file=ContentFile(pdf("x"), name="公告.pdf")
        )

    assert refused.value.message_dict == {"file": [FULL % "公告.pdf"]}
    assert not RoundDocument.objects.exists()
    assert Entry.objects.count() == entries
    assert media_files("tender-documents") == []


def test_a_nested_operation_hands_its_files_to_the_outer_one():
    row = MilestoneDocument()

    @media.atomic_with_files
    def inner():
        media.store(row.file, "inner.pdf", ContentFile(PDF), field="documents")

    @media.atomic_with_files
    def outer():
        inner()
        assert media_files("milestones")
        raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        outer()

    assert media_files() == []


# --- Wagtail's own upload screens (cms.storage_full) ------------------------------------


@pytest.fixture
def officer_client():
    from django.test import Client

    browser = Client()
    browser.force_login(speak_english(factories.officer(username="site-editor")))
    return browser


def test_a_full_disk_under_wagtails_document_upload_is_a_message_not_a_500(officer_client):
    with disk_full_after(0):
        response = officer_client.post(
            reverse("wagtaildocs:add"),
            {"title": "手册", "file": SimpleUploadedFile("手册.pdf", pdf("x")), "collection": 1},
        )

    assert response.status_code == 507
    assert FULL % "手册.pdf" in html.unescape(response.content.decode())
    assert not get_document_model().objects.exists()
    assert media_files() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as served: no transaction
def test_wagtails_multiple_upload_shows_the_full_disk_in_the_files_row(officer_client):
    with disk_full_after(0):
        response = officer_client.post(
            reverse("wagtailimages:add_multiple"),
            {"files[]": SimpleUploadedFile("plan.png", png()), "title": "plan"},
            headers={"x-requested-with": "XMLHttpRequest"},
        )

    assert response.status_code == 200
    assert response.json() == {"success": False, "error_message": FULL % "plan.png"}
    assert not get_image_model().objects.exists()
    assert media_files() == []


def test_another_os_error_is_still_a_server_error(officer_client):
    def broken(storage, name, content):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    officer_client.raise_request_exception = False
    with mock.patch.object(MediaStorage, "_save", broken):
        response = officer_client.post(
            reverse("wagtaildocs:add"),
            {"title": "x", "file": SimpleUploadedFile("x.pdf", pdf("x")), "collection": 1},
        )

    assert response.status_code == 500
    assert not get_document_model().objects.exists()
