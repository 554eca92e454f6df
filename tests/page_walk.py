"""Every list and report page of the back office, the portal, the public site and the API, found
from the URL resolver, the Wagtail admin menu, the report registry and the OpenAPI document —
not a hand list that goes stale — with who may open each.

Shared by tests/cms/test_page_growth.py (query counts must not grow with rows, on a small
network) and tests/perf/test_national_pages.py (query counts, latency and memory at national
size). ``walk(subjects)`` yields a :class:`Page` for each; a page that takes an argument gets it
from :class:`Subjects`, chosen by query from whatever network is in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Argument-free routes of ours that are not pages to walk, each with the reason.
NOT_PAGES = {
    "portal:sign_out": "a POST action",
    "portal:inbox_read_all": "a POST action",
    "portal:verify_email_resend": "a POST action",
    "portal:sign_up": "a form for someone signed out, no rows",
    "portal:sign_in": "a form for someone signed out, no rows",
    "portal:password_reset": "a form for someone signed out, no rows",
    "portal:password_reset_done": "a fixed message",
    "portal:password_reset_complete": "a fixed message",
    "violation-types:load_defaults": "a POST action",
    "committee-member-chooser:chosen_multiple": "the chooser's answer to a choice, not a list",
    "committee-member-chooser:create": "the chooser's creation form (a POST), no rows",
    "cms_station_plan": "redirects to its first level's plan (cms_level_plan, walked)",
    "demands:export": "a download of the demands the filters select, streamed (its own test)",
}

# Routes that take arguments and are lists, reports or pages the issue names: how to fill them.
WITH_ARGUMENTS = {
    "cms_level_plan": ("station_code", "level_id"),
    "leases:route_map_station": ("station_code",),
    "spread-limits:station": ("station_code",),
    "tender-rounds:detail": ("round_id",),
    "tender-rounds:applications": ("round_id",),
    "tender-rounds:opening": ("round_id",),
    "tender-rounds:lot_add": ("round_id",),
    "tender-rounds:lot_scores": ("round_id", "lot_id"),
    "leases:detail": ("lease_id",),
    "stations:inspect": ("station_id",),
    "stations:edit": ("station_id",),
    "units:edit": ("unit_id",),
    "merchants:inspect": ("merchant_id",),
    "merchants:edit": ("merchant_id",),
    "demands:edit": ("demand_id",),
    "demands:for_unit": ("unit_id",),
    "evaluations:lot": ("member_round_id", "member_lot_id"),
    "portal:tender": ("merchant_round_id",),
    "portal:lease": ("merchant_lease_id",),
    "directory:station": ("station_code",),
}

# Who opens a page, by URL namespace (the first that may is used); the back office's default.
ROLES_BY_NAMESPACE = {
    "portal": ("merchant",),
    "evaluations": ("member",),
    "committee-member-chooser": ("officer",),
    "directory": ("anonymous",),
}
ADMIN_ROLES = ("officer", "inspector")


@dataclass(frozen=True)
class Page:
    """One page to open: ``roles`` in order of preference, the first that is served counts."""

    name: str
    url: str
    roles: tuple[str, ...]
    kind: str  # "admin", "report", "portal", "site" or "api"


@dataclass
class Subjects:
    """The objects the pages with arguments are opened on: the biggest of each kind, so that a
    page's cost at scale is seen where it is largest."""

    station_id: int
    station_code: str
    level_id: int
    unit_id: int
    round_id: int
    lot_id: int
    lease_id: int
    merchant_id: int
    demand_id: int
    member_round_id: int
    member_lot_id: int
    member_id: int
    merchant_round_id: int
    merchant_lease_id: int


def subjects(*, merchant=None) -> Subjects:
    """The station with the most units, its fullest level and a unit of it; the round with the
    most applications and its biggest lot; the lease with the most instalments; the merchant
    (``merchant`` if given, else the one with the most bids) and a demand, round and lease of
    its; a committee member's round."""
    from leasing.models import Lease
    from stations.models import Level, Station, Unit
    from tenders.models import Bid, Demand, Lot, Merchant, Seat, TenderRound

    station = Station.objects.annotate(n=Count("levels__units")).order_by("-n", "pk").first()
    level = Level.objects.filter(station=station).annotate(n=Count("units")).order_by("-n").first()
    unit = Unit.objects.filter(level=level).order_by("pk").first()
    round_obj = (
        TenderRound.objects.filter(status__in=["awarded", "publicity", "evaluation"])
        .annotate(n=Count("applications"))
        .order_by("-n", "pk")
        .first()
    )
    lot = Lot.objects.filter(round=round_obj).annotate(n=Count("bids")).order_by("-n").first()
    lease = Lease.objects.annotate(n=Count("instalments")).order_by("-n", "pk").first()
    if merchant is None:
        busiest = (
            Bid.objects.values("merchant").annotate(n=Count("pk")).order_by("-n", "merchant")[:1]
        )
        merchant = Merchant.objects.get(pk=busiest[0]["merchant"])
    seat = Seat.objects.select_related("round").order_by("-round__pk").first()
    merchant_round = (
        TenderRound.objects.filter(applications__merchant=merchant).order_by("-pk").first()
    )
    merchant_lease = Lease.objects.filter(merchant=merchant).order_by("-pk").first()
    demand = Demand.objects.filter(merchant=merchant).order_by("pk").first() or (
        Demand.objects.order_by("pk").first()
    )
    return Subjects(
        station_id=station.pk,
        station_code=station.code,
        level_id=level.pk,
        unit_id=unit.pk,
        round_id=round_obj.pk,
        lot_id=lot.pk,
        lease_id=lease.pk,
        merchant_id=merchant.pk,
        demand_id=demand.pk,
        member_round_id=seat.round_id,
        member_lot_id=Lot.objects.filter(round=seat.round_id).order_by("pk").first().pk,
        member_id=seat.user_id,
        merchant_round_id=(merchant_round or round_obj).pk,
        merchant_lease_id=(merchant_lease or lease).pk,
    )


# --- the routes ----------------------------------------------------------------------------


def module_of(callback) -> str:
    """The module of a URL pattern's view (its class's, for a class-based view)."""
    view_class = getattr(callback, "view_class", None)
    return (view_class or callback).__module__


def url_patterns(resolver=None, prefix="", namespace=""):
    """(namespaced name, route, pattern) of every named pattern under ``resolver`` (the
    project's root resolver by default)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern), pattern


def project_routes() -> dict[str, str]:
    """{URL name: route} of the portal, the directory and this project's admin pages: an admin
    namespace is ours when any of its views is (cms/), a pattern outside a namespace when its
    view is. The partial ``*_results`` views (a list's own rows, fetched as the filters
    change) are the same queries as their list and left out."""
    found = list(url_patterns(get_resolver(), "", None))
    ours = {
        name.rsplit(":", 1)[0]
        for name, route, pattern in found
        if route.startswith("admin/") and ":" in name and module_of(pattern.callback)[:4] == "cms."
    }
    selected = {}
    for name, route, pattern in found:
        namespace = name.rsplit(":", 1)[0] if ":" in name else None
        if namespace in ("portal", "directory"):
            in_scope = True
        elif not route.startswith("admin/"):
            in_scope = False
        elif namespace is None:
            in_scope = module_of(pattern.callback).startswith("cms.")
        else:
            in_scope = namespace in ours
        if in_scope and not name.endswith("_results"):
            selected[name] = route
    return selected


def _takes_arguments(route: str) -> bool:
    return "<" in route


def _roles_for(name: str, kind: str) -> tuple[str, ...]:
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return ROLES_BY_NAMESPACE.get(namespace, ADMIN_ROLES)


def route_pages(subjects: Subjects) -> list[Page]:
    """Every argument-free route of ours (but NOT_PAGES), and WITH_ARGUMENTS filled in."""
    pages = []
    routes = project_routes()
    missing = sorted(set(WITH_ARGUMENTS) - set(routes))
    assert not missing, f"WITH_ARGUMENTS names routes that no longer exist: {missing}"
    for name, route in routes.items():
        if name in NOT_PAGES:
            continue
        if _takes_arguments(route):
            if name not in WITH_ARGUMENTS:
                continue
            url = reverse(name, args=[getattr(subjects, a) for a in WITH_ARGUMENTS[name]])
        else:
            url = reverse(name)
        kind = "portal" if name.startswith(("portal:", "directory:")) else "admin"
        pages.append(Page(name, url, _roles_for(name, kind), kind))
    # Wagtail's dashboard, whose panels are ours, as each role sees it.
    for role in ("officer", "inspector", "member"):
        pages.append(
            Page(f"wagtailadmin_home ({role})", reverse("wagtailadmin_home"), (role,), "admin")
        )
    return pages


def report_pages() -> list[Page]:
    """Each back-office report (cms.admin_views.REPORTS) as a page."""
    from cms.admin_views import REPORTS

    return [
        Page(f"cms_report {name}", reverse("cms_report", args=(name,)), ADMIN_ROLES, "report")
        for name in REPORTS
    ]


def site_pages(subjects: Subjects) -> list[Page]:
    """The public site's pages over the network: the home page, the notice index and the notice
    of the round with most lots that has one, the station index and the biggest station's
    page (the first live page of each kind, found in the page tree)."""
    from cms.models import (
        HomePage,
        StationIndexPage,
        StationPage,
        TenderNoticeIndexPage,
        TenderNoticePage,
    )

    pages = []
    for label, model, extra in (
        ("home", HomePage, {}),
        ("notice index", TenderNoticeIndexPage, {}),
        ("station index", StationIndexPage, {}),
        ("station page", StationPage, {"station_id": subjects.station_id}),
    ):
        page = model.objects.live().filter(**extra).first()
        if page is not None:
            pages.append(Page(f"site {label}", page.url, ("anonymous",), "site"))
    notice = (
        TenderNoticePage.objects.live()
        .filter(round__status="awarded")
        .annotate(n=Count("round__lots"))
        .order_by("-n", "pk")
        .first()
    )
    if notice is not None:
        pages.append(Page("site notice page", notice.url, ("anonymous",), "site"))
    return pages


# --- the API lists, from its OpenAPI document -------------------------------------------------

API_ARGUMENTS = {
    "code": "station_code",
    "round_id": "round_id",
    "level_id": "level_id",
}
API_ROLES = {"public": ("anonymous",), "merchant": ("merchant",), "officer": ("officer",)}


def _is_list(schema: dict, components: dict) -> bool:
    ref = schema.get("$ref", "")
    if ref:
        schema = components.get(ref.rsplit("/", 1)[-1], {})
    return {"items", "count"} <= set(schema.get("properties", {}))


def api_pages(document: dict, subjects: Subjects) -> list[Page]:
    """Every GET of the OpenAPI document that answers ``{items, count}``, with its path's
    arguments filled (a merchant's lease for the merchant's lease lists)."""
    components = document.get("components", {}).get("schemas", {})
    pages = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        content = get.get("responses", {}).get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        if not _is_list(schema, components):
            continue
        part = path.split("/")[3]
        values = dict(API_ARGUMENTS)
        values["lease_id"] = "merchant_lease_id" if part == "merchant" else "lease_id"
        url = re.sub(r"\{(\w+)\}", lambda m, v=values: str(getattr(subjects, v[m[1]])), path)
        pages.append(Page(f"api {get.get('operationId', path)}", url, API_ROLES[part], "api"))
    return pages


def menu_urls(request) -> set[str]:
    """The URLs the Wagtail admin menu shows ``request.user`` (submenus opened)."""
    from wagtail.admin.menu import admin_menu

    urls = set()

    def collect(items):
        for item in items:
            submenu = getattr(item, "menu", None)
            if submenu is not None:
                collect(submenu.menu_items_for_request(request))
            elif getattr(item, "url", None):
                urls.add(item.url)

    collect(admin_menu.menu_items_for_request(request))
    return urls


def walk(subjects: Subjects, openapi: dict) -> list[Page]:
    """Every page: the back office's and the portal's routes, the reports, the public site,
    the API lists."""
    return [
        *route_pages(subjects),
        *report_pages(),
        *site_pages(subjects),
        *api_pages(openapi, subjects),
    ]


def role_clients(users: dict, *, token_name: str) -> dict:
    """A test client per role, signed in as its user, and one with an API token per role
    (``"<role> api"``), plus ``"anonymous"``; all in English."""
    from django.test import Client
    from wagtail.models import APIToken

    made = {"anonymous": Client(HTTP_ACCEPT_LANGUAGE="en")}
    for role, user in users.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        made[role] = client
        _token, plaintext = APIToken.create_token(user=user, name=token_name)
        made[f"{role} api"] = Client(
            HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
        )
    return made


def client_for(clients: dict, page: Page, role: str):
    """The client ``role`` opens ``page`` with: its token's for an API list."""
    if page.kind == "api" and role != "anonymous":
        return clients[f"{role} api"]
    return clients[role]
