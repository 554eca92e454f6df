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

from api import errors, merchant, officer, public
from api.auth import AddressRateThrottle, TokenRateThrottle

api = NinjaAPI(
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
