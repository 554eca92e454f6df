"""The open outlets of a station as IMDF occupants (stations.imdf asks through its registry;
``leasing.apps`` registers :func:`open_outlets`).

An outlet is a lease in status open. It trades under its merchant's brand (see
:func:`trading_brands`), as the business type it was let for — or, for a direct lease made
without one, the one specific type its units are designated for — from the day it opened to
its end date. A fixed number of queries, whatever the number of outlets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from leasing.models import Lease, LeaseUnit
from leasing.spread import designated_types
from stations.imdf import Occupant
from stations.models import BusinessCategory, Station
from tenders.models import Brand


class TradingBrand(NamedTuple):
    """A brand an outlet trades under, as its names (a row, not a Brand: a national
    network's 8,000 merchants would be 8,000 model instances)."""

    pk: int
    name_zh: str
    name_en: str

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}".strip()  # as Brand's


# Above this many merchants every brand is read: a list of thousands of ids for the
# database to match cost more than the 10,000 rows of a national network.
FILTER_MERCHANTS_UP_TO = 500


def trading_brands(groups: Iterable[tuple[int, int | None]]) -> dict[tuple, TradingBrand | None]:
    """The brand an outlet trades under, for each (merchant, business type) in ``groups``: the
    merchant's one brand; or, of several, the one brand registered for the type or its
    class; else None (the merchant trades under its own name). Three queries."""
    groups = set(groups)
    merchants = {merchant for merchant, _type in groups}
    brands_of = Brand.objects.all()
    links = Brand.business_types.through.objects.all()
    if len(merchants) <= FILTER_MERCHANTS_UP_TO:
        brands_of = brands_of.filter(merchant__in=merchants)
        links = links.filter(brand__merchant__in=merchants)
    brands = defaultdict(list)
    for pk, merchant, name_zh, name_en in brands_of.values_list(
        "pk", "merchant", "name_zh", "name_en"
    ).order_by():
        brands[merchant].append(TradingBrand(pk, name_zh, name_en))
    types = defaultdict(set)
    for brand, category in links.values_list("brand", "businesscategory"):
        types[brand].add(category)
    parents = dict(BusinessCategory.objects.values_list("pk", "parent"))
    found = {}
    for merchant, business_type in groups:
        own = brands.get(merchant, [])
        if len(own) != 1:
            wanted = {business_type, parents.get(business_type)} - {None}
            own = [brand for brand in own if wanted & types[brand.pk]]
        found[merchant, business_type] = own[0] if len(own) == 1 else None
    return found


def open_outlets(station: Station) -> list[Occupant]:
    """The station's open leases as occupants, by contract number. Six queries."""
    leases = list(
        Lease.objects.filter(station=station, status=Lease.Status.OPEN)
        .order_by("code")
        .values_list(
            "pk", "code", "merchant", "merchant__name", "business_type", "opened_on", "end_date"
        )
    )
    units: dict[int, list[int]] = defaultdict(list)
    for lease, unit in (
        LeaseUnit.objects.filter(lease__in=[row[0] for row in leases])
        .order_by("unit__code")
        .values_list("lease", "unit")
    ):
        units[lease].append(unit)
    # A lease made without a type trades as the one specific type its units are designated for.
    untyped = {u for row in leases if row[4] is None for u in units[row[0]]}
    designated = designated_types(untyped) if untyped else {}
    categories = {
        pk: (code, parent_code)
        for pk, code, parent_code in BusinessCategory.objects.values_list(
            "pk", "code", "parent__code"
        )
    }
    types = {}
    for pk, _code, _merchant, _name, business_type, _opened, _end in leases:
        if business_type is None:
            found = set().union(*(designated.get(u, set()) for u in units[pk]))
            business_type = found.pop() if len(found) == 1 else None
        types[pk] = business_type
    brands = trading_brands((row[2], types[row[0]]) for row in leases)
    outlets = []
    for pk, code, merchant, merchant_name, _type, opened_on, end_date in leases:
        business_type, business_class = categories.get(types[pk], (None, None))
        brand = brands[merchant, types[pk]]
        outlets.append(
            Occupant(
                key=code,
                name_zh=brand.name_zh if brand else merchant_name,
                name_en=brand.name_en if brand else "",
                business_type=business_type,
                business_class=business_class or business_type,
                unit_ids=tuple(units[pk]),
                start=opened_on,
                end=end_date,
                extension={"lease": code, "business_type": business_type},
            )
        )
    return outlets
