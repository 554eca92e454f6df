"""The portal's design upload (fit-out) refuses a decompression-bomb image: a PNG of a few
dozen bytes claiming 10 gigapixels is refused from its header on the documents field, and the
milestone stays open with no document kept."""

# The fixtures are imported from the module that defines them, and named as parameters.
# ruff: noqa: F811

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leasing.models import MilestoneDocument
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
from tests.stations.test_uploads import png_header

pytestmark = pytest.mark.django_db


def test_a_pixel_bomb_as_the_design_is_refused_and_nothing_is_kept(
    signed_in, fitting_out, settings
):
    settings.UPLOAD_MAX_PIXELS = 40_000_000
    bomb = png_header(100_000, 100_000)

    response = signed_in.post(
        url("lease_design", fitting_out.pk, design(fitting_out).pk),
        {"done_on": "2026-05-19", "documents": [SimpleUploadedFile("shop.png", bomb)]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["documents"] == [
        "“shop.png” has more pixels than the limit of 40,000,000 pixels."
    ]
    assert "Nothing was saved" in text(response)
    assert design(fitting_out).done_on is None
    assert not MilestoneDocument.objects.exists()
