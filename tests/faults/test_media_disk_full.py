"""A merchant uploads a design onto a really full disk: a small tmpfs mounted over the test's
media folder (mounting needs root; skipped with the reason where it is refused), filled but
for a few pages. The first document fits, the second does not: the portal shows the message on
the form, no milestone is done, no document row is kept, and neither file — the whole first nor
the part of the second — is left on the disk."""

# The fixtures are imported from the module that defines them, and named as parameters.
# ruff: noqa: F811

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Entry
from leasing.models import MilestoneDocument
from tests.cms.test_portal_tenancy import (  # noqa: F401 - the fixtures
    PDF,
    client,
    clock,
    design,
    fitting_out,
    merchant,
    signed_in,
    url,
    user,
)

pytestmark = pytest.mark.django_db

FREE_BYTES = 96 * 1024  # left on the disk before the upload


def fill(folder: Path, leave: int) -> Path:
    """Write a filler file until the disk is full, then give back ``leave`` bytes."""
    filler = folder / "filler.bin"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(bytes(64 * 1024))
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    size = filler.stat().st_size
    os.truncate(filler, size - leave)
    return filler


@pytest.fixture
def full_disk(tmp_path, settings):
    """A 2 MB tmpfs as MEDIA_ROOT with FREE_BYTES free; unmounted afterwards."""
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    root = tmp_path / "media"
    root.mkdir()
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        filler = fill(root, FREE_BYTES)
        settings.MEDIA_ROOT = str(root)
        yield root, filler
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def test_a_design_upload_onto_a_full_disk_is_refused_on_the_form_and_leaves_nothing(
    signed_in, fitting_out, full_disk
):
    root, filler = full_disk
    entries = Entry.objects.count()
    first = PDF + b"%" + bytes(32 * 1024)  # fits in what is left
    second = PDF + b"%" + bytes(512 * 1024)  # does not

    response = signed_in.post(
        url("lease_design", fitting_out.pk, design(fitting_out).pk),
        {
            "done_on": "2026-05-19",
            "documents": [
                SimpleUploadedFile("平面图.pdf", first),
                SimpleUploadedFile("效果图.pdf", second),
            ],
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["documents"] == [
        "The server could not store “效果图.pdf” (the server's disk is full). "
        "Nothing was recorded; try again later."
    ]
    assert design(fitting_out).done_on is None
    assert not MilestoneDocument.objects.exists()
    assert Entry.objects.count() == entries
    assert [p for p in root.rglob("*") if p.is_file()] == [filler]
    # The disk has what it had before the upload: nothing half-written holds its space.
    assert shutil.disk_usage(root).free >= FREE_BYTES


def test_once_space_is_freed_the_same_upload_goes_through(signed_in, fitting_out, full_disk):
    root, filler = full_disk
    filler.unlink()

    response = signed_in.post(
        url("lease_design", fitting_out.pk, design(fitting_out).pk),
        {"done_on": "2026-05-19", "documents": [SimpleUploadedFile("效果图.pdf", PDF)]},
    )

    assert response.status_code == 302
    (document,) = MilestoneDocument.objects.all()
    assert Path(document.file.path).read_bytes() == PDF
    assert Path(document.file.path).is_relative_to(root)
