"""Merchant endpoints: a merchant user's token acts for its company only (api.auth.merchant_of);
another company's id answers 404. Writes call the same services as the portal; the client never
sets a status, a receipt time, an owner or a score."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from api.auth import TokenAuth, merchant_of
from api.errors import ERRORS

router = Router(tags=["merchant"], auth=TokenAuth())


class ProfileOut(Schema):
    name: str
    credit_code: str
    legal_form: str
    registered_capital: str
    founded_on: dt.date
    operation_mode: str
    store_count: int
    contact_name: str
    contact_phone: str

    @staticmethod
    def resolve_registered_capital(obj) -> str:
        return f"{obj.registered_capital:.2f}"


@router.get("/profile/", response={200: ProfileOut, **ERRORS})
def profile(request):
    """The company the token acts for."""
    return merchant_of(request)
