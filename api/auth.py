"""Who calls: a bearer token (Wagtail's APIToken: only its digest is stored, the owner revokes
it), never the session cookie. A merchant's token acts for the company its user belongs to
(tenders.services.company_of); an officer's token carries the officer's own permissions, on
the objects guardian gives them. The rate limit counts per token (per address for the public
endpoints without one)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from ninja.throttling import SimpleRateThrottle
from wagtail.api.v3.auth import AllowAnonymous, BearerTokenAuth

from tenders.models import Merchant
from tenders.services import company_of

__all__ = [
    "PUBLIC_AUTH",
    "AddressRateThrottle",
    "AllowAnonymous",
    "TokenAuth",
    "TokenRateThrottle",
    "merchant_of",
]


class TokenAuth(BearerTokenAuth):
    """Authorization: Bearer <token> (Wagtail's APIToken); sets request.user."""


PUBLIC_AUTH = [TokenAuth(), AllowAnonymous()]


def merchant_of(request) -> Merchant:
    """The company a merchant's token acts for; 404 for a token of anyone else (an officer's
    token has no merchant, and nothing of one is shown to it here)."""
    merchant = company_of(request.user)
    if merchant is None:
        raise Http404
    return merchant


class SettingRateThrottle(SimpleRateThrottle):
    """A rate read from the setting ``rate_setting`` at each request (the settings may change,
    in tests above all)."""

    rate_setting = ""

    def __init__(self):
        super().__init__(rate=getattr(settings, self.rate_setting))

    def allow_request(self, request) -> bool:
        rate = getattr(settings, self.rate_setting)
        if rate != self.rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)


class TokenRateThrottle(SettingRateThrottle):
    """API_RATE_LIMIT requests per token, counted in the default cache: set REDIS_URL so that
    every worker shares the count."""

    scope = "token"
    rate_setting = "API_RATE_LIMIT"

    def get_cache_key(self, request) -> str | None:
        token = getattr(request, "auth", None)
        if not getattr(token, "pk", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class AddressRateThrottle(SettingRateThrottle):
    """API_ANONYMOUS_RATE_LIMIT requests per address for calls without a token."""

    scope = "address"
    rate_setting = "API_ANONYMOUS_RATE_LIMIT"

    def get_cache_key(self, request) -> str | None:
        if getattr(getattr(request, "auth", None), "pk", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
