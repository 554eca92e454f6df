"""Listing columns for the back office: a plain link, a unit's status badge, its business types."""

from __future__ import annotations

from django.utils.translation import get_language
from wagtail.admin.ui.tables import Column


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def category_name(category) -> str:
    """A business category's name in the language of the page."""
    return category.name_zh if _chinese() else category.name_en


def category_list(categories) -> str:
    """Names of several categories, with the list separator of the page's language."""
    return ("、" if _chinese() else ", ").join(category_name(c) for c in categories)


class LinkColumn(Column):
    """A cell holding one link; ``get_url`` and ``text`` take the row's object (or ``text`` is
    a fixed label)."""

    cell_template_name = "cms/tables/link_cell.html"

    def __init__(self, name, *, get_url, text=None, **kwargs):
        super().__init__(name, **kwargs)
        self._get_url = get_url
        self._text = text

    def get_value(self, instance):
        # Only the text is shown; the column's object (a level, say) is never turned into a
        # string, which could cost a query a row.
        if self._text is None:
            return super().get_value(instance)
        return self._text(instance) if callable(self._text) else self._text

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = self._get_url(instance)
        context["text"] = context["value"]
        return context


class UnitStatusColumn(Column):
    """The status as a coloured badge, the same colours as the plan's legend."""

    cell_template_name = "cms/tables/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["status"] = instance.status
        context["label"] = instance.get_status_display()
        return context


class BusinessTypesColumn(Column):
    """The designated types, from a prefetched relation (no query per row)."""

    def get_value(self, instance):
        return category_list(instance.business_types.all())
