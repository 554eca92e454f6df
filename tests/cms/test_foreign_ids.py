"""Every portal and back-office URL that takes an object's id, walked with another merchant's or
another station's (or another round's) ids: each answers 404, the same as a missing object,
and a POST changes nothing; the same user with their own ids is served, so the 404 shows the
scoping and not a broken URL.

The URL patterns are read from the resolver: every pattern of the ``portal`` namespace and
every admin pattern this project registers (its viewsets' namespaces and its own admin URLs),
so that a URL added later without an entry in CASES or EXEMPT fails here by name.

Two worlds are built once per module through the services (tests.tenders.committee_factories,
tests.leasing.factories, the operation helpers of test_operation_admin) on a frozen clock:
merchant A and merchant B, each with a demand, an invitation, a sealed bid, an open outlet and
a lease fitting out (milestones, a design document, instalments); station X (A's) and station
Y (B's), each with levels, units, a zone, a utility point, an inspection, a complaint, an event,
a spread limit and an award; round R1 (awarded; A won lot 1 at X, B lot 2 at Y), round R2 (in
publicity, A and B bid on its lot, B objected), and a draft round that no merchant may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import get_resolver, reverse
from django.utils import timezone
from wagtail.models import APIToken

from audit.models import Entry
from leasing import fitout, operation, services
from leasing.models import Milestone
from notifications.services import notify
from stations import roles
from stations import services as space
from stations.spread import spread_limit_set
from tenders import accounts
from tenders import result as outcome
from tenders.applications import application_decide, application_submit
from tenders.models import Bid
from tenders.opening import opening_confirm
from tests import factories
from tests.cms.test_operation_admin import CHECKLIST, receive
from tests.leasing.factories import direct_lease
from tests.page_walk import module_of, url_patterns
from tests.stations.factories import cabinet, level, square
from tests.tenders.bid_factories import BIDDING, bid, bidding_round
from tests.tenders.committee_factories import (
    AFTER,
    Opened,
    declare_all,
    opened_round,
    score_all,
    seat_committee,
)
from tests.tenders.factories import DemandFactory
from tests.tenders.round_factories import available_unit, business_type, ready_round

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- the URLs, from the resolver ----------------------------------------------------------


def _is_ours(callback) -> bool:
    return module_of(callback).startswith("cms.")


def project_id_patterns() -> dict[str, str]:
    """{URL name: route} of the portal's patterns and this project's admin patterns that take
    an argument (an object's id, code or token). An admin namespace is ours when any of its
    views is (a viewset of cms/), and then all of its patterns are; a pattern outside any
    namespace under admin/ is ours when its view is."""
    found = list(url_patterns(get_resolver(), "", None))
    ours = {
        name.rsplit(":", 1)[0]
        for name, route, pattern in found
        if route.startswith("admin/") and ":" in name and _is_ours(pattern.callback)
    }
    selected = {}
    for name, route, pattern in found:
        namespace = name.rsplit(":", 1)[0] if ":" in name else None
        if namespace == "portal":
            in_scope = True
        elif not route.startswith("admin/"):
            in_scope = False
        elif namespace is None:
            in_scope = _is_ours(pattern.callback)
        else:
            in_scope = namespace in ours
        if in_scope and (pattern.pattern.converters or "<" in route):
            selected[name] = route
    return selected


PATTERNS = project_id_patterns()


# --- the two worlds -----------------------------------------------------------------------


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.ids[key]


def _with_admin_access(user):
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return type(user).objects.get(pk=user.pk)


def _lease_officer_of(station, **kwargs):
    user = factories.station_officer(station, **kwargs)
    user.user_permissions.add(Permission.objects.get(codename="manage_lease"))
    return type(user).objects.get(pk=user.pk)


def _awarded_round(clock) -> Opened:
    """R1 (as tests.leasing.test_leases.award): A wins lot 1, D (our B) lot 2; each lot's
    units are in a station of their own."""
    opened = opened_round(clock)
    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened, members)
    outcome.result_sign_off(actor=members[0], round=opened.round)
    outcome.result_publish(actor=opened.officer, round=opened.refresh())
    clock.move_to(opened.refresh().publicity_ends_at)
    outcome.round_award(actor=opened.officer, round=opened.round)
    opened.refresh()
    opened.members = members
    return opened


def _round_in_publicity(clock, merchants: dict, users: dict, officer, inspector) -> Opened:
    """R2: one lot, A bids 150000 and B 130000, scored, the result in publicity."""
    round_obj = bidding_round(clock, lots=1)
    lot = round_obj.lots.get()
    for merchant in merchants.values():
        application = application_submit(
            actor=users[merchant.pk], round=round_obj, merchant=merchant, lots=[lot]
        )
        application_decide(actor=None, application=application, admit=True)
    clock.move_to(BIDDING)
    for letter, amount in (("a", "150000.00"), ("b", "130000.00")):
        clock.shift(dt.timedelta(minutes=1))
        bid(users[merchants[letter].pk], round_obj, lot, amount)
    clock.move_to(AFTER)
    opening_confirm(actor=officer, round=round_obj)
    opening_confirm(actor=inspector, round=round_obj)
    opened = Opened(
        round=round_obj,
        lots=[lot],
        merchants=merchants,
        users={k: users[m.pk] for k, m in merchants.items()},
        officer=officer,
        inspector=inspector,
    )
    opened.refresh()
    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened, members)
    outcome.result_sign_off(actor=members[0], round=opened.round)
    outcome.result_publish(actor=officer, round=opened.refresh())
    opened.refresh()
    opened.members = members
    return opened


def _station_records(w: World, key: str, station, merchant, merchant_user_, actor) -> None:
    """A station's space and operation records, and the merchant's leases in it."""
    today = timezone.localdate()
    shop_level = station.levels.first()
    platform = level(station, name="站台层", ordinal=0, width=100, depth=40)
    zone = space.zone_create(
        actor=None,
        level=platform,
        kind="evacuation",
        name="Corridor",
        polygon=square(0, 30, 100, 5),
    )
    point = cabinet(platform, 95, 25, "200", code="C9")
    spare = available_unit(shop_level)
    # An open outlet of the merchant's (instalments, operation records) ...
    start = today - dt.timedelta(days=60)
    outlet = direct_lease(merchant, [available_unit(shop_level)], start=start)
    services.lease_sign(actor=None, lease=outlet)
    outlet = services.lease_open(actor=None, lease=outlet, opened_on=start + dt.timedelta(days=30))
    # ... and a lease fitting out, its design submitted with a document.
    fitting = direct_lease(merchant, [available_unit(shop_level)], start=today + dt.timedelta(10))
    services.lease_sign(actor=None, lease=fitting)
    fitout.milestones_plan(actor=None, lease=fitting)
    design = fitting.milestones.get(kind=Milestone.Kind.DESIGN_SUBMITTED)
    fitout.milestone_done(
        actor=merchant_user_,
        milestone=design,
        done_on=today,
        documents=[SimpleUploadedFile("design.pdf", PDF)],
    )
    inspection = operation.inspection_record(
        actor=actor, lease=outlet, inspected_on=today, checklist=CHECKLIST, score="90"
    )
    complaint = receive(outlet, actor)
    event = operation.marketing_event_create(
        actor=actor,
        title=f"Campaign {station.code}",
        station=station,
        starts_on=today,
        ends_on=today + dt.timedelta(days=6),
    )
    limit = spread_limit_set(
        actor=None,
        station=station,
        business_type=business_type("coffee"),
        max_per_level=2,
        max_per_station=3,
    )
    w.ids.update(
        {
            f"{key}.station": station.pk,
            f"{key}.code": station.code,
            f"{key}.level": shop_level.pk,
            f"{key}.platform": platform.pk,
            f"{key}.unit": spare.pk,
            f"{key}.zone": zone.pk,
            f"{key}.point": point.pk,
            f"{key}.outlet": outlet.pk,
            f"{key}.instalment": outlet.instalments.order_by("due_date").first().pk,
            f"{key}.lease": fitting.pk,
            f"{key}.milestone": design.pk,
            f"{key}.document": design.documents.get().pk,
            f"{key}.inspection": inspection.pk,
            f"{key}.complaint": complaint.pk,
            f"{key}.event": event.pk,
            f"{key}.limit": limit.pk,
        }
    )


def build(clock) -> World:
    w = World()
    r1 = _awarded_round(clock)
    a, b = r1.merchants["a"], r1.merchants["d"]
    users = {a.pk: r1.users["a"], b.pk: r1.users["d"]}
    r2 = _round_in_publicity(clock, {"a": a, "b": b}, users, r1.officer, r1.inspector)
    objection = outcome.objection_lodge(
        actor=users[b.pk], lot=r2.lots[0], merchant=b, grounds="Our plan was scored unfairly."
    )
    draft = ready_round()
    x, y = r1.lots[0].station, r1.lots[1].station
    network = factories.officer()
    for key, station, merchant in (("X", x, a), ("Y", y, b)):
        _station_records(w, key, station, merchant, users[merchant.pk], network)
    for key, merchant in (("A", a), ("B", b)):
        user = users[merchant.pk]
        w.ids[f"{key}.merchant"] = merchant.pk
        w.ids[f"{key}.demand"] = DemandFactory(merchant=merchant, stations=[x]).pk
        w.ids[f"{key}.invitation"] = accounts.member_invite(
            actor=user, merchant=merchant, email=f"colleague-{key.lower()}@example.com"
        ).pk
        w.ids[f"{key}.notification"] = notify(
            user, kind="test", key=f"test:{key}", subject="Hello", body="A message."
        ).pk
        w.ids[f"{key}.token"] = APIToken.create_token(user=user, name=f"token {key}")[0].pk
        w.ids[f"{key}.bid"] = Bid.objects.get(
            round=r2.round, merchant=merchant, status="active"
        ).pk
    for key, opened in (("R1", r1), ("R2", r2)):
        w.ids[key] = opened.round.pk
        w.ids[f"{key}.lot"] = opened.lots[0].pk
        w.ids[f"{key}.document"] = opened.round.documents.first().pk
        w.ids[f"{key}.seat"] = opened.round.seats.order_by("pk").last().pk
    w.ids["R1.lot2"] = r1.lots[1].pk
    w.ids["X.award"], w.ids["Y.award"] = (lot.award.pk for lot in r1.lots)
    w.ids["R2.objection"] = objection.pk
    w.ids["D"] = draft.pk
    w.ids["D.document"] = draft.documents.first().pk
    w.ids["D.lot"] = draft.lots.first().pk
    w.users = {
        "a": users[a.pk],
        "a_admin": _with_admin_access(users[a.pk]),
        "x_manager": factories.station_officer(x, role=roles.STATION_MANAGER),
        "x_station_officer": factories.station_officer(x),
        "x_officer": _lease_officer_of(x),
        "member": r1.members[1],
        "officer": r1.officer,
    }
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction rolled back at its end; each test runs in a
    savepoint inside it, on the clock frozen where the world was built (R2 in publicity)."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(BIDDING, tick=False) as clock,
        transaction.atomic(),
    ):
        yield build(clock)
        transaction.set_rollback(True)


# --- the map: each URL with its user, their own ids and the foreign ones --------------------


@dataclass(frozen=True)
class Case:
    """``user`` (a key of World.users) is served ``own(w)`` and refused each of ``foreign(w)``
    with 404. ``post``: the URL changes something, so a POST with foreign ids is refused too and
    writes nothing (``data`` is the POST's body); ``get=False``: it only takes POSTs (its own
    ids are checked by a POST)."""

    user: str
    own: object
    foreign: object
    post: bool = False
    get: bool = True
    data: dict = field(default_factory=dict)


def one(key):
    return lambda w: {"pk": w[key]}


def others(*keys):
    return lambda w: [{"pk": w[k]} for k in keys]


def kw(**names):
    """kwargs from world keys: kw(pk="R1", lot_pk="R1.lot") -> {"pk": .., "lot_pk": ..}."""
    return lambda w: {
        k: (w[v] if isinstance(v, str) and v in w.ids else v) for k, v in names.items()
    }


def each(*makers):
    return lambda w: [m(w) for m in makers]


CASES: dict[str, Case] = {
    # --- portal: merchant A's user with B's ids --------------------------------------------
    "portal:invitation_revoke": Case(
        "a", one("A.invitation"), others("B.invitation"), post=True, get=False
    ),
    "portal:api_token_revoke": Case("a", one("A.token"), others("B.token"), post=True, get=False),
    "portal:demand": Case("a", one("A.demand"), others("B.demand")),
    "portal:demand_edit": Case("a", one("A.demand"), others("B.demand"), post=True),
    "portal:demand_withdraw": Case("a", one("A.demand"), others("B.demand"), post=True),
    # A round no merchant may see yet (a draft); R2 is a published notice, A applied to it.
    "portal:tender": Case("a", one("R2"), others("D")),
    "portal:tender_apply": Case("a", one("R2"), others("D"), post=True),
    "portal:tender_document": Case(
        "a",
        kw(pk="R2", document_pk="R2.document"),
        each(kw(pk="D", document_pk="D.document"), kw(pk="R2", document_pk="D.document")),
    ),
    # Lot 2 of R1 is B's (A never applied for it); the draft's lot is nobody's.
    "portal:bid_submit": Case(
        "a",
        kw(pk="R2", lot_pk="R2.lot"),
        each(
            kw(pk="R1", lot_pk="R1.lot2"),
            kw(pk="R2", lot_pk="R1.lot2"),
            kw(pk="D", lot_pk="D.lot"),
        ),
        post=True,
    ),
    "portal:bid_receipt": Case(
        "a",
        kw(pk="R2", bid_pk="A.bid"),
        each(kw(pk="R2", bid_pk="B.bid"), kw(pk="R1", bid_pk="A.bid")),
    ),
    "portal:bid_withdraw": Case(
        "a",
        kw(pk="R2", bid_pk="A.bid"),
        each(kw(pk="R2", bid_pk="B.bid"), kw(pk="R1", bid_pk="A.bid")),
        post=True,
    ),
    "portal:tender_opening": Case("a", one("R2"), others("D")),
    "portal:tender_result": Case("a", one("R2"), others("D")),
    "portal:objection_lodge": Case(
        "a",
        kw(pk="R2", lot_pk="R2.lot"),
        each(
            kw(pk="R1", lot_pk="R1.lot2"), kw(pk="R2", lot_pk="R1.lot"), kw(pk="D", lot_pk="D.lot")
        ),
        post=True,
    ),
    "portal:lease": Case("a", one("X.lease"), others("Y.lease", "Y.outlet")),
    "portal:inbox_message": Case("a", one("A.notification"), others("B.notification")),
    "portal:lease_design": Case(
        "a",
        kw(pk="X.lease", milestone_pk="X.milestone"),
        each(
            kw(pk="Y.lease", milestone_pk="Y.milestone"),
            kw(pk="X.lease", milestone_pk="Y.milestone"),
        ),
        post=True,
    ),
    "portal:lease_document": Case(
        "a",
        kw(pk="X.lease", document_pk="X.document"),
        each(
            kw(pk="Y.lease", document_pk="Y.document"), kw(pk="X.lease", document_pk="Y.document")
        ),
    ),
    "portal:lease_turnover": Case("a", one("X.outlet"), others("Y.outlet"), post=True),
    # --- the station space and plans: X's station manager with Y's ids ----------------------
    "cms_station_plan": Case("x_manager", kw(code="X.code"), each(kw(code="Y.code"))),
    "cms_level_plan": Case(
        "x_manager",
        kw(code="X.code", level_id="X.level"),
        each(kw(code="Y.code", level_id="Y.level"), kw(code="X.code", level_id="Y.level")),
    ),
    "cms_level_plan_svg": Case(
        "x_manager",
        kw(code="X.code", level_id="X.level"),
        each(kw(code="Y.code", level_id="Y.level"), kw(code="X.code", level_id="Y.level")),
    ),
    "cms_level_plan_png": Case(
        "x_manager",
        kw(code="X.code", level_id="X.level"),
        each(kw(code="Y.code", level_id="Y.level"), kw(code="X.code", level_id="Y.level")),
    ),
    "stations:edit": Case("x_manager", one("X.station"), others("Y.station"), post=True),
    "stations:inspect": Case("x_manager", one("X.station"), others("Y.station")),
    "levels:edit": Case("x_manager", one("X.level"), others("Y.level"), post=True),
    "levels:inspect": Case("x_manager", one("X.level"), others("Y.level")),
    "units:edit": Case("x_manager", one("X.unit"), others("Y.unit"), post=True),
    "units:delete": Case("x_officer", one("X.unit"), others("Y.unit"), post=True),
    "units:inspect": Case("x_manager", one("X.unit"), others("Y.unit")),
    "units:change_status": Case(
        "x_manager", one("X.unit"), others("Y.unit"), post=True, get=False
    ),
    "zones:delete": Case("x_officer", one("X.zone"), others("Y.zone"), post=True),
    "zones:inspect": Case("x_manager", one("X.zone"), others("Y.zone")),
    "utility-points:delete": Case("x_officer", one("X.point"), others("Y.point"), post=True),
    "utility-points:inspect": Case("x_manager", one("X.point"), others("Y.point")),
    # --- leases: X's leasing officer with Y's ids --------------------------------------------
    "leases:award_lease": Case(
        "x_officer", kw(award_pk="X.award"), each(kw(award_pk="Y.award")), post=True
    ),
    "leases:detail": Case("x_manager", one("X.outlet"), others("Y.outlet", "Y.lease")),
    "leases:action": Case(
        "x_officer",
        kw(pk="X.lease", action="open"),
        each(kw(pk="Y.lease", action="open"), kw(pk="Y.outlet", action="terminate")),
        post=True,
    ),
    "leases:renew": Case("x_officer", one("X.outlet"), others("Y.outlet"), post=True),
    "leases:pay": Case(
        "x_officer",
        kw(pk="X.outlet", instalment_pk="X.instalment"),
        each(
            kw(pk="Y.outlet", instalment_pk="Y.instalment"),
            kw(pk="X.outlet", instalment_pk="Y.instalment"),
        ),
        post=True,
    ),
    "leases:turnover": Case("x_officer", one("X.outlet"), others("Y.outlet"), post=True),
    "leases:settle": Case("x_officer", one("X.outlet"), others("Y.outlet"), post=True),
    "leases:plan": Case("x_officer", one("X.lease"), others("Y.lease"), post=True),
    "leases:milestone_reschedule": Case(
        "x_officer",
        kw(pk="X.lease", milestone_pk="X.milestone"),
        each(
            kw(pk="Y.lease", milestone_pk="Y.milestone"),
            kw(pk="X.lease", milestone_pk="Y.milestone"),
        ),
        post=True,
    ),
    "leases:milestone_done": Case(
        "x_officer",
        kw(pk="X.lease", milestone_pk="X.milestone"),
        each(
            kw(pk="Y.lease", milestone_pk="Y.milestone"),
            kw(pk="X.lease", milestone_pk="Y.milestone"),
        ),
        post=True,
    ),
    "leases:document": Case(
        "x_manager",
        kw(pk="X.lease", document_pk="X.document"),
        each(
            kw(pk="Y.lease", document_pk="Y.document"),
            kw(pk="X.lease", document_pk="Y.document"),
        ),
    ),
    "leases:officer": Case("x_officer", one("X.lease"), others("Y.lease"), post=True),
    "leases:route_map_station": Case("x_manager", kw(code="X.code"), each(kw(code="Y.code"))),
    "leases:route_map_svg": Case("x_manager", kw(code="X.code"), each(kw(code="Y.code"))),
    # --- operation: X's station manager (officer where only officers keep it) ---------------
    "inspections:detail": Case(
        "x_manager", one("X.inspection"), others("Y.inspection"), post=True
    ),
    "complaints:detail": Case("x_manager", one("X.complaint"), others("Y.complaint"), post=True),
    "marketing-events:detail": Case("x_officer", one("X.event"), others("Y.event"), post=True),
    "spread-limits:edit": Case("x_officer", one("X.limit"), others("Y.limit"), post=True),
    "spread-limits:station": Case("x_officer", kw(code="X.code"), each(kw(code="Y.code"))),
    # --- merchants and demands: A's user, given the admin by mistake, with B's ids ----------
    "merchants:edit": Case("a_admin", one("A.merchant"), others("B.merchant"), post=True),
    "merchants:inspect": Case("a_admin", one("A.merchant"), others("B.merchant")),
    "merchants:add_brand": Case("a_admin", one("A.merchant"), others("B.merchant"), post=True),
    "merchants:add_member": Case("a_admin", one("A.merchant"), others("B.merchant"), post=True),
    "demands:edit": Case("a_admin", one("A.demand"), others("B.demand"), post=True),
    "demands:inspect": Case("a_admin", one("A.demand"), others("B.demand")),
    "demands:withdraw": Case("a_admin", one("A.demand"), others("B.demand"), post=True),
    "demands:for_unit": Case("x_officer", kw(unit_pk="X.unit"), each(kw(unit_pk="Y.unit"))),
    # --- tender rounds: a committee member of R1 with R2's ids; an officer (who sees every
    # round) with one round's id and another round's lot, document, seat or objection ---------
    "tender-rounds:detail": Case("member", one("R1"), others("R2", "D")),
    "tender-rounds:lot_edit": Case(
        "officer", kw(pk="R1", lot_pk="R1.lot"), each(kw(pk="R1", lot_pk="R2.lot")), post=True
    ),
    "tender-rounds:lot_delete": Case(
        "officer", kw(pk="D", lot_pk="D.lot"), each(kw(pk="D", lot_pk="R2.lot")), post=True
    ),
    "tender-rounds:document": Case(
        "officer",
        kw(pk="R1", document_pk="R1.document"),
        each(kw(pk="R1", document_pk="R2.document")),
    ),
    "tender-rounds:seat_chair": Case(
        "officer", kw(pk="R1", seat_pk="R1.seat"), each(kw(pk="R1", seat_pk="R2.seat")), post=True
    ),
    "tender-rounds:seat_remove": Case(
        "officer", kw(pk="R1", seat_pk="R1.seat"), each(kw(pk="R1", seat_pk="R2.seat")), post=True
    ),
    "tender-rounds:lot_scores": Case(
        "officer", kw(pk="R1", lot_pk="R1.lot"), each(kw(pk="R1", lot_pk="R2.lot"))
    ),
    "tender-rounds:objection_propose": Case(
        "officer",
        kw(pk="R2", objection_pk="R2.objection"),
        each(kw(pk="R1", objection_pk="R2.objection")),
        post=True,
    ),
    "tender-rounds:objection_decide": Case(
        "officer",
        kw(pk="R2", objection_pk="R2.objection"),
        each(kw(pk="R1", objection_pk="R2.objection")),
        post=True,
        data={"action": "cosign"},
    ),
    "evaluations:declare": Case(
        "member", kw(round_pk="R1"), each(kw(round_pk="R2"), kw(round_pk="D")), post=True
    ),
    "evaluations:lot": Case(
        "member",
        kw(round_pk="R1", lot_pk="R1.lot"),
        each(kw(round_pk="R2", lot_pk="R2.lot"), kw(round_pk="R1", lot_pk="R2.lot")),
        post=True,
    ),
}

# URLs whose argument is not a scoped object, or that only network-wide roles reach.
EXEMPT: dict[str, str] = {
    "portal:verify_email": "a signed token, not an id: a forged one is refused by its signature",
    "portal:password_reset_confirm": "Django's signed reset token, not an id",
    "portal:invitation_accept": "a signed invitation token, not an id (its holder may join)",
    "cms_report": "a report's name; the report's rows are narrowed to the user's stations",
    "business-types:edit": "the network-wide catalogue of business types",
    "business-types:inspect": "the network-wide catalogue of business types",
    "merchants:add_credit_record": "credit records are kept by tender officers, network-wide",
    "violation-types:edit": "the network's fine schedule, kept by leasing officers",
    "audit-journal:inspect": "the journal is read whole by discipline inspectors only",
    "committee-member-chooser:chosen": "a user chosen for a committee seat, by tender officers",
}
# Tender-round pages with the round's id alone are reached only by tender officers and
# inspectors, who see every round of the network (tenders.round_selectors.rounds_for).
for _name in (
    "edit",
    "schedule",
    "action",
    "lot_add",
    "criteria",
    "document_add",
    "applications",
    "opening",
    "seat_appoint",
    "sign_off",
):
    EXEMPT[f"tender-rounds:{_name}"] = "only officers and inspectors, who see every round"


# --- the tests ----------------------------------------------------------------------------


def test_every_url_taking_an_id_is_in_the_map_or_exempt():
    missing = sorted(set(PATTERNS) - set(CASES) - set(EXEMPT))
    assert not missing, [f"add {name} to the map" for name in missing]
    stale = sorted((set(CASES) | set(EXEMPT)) - set(PATTERNS))
    assert not stale, f"no such URL (remove from the map): {stale}"
    assert not set(CASES) & set(EXEMPT)


def test_the_walk_finds_the_portal_and_the_admin_areas():
    # The resolver walk itself: if it stopped finding an area, the map would pass vacuously.
    namespaces = {name.rsplit(":", 1)[0] for name in PATTERNS if ":" in name}
    assert {"portal", "leases", "units", "merchants", "tender-rounds", "evaluations"} <= namespaces
    assert "cms_level_plan" in PATTERNS
    assert not any(name.startswith(("wagtail", "wagtailadmin")) for name in PATTERNS)


def _url(name: str, kwargs: dict) -> str:
    return reverse(name, kwargs=kwargs)


def _missing(kwargs: dict, own: dict) -> dict:
    """``kwargs`` with each id that is not one of ``own`` naming an object that does not exist."""
    return {
        k: v if v == own.get(k) else 10**9 if isinstance(v, int) else "NOSUCH"
        for k, v in kwargs.items()
    }


def _served(response) -> bool:
    """A page served, or a redirect after a change; not a refusal sent to sign in or home."""
    if response.status_code == 302:
        target = response["Location"]
        return not any(word in target for word in ("login", "sign-in")) and target != "/admin/"
    return response.status_code == 200


# The station's roles: each that reaches a station URL with its own ids must get 404 with Y's;
# each that does not must be refused with Y's ids as with missing ones (no existence leak).
STATION_ROLES = ("x_manager", "x_station_officer", "x_officer")


@pytest.mark.parametrize("name", sorted(set(PATTERNS) - set(EXEMPT)))
def test_foreign_ids_answer_404_and_own_ids_are_served(client, world, name):
    case = CASES.get(name)
    assert case is not None, f"add {name} to the map (CASES) or to EXEMPT with a reason"
    users = [case.user]
    if case.user in STATION_ROLES:
        users += [role for role in STATION_ROLES if role != case.user]
    for user in users:
        client.force_login(world.users[user])
        own_kwargs = case.own(world)
        own = _url(name, own_kwargs)
        response = client.get(own) if case.get else client.post(own, case.data)
        served = _served(response)
        assert served or user != case.user, f"{user}: {own} for own ids: {response.status_code}"
        for kwargs in case.foreign(world):
            foreign, missing = _url(name, kwargs), _url(name, _missing(kwargs, own_kwargs))
            expected = 404 if served else client.get(missing).status_code
            if case.get:
                assert client.get(foreign).status_code == expected, f"{user}: GET {foreign}"
            if case.post:
                expected = 404 if served else client.post(missing, case.data).status_code
                entries = Entry.objects.count()
                status = client.post(foreign, case.data).status_code
                assert status == expected, f"{user}: POST {foreign}"
                assert Entry.objects.count() == entries, f"{user}: POST {foreign} wrote"
