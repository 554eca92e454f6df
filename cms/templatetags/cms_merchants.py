"""Template tags for the merchant and demand screens used on other pages (the unit's)."""

from django import template
from django.urls import reverse

from cms.merchant_policies import may_view_merchants

register = template.Library()


@register.inclusion_tag("cms/merchants/unit_demands_link.html", takes_context=True)
def unit_demands_link(context, unit):
    """A link to the demands ``unit`` could satisfy, for whoever may read demands."""
    request = context.get("request")
    show = request is not None and unit is not None and may_view_merchants(request.user)
    return {"url": reverse("demands:for_unit", args=(unit.pk,)) if show else ""}
