"""The merchant screens: who sees which company, the list and its filters, the company's page,
and every form through its service — a refusal shows the service's message on its field and
saves nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from audit.models import Entry
from cms.merchant_viewsets import credit_bar_in_force
from stations import roles
from tenders import services
from tenders.models import Brand, CreditRecord, Merchant
from tests.cms.merchant_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.merchant_fixtures import blacklist, field_errors, messages_of
from tests.factories import UserFactory
from tests.tenders.factories import BrandFactory, MerchantFactory, credit_code, merchant_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def names(response) -> list[str]:
    return [m.name for m in response.context["object_list"]]


def merchant_post(**changes) -> dict:
    data = {
        "name": "湖南新华书店有限责任公司",
        "credit_code": credit_code(7),
        "legal_form": "company",
        "registered_capital": "20000000",
        "founded_on": "1998-06-01",
        "operation_mode": "direct",
        "store_count": "120",
        "customer_rating": "4.6",
        "contact_name": "刘经理",
        "contact_phone": "0731-8888 0000",
        "brands": "新华书店\n新华文创",
    }
    data.update(changes)
    return data


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- the list -----------------------------------------------------------------------------


def test_the_officer_lists_every_merchant_with_brands_demands_and_credit_bar(
    client, officer, mcd, kfc
):
    blacklist(kfc, recorded_on=TODAY() - dt.timedelta(days=10))
    client.force_login(officer)
    response = client.get(reverse("merchants:index"))
    content = response.content.decode()
    assert sorted(names(response)) == sorted([mcd.name, kfc.name])
    assert "91350100M000100Y43" in content
    assert "麦当劳" in content and "肯德基" in content  # the brands
    assert "5,000,000.00" in content  # registered capital, grouped
    assert content.count("data-cms-barred") == 1
    assert reverse("merchants:inspect", args=(mcd.pk,)) in content
    assert f'href="{reverse("merchants:add")}"' in content
    row = {m.pk: m for m in response.context["object_list"]}
    assert row[mcd.pk].active_demands == 2 and not row[mcd.pk].barred
    assert row[kfc.pk].barred


def test_the_list_searches_by_name_or_credit_code_and_filters(client, officer, mcd, kfc):
    blacklist(kfc, recorded_on=TODAY())
    client.force_login(officer)
    url = reverse("merchants:index")
    assert names(client.get(url, {"q": "麦当劳"})) == [mcd.name]
    assert names(client.get(url, {"q": "91350100m000100"})) == [mcd.name]
    assert names(client.get(url, {"operation_mode": "franchise"})) == [kfc.name]
    assert names(client.get(url, {"legal_form": "individual"})) == []
    assert names(client.get(url, {"barred": "true"})) == [kfc.name]
    assert names(client.get(url, {"barred": "false"})) == [mcd.name]


def test_the_merchant_list_asks_as_many_queries_for_many_merchants_as_for_few(
    client, officer, mcd, django_assert_max_num_queries
):
    client.force_login(officer)
    url = reverse("merchants:index")
    client.get(url)  # warm the caches (content types, the user's profile)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _n in range(15):
        merchant = MerchantFactory()
        BrandFactory(merchant=merchant)
        BrandFactory(merchant=merchant)
        blacklist(merchant, recorded_on=TODAY())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["object_list"]) == 16


@pytest.mark.parametrize(
    ("recorded", "expires", "on", "barred"),
    [
        (0, None, 0, True),  # recorded today, no expiry
        (1, None, 0, False),  # recorded tomorrow: not yet
        (-30, 0, 0, True),  # expires today: still in force
        (-30, -1, 0, False),  # expired yesterday
        (-30, 10, 0, True),
    ],
)
def test_the_lists_bar_agrees_with_the_service(mcd, recorded, expires, on, barred):
    today = TODAY()

    def day(n):
        return None if n is None else today + dt.timedelta(days=n)

    blacklist(mcd, recorded_on=day(recorded), expires_on=day(expires))
    services.credit_record_add(
        actor=None, merchant=mcd, kind="warning", source="x", recorded_on=today
    )
    listed = Merchant.objects.annotate(barred=credit_bar_in_force(day(on))).get(pk=mcd.pk)
    assert listed.barred is barred
    assert (services.merchant_credit_bar(mcd, on=day(on)) is not None) is barred


# --- the company's page -------------------------------------------------------------------


def test_the_company_page_shows_brands_credit_members_and_demands(client, officer, mcd, mcd_user):
    old = services.credit_record_add(
        actor=None,
        merchant=mcd,
        kind="blacklist",
        source="旧记录",
        recorded_on=TODAY() - dt.timedelta(days=400),
        expires_on=TODAY() - dt.timedelta(days=35),
    )
    bar = blacklist(mcd, recorded_on=TODAY() - dt.timedelta(days=5), source="信用中国")
    client.force_login(officer)
    content = page(client, reverse("merchants:inspect", args=(mcd.pk,)))
    assert "Barred from tendering: a blacklist entry is in force." in content
    assert "Recorded by 信用中国 on" in content and "with no expiry" in content
    assert f'data-cms-credit-record="{bar.pk}"' in content
    in_force_row = content.split(f'data-cms-credit-record="{bar.pk}"')[1].split("</tr>")[0]
    old_row = content.split(f'data-cms-credit-record="{old.pk}"')[1].split("</tr>")[0]
    assert "data-cms-in-force" in in_force_row and "data-cms-in-force" not in old_row
    assert "McDonald&#x27;s" in content and "Fast food" in content  # the brand and its type
    assert "mcd-user" in content  # the member
    assert content.count("data-cms-demand=") == 2
    assert "5,000,000.00" in content and "91350100M000100Y43" in content
    for name in ("add_brand", "add_credit_record", "add_member"):
        assert reverse(f"merchants:{name}", args=(mcd.pk,)) in content
    assert reverse("merchants:edit", args=(mcd.pk,)) in content
    assert reverse("demands:add") + f"?merchant={mcd.pk}" in content


def test_a_merchant_without_a_bar_has_no_notice(client, officer, mcd):
    blacklist(
        mcd, recorded_on=TODAY() - dt.timedelta(days=30), expires_on=TODAY() - dt.timedelta(1)
    )
    client.force_login(officer)
    content = page(client, reverse("merchants:inspect", args=(mcd.pk,)))
    assert "data-cms-credit-bar" not in content
    assert "data-cms-in-force" not in content


def test_the_company_page_asks_a_fixed_number_of_queries(
    client, officer, mcd, django_assert_max_num_queries
):
    client.force_login(officer)
    url = reverse("merchants:inspect", args=(mcd.pk,))
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(6):
        BrandFactory(merchant=mcd)
        blacklist(mcd, recorded_on=TODAY() - dt.timedelta(days=n))
        merchant_user(mcd, username=f"colleague{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# --- who sees what ------------------------------------------------------------------------


def test_a_merchants_user_sees_only_its_company(client, mcd_user, mcd, kfc):
    client.force_login(mcd_user)
    assert names(client.get(reverse("merchants:index"))) == [mcd.name]
    content = page(client, reverse("merchants:inspect", args=(mcd.pk,)))
    assert reverse("merchants:add_brand", args=(mcd.pk,)) in content
    assert reverse("merchants:add_credit_record", args=(mcd.pk,)) not in content  # officers'
    assert f'href="{reverse("merchants:add")}"' not in page(client, reverse("merchants:index"))


@pytest.mark.parametrize("name", ["inspect", "edit", "add_brand", "add_member"])
def test_another_merchants_company_answers_404_to_a_merchants_user(client, mcd_user, kfc, name):
    client.force_login(mcd_user)
    url = reverse(f"merchants:{name}", args=(kfc.pk,))
    assert client.get(url).status_code == 404
    assert client.post(url, {"name_zh": "偷", "user": "mcd-user"}).status_code == 404
    missing = reverse(f"merchants:{name}", args=(kfc.pk + 1000,))
    assert client.get(missing).status_code == 404


def test_a_merchants_user_without_admin_access_meets_the_login_page(client, mcd):
    user = merchant_user(mcd, username="portal-only")
    client.force_login(user)
    for url in (
        reverse("merchants:index"),
        reverse("merchants:inspect", args=(mcd.pk,)),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_anonymous_visitors_are_sent_to_the_login_page(client, mcd):
    for url in (
        reverse("merchants:index"),
        reverse("merchants:add"),
        reverse("merchants:inspect", args=(mcd.pk,)),
        reverse("merchants:edit", args=(mcd.pk,)),
        reverse("merchants:add_credit_record", args=(mcd.pk,)),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login")), url


@pytest.mark.parametrize("role", [roles.STATION_MANAGER, roles.COMMITTEE_MEMBER])
def test_people_without_a_tender_role_see_no_merchant(client, mcd, role):
    client.force_login(UserFactory(roles=[role]))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "merchants/" not in home and "Merchants and demands" not in home
    response = client.get(reverse("merchants:index"))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    inspect = client.get(reverse("merchants:inspect", args=(mcd.pk,)))
    assert inspect.status_code in (302, 404)


def test_the_officer_has_the_merchants_menu(client, officer, mcd):
    client.force_login(officer)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Merchants and demands" in home
    assert reverse("merchants:index") in home and reverse("demands:import") in home


def test_the_inspector_reads_every_company_and_is_offered_nothing_to_change(
    client, inspector, mcd, kfc
):
    client.force_login(inspector)
    listing = client.get(reverse("merchants:index"))
    assert sorted(names(listing)) == sorted([mcd.name, kfc.name])
    assert f'href="{reverse("merchants:add")}"' not in listing.content.decode()
    content = page(client, reverse("merchants:inspect", args=(mcd.pk,)))
    for url in (
        reverse("merchants:edit", args=(mcd.pk,)),
        reverse("merchants:add_brand", args=(mcd.pk,)),
        reverse("merchants:add_credit_record", args=(mcd.pk,)),
        reverse("merchants:add_member", args=(mcd.pk,)),
        reverse("demands:add"),
    ):
        assert url not in content, url


def test_the_inspector_changes_nothing(client, inspector, mcd):
    client.force_login(inspector)
    entries, merchants, brands = (
        Entry.objects.count(),
        Merchant.objects.count(),
        Brand.objects.count(),
    )
    home = reverse("wagtailadmin_home")
    posts = {
        reverse("merchants:add"): merchant_post(),
        reverse("merchants:edit", args=(mcd.pk,)): merchant_post(name="改名"),
        reverse("merchants:add_brand", args=(mcd.pk,)): {"name_zh": "麦咖啡"},
        reverse("merchants:add_credit_record", args=(mcd.pk,)): {
            "kind": "blacklist",
            "source": "x",
            "recorded_on": "2026-01-01",
        },
        reverse("merchants:add_member", args=(mcd.pk,)): {"user": "discipline"},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"] == home, url
    mcd.refresh_from_db()
    assert mcd.name == "麦当劳（中国）有限公司"
    assert (Entry.objects.count(), Merchant.objects.count(), Brand.objects.count()) == (
        entries,
        merchants,
        brands,
    )
    assert not CreditRecord.objects.exists()


# --- registering and changing a merchant ----------------------------------------------------


def test_the_officer_registers_a_merchant_through_the_service(client, officer):
    client.force_login(officer)
    response = client.post(reverse("merchants:add"), merchant_post())
    merchant = Merchant.objects.get(credit_code=credit_code(7))
    assert response.status_code == 302
    assert response["Location"] == reverse("merchants:inspect", args=(merchant.pk,))
    assert merchant.registered_capital == Decimal("20000000.00")
    assert merchant.customer_rating == Decimal("4.60")
    assert set(merchant.brands.values_list("name_zh", flat=True)) == {"新华书店", "新华文创"}
    entry = Entry.objects.get(action="merchant.register", target_id=str(merchant.pk))
    assert entry.actor_id == officer.pk
    assert Entry.objects.filter(action="brand.add").count() == 2
    # an officer registers for the merchant and does not become one of its users
    assert not get_users_with_perms(merchant, only_with_perms_in=["act_for_merchant"])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"credit_code": "91350100M000100Y44"},
            "credit_code",
            "check character is 4 but should be 3",
        ),
        (
            {"credit_code": "91350100M000100Y43"},
            "credit_code",
            "A merchant with credit code 91350100M000100Y43 is already registered.",
        ),
        ({"founded_on": "2999-01-01"}, "founded_on", "The founding date cannot be in the future."),
        ({"customer_rating": "6"}, "customer_rating", "less than or equal to 5"),
        ({"registered_capital": "lots"}, "registered_capital", "Enter a number."),
        ({"brands": "新华书店\n新华书店"}, "brands", "already has a brand 新华书店"),
    ],
)
def test_a_bad_registration_shows_the_message_and_saves_nothing(
    client, officer, mcd, changes, field, message
):
    client.force_login(officer)
    merchants, entries, brands = (
        Merchant.objects.count(),
        Entry.objects.count(),
        Brand.objects.count(),
    )
    response = client.post(reverse("merchants:add"), merchant_post(**changes))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert any(message in e for e in errors), response.context["form"].errors
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert (Merchant.objects.count(), Entry.objects.count(), Brand.objects.count()) == (
        merchants,
        entries,
        brands,
    )


def test_the_officer_changes_a_merchant_through_the_service(client, officer, mcd):
    client.force_login(officer)
    response = client.post(
        reverse("merchants:edit", args=(mcd.pk,)),
        merchant_post(
            name="麦当劳（中国）有限公司",
            credit_code="91350100M000100Y43",
            store_count="300",
            customer_rating="4.8",
        ),
    )
    assert response.status_code == 302
    mcd.refresh_from_db()
    assert (mcd.store_count, mcd.customer_rating) == (300, Decimal("4.80"))
    entry = Entry.objects.get(action="merchant.update", target_id=str(mcd.pk))
    assert entry.before["store_count"] == 20 and entry.after["store_count"] == 300


def test_a_refused_change_keeps_the_merchant_as_it_was(client, officer, mcd, kfc):
    client.force_login(officer)
    entries = Entry.objects.count()
    response = client.post(
        reverse("merchants:edit", args=(mcd.pk,)),
        merchant_post(name="改名", credit_code=kfc.credit_code),
    )
    assert response.status_code == 200
    assert (
        f"A merchant with credit code {kfc.credit_code} is already registered."
        in (response.context["form"].errors["credit_code"])
    )
    mcd.refresh_from_db()
    assert mcd.name == "麦当劳（中国）有限公司" and Entry.objects.count() == entries


def test_a_merchants_user_cannot_change_its_code_or_rating(client, mcd_user, mcd):
    client.force_login(mcd_user)
    form = client.get(reverse("merchants:edit", args=(mcd.pk,))).context["form"]
    assert form.fields["credit_code"].disabled and form.fields["customer_rating"].disabled
    assert not form.fields["name"].disabled
    response = client.post(
        reverse("merchants:edit", args=(mcd.pk,)),
        merchant_post(
            name="麦当劳中国", credit_code=credit_code(99), customer_rating="5", store_count="25"
        ),
    )
    assert response.status_code == 302
    mcd.refresh_from_db()
    assert (mcd.name, mcd.store_count) == ("麦当劳中国", 25)
    assert (mcd.credit_code, mcd.customer_rating) == ("91350100M000100Y43", Decimal("4.50"))


def test_the_forms_have_no_time_or_status_field(client, officer, mcd):
    client.force_login(officer)
    form = client.get(reverse("merchants:edit", args=(mcd.pk,))).context["form"]
    assert "created_at" not in form.fields


# --- brands, credit records and members -----------------------------------------------------


def test_a_brand_is_added_through_the_service(client, mcd_user, mcd):
    client.force_login(mcd_user)
    response = client.post(
        reverse("merchants:add_brand", args=(mcd.pk,)),
        {"name_zh": "麦咖啡", "name_en": "McCafé", "business_types": ["coffee", "bakery"]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("merchants:inspect", args=(mcd.pk,))
    brand = mcd.brands.get(name_zh="麦咖啡")
    assert sorted(brand.business_types.values_list("code", flat=True)) == ["bakery", "coffee"]
    assert "Brand 麦咖啡 McCafé added to 麦当劳（中国）有限公司." in messages_of(response)
    assert Entry.objects.get(action="brand.add", target_id=str(brand.pk)).actor_id == mcd_user.pk


def test_a_brand_form_offers_specific_types_only(client, officer, mcd):
    client.force_login(officer)
    form = client.get(reverse("merchants:add_brand", args=(mcd.pk,))).context["form"]
    codes = [
        code for _group, options in form.fields["business_types"].choices for code, _ in options
    ]
    assert "coffee" in codes and "catering" not in codes


def test_a_duplicate_brand_is_refused_on_its_name_and_nothing_saved(client, officer, mcd):
    client.force_login(officer)
    brands, entries = Brand.objects.count(), Entry.objects.count()
    response = client.post(reverse("merchants:add_brand", args=(mcd.pk,)), {"name_zh": "麦当劳"})
    assert response.status_code == 200
    assert response.context["form"].errors["name_zh"] == [
        "麦当劳（中国）有限公司 already has a brand 麦当劳."
    ]
    assert "Nothing was saved" in response.content.decode()
    assert (Brand.objects.count(), Entry.objects.count()) == (brands, entries)


def test_an_empty_brand_name_is_refused(client, officer, mcd):
    client.force_login(officer)
    response = client.post(reverse("merchants:add_brand", args=(mcd.pk,)), {"name_zh": " "})
    assert field_errors(response, "name_zh") == ["This field is required."]


def test_the_officer_adds_a_blacklist_entry_and_the_merchant_is_barred(client, officer, mcd):
    client.force_login(officer)
    response = client.post(
        reverse("merchants:add_credit_record", args=(mcd.pk,)),
        {
            "kind": "blacklist",
            "source": "信用中国",
            "recorded_on": TODAY().isoformat(),
            "expires_on": (TODAY() + dt.timedelta(days=365)).isoformat(),
            "note": "失信被执行人",
        },
    )
    assert response.status_code == 302
    record = mcd.credit_records.get()
    assert (record.kind, record.note) == ("blacklist", "失信被执行人")
    assert Entry.objects.get(action="credit_record.add").actor_id == officer.pk
    listing = client.get(reverse("merchants:index"), {"barred": "true"})
    assert names(listing) == [mcd.name]


def test_a_credit_record_expiring_before_it_is_recorded_is_refused(client, officer, mcd):
    client.force_login(officer)
    entries = Entry.objects.count()
    response = client.post(
        reverse("merchants:add_credit_record", args=(mcd.pk,)),
        {
            "kind": "warning",
            "source": "站区巡查",
            "recorded_on": "2026-03-01",
            "expires_on": "2026-02-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expires_on"] == [
        "The expiry 2026-02-01 is before the record date 2026-03-01."
    ]
    assert not CreditRecord.objects.exists() and Entry.objects.count() == entries


def test_a_credit_record_needs_a_date_and_a_source(client, officer, mcd):
    client.force_login(officer)
    response = client.post(
        reverse("merchants:add_credit_record", args=(mcd.pk,)),
        {"kind": "warning", "source": "", "recorded_on": "not a date"},
    )
    assert field_errors(response, "source") == ["This field is required."]
    assert field_errors(response, "recorded_on") == ["Enter a valid date."]
    assert not CreditRecord.objects.exists()


def test_a_merchants_user_keeps_no_credit_record(client, mcd_user, mcd):
    client.force_login(mcd_user)
    url = reverse("merchants:add_credit_record", args=(mcd.pk,))
    assert client.get(url)["Location"] == reverse("wagtailadmin_home")
    response = client.post(
        url, {"kind": "commendation", "source": "自评", "recorded_on": "2026-01-01"}
    )
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not CreditRecord.objects.exists()


def test_a_member_is_added_through_the_service(client, officer, mcd):
    colleague = UserFactory(username="mcd-colleague")
    client.force_login(officer)
    response = client.post(
        reverse("merchants:add_member", args=(mcd.pk,)), {"user": "mcd-colleague"}
    )
    assert response.status_code == 302
    assert "mcd-colleague now acts for 麦当劳（中国）有限公司." in messages_of(response)
    assert colleague in get_users_with_perms(mcd, only_with_perms_in=["act_for_merchant"])
    assert Entry.objects.filter(action="merchant.add_member").count() == 1


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "There is no user named “nobody”."),
        (
            "network-officer",
            "User network-officer is railway staff and cannot act for a merchant.",
        ),
        ("mcd-user", "User mcd-user already acts for 麦当劳（中国）有限公司."),
    ],
)
def test_a_member_who_cannot_be_added_is_refused_with_the_reason(
    client, officer, mcd, mcd_user, username, message
):
    client.force_login(officer)
    entries = Entry.objects.count()
    response = client.post(reverse("merchants:add_member", args=(mcd.pk,)), {"user": username})
    assert response.status_code == 200
    assert response.context["form"].errors["user"] == [message]
    assert Entry.objects.count() == entries


def test_the_back_office_shows_merchants_in_chinese_by_default(client, mcd):
    from tests.factories import officer as make_officer

    client.force_login(make_officer(username="chinese-speaker"))
    listing = client.get(reverse("merchants:index")).content.decode()
    assert "统一社会信用代码" in listing and "注册资本" in listing
    content = client.get(reverse("merchants:inspect", args=(mcd.pk,))).content.decode()
    assert "品牌" in content and "信用记录" in content and "需求" in content
