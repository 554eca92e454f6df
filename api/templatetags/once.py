"""``{% once_token %}``: the hidden one-time token that makes a form's POST count once."""

import secrets

from django import template
from django.utils.html import format_html

from api.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag
def once_token() -> str:
    """A fresh random token per rendering: a re-rendered form (after a refusal) gets a new one."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FORM_FIELD, secrets.token_urlsafe(24)
    )
