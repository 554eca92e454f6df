"""Lists: pagination (limit/offset, API_PAGE_SIZE by default, at most API_MAX_PAGE_SIZE) and
ordering (``?ordering=-created,code``) by the fields each endpoint names, nothing else."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field
from ninja.pagination import LimitOffsetPagination

# An offset beyond what the database's OFFSET takes made a 500 (SQLite: "datatype mismatch").
MAX_OFFSET = 2**31 - 1


class Pagination(LimitOffsetPagination):
    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PageOf:
    """A queryset stand-in for the paginator: the database counts and slices (LIMIT/OFFSET), and
    only the page's objects are read and turned into rows by ``make``; a list built from the
    whole queryset would read every row of a national table for one page."""

    def __init__(self, queryset: QuerySet, make):
        self.queryset, self.make = queryset, make

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return [self.make(obj) for obj in self.queryset[index]]


class AnnotatedPage:
    """A queryset stand-in for the paginator whose rows carry aggregates over a big table: the
    page is counted and cut on ``rows`` (ordered, filtered, no aggregate), then ``annotated``
    (the aggregates, a queryset of the same model) is read for the page's ids only. An
    aggregate annotated on the whole list made the database group every row of the big table
    (101,400 units for a page of 20 stations) before it could cut the page."""

    def __init__(self, rows: QuerySet, annotated: QuerySet):
        self.rows, self.annotated = rows, annotated

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        ids = list(self.rows[index].values_list("pk", flat=True))
        found = self.annotated.filter(pk__in=ids).in_bulk()
        return [found[pk] for pk in ids if pk in found]


def ordered(queryset: QuerySet, ordering: str | None, allowed: dict[str, str], default: str):
    """``queryset`` ordered by ``ordering`` — comma-separated names of ``allowed`` (the API's
    name → the ORM's path), each may start with "-" — then by ``default`` (a unique field,
    so that pages never overlap). An unknown name is refused on ``ordering``."""
    paths = []
    for name in filter(None, (part.strip() for part in (ordering or "").split(","))):
        descending = name.startswith("-")
        key = name.lstrip("-")
        if key not in allowed:
            raise ValidationError(
                {
                    "ordering": _("“%(name)s” is not an ordering; use one of: %(allowed)s.")
                    % {"name": key, "allowed": ", ".join(sorted(allowed))}
                }
            )
        paths.append(("-" if descending else "") + allowed[key])
    return queryset.order_by(*paths, default)
