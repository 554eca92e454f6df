"""The demand screens: the list and its filters, create / edit / withdraw through the services,
the import page and the Excel download, and matching — the units that fit a demand, the demands
a unit could satisfy — each with who may see what."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import Entry
from stations import services as station_services
from tenders.demands_io import COLUMNS, EXPORT_ONLY_COLUMNS
from tenders.models import Demand
from tests.cms.conftest import speak_english
from tests.cms.merchant_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.merchant_fixtures import available, field_errors, messages_of
from tests.factories import station_officer
from tests.tenders.factories import BrandFactory, DemandFactory, MerchantFactory, business_type

pytestmark = pytest.mark.django_db


def listed(response) -> list[Demand]:
    return list(response.context["object_list"])


def demand_post(merchant, **changes) -> dict:
    data = {
        "merchant": merchant.pk,
        "brand": "",
        "business_type": "coffee",
        "stations": "css; yye",
        "tiers": [],
        "location_wish": "高架层候车区",
        "area_min_m2": "30",
        "area_max_m2": "50",
        "power_kw": "15",
        "floor_sockets": "1",
        "needs_water": "on",
        "intended_rent_m2_month": "380",
        "lease_mode": "both",
        "term_months": "36",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- the list -----------------------------------------------------------------------------


def test_the_officer_lists_every_demand_with_its_particulars(client, officer, mcd, kfc):
    client.force_login(officer)
    response = client.get(reverse("demands:index"))
    content = response.content.decode()
    assert len(listed(response)) == 3
    assert "80.00–120.00" in content  # McDonald's area range
    assert "450.00" in content  # its rent
    assert "Fast food" in content and "Coffee" in content
    assert "Provincial capital" in content  # KFC wants the tier
    assert "Turnover share" in content
    demand = mcd.demands.get(business_type__code="fast-food")
    assert reverse("demands:inspect", args=(demand.pk,)) in content
    assert reverse("demands:import") in content and reverse("demands:export") in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"business_type": "fast-food"}, {"fast-food"}),
        # a major class takes in every type within it
        ({"business_type": "catering"}, {"fast-food", "coffee", "coffee-kfc"}),
        ({"station": "CSS"}, {"fast-food"}),
        ({"lease_mode": "turnover"}, {"coffee-kfc"}),
        ({"is_active": "false"}, {"withdrawn"}),
        ({"q": "肯德基"}, {"coffee-kfc"}),
    ],
)
def test_the_demand_list_filters_and_searches(client, officer, mcd, kfc, css, params, expected):
    from stations.models import BusinessCategory, Station

    withdrawn = DemandFactory(
        merchant=mcd, is_active=False, business_type=business_type("convenience-store")
    )
    params = dict(params)
    if "business_type" in params:
        params["business_type"] = BusinessCategory.objects.get(code=params["business_type"]).pk
    if "station" in params:
        params["station"] = Station.objects.get(code=params["station"]).pk
    client.force_login(officer)
    shown = set()
    for demand in listed(client.get(reverse("demands:index"), params)):
        if demand.pk == withdrawn.pk:
            shown.add("withdrawn")
        elif demand.merchant_id == kfc.pk:
            shown.add("coffee-kfc")
        else:
            shown.add(demand.business_type.code)
    assert shown == expected


def test_the_demand_list_asks_as_many_queries_for_many_demands_as_for_few(
    client, officer, mcd, css, yye, django_assert_max_num_queries
):
    client.force_login(officer)
    url = reverse("demands:index")
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _n in range(12):
        merchant = MerchantFactory()
        brand = BrandFactory(merchant=merchant)
        DemandFactory(merchant=merchant, brand=brand, stations=[css.station, yye.station])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(listed(response)) == 14


# --- who sees what ------------------------------------------------------------------------


def test_a_merchants_user_sees_only_its_demands(client, mcd_user, mcd, kfc):
    client.force_login(mcd_user)
    assert {d.merchant_id for d in listed(client.get(reverse("demands:index")))} == {mcd.pk}
    other = kfc.demands.get()
    for name in ("inspect", "edit", "withdraw"):
        url = reverse(f"demands:{name}", args=(other.pk,))
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"reason": "x"}).status_code == 404, name
    other.refresh_from_db()
    assert other.is_active


def test_a_merchants_user_records_a_demand_for_its_company_only(client, mcd_user, mcd, kfc):
    client.force_login(mcd_user)
    form = client.get(reverse("demands:add")).context["form"]
    assert list(form.fields["merchant"].queryset) == [mcd]
    assert form.initial["merchant"] == mcd.pk
    response = client.post(reverse("demands:add"), demand_post(kfc))
    assert response.status_code == 200
    assert field_errors(response, "merchant") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not kfc.demands.filter(business_type__code="coffee", area_min_m2=30).exists()


def test_the_inspector_reads_demands_and_changes_nothing(client, inspector, mcd, kfc):
    client.force_login(inspector)
    response = client.get(reverse("demands:index"))
    assert len(listed(response)) == 3
    content = response.content.decode()
    assert f'href="{reverse("demands:add")}"' not in content
    assert reverse("demands:import") not in content
    assert reverse("demands:export") in content  # reading includes the download
    demand = mcd.demands.first()
    page = client.get(reverse("demands:inspect", args=(demand.pk,))).content.decode()
    assert reverse("demands:edit", args=(demand.pk,)) not in page
    assert reverse("demands:withdraw", args=(demand.pk,)) not in page
    entries, count = Entry.objects.count(), Demand.objects.count()
    home = reverse("wagtailadmin_home")
    for url, data in (
        (reverse("demands:add"), demand_post(mcd)),
        (reverse("demands:edit", args=(demand.pk,)), demand_post(mcd, area_min_m2="1")),
        (reverse("demands:withdraw", args=(demand.pk,)), {"reason": "x"}),
        (reverse("demands:import"), {}),
    ):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"] == home, url
    demand.refresh_from_db()
    assert demand.is_active and demand.area_min_m2 == Decimal("40.00")
    assert (Entry.objects.count(), Demand.objects.count()) == (entries, count)


def test_anonymous_visitors_are_sent_to_the_login_page(client, mcd):
    demand = mcd.demands.first()
    for url in (
        reverse("demands:index"),
        reverse("demands:inspect", args=(demand.pk,)),
        reverse("demands:withdraw", args=(demand.pk,)),
        reverse("demands:import"),
        reverse("demands:export"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login")), url


def test_a_station_manager_has_no_demand_screens(client, manager, mcd):
    client.force_login(manager)
    home = reverse("wagtailadmin_home")
    demand = mcd.demands.first()
    for url in (
        reverse("demands:index"),
        reverse("demands:import"),
        reverse("demands:export"),
    ):
        assert client.get(url)["Location"] == home, url
    assert client.get(reverse("demands:inspect", args=(demand.pk,))).status_code in (302, 404)


# --- create, edit, withdraw ------------------------------------------------------------------


def test_the_officer_records_a_demand_through_the_service(client, officer, mcd, css, yye):
    client.force_login(officer)
    brand = mcd.brands.get()
    response = client.post(reverse("demands:add"), demand_post(mcd, brand=brand.pk))
    demand = Demand.objects.get(merchant=mcd, business_type__code="coffee", brand=brand)
    assert response.status_code == 302
    assert response["Location"] == reverse("demands:inspect", args=(demand.pk,))
    assert sorted(demand.stations.values_list("code", flat=True)) == ["CSS", "YYE"]
    assert (demand.area_min_m2, demand.area_max_m2) == (Decimal("30.00"), Decimal("50.00"))
    assert (demand.needs_water, demand.needs_drainage, demand.lease_mode) == (True, False, "both")
    assert demand.is_active
    entry = Entry.objects.get(action="demand.create", target_id=str(demand.pk))
    assert entry.actor_id == officer.pk and entry.after["stations"] == ["CSS", "YYE"]


def test_the_merchants_page_opens_the_form_with_the_merchant_and_its_brands(
    client, officer, mcd, kfc
):
    client.force_login(officer)
    form = client.get(reverse("demands:add"), {"merchant": mcd.pk}).context["form"]
    assert form.initial["merchant"] == mcd.pk
    assert list(form.fields["brand"].queryset) == list(mcd.brands.all())
    codes = [c for _group, options in form.fields["business_type"].choices[1:] for c, _ in options]
    assert "coffee" in codes and "catering" not in codes


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"area_min_m2": "0"}, "area_min_m2", "The smallest area must be more than 0 m²."),
        (
            {"area_min_m2": "60", "area_max_m2": "50"},
            "area_max_m2",
            "The largest area 50.00 m² is smaller than the smallest 60.00 m².",
        ),
        ({"stations": "CSS; NOPE"}, "stations", "Unknown station: NOPE."),
        (
            {"term_months": "0"},
            "term_months",
            "The term must be a whole number of months above 0.",
        ),
        ({"power_kw": "-1"}, "power_kw", "The power needed cannot be negative."),
        (
            {"intended_rent_m2_month": "-5"},
            "intended_rent_m2_month",
            "The intended rent cannot be negative.",
        ),
        ({"area_min_m2": "thirty"}, "area_min_m2", "Enter a number."),
        ({"business_type": "catering"}, "business_type", "Select a valid choice."),
        ({"lease_mode": "barter"}, "lease_mode", "Select a valid choice."),
    ],
)
def test_a_bad_demand_shows_the_message_on_its_field_and_saves_nothing(
    client, officer, mcd, css, yye, changes, field, message
):
    client.force_login(officer)
    demands, entries = Demand.objects.count(), Entry.objects.count()
    response = client.post(reverse("demands:add"), demand_post(mcd, **changes))
    assert response.status_code == 200
    assert any(message in e for e in field_errors(response, field)), response.context[
        "form"
    ].errors
    assert (Demand.objects.count(), Entry.objects.count()) == (demands, entries)


def test_another_merchants_brand_is_refused(client, officer, mcd, kfc):
    client.force_login(officer)
    response = client.post(reverse("demands:add"), demand_post(mcd, brand=kfc.brands.get().pk))
    assert response.status_code == 200
    assert field_errors(response, "brand") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not mcd.demands.filter(business_type__code="coffee", area_min_m2=30).exists()


def test_the_officer_changes_a_demand_through_the_service(client, officer, mcd, css):
    demand = mcd.demands.get(business_type__code="fast-food")
    client.force_login(officer)
    form = client.get(reverse("demands:edit", args=(demand.pk,))).context["form"]
    assert form.fields["merchant"].disabled
    # the disabled list offers the demand's merchant only, not every merchant of the network
    assert [m.pk for m in form.fields["merchant"].queryset] == [mcd.pk]
    assert form.initial["stations"] == ["CSS"] and form.initial["business_type"] == "fast-food"
    assert {"is_active", "created_at"}.isdisjoint(form.fields)
    response = client.post(
        reverse("demands:edit", args=(demand.pk,)),
        demand_post(
            mcd,
            business_type="fast-food",
            stations="",
            tiers=["provincial", "prefecture"],
            area_min_m2="90",
            area_max_m2="110",
            is_active="",  # not a field: a posted status is ignored
        ),
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert (demand.area_min_m2, demand.tiers) == (Decimal("90.00"), ["provincial", "prefecture"])
    assert not demand.stations.exists() and demand.is_active
    entry = Entry.objects.get(action="demand.update", target_id=str(demand.pk))
    assert entry.before["stations"] == ["CSS"] and entry.after["stations"] == []


def test_a_refused_change_leaves_the_demand_as_it_was(client, officer, mcd):
    demand = mcd.demands.get(business_type__code="fast-food")
    client.force_login(officer)
    entries = Entry.objects.count()
    response = client.post(
        reverse("demands:edit", args=(demand.pk,)),
        demand_post(mcd, business_type="fast-food", area_min_m2="200", area_max_m2="100"),
    )
    assert response.status_code == 200
    assert field_errors(response, "area_max_m2") == [
        "The largest area 100.00 m² is smaller than the smallest 200.00 m²."
    ]
    demand.refresh_from_db()
    assert demand.area_min_m2 == Decimal("80.00") and Entry.objects.count() == entries


def test_a_demand_is_withdrawn_with_its_reason_and_cannot_be_changed_after(client, officer, mcd):
    demand = mcd.demands.get(business_type__code="fast-food")
    client.force_login(officer)
    url = reverse("demands:withdraw", args=(demand.pk,))
    assert "Withdraw the demand" in client.get(url).content.decode()
    response = client.post(url, {"reason": "商家改变计划"})
    assert response["Location"] == reverse("demands:inspect", args=(demand.pk,))
    demand.refresh_from_db()
    assert not demand.is_active
    entry = Entry.objects.get(action="demand.withdraw", target_id=str(demand.pk))
    assert entry.data["reason"] == "商家改变计划" and entry.actor_id == officer.pk
    page = client.get(reverse("demands:inspect", args=(demand.pk,))).content.decode()
    assert "data-cms-withdrawn" in page
    assert reverse("demands:edit", args=(demand.pk,)) not in page
    # again: refused with the service's word; a change too, and nothing moves
    entries = Entry.objects.count()
    again = client.post(url, {"reason": ""})
    assert "This demand is already withdrawn." in messages_of(again)
    edit = client.post(
        reverse("demands:edit", args=(demand.pk,)),
        demand_post(mcd, business_type="fast-food", area_min_m2="10"),
    )
    assert "This demand was withdrawn; record a new one instead." in edit.content.decode()
    demand.refresh_from_db()
    assert demand.area_min_m2 == Decimal("80.00") and Entry.objects.count() == entries


# --- import and download --------------------------------------------------------------------

HEADER = list(COLUMNS)


def csv_upload(rows, name="demands.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv")


def row(merchant, **changes) -> list:
    values = {
        "credit_code": merchant.credit_code,
        "brand": "",
        "business_type": "convenience-store",
        "stations": "CSS",
        "tiers": "",
        "location_wish": "出站层",
        "area_min_m2": "20",
        "area_max_m2": "40",
        "power_kw": "10",
        "floor_sockets": "0",
        "needs_water": "否",
        "needs_drainage": "no",
        "needs_exhaust": "0",
        "intended_rent_m2_month": "200",
        "lease_mode": "fixed",
        "term_months": "24",
    }
    values.update(changes)
    return [values[name] for name in HEADER]


def test_the_import_page_lists_every_bad_row_and_saves_nothing(client, officer, mcd, kfc):
    client.force_login(officer)
    demands, entries = Demand.objects.count(), Entry.objects.count()
    upload = csv_upload(
        [
            row(mcd),
            row(mcd, term_months="0"),
            row(kfc, stations="CSS;NOPE", lease_mode="barter"),
        ]
    )
    response = client.post(reverse("demands:import"), {"file": upload})
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [  # by row, in the file's order
        (3, "term_months"),
        (4, "stations"),
        (4, "lease_mode"),
    ]
    content = response.content.decode()
    assert content.count("data-cms-import-error") == 3
    assert "0 is out of range (1 to 32767)" in content
    assert "unknown station: NOPE" in content
    assert "Term (months)" in content  # the column's heading beside its name
    assert "demands.csv: 3 faults — nothing was saved" in content
    assert "The file was refused: 3 faults. Nothing was saved." in messages_of(response)
    assert (Demand.objects.count(), Entry.objects.count()) == (demands, entries)


def test_a_good_import_saves_every_demand_and_says_how_many(client, officer, mcd, kfc):
    client.force_login(officer)
    before = Demand.objects.count()
    upload = csv_upload([row(mcd), row(kfc, brand="肯德基", stations="", tiers="county")])
    response = client.post(reverse("demands:import"), {"file": upload})
    assert response.status_code == 302 and response["Location"] == reverse("demands:index")
    assert "2 demands of 2 merchant(s) imported from demands.csv." in messages_of(response)
    assert Demand.objects.count() == before + 2
    summary = Entry.objects.get(action="demands.import")
    assert summary.actor_id == officer.pk and summary.data["filename"] == "demands.csv"


def test_a_merchants_user_imports_only_for_its_company(client, mcd_user, mcd, kfc):
    client.force_login(mcd_user)
    before = Demand.objects.count()
    response = client.post(reverse("demands:import"), {"file": csv_upload([row(mcd), row(kfc)])})
    assert [(e["row"], e["column"], e["message"]) for e in response.context["errors"]] == [
        (3, "credit_code", f"no merchant with credit code {kfc.credit_code}, or not yours")
    ]
    assert Demand.objects.count() == before


def test_an_empty_upload_is_refused_on_the_field(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("demands:import"), {"file": SimpleUploadedFile("d.csv", b"", "text/csv")}
    )
    assert response.status_code == 200
    assert field_errors(response, "file") == ["The submitted file is empty."]


def test_the_import_page_explains_the_columns(client, officer):
    client.force_login(officer)
    content = client.get(reverse("demands:import")).content.decode()
    for name in COLUMNS:
        assert f"<code>{name}</code>" in content
    assert "Unified social credit code" in content


def workbook(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment;" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["demands"]
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_the_download_holds_the_demands_the_user_sees_and_imports_back(client, officer, mcd, kfc):
    client.force_login(officer)
    header, rows = workbook(client.get(reverse("demands:export")))
    assert list(header) == list(COLUMNS + EXPORT_ONLY_COLUMNS)
    by_merchant = {}
    for values in rows:
        record = dict(zip(header, values, strict=True))
        by_merchant.setdefault(record["merchant"], []).append(record)
    assert sorted(len(v) for v in by_merchant.values()) == [1, 2]
    fast_food = next(r for r in by_merchant[mcd.name] if r["business_type"] == "fast-food")
    assert (fast_food["credit_code"], fast_food["stations"], fast_food["brand"]) == (
        mcd.credit_code,
        "CSS",
        "麦当劳",
    )
    assert Decimal(str(fast_food["area_min_m2"])) == Decimal("80")
    # the workbook goes back through the import page
    upload = SimpleUploadedFile(
        "back.xlsx", client.get(reverse("demands:export")).content, "application/octet-stream"
    )
    before = Demand.objects.count()
    assert client.post(reverse("demands:import"), {"file": upload}).status_code == 302
    assert Demand.objects.count() == before * 2


def test_the_download_follows_the_lists_filters(client, officer, mcd, kfc):
    client.force_login(officer)
    _header, rows = workbook(client.get(reverse("demands:export"), {"lease_mode": "turnover"}))
    assert [r[0] for r in rows] == [kfc.credit_code]
    _header, rows = workbook(client.get(reverse("demands:export"), {"q": "麦当劳"}))
    assert {r[0] for r in rows} == {mcd.credit_code} and len(rows) == 2


def test_a_merchants_user_downloads_only_its_demands(client, mcd_user, mcd, kfc):
    client.force_login(mcd_user)
    _header, rows = workbook(client.get(reverse("demands:export")))
    assert {r[0] for r in rows} == {mcd.credit_code} and len(rows) == 2


# --- matching -----------------------------------------------------------------------------


@pytest.fixture
def shops(css, yye):
    """Units for letting: two at CSS (one fits McDonald's fast-food demand), one at YYE."""
    fits = available(css, "A01", 0, 0, 10.0, power_kw="30", business_types=["fast-food"])
    small = available(css, "A02", 20, 0, 5.0, business_types=["fast-food"])
    other = available(yye, "B01", 0, 0, 7.0, business_types=["coffee"])
    unit_planned = station_services.unit_create(
        actor=None, level=css, code="A03", polygon="POLYGON ((40 0, 50 0, 50 10, 40 10, 40 0))"
    )
    return fits, small, other, unit_planned


def test_a_demands_page_ranks_the_units_that_fit_with_the_reasons(client, officer, mcd, shops):
    fits, small, _other, _planned = shops
    demand = mcd.demands.get(business_type__code="fast-food")
    client.force_login(officer)
    response = client.get(reverse("demands:inspect", args=(demand.pk,)))
    content = response.content.decode()
    rows = response.context["matches"]
    assert [r["unit"].code for r in rows] == ["A01", "A02"]  # CSS only, fits first
    assert rows[0]["match"].fits and not rows[1]["match"].fits
    assert response.context["summary"] == {"total": 2, "fits": 1, "more": 0}
    assert "1 of 2 available units fit." in content
    assert "area 100.00 m² is within the 80.00–120.00 m² wanted" in content
    assert "area 25.00 m² is 55.00 m² below the 80.00–120.00 m² wanted" in content
    assert 'class="cms-check-item is-failed" data-criterion="area"' in content
    assert reverse("units:edit", args=(fits.pk,)) in content  # the officer may change it


def test_units_a_station_officer_may_not_see_are_listed_without_a_link(client, kfc, shops, yye):
    fits, _small, other, _planned = shops
    officer_css = speak_english(station_officer(fits.station, username="css-only"))
    demand_at_both = DemandFactory(merchant=kfc, stations=[fits.station, yye.station])
    client.force_login(officer_css)
    content = client.get(reverse("demands:inspect", args=(demand_at_both.pk,))).content.decode()
    assert f'data-cms-match="{other.pk}"' in content  # YYE's unit for letting is public
    assert reverse("units:inspect", args=(other.pk,)) not in content
    assert reverse("units:edit", args=(other.pk,)) not in content
    assert reverse("units:edit", args=(fits.pk,)) in content


def test_a_withdrawn_demand_matches_no_unit(client, officer, mcd, shops):
    demand = mcd.demands.get(business_type__code="fast-food")
    client.force_login(officer)
    client.post(reverse("demands:withdraw", args=(demand.pk,)), {"reason": ""})
    response = client.get(reverse("demands:inspect", args=(demand.pk,)))
    assert "matches" not in response.context
    assert "Units that fit" not in response.content.decode()


def test_a_unit_lists_the_demands_it_could_satisfy_with_the_reasons(
    client, officer, mcd, kfc, shops
):
    fits, *_ = shops
    client.force_login(officer)
    edit = client.get(reverse("units:edit", args=(fits.pk,))).content.decode()
    url = reverse("demands:for_unit", args=(fits.pk,))
    assert url in edit
    response = client.get(url)
    content = response.content.decode()
    matched = [
        (r["match"].demand.merchant.name, r["match"].fits) for r in response.context["matches"]
    ]
    # McDonald's fast food at CSS fits; KFC's coffee for any provincial capital does not
    assert matched == [(mcd.name, True), (kfc.name, False)]
    assert "快餐 is designated on the unit" in content
    assert "is not designated on the unit" in content
    assert reverse("merchants:inspect", args=(mcd.pk,)) in content


def test_a_merchants_user_cannot_reach_a_units_demands(client, mcd_user, shops):
    fits, *_ = shops
    client.force_login(mcd_user)
    assert client.get(reverse("demands:for_unit", args=(fits.pk,))).status_code == 404


def test_a_unit_of_another_station_answers_404(client, shops, mcd):
    fits, _small, other, _planned = shops
    officer_css = speak_english(station_officer(fits.station, username="css-only"))
    client.force_login(officer_css)
    assert client.get(reverse("demands:for_unit", args=(other.pk,))).status_code == 404
    assert client.get(reverse("demands:for_unit", args=(fits.pk + 999,))).status_code == 404


def test_a_station_manager_gets_no_demand_link_on_the_unit(client, manager, shops, mcd):
    fits, *_ = shops
    client.force_login(manager)
    edit = client.get(reverse("units:edit", args=(fits.pk,))).content.decode()
    assert "data-cms-unit-demands" not in edit
    response = client.get(reverse("demands:for_unit", args=(fits.pk,)))
    assert response["Location"] == reverse("wagtailadmin_home")


def test_the_inspector_finds_the_link_on_the_units_inspect_page(client, inspector, shops, mcd):
    fits, *_ = shops
    client.force_login(inspector)
    page = client.get(reverse("units:inspect", args=(fits.pk,))).content.decode()
    assert reverse("demands:for_unit", args=(fits.pk,)) in page
    assert client.get(reverse("demands:for_unit", args=(fits.pk,))).status_code == 200


def test_the_matching_pages_ask_a_fixed_number_of_queries(
    client, officer, mcd, shops, css, django_assert_max_num_queries
):
    fits, *_ = shops
    demand = mcd.demands.get(business_type__code="fast-food")
    client.force_login(officer)
    urls = [
        reverse("demands:inspect", args=(demand.pk,)),
        reverse("demands:for_unit", args=(fits.pk,)),
    ]
    counts = []
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(60) as few:
            client.get(url)
        counts.append(len(few.captured_queries))
    for n in range(8):
        available(css, f"C{n:02d}", 60 + n * 12, 40, 10.0, business_types=["fast-food"])
        DemandFactory(merchant=MerchantFactory(), stations=[css.station])
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


# --- the home page ------------------------------------------------------------------------


def test_the_dashboard_shows_merchants_and_the_newest_demands(client, officer, mcd, kfc):
    from django.utils import timezone

    from tests.cms.merchant_fixtures import blacklist

    blacklist(kfc, recorded_on=timezone.localdate())
    client.force_login(officer)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Merchants and demands" in content
    assert 'data-cms-count="merchants">2<' in content
    assert 'data-cms-count="barred">1<' in content
    assert 'data-cms-count="active-demands">3<' in content
    assert content.count("data-cms-demand=") == 3


def test_a_station_manager_has_no_merchants_panel(client, manager, mcd):
    client.force_login(manager)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "cms-merchants" not in content
