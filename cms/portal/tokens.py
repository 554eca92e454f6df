"""Portal: the signed-in merchant user's API tokens — create one (its plaintext shown once,
on the page that answers the creation, never again) and revoke it.

A token is Wagtail's APIToken (only its digest is stored) and acts, on /api/v1/merchant/, for
the user's company. Writes go through tenders.accounts (api_token_create, api_token_revoke),
which journal them; another user's token answers 404 like a missing one.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.models import APIToken

from cms.portal.company import refused, with_company
from cms.portal.forms_accounts import ServiceErrorsMixin
from tenders import accounts

TEMPLATE = "cms/portal/accounts/api_tokens.html"


class TokenForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Token name"),
        max_length=255,
        help_text=gettext_lazy("Say what will use it, e.g. “ERP system” or “sales reports”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _tokens(user):
    return APIToken.objects.filter(user=user).order_by("revoked_at", "-created", "-pk")


@with_company
def api_tokens(request, merchant):
    """The user's tokens; POST creates one and shows its plaintext on this response only."""
    form = TokenForm(request.POST or None)
    plaintext = created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, plaintext = accounts.api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except PermissionDenied as exc:
            refused(request, exc)
        else:
            form = TokenForm()
    response = render(
        request,
        TEMPLATE,
        {
            "merchant": merchant,
            "form": form,
            "tokens": _tokens(request.user),
            "created": created,
            "plaintext": plaintext,
        },
    )
    # The page that shows a plaintext token must not be kept by any cache or the history.
    add_never_cache_headers(response)
    return response


@require_POST
@with_company
def api_token_revoke(request, merchant, pk):
    token = get_object_or_404(APIToken, pk=pk, user=request.user)
    try:
        accounts.api_token_revoke(actor=request.user, token=token)
    except (ValidationError, PermissionDenied) as exc:
        refused(request, exc)
    else:
        messages.success(
            request, _("The token %(name)s is revoked: it no longer works.") % {"name": token.name}
        )
    return redirect("portal:api_tokens")


urlpatterns = [
    path("api-tokens/", api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", api_token_revoke, name="api_token_revoke"),
]
