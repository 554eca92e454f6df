"""Demands: recording, changing and withdrawing what a merchant wants, and who sees them."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404

from audit.models import Entry
from stations.imports import ImportInvalid
from stations.models import Station
from tenders import selectors, services
from tenders.demands_io import demands_export, demands_import
from tenders.models import Demand
from tests.factories import UserFactory
from tests.stations.factories import StationFactory
from tests.tenders.factories import (
    BrandFactory,
    DemandFactory,
    MerchantFactory,
    merchant_user,
    tender_inspector,
    tender_officer,
)

pytestmark = pytest.mark.django_db


def create(actor, merchant, **overrides):
    fields = {
        "business_type": "coffee",
        "area_min_m2": "40",
        "area_max_m2": "60.5",
        "intended_rent_m2_month": "320",
        "lease_mode": Demand.LeaseMode.BOTH,
        "term_months": 36,
    }
    fields.update(overrides)
    return services.demand_create(actor=actor, merchant=merchant, **fields)


def test_a_member_records_a_demand_for_its_merchant():
    merchant = MerchantFactory()
    brand = BrandFactory(merchant=merchant)
    station = StationFactory(code="CSS")

    demand = create(
        merchant_user(merchant),
        merchant,
        brand=brand,
        stations=["CSS"],
        tiers=[Station.Tier.PREFECTURE],
        power_kw="15",
        needs_water=True,
    )

    assert demand.area_max_m2 == Decimal("60.50")
    assert demand.power_kw == Decimal("15.00")
    assert list(demand.stations.all()) == [station]
    assert demand.tiers == ["prefecture"]
    entry = Entry.objects.get(action="demand.create")
    assert entry.after["stations"] == ["CSS"]
    assert entry.after["business_type"] == "coffee"


def test_an_officer_records_a_demand_for_any_merchant():
    demand = create(tender_officer(), MerchantFactory())

    assert demand.is_active


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"area_min_m2": "0"}, "area_min_m2", "The smallest area must be more than 0 m²."),
        (
            {"area_min_m2": "80", "area_max_m2": "60"},
            "area_max_m2",
            "The largest area 60.00 m² is smaller than the smallest 80.00 m².",
        ),
        ({"area_min_m2": "forty"}, "area_min_m2", "“forty” is not a number."),
        (
            {"business_type": "catering"},
            "business_type",
            "餐饮 Catering is a major class; choose a specific business type within it.",
        ),
        ({"business_type": "casino"}, "business_type", "“casino” is not a business type."),
        (
            {"tiers": ["provincial", "village"]},
            "tiers",
            "Unknown station tier: village (the tiers are: provincial, prefecture, county).",
        ),
        (
            {"intended_rent_m2_month": "-1"},
            "intended_rent_m2_month",
            "The intended rent cannot be negative.",
        ),
        ({"term_months": 0}, "term_months", "The term must be a whole number of months above 0."),
        ({"lease_mode": "barter"}, "lease_mode", "Value 'barter' is not a valid choice."),
        ({"stations": ["NOPE"]}, "stations", "Unknown station: NOPE."),
        ({"power_kw": "-3"}, "power_kw", "The power needed cannot be negative."),
    ],
)
def test_a_bad_demand_is_refused_naming_the_field(overrides, field, message):
    merchant = MerchantFactory()

    with pytest.raises(ValidationError) as exc:
        create(None, merchant, **overrides)

    assert exc.value.message_dict[field] == [message]
    assert not Demand.objects.exists()
    assert not Entry.objects.exists()


def test_another_merchants_brand_is_refused():
    merchant = MerchantFactory()
    brand = BrandFactory(name_zh="别家")

    with pytest.raises(ValidationError) as exc:
        create(None, merchant, brand=brand)

    assert exc.value.message_dict == {"brand": [f"Brand {brand} is not this merchant's."]}
    assert not Demand.objects.exists()


def test_a_rival_may_not_record_a_demand_for_another_merchant():
    merchant = MerchantFactory()

    with pytest.raises(PermissionDenied):
        create(merchant_user(MerchantFactory()), merchant)

    assert not Demand.objects.exists()
    assert not Entry.objects.exists()


def test_an_inspector_may_not_record_a_demand():
    with pytest.raises(PermissionDenied):
        create(tender_inspector(), MerchantFactory())

    assert not Demand.objects.exists()


def test_a_member_updates_its_demand_and_the_journal_keeps_both_sides():
    demand = DemandFactory(stations=[StationFactory(code="YYE")])
    StationFactory(code="CSS")

    services.demand_update(
        actor=merchant_user(demand.merchant),
        demand=demand,
        area_max_m2="80",
        stations=["CSS"],
        business_type="bakery",
    )

    demand.refresh_from_db()
    assert demand.area_max_m2 == Decimal("80.00")
    assert demand.business_type.code == "bakery"
    assert list(demand.stations.values_list("code", flat=True)) == ["CSS"]
    entry = Entry.objects.get(action="demand.update")
    assert (entry.before["stations"], entry.after["stations"]) == (["YYE"], ["CSS"])
    assert (entry.before["area_max_m2"], entry.after["area_max_m2"]) == ("60.00", "80.00")


def test_a_bad_update_leaves_the_demand_unchanged():
    demand = DemandFactory()

    with pytest.raises(ValidationError) as exc:
        services.demand_update(actor=None, demand=demand, area_min_m2="100")

    assert exc.value.message_dict == {
        "area_max_m2": ["The largest area 60.00 m² is smaller than the smallest 100.00 m²."]
    }
    demand.refresh_from_db()
    assert demand.area_min_m2 == Decimal("40.00")
    assert not Entry.objects.exists()


def test_an_update_of_the_merchant_is_refused():
    demand = DemandFactory()

    with pytest.raises(ValidationError) as exc:
        services.demand_update(actor=None, demand=demand, merchant=MerchantFactory())

    assert exc.value.message_dict == {"merchant": ["This field cannot be changed here."]}


def test_a_rival_may_not_update_or_withdraw_a_demand():
    demand = DemandFactory()
    rival = merchant_user(MerchantFactory())

    with pytest.raises(PermissionDenied):
        services.demand_update(actor=rival, demand=demand, term_months=12)
    with pytest.raises(PermissionDenied):
        services.demand_withdraw(actor=rival, demand=demand)

    demand.refresh_from_db()
    assert demand.term_months == 36 and demand.is_active
    assert not Entry.objects.exists()


def test_a_withdrawn_demand_is_kept_inactive_and_cannot_be_withdrawn_or_changed_again():
    demand = DemandFactory()
    member = merchant_user(demand.merchant)

    services.demand_withdraw(actor=member, demand=demand, reason="开店计划取消")

    demand.refresh_from_db()
    assert not demand.is_active
    assert Entry.objects.get(action="demand.withdraw").data == {"reason": "开店计划取消"}
    with pytest.raises(ValidationError) as again:
        services.demand_withdraw(actor=member, demand=demand)
    assert again.value.message_dict == {"is_active": ["This demand is already withdrawn."]}
    with pytest.raises(ValidationError) as change:
        services.demand_update(actor=member, demand=demand, term_months=12)
    assert change.value.message_dict == {
        "is_active": ["This demand was withdrawn; record a new one instead."]
    }
    assert Entry.objects.count() == 1


def test_a_merchant_user_sees_only_its_demands_and_a_rival_gets_404():
    mine = DemandFactory()
    theirs = DemandFactory()
    user = merchant_user(mine.merchant)

    assert list(selectors.demands_for(user)) == [mine]
    assert selectors.get_demand_for(user, mine.pk) == mine
    with pytest.raises(Http404) as forbidden:
        selectors.get_demand_for(user, theirs.pk)
    with pytest.raises(Http404) as missing:
        selectors.get_demand_for(user, 999999)
    assert str(forbidden.value) == str(missing.value) == "No such demand."


def test_officers_and_inspectors_see_every_demand_and_can_filter():
    active = DemandFactory()
    withdrawn = DemandFactory(is_active=False)

    assert set(selectors.demands_for(tender_officer())) == {active, withdrawn}
    assert set(selectors.demands_for(tender_inspector(), active=True)) == {active}
    assert list(selectors.demands_for(None, merchant=withdrawn.merchant)) == [withdrawn]
    assert not selectors.demands_for(UserFactory()).exists()


# --- import and export ---------------------------------------------------------------------

HEADER = [
    "credit_code",
    "brand",
    "business_type",
    "stations",
    "tiers",
    "location_wish",
    "area_min_m2",
    "area_max_m2",
    "power_kw",
    "floor_sockets",
    "needs_water",
    "needs_drainage",
    "needs_exhaust",
    "intended_rent_m2_month",
    "lease_mode",
    "term_months",
]


def csv_bytes(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def mcd():
    merchant = MerchantFactory(credit_code=CODE, name="麦当劳")
    BrandFactory(merchant=merchant, name_zh="麦当劳")
    StationFactory(code="CSS")
    StationFactory(code="YYE")
    return merchant


CODE = "91350100M000100Y43"


def good_row(**changes):
    row = dict(
        zip(
            HEADER,
            [
                CODE.lower(),
                "麦当劳",
                "fast-food",
                "CSS;YYE",
                "provincial",
                "高架层进站口",
                "80",
                "120.5",
                "40",
                "2",
                "yes",
                "是",
                "1",
                "450",
                "both",
                "60",
            ],
            strict=True,
        )
    )
    row.update(changes)
    return [row[name] for name in HEADER]


def import_rows(rows, actor=None, header=HEADER):
    return demands_import(actor=actor, file=csv_bytes(rows, header), filename="d.csv")


def test_a_good_csv_creates_every_demand_with_its_stations_and_journal(mcd):
    result = import_rows([good_row(), good_row(stations="", tiers="", brand="", power_kw="")])

    assert (result.count, result.merchant_count) == (2, 1)
    first, second = Demand.objects.order_by("pk")
    assert first.merchant == mcd and first.brand.name_zh == "麦当劳"
    assert sorted(first.stations.values_list("code", flat=True)) == ["CSS", "YYE"]
    assert first.tiers == ["provincial"]
    assert (first.area_min_m2, first.area_max_m2) == (Decimal("80.00"), Decimal("120.50"))
    assert (first.needs_water, first.needs_drainage, first.needs_exhaust) == (True, True, True)
    assert (first.lease_mode, first.term_months, first.floor_sockets) == ("both", 60, 2)
    assert second.brand is None and second.power_kw == Decimal("0.00")
    assert not second.stations.exists()
    assert Entry.objects.filter(action="demand.create").count() == 2
    summary = Entry.objects.get(action="demands.import")
    assert summary.data["count"] == 2 and summary.data["sha256"] == result.sha256


def test_a_good_xlsx_imports_like_a_csv(mcd):
    row = good_row()
    row[HEADER.index("area_min_m2")] = 80
    row[HEADER.index("term_months")] = 60
    row[HEADER.index("needs_water")] = True

    result = demands_import(actor=None, file=xlsx_bytes([row]), filename="d.xlsx")

    demand = Demand.objects.get()
    assert result.count == 1
    assert (demand.area_min_m2, demand.term_months, demand.needs_water) == (
        Decimal("80.00"),
        60,
        True,
    )


def refused(rows, actor=None, header=HEADER) -> list[str]:
    before = Entry.objects.count()
    with pytest.raises(ImportInvalid) as exc:
        import_rows(rows, actor, header)
    assert not Demand.objects.exists()
    assert Entry.objects.count() == before
    return [str(e) for e in exc.value.errors]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"credit_code": ""}, "Row 2, column credit_code: is empty"),
        (
            {"credit_code": "91350100M000100Y44"},
            "Row 2, column credit_code: credit code 91350100M000100Y44 check character is 4 "
            "but should be 3",
        ),
        (
            {"credit_code": "91350100MA00100Y4P", "brand": ""},
            "Row 2, column credit_code: no merchant with credit code 91350100MA00100Y4P, or not "
            "yours",
        ),
        ({"brand": "肯德基"}, "Row 2, column brand: the merchant has no brand “肯德基”"),
        ({"business_type": ""}, "Row 2, column business_type: is empty"),
        (
            {"business_type": "catering"},
            "Row 2, column business_type: “catering” is a major class; choose a specific "
            "business type within it",
        ),
        (
            {"business_type": "casino"},
            "Row 2, column business_type: “casino” is not a business type",
        ),
        ({"stations": "CSS;NOPE；ZZZ"}, "Row 2, column stations: unknown station: NOPE, ZZZ"),
        (
            {"tiers": "county;village"},
            "Row 2, column tiers: unknown station tier: village (the tiers are: provincial, "
            "prefecture, county)",
        ),
        (
            {"location_wish": "x" * 256},
            "Row 2, column location_wish: is longer than 255 characters",
        ),
        ({"area_min_m2": ""}, "Row 2, column area_min_m2: is empty"),
        ({"area_min_m2": "eighty"}, "Row 2, column area_min_m2: “eighty” is not a number"),
        ({"area_max_m2": "inf"}, "Row 2, column area_max_m2: “inf” is not a number"),
        (
            {"area_min_m2": "0"},
            "Row 2, column area_min_m2: the smallest area must be more than 0 m²",
        ),
        (
            {"area_min_m2": "130"},
            "Row 2, column area_max_m2: 120.50 m² is smaller than the smallest area 130.00 m²",
        ),
        (
            {"power_kw": "1000000"},
            "Row 2, column power_kw: 1000000 is out of range (0 to 999999.99)",
        ),
        (
            {"intended_rent_m2_month": "-5"},
            "Row 2, column intended_rent_m2_month: -5 is out of range (0 to 99999999.99)",
        ),
        ({"floor_sockets": "two"}, "Row 2, column floor_sockets: “two” is not a whole number"),
        (
            {"floor_sockets": "40000"},
            "Row 2, column floor_sockets: 40000 is out of range (0 to 32767)",
        ),
        ({"term_months": ""}, "Row 2, column term_months: is empty"),
        ({"term_months": "0"}, "Row 2, column term_months: 0 is out of range (1 to 32767)"),
        ({"term_months": "3.5"}, "Row 2, column term_months: “3.5” is not a whole number"),
        (
            {"needs_water": "maybe"},
            "Row 2, column needs_water: “maybe” is not yes or no (use true/false, yes/no, 1/0)",
        ),
        (
            {"lease_mode": "barter"},
            "Row 2, column lease_mode: “barter” is not a lease mode; use one of: fixed, "
            "turnover, both",
        ),
    ],
)
def test_each_bad_cell_is_refused_with_its_row_column_and_reason(mcd, changes, message):
    assert refused([good_row(**changes)]) == [message]


def test_every_bad_row_is_listed_and_a_good_row_is_not_saved_either(mcd):
    errors = refused(
        [
            good_row(),
            good_row(term_months="0"),
            good_row(),
            good_row(lease_mode="", business_type="casino"),
        ]
    )

    assert errors == [
        "Row 3, column term_months: 0 is out of range (1 to 32767)",
        "Row 5, column business_type: “casino” is not a business type",
        "Row 5, column lease_mode: is empty",
    ]


def test_a_rival_merchant_user_cannot_import_for_another_merchant(mcd):
    rival = merchant_user(MerchantFactory())

    errors = refused([good_row()], actor=rival)

    assert errors == [
        f"Row 2, column credit_code: no merchant with credit code {CODE}, or not yours"
    ]


def test_a_merchant_user_imports_its_own_demands(mcd):
    result = import_rows([good_row()], actor=merchant_user(mcd))

    assert result.count == 1


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            [h for h in HEADER if h != "term_months"],
            "Row 1, column term_months: this required column is missing",
        ),
        (HEADER + ["colour"], "Row 1, column colour: unknown column; the columns are: "),
        (HEADER + ["brand"], "Row 1, column brand: the column appears more than once"),
    ],
)
def test_a_bad_header_is_refused(mcd, header, message):
    rows = [good_row() + ["x"] * (len(header) - len(HEADER))]
    if len(header) < len(HEADER):
        rows = [good_row()[: len(header)]]

    errors = refused(rows, header=header)

    assert errors[0].startswith(message)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty: it has no header row and no demands."),
        ("\ufeff".encode(), "The file is empty: it has no header row and no demands."),
        (",".join(HEADER).encode(), "The file has a header row but no demands."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "The file is neither an XLSX workbook nor a CSV file"),
    ],
)
def test_a_file_that_is_no_table_of_demands_is_refused(content, message):
    with pytest.raises(ImportInvalid) as exc:
        demands_import(actor=None, file=content, filename="x")

    assert str(exc.value.errors[0]).startswith(message)
    assert not Demand.objects.exists()


def test_the_export_imports_back(mcd):
    import_rows([good_row(), good_row(stations="", brand="", tiers="county")])
    content = demands_export(Demand.objects.all())
    Demand.objects.all().delete()

    result = demands_import(actor=None, file=content, filename="export.xlsx")

    assert result.count == 2
    demands = sorted(Demand.objects.all(), key=lambda d: d.tiers)
    assert [d.tiers for d in demands] == [["county"], ["provincial"]]
    assert sorted(demands[1].stations.values_list("code", flat=True)) == ["CSS", "YYE"]
    assert demands[1].area_max_m2 == Decimal("120.50")


def test_the_export_has_one_row_per_demand_and_a_sheet_explaining_the_columns(mcd):
    DemandFactory(merchant=mcd, stations=[Station.objects.get(code="CSS")])
    DemandFactory(merchant=mcd)

    workbook = openpyxl.load_workbook(io.BytesIO(demands_export(Demand.objects.all())))

    rows = list(workbook["demands"].values)
    assert rows[0][:3] == ("credit_code", "brand", "business_type")
    assert len(rows) == 3
    assert sorted(r[HEADER.index("stations")] or "" for r in rows[1:]) == ["", "CSS"]
    legend = {row[0]: row[1:] for row in workbook["columns"].values}
    assert legend["credit_code"] == ("统一社会信用代码", "Unified social credit code")


def test_the_commands_import_and_export(mcd, tmp_path):
    source = tmp_path / "demands.csv"
    source.write_bytes(csv_bytes([good_row()]))
    out = io.StringIO()

    call_command("import_demands", str(source), stdout=out)
    call_command("export_demands", str(tmp_path / "all.xlsx"), stdout=out)

    assert "Created 1 demand(s) of 1 merchant(s) from demands.csv" in out.getvalue()
    assert "Wrote 1 demand(s)" in out.getvalue()
    assert (tmp_path / "all.xlsx").stat().st_size > 0


def test_the_import_command_lists_every_fault(mcd, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_bytes(csv_bytes([good_row(term_months="x"), good_row(lease_mode="y")]))
    err = io.StringIO()

    with pytest.raises(CommandError) as exc:
        call_command("import_demands", str(source), stderr=err)

    assert str(exc.value) == "2 fault(s) in bad.csv; nothing was imported."
    assert "Row 2, column term_months" in err.getvalue()
    assert "Row 3, column lease_mode" in err.getvalue()
    assert not Demand.objects.exists()


def test_a_failure_while_writing_leaves_no_demand_and_no_journal(mcd, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tenders.demands_io.audit.record_many", broken)

    with pytest.raises(RuntimeError):
        import_rows([good_row(), good_row()])

    assert not Demand.objects.exists()
    assert not Demand.stations.through.objects.exists()
    assert not Entry.objects.exists()


def test_the_import_runs_as_many_queries_for_30_rows_as_for_3(mcd):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = tender_officer()
    officer.has_perm("tenders.run_round")  # the user's permission cache, loaded once per user
    counts = []
    for n in (3, 30):
        with CaptureQueriesContext(connection) as queries:
            import_rows([good_row() for _ in range(n)], actor=officer)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert Demand.objects.count() == 33
