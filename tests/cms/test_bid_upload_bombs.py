"""The portal's sealed bid refuses a decompression-bomb image among its documents: a PNG of a
few dozen bytes claiming 10 gigapixels is refused from its header, on the documents field,
before any pixel is decoded, and no bid is sealed."""

# The fixtures are imported from the module that defines them, and named as parameters.
# ruff: noqa: F811

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenders.models import Bid, BidDocument
from tests.cms.test_portal_tendering import (  # noqa: F401 - the fixtures
    PDF,
    admitted,
    client,
    clock,
    lots,
    merchant,
    round_obj,
    signed_in,
    text,
    url,
    user,
)
from tests.stations.test_uploads import png_header

pytestmark = pytest.mark.django_db


def test_a_pixel_bomb_among_the_bid_documents_is_refused_and_nothing_is_sealed(
    signed_in, round_obj, lots, admitted, settings
):
    settings.UPLOAD_MAX_PIXELS = 40_000_000
    bomb = png_header(100_000, 100_000)
    assert len(bomb) < 100

    response = signed_in.post(
        url("bid_submit", round_obj.pk, lots[0].pk),
        {
            "annual_rent": "150000",
            "proposal": "Plan",
            "documents": [
                SimpleUploadedFile("plan.pdf", PDF),
                SimpleUploadedFile("render.png", bomb),
            ],
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["documents"] == [
        "“render.png” has more pixels than the limit of 40,000,000 pixels."
    ]
    assert "“render.png” has more pixels than the limit" in text(response)
    assert not Bid.objects.exists() and not BidDocument.objects.exists()
