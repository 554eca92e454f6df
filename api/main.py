"""The REST API, /api/v1/ (django-ninja; the OpenAPI document at /api/v1/openapi.json).

Three parts, each its own router: ``public`` (no token needed: stations and their plans,
business types, published rounds and lots, result notices), ``merchant`` (a merchant user's
token: its company, demands, applications, bids, leases, instalments, turnover) and
``officer`` (an officer's token, with the officer's permissions: units, rounds, awards,
leases, the rent schedule and payments, the reports). Every change calls the same service
as the admin and the portal; errors have one shape (api.errors).
"""

from __future__ import annotations

from ninja import NinjaAPI

from api import errors, idempotency, merchant, officer, public
from api.auth import AddressRateThrottle, TokenRateThrottle

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
    "description": (
        "1–255 printable ASCII characters, unique per change (a UUID, say). A retry with the "
        "same key and the same request answers the first response again (header "
        "`Idempotent-Replayed: true`) instead of doing it twice; the same key with another "
        "request answers 422 (`key_reused`). Kept for 24 hours; only successful (2xx) answers are kept."
    ),
}


class API(NinjaAPI):
    """The API, whose OpenAPI document names the Idempotency-Key header on every write (the
    header is read by api.idempotency's middleware, not by the operations)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method.upper() in idempotency.METHODS:
                    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
                    operation.setdefault("responses", {})["422"] = {
                        "description": "The Idempotency-Key was used with another request",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    }
        return schema


api = API(
    title="高铁车站商业招商系统 API",
    version="1",
    description=(
        "Stations, tenders and leases of the high-speed-rail stations. Authenticate with "
        "`Authorization: Bearer <token>`: a merchant creates its tokens in the portal "
        "(/portal/api-tokens/); staff receive theirs from an administrator "
        "(`manage.py api_tokens create`). Errors: "
        "`{code, message, field, errors[]}`."
    ),
    urls_namespace="api-v1",
    throttle=[TokenRateThrottle(), AddressRateThrottle()],
    docs_url="/docs/",
)
errors.install(api)
api.add_router("/public/", public.router)
api.add_router("/merchant/", merchant.router)
api.add_router("/officer/", officer.router)
