"""Public endpoints: what anyone may read without a token — the business types, the stations
with their levels and units (plans as GeoJSON), published tender rounds and their lots (public
fields only: never a reserve before the award, never a bid), result notices."""

from __future__ import annotations

from ninja import Router, Schema

from api.auth import PUBLIC_AUTH
from api.errors import ERRORS
from stations.models import BusinessCategory

router = Router(tags=["public"], auth=PUBLIC_AUTH)


class BusinessTypeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    major_class: str | None  # the code of its class; None for a class itself
    min_power_kw: str
    needs_water: bool
    needs_drainage: bool
    needs_exhaust: bool
    is_basic: bool

    @staticmethod
    def resolve_major_class(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_min_power_kw(obj) -> str:
        return f"{obj.min_power_kw:.2f}"


@router.get("/business-types/", response={200: list[BusinessTypeOut], **ERRORS})
def business_types(request):
    """Every business type (业态) and major class, in the catalogue's order."""
    return BusinessCategory.objects.select_related("parent").order_by("sort_order", "code")
