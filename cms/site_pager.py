"""Pagers of the public site's lists: a page of rows (Django's Paginator, ``get_page``: a page
number out of range or not a number shows the last or the first page) and the links to the
pages around it, which keep the list's other parameters (its search, filters and the other
lists' pages)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator


def page_of(queryset, request, param: str, per_page: int) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


def _url(request, param: str, number: int) -> str:
    query = request.GET.copy()
    if number == 1:
        query.pop(param, None)
    else:
        query[param] = str(number)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else request.path


def pager(request, page: Page, param: str) -> dict:
    """What the pager template (cms/pages/_pager.html) shows: where the page stands and the
    links to the first, previous, next and last pages (None where there is none)."""
    last = page.paginator.num_pages
    return {
        "page": page,
        "number": page.number,
        "num_pages": last,
        "count": page.paginator.count,
        "first_url": _url(request, param, 1) if page.number > 2 else None,
        "previous_url": _url(request, param, page.number - 1) if page.has_previous() else None,
        "next_url": _url(request, param, page.number + 1) if page.has_next() else None,
        "last_url": _url(request, param, last) if page.number < last - 1 else None,
    }
