"""The Hunan demo network: DOMAIN.md's figures from the data, valid plans, users, idempotency.

Loading takes a few seconds, so one test loads it and checks many facts; the others load it
again (cheap: every station is skipped) or fail it midway.
"""

import sys
import types
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
import shapely
from django.contrib.auth.models import User
from django.core.management import call_command
from guardian.models import UserObjectPermission

from audit.journal import verify
from audit.models import Entry
from stations import demo, geometry, roles, services
from stations.management.commands import load_demo
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone
from stations.permissions import can_manage_station, can_view_station
from stations.provision import designation_shortfalls
from stations.reports import get_report

pytestmark = pytest.mark.django_db

TIERS = {
    "CSS": Station.Tier.PROVINCIAL_CAPITAL,
    "YYE": Station.Tier.PREFECTURE,
    "ZZW": Station.Tier.PREFECTURE,
    "HYE": Station.Tier.PREFECTURE,
    "CZW": Station.Tier.PREFECTURE,
    "MLE": Station.Tier.COUNTY,
    "HSW": Station.Tier.COUNTY,
    "LYW": Station.Tier.COUNTY,
}
UNIT_RANGE = {
    Station.Tier.PROVINCIAL_CAPITAL: (40, 40),
    Station.Tier.PREFECTURE: (18, 25),
    Station.Tier.COUNTY: (8, 12),
}
# DOMAIN.md, "The real figures".
DOMAIN_TOTALS = {
    "power_kw": Decimal("6567.00"),
    "distribution_cabinets": 111,
    "floor_sockets": 59,
    "lightbox_sockets": 169,
    "toilet_interfaces": 18,
    "washbasin_interfaces": 36,
}


@pytest.fixture(autouse=True)
def _default_password(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def load_demo_command(*, extensions: tuple[str, ...] = ()) -> str:
    """Run load_demo for the network and its users; the higher apps' demos (tenders, leasing)
    are left out unless named: they have their own tests (tests/tenders/test_demo.py)."""
    out = StringIO()
    with mock.patch.object(load_demo, "EXTENSIONS", extensions):
        call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (Station, Level, Zone, Unit, UtilityPoint, User, Entry, UserObjectPermission)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["memberships"] = User.groups.through.objects.count()
    counts["user permissions"] = User.user_permissions.through.objects.count()
    counts["designations"] = Unit.business_types.through.objects.count()
    counts["available"] = Unit.objects.filter(status=Unit.Status.AVAILABLE).count()
    return counts


def test_demo_network_reproduces_domain_figures_with_valid_plans_and_scoped_users():
    output = load_demo_command()

    stations = {s.code: s for s in Station.objects.all()}
    assert {code: s.tier for code, s in stations.items()} == TIERS
    assert {s.line for s in stations.values()} == {demo.LINE}
    for station in stations.values():
        low, high = UNIT_RANGE[station.tier]
        assert low <= station.units.count() <= high, station.code
        statuses = set(station.units.values_list("status", flat=True))
        assert statuses == {Unit.Status.PLANNED, Unit.Status.AVAILABLE}, station.code
    assert Station.objects.get(code="CSS").levels.count() == 3
    assert set(Level.objects.filter(station__code="CSS").values_list("ordinal", flat=True)) == {
        1,
        0,
        -1,
    }

    # The figures of DOMAIN.md, as the utilities report computes them from the data.
    report = get_report("utilities")()
    total = report.iloc[-1]
    assert total["station"] == "TOTAL"
    assert {column: total[column] for column in DOMAIN_TOTALS} == DOMAIN_TOTALS
    assert list(report["station"][:-1]) == sorted(TIERS)

    # The basic configuration and local specialty food in every station, with at least one unit
    # per group whose provisions meet what the type needs.
    catering = set(
        BusinessCategory.objects.filter(parent__code="catering").values_list("code", flat=True)
    )
    groups = {
        "catering": catering,
        "convenience-store": {"convenience-store"},
        "bookstore": {"bookstore"},
        "luggage-storage": {"luggage-storage"},
        "local-specialty": {"local-specialty"},
    }
    for station in stations.values():
        units = list(station.units.prefetch_related("business_types"))
        for group, codes in groups.items():
            designated = [u for u in units if {b.code for b in u.business_types.all()} & codes]
            assert designated, (station.code, group)
            assert any(not set(designation_shortfalls(u)) & codes for u in designated), (
                station.code,
                group,
                "no unit provisioned for it",
            )
    assert get_report("planned-coverage")()["complete"].all()

    # Every plan obeys the geometry rules: inside the outline, no overlaps, corridors clear.
    for level in Level.objects.prefetch_related("units", "zones"):
        units = list(level.units.all())
        zones = [
            (z.name, shapely.from_wkt(z.polygon_wkt)) for z in level.zones.all() if z.is_no_build
        ]
        assert any(z.kind == Zone.Kind.EVACUATION for z in level.zones.all()) or (
            level.station.code == "HSW" and level.ordinal == -1
        )
        assert (
            geometry.check_units(
                outline=shapely.from_wkt(level.outline_wkt),
                codes=[u.code for u in units],
                polygons=[shapely.from_wkt(u.polygon_wkt) for u in units],
                no_build_zones=zones,
            )
            == []
        ), str(level)

    # Power: every station allocates no more than its cabinets provide.
    for station in stations.values():
        allocated, capacity = services.station_power(station)
        assert Decimal("0") < allocated <= capacity, station.code

    # Sockets, water and drainage serve units; cabinets, toilets and washbasins stand outside.
    points = UtilityPoint.objects.all()
    for kind in (
        UtilityPoint.Kind.FLOOR_SOCKET,
        UtilityPoint.Kind.WATER,
        UtilityPoint.Kind.DRAINAGE,
    ):
        assert not points.filter(kind=kind, unit__isnull=True).exists(), kind
    for kind in (UtilityPoint.Kind.CABINET, UtilityPoint.Kind.TOILET, UtilityPoint.Kind.WASHBASIN):
        assert not points.filter(kind=kind, unit__isnull=False).exists(), kind
    catering_units = Unit.objects.filter(business_types__code__in=catering).distinct()
    for unit in catering_units:
        kinds = set(unit.utility_points.values_list("kind", flat=True))
        assert {UtilityPoint.Kind.WATER, UtilityPoint.Kind.DRAINAGE} <= kinds, str(unit)
    lightbox = Unit.objects.filter(kind=Unit.Kind.LIGHTBOX).first()
    assert lightbox.area_m2 == Decimal("1.20")

    # Users: roles as groups, station scope on the Station objects.
    css, yye, hye = stations["CSS"], stations["YYE"], stations["HYE"]
    users = {u.username: u for u in User.objects.prefetch_related("groups")}
    expected_groups = {
        "officer": roles.LEASING_OFFICER,
        "officer_css": roles.LEASING_OFFICER,
        "manager_hye": roles.STATION_MANAGER,
        **{f"committee{n}": roles.COMMITTEE_MEMBER for n in range(1, 6)},
        "inspector": roles.DISCIPLINE_INSPECTOR,
        "merchant_mcd": roles.MERCHANT,
        "merchant_kfc": roles.MERCHANT,
    }
    for username, group in expected_groups.items():
        user = users[username]
        assert [g.name for g in user.groups.all()] == [group], username
        assert not user.is_staff and not user.is_superuser, username
        assert user.check_password(demo.DEFAULT_PASSWORD), username
    assert users["admin"].is_superuser and users["admin"].check_password(demo.DEFAULT_PASSWORD)
    assert all(can_manage_station(users["officer"], s) for s in stations.values())
    assert can_manage_station(users["officer_css"], css)
    assert not can_manage_station(users["officer_css"], yye)
    assert can_manage_station(users["manager_hye"], hye)
    assert not can_manage_station(users["manager_hye"], css)
    for username in ("committee1", "inspector", "merchant_mcd"):
        assert not can_manage_station(users[username], css), username
    assert can_view_station(users["inspector"], yye)

    # Everything was written through the audited services, and the chain holds.
    assert Entry.objects.filter(action="unit.create").count() == Unit.objects.count()
    assert Entry.objects.filter(action="utility_point.create").count() == points.count()
    assert set(Entry.objects.values_list("actor_name", flat=True)) == {"system"}
    assert verify() is None
    call_command("verify_audit", stdout=StringIO())

    # The command shows progress per station and the logins to sign in with.
    assert output.count(" units (") == 8
    assert "CSS 长沙南 Changsha South" in output
    assert demo.ADMIN_URL in output
    for username in ["admin", *expected_groups]:
        assert any(
            line.split()[:1] == [username] and demo.DEFAULT_PASSWORD in line
            for line in output.splitlines()
        ), username


def test_loading_demo_again_adds_no_rows_and_no_audit_entries_and_keeps_passwords(monkeypatch):
    load_demo_command()
    before = row_counts()
    officer = User.objects.get(username="officer")
    officer.set_password("changed-by-the-officer")
    officer.save()

    output = load_demo_command()

    assert row_counts() == before
    assert output.count("already loaded") == 8
    assert User.objects.get(username="officer").check_password("changed-by-the-officer")

    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")
    output = load_demo_command()

    assert row_counts() == before
    assert User.objects.get(username="officer").check_password("another-demo-pass")
    assert User.objects.get(username="admin").check_password("another-demo-pass")
    assert "another-demo-pass" in output


def test_a_station_that_fails_midway_leaves_nothing_of_itself(monkeypatch):
    real_units_create = services.units_create

    def failing_units_create(*, actor, level, specs):
        if level.station.code == "MLE":
            raise RuntimeError("power cut")
        return real_units_create(actor=actor, level=level, specs=specs)

    monkeypatch.setattr(services, "units_create", failing_units_create)

    with pytest.raises(RuntimeError, match="power cut"):
        demo.load_stations()

    assert list(Station.objects.values_list("code", flat=True)) == ["YYE"]
    assert not Level.objects.exclude(station__code="YYE").exists()
    assert not Zone.objects.exclude(level__station__code="YYE").exists()
    assert not UtilityPoint.objects.exclude(level__station__code="YYE").exists()
    assert Entry.objects.filter(action="station.create").count() == 1
    assert verify() is None


def test_command_runs_the_highest_app_demo_loader_there_is(monkeypatch):
    """The highest app's demo loads the ones below it (the site's loads leasing's, which tells
    the tenders' story)."""
    calls = []
    for name in ("tenders.demo", "leasing.demo", "cms.demo"):
        module = types.ModuleType(name)
        module.load = lambda *, stdout, name=name: calls.append(name)
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(demo, "load", lambda *, stdout: None)

    load_demo_command(extensions=load_demo.EXTENSIONS)
    assert calls == ["cms.demo"]

    missing = ("cms.demo", "leasing.demo")
    monkeypatch.setattr(
        load_demo, "_extension", lambda name: None if name in missing else sys.modules.get(name)
    )
    load_demo_command(extensions=load_demo.EXTENSIONS)
    assert calls == ["cms.demo", "tenders.demo"]


def test_a_broken_higher_app_demo_is_not_mistaken_for_a_missing_one(monkeypatch):
    def import_module(name):
        raise ModuleNotFoundError("No module named 'pandas_extra'", name="pandas_extra")

    monkeypatch.setattr(load_demo.importlib, "import_module", import_module)

    with pytest.raises(ModuleNotFoundError, match="pandas_extra"):
        load_demo._extension("tenders.demo")


def test_a_missing_higher_app_demo_is_skipped(monkeypatch):
    def import_module(name):
        raise ModuleNotFoundError(f"No module named '{name}'", name=name)

    monkeypatch.setattr(load_demo.importlib, "import_module", import_module)

    assert load_demo._extension("leasing.demo") is None
