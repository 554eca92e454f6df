"""The open outlets in the IMDF export (leasing.occupants through stations.imdf): only open
leases, their brand, category, validity and anchors, and a query count that does not grow
with the outlets."""

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leasing import services as leases
from leasing.occupants import open_outlets, trading_brands
from stations import imdf
from stations import services as space
from stations.models import Unit
from tests.leasing.factories import direct_lease, lease_officer
from tests.stations.factories import StationFactory, level, unit
from tests.tenders.factories import BrandFactory, MerchantFactory, business_type

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def _free(level_obj, code, x, size=8, types=(), **fields):
    created = unit(level_obj, code, x, 0, size, business_types=list(types), **fields)
    space.unit_change_status(actor=None, unit=created, status=Unit.Status.AVAILABLE)
    return Unit.objects.get(pk=created.pk)


def _open(lease, officer, opened_on):
    lease = leases.lease_sign(actor=officer, lease=lease)
    return leases.lease_open(actor=officer, lease=lease, opened_on=opened_on)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(clock):
    return lease_officer()


@pytest.fixture
def station(clock):
    return StationFactory(code="CSN", name_zh="长沙南", name_en="Changsha South")


@pytest.fixture
def upper(station):
    return level(station, name="高架层", ordinal=1)


@pytest.fixture
def beta(clock):
    merchant = MerchantFactory(name="Beta Foods Co., Ltd.")
    BrandFactory(merchant=merchant, name_zh="贝塔咖啡", name_en="Beta Coffee").business_types.add(
        business_type("coffee")
    )
    BrandFactory(merchant=merchant, name_zh="贝塔书店", name_en="Beta Books").business_types.add(
        business_type("bookstore")
    )
    return merchant


@pytest.fixture
def network(officer, station, upper, beta):
    """On 15 April 2026, in CSN: an open coffee outlet of Beta (A1), an open direct lease
    without a type on a convenience-store kiosk of a merchant without a brand (K1), an open
    bookstore of Beta on a shop and a counter with a storage room (A2, C1, S1); a signed
    lease not open yet (A3), a draft (A4), a lease that opened and ended (A5), one that
    opened and was terminated (A6); and an open outlet in another station."""
    made = {
        "coffee": direct_lease(beta, [_free(upper, "A1", 0, types=["coffee"])], actor=officer,
                               start=dt.date(2025, 7, 1), end=dt.date(2027, 7, 1)),
        "kiosk": direct_lease(MerchantFactory(name="湘潭便利有限公司"),
                              [_free(upper, "K1", 10, 3, kind=Unit.Kind.KIOSK,
                                     types=["convenience-store"])],
                              actor=officer, start=dt.date(2026, 1, 1), months=24),
        "books": direct_lease(beta, [_free(upper, "A2", 20, types=["bookstore"]),
                                     _free(upper, "C1", 30, 4, kind=Unit.Kind.COUNTER,
                                           types=["bookstore"]),
                                     _free(upper, "S1", 40, 4, kind=Unit.Kind.STORAGE)],
                              actor=officer, start=dt.date(2026, 2, 1), months=36),
        "signed": direct_lease(beta, [_free(upper, "A3", 50, types=["coffee"])], actor=officer,
                               start=dt.date(2026, 5, 1), months=36),
        "draft": direct_lease(beta, [_free(upper, "A4", 60, types=["coffee"])], actor=officer,
                              start=dt.date(2026, 5, 1), months=36),
        "ended": direct_lease(beta, [_free(upper, "A5", 70, types=["coffee"])], actor=officer,
                              start=dt.date(2024, 1, 1), end=dt.date(2026, 1, 1)),
        "terminated": direct_lease(beta, [_free(upper, "A6", 80, types=["coffee"])],
                                   actor=officer, start=dt.date(2025, 1, 1), months=36),
    }  # fmt: skip
    made["coffee"] = _open(made["coffee"], officer, dt.date(2025, 8, 1))
    made["kiosk"] = _open(made["kiosk"], officer, dt.date(2026, 1, 10))
    made["books"] = _open(made["books"], officer, dt.date(2026, 3, 1))
    made["signed"] = leases.lease_sign(actor=officer, lease=made["signed"])
    made["ended"] = leases.lease_end(
        actor=officer, lease=_open(made["ended"], officer, dt.date(2024, 2, 1))
    )
    made["terminated"] = leases.lease_terminate(
        actor=officer,
        lease=_open(made["terminated"], officer, dt.date(2025, 2, 1)),
        reason="The merchant left the network.",
    )
    elsewhere = level(StationFactory(code="ZZW"), name="高架层")
    far = direct_lease(beta, [_free(elsewhere, "Z1", 0, types=["coffee"])], actor=officer,
                       start=dt.date(2025, 7, 1), months=36)  # fmt: skip
    _open(far, officer, dt.date(2025, 9, 1))
    return made


def export(station) -> dict:
    return members(imdf.export_station(station))


def by_unit(files) -> dict[str, dict]:
    """The occupants by the code of the unit their anchor names."""
    anchors = {a["id"]: a for a in files["anchor.geojson"]["features"]}
    codes = {u["id"]: u["properties"]["hsr:code"] for u in files["unit.geojson"]["features"]}
    return {
        codes[anchors[o["properties"]["anchor_id"]]["properties"]["unit_id"]]: o
        for o in files["occupant.geojson"]["features"]
    }


def test_exactly_the_open_leases_of_the_station_are_occupants(network, station):
    files = export(station)
    occupants = by_unit(files)
    assert set(occupants) == {"A1", "K1", "A2", "C1"}
    assert {o["properties"]["hsr:lease"] for o in occupants.values()} == {
        network["coffee"].code, network["kiosk"].code, network["books"].code,
    }  # fmt: skip
    assert len(files["anchor.geojson"]["features"]) == 4


def test_an_occupant_trades_under_its_brand_with_the_category_of_its_type(network, station):
    occupants = by_unit(export(station))
    coffee = occupants["A1"]["properties"]
    assert coffee["name"] == {"zh-Hans": "贝塔咖啡", "en": "Beta Coffee"}
    assert coffee["category"] == "coffee"
    assert coffee["hsr:business_type"] == "coffee"
    books = occupants["A2"]["properties"]
    assert books["name"] == {"zh-Hans": "贝塔书店", "en": "Beta Books"}  # the type's brand
    assert books["category"] == "books"


def test_a_direct_lease_without_a_type_takes_its_units_type_and_the_merchants_name(
    network, station
):
    kiosk = by_unit(export(station))["K1"]["properties"]
    assert network["kiosk"].business_type.code == "convenience-store"  # designated by K1
    assert kiosk["category"] == "conveniencestore"
    assert kiosk["name"] == {"zh-Hans": "湘潭便利有限公司"}  # no brand registered


def test_validity_runs_from_the_opening_to_the_end_of_the_lease(network, station):
    occupants = by_unit(export(station))
    assert occupants["A1"]["properties"]["validity"] == {
        "start": "2025-08-01T00:00:00+08:00",
        "end": "2027-07-01T00:00:00+08:00",
    }
    assert occupants["K1"]["properties"]["validity"] == {
        "start": "2026-01-10T00:00:00+08:00",
        "end": "2028-01-01T00:00:00+08:00",
    }


def test_each_anchor_names_the_unit_and_stands_at_its_display_point(network, station):
    files = export(station)
    units = {u["properties"]["hsr:code"]: u for u in files["unit.geojson"]["features"]}
    anchors = {a["id"]: a for a in files["anchor.geojson"]["features"]}
    for code, occupant in by_unit(files).items():
        anchor = anchors[occupant["properties"]["anchor_id"]]
        assert anchor["properties"]["unit_id"] == units[code]["id"]
        assert anchor["geometry"] == units[code]["properties"]["display_point"]


def test_the_outlet_on_a_shop_and_a_counter_is_two_occupants_sharing_a_correlation_id(
    network, station
):
    occupants = by_unit(export(station))
    shop, counter = occupants["A2"]["properties"], occupants["C1"]["properties"]
    assert shop["correlation_id"] and shop["correlation_id"] == counter["correlation_id"]
    assert "S1" not in occupants  # the storage room behind is no place for passengers
    assert occupants["A1"]["properties"]["correlation_id"] is None


def test_the_export_asks_as_many_queries_for_many_outlets_as_for_one(
    officer, station, upper, beta
):
    first = direct_lease(beta, [_free(upper, "A1", 0, types=["coffee"])], actor=officer,
                         start=dt.date(2025, 7, 1), months=36)  # fmt: skip
    _open(first, officer, dt.date(2025, 8, 1))
    with CaptureQueriesContext(connection) as one:
        imdf.export_station(station)
    for n in range(2, 7):
        more = direct_lease(beta, [_free(upper, f"A{n}", n * 12, types=["bookstore"])],
                            actor=officer, start=dt.date(2025, 7, 1), months=36)  # fmt: skip
        _open(more, officer, dt.date(2025, 8, 1))
    with CaptureQueriesContext(connection) as six:
        files = export(station)
    assert len(files["occupant.geojson"]["features"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_open_outlets_of_a_station_without_leases_is_empty(station):
    assert open_outlets(station) == []


def test_a_merchant_of_several_brands_none_for_the_type_trades_under_its_own_name(beta):
    assert trading_brands([(beta.pk, business_type("pharmacy").pk)]) == {
        (beta.pk, business_type("pharmacy").pk): None
    }
