"""Merchants: registration, particulars, members, brands, credit records and the credit bar;
who may do each, and who sees which merchant."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from audit.models import Entry
from stations import roles
from tenders import selectors, services
from tenders.models import Brand, CreditRecord, Merchant
from tests.factories import UserFactory, inspector
from tests.tenders.factories import (
    BrandFactory,
    MerchantFactory,
    credit_code,
    merchant_user,
    tender_inspector,
    tender_officer,
    with_check_character,
)

pytestmark = pytest.mark.django_db

CODE = "91350100M000100Y43"


def register(actor, **overrides):
    fields = {
        "name": "湖南麦当劳餐厅有限公司",
        "credit_code": CODE.lower(),
        "legal_form": Merchant.LegalForm.COMPANY,
        "registered_capital": Decimal("10000000"),
        "founded_on": dt.date(2005, 3, 1),
        "operation_mode": Merchant.OperationMode.DIRECT,
        "store_count": 120,
    }
    fields.update(overrides)
    return services.merchant_register(actor=actor, **fields)


def journal_count() -> int:
    return Entry.objects.count()


# --- registering ---------------------------------------------------------------------------


def test_a_portal_user_registers_its_company_and_becomes_its_member():
    user = UserFactory()

    merchant = register(
        user, brands=["麦当劳", {"name_zh": "麦咖啡", "business_types": ["coffee"]}]
    )

    assert merchant.credit_code == CODE
    assert merchant.registered_capital == Decimal("10000000.00")
    assert user.has_perm("tenders.act_for_merchant", merchant)
    assert user.groups.filter(name=roles.MERCHANT).exists()
    assert sorted(merchant.brands.values_list("name_zh", flat=True)) == ["麦咖啡", "麦当劳"]
    assert list(
        Brand.objects.get(name_zh="麦咖啡").business_types.values_list("code", flat=True)
    ) == ["coffee"]
    actions = list(Entry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["merchant.register", "merchant.add_member", "brand.add", "brand.add"]


def test_an_officer_registers_a_merchant_without_becoming_its_member():
    officer = tender_officer()

    merchant = register(officer, customer_rating=Decimal("4.8"))

    assert merchant.customer_rating == Decimal("4.80")
    assert not officer.groups.filter(name=roles.MERCHANT).exists()
    from guardian.shortcuts import get_users_with_perms

    assert list(get_users_with_perms(merchant)) == []


def test_a_holder_of_add_merchant_registers_for_others():
    clerk = UserFactory()
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="tenders", codename="add_merchant")
    )
    clerk = type(clerk).objects.get(pk=clerk.pk)

    merchant = register(clerk)

    assert not clerk.has_perm("tenders.act_for_merchant", merchant)


def test_railway_staff_may_not_register_a_company_for_themselves():
    before = journal_count()

    with pytest.raises(PermissionDenied) as exc:
        register(inspector())

    assert str(exc.value) == "You may not register a merchant."
    assert not Merchant.objects.exists()
    assert journal_count() == before


def test_a_merchant_may_not_rate_itself():
    with pytest.raises(PermissionDenied) as exc:
        register(UserFactory(), customer_rating=Decimal("5"))

    assert str(exc.value) == "Only a tender officer may set the customer rating."
    assert not Merchant.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "91350100M000100Y44",
            "Unified social credit code 91350100M000100Y44 check character is 4 but should be 3.",
        ),
        ("9135", "Unified social credit code 9135 must be 18 characters, not 4."),
    ],
)
def test_a_bad_credit_code_is_refused(code, message):
    before = journal_count()

    with pytest.raises(ValidationError) as exc:
        register(tender_officer(), credit_code=code)

    assert exc.value.message_dict == {"credit_code": [message]}
    assert not Merchant.objects.exists()
    assert journal_count() == before


def test_a_credit_code_already_registered_is_refused_naming_it():
    MerchantFactory(credit_code=CODE)
    before = journal_count()

    with pytest.raises(ValidationError) as exc:
        register(UserFactory(), credit_code=f" {CODE.lower()} ")

    assert exc.value.message_dict == {
        "credit_code": [f"A merchant with credit code {CODE} is already registered."]
    }
    assert Merchant.objects.count() == 1
    assert journal_count() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"legal_form": "sole"}, "legal_form", "Value 'sole' is not a valid choice."),
        ({"registered_capital": "lots"}, "registered_capital", "“lots” is not a number."),
        (
            {"registered_capital": Decimal("-1")},
            "registered_capital",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"founded_on": timezone.localdate() + dt.timedelta(days=1)},
            "founded_on",
            "The founding date cannot be in the future.",
        ),
        ({"name": "  "}, "name", "This field cannot be blank."),
    ],
)
def test_bad_particulars_are_refused_naming_the_field(overrides, field, message):
    user = UserFactory()

    with pytest.raises(ValidationError) as exc:
        register(user, **overrides)

    assert exc.value.message_dict[field] == [message]
    assert not Merchant.objects.exists()
    assert not user.groups.exists()
    assert journal_count() == 0


def test_a_duplicate_brand_at_registration_leaves_nothing():
    user = UserFactory()

    with pytest.raises(ValidationError) as exc:
        register(user, brands=["肯德基", "肯德基"])

    assert exc.value.message_dict == {
        "name_zh": ["湖南麦当劳餐厅有限公司 already has a brand 肯德基."]
    }
    assert not Merchant.objects.exists()
    assert not Brand.objects.exists()
    assert not user.groups.exists()
    assert journal_count() == 0


# --- updating and members ------------------------------------------------------------------


def test_a_member_updates_its_particulars_and_the_journal_keeps_both_sides():
    merchant = MerchantFactory(store_count=20)
    user = merchant_user(merchant)

    services.merchant_update(actor=user, merchant=merchant, store_count=25, contact_name="王经理")

    merchant.refresh_from_db()
    assert (merchant.store_count, merchant.contact_name) == (25, "王经理")
    entry = Entry.objects.get(action="merchant.update")
    assert entry.before["store_count"] == 20
    assert entry.after["store_count"] == 25


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("customer_rating", Decimal("5"), "customer rating (0–5)"),
        ("credit_code", credit_code(9999), "unified social credit code"),
    ],
)
def test_a_member_may_not_change_its_rating_or_code(field, value, label):
    merchant = MerchantFactory()
    before = getattr(merchant, field)

    with pytest.raises(PermissionDenied) as exc:
        services.merchant_update(
            actor=merchant_user(merchant), merchant=merchant, **{field: value}
        )

    assert str(exc.value) == f"Only a tender officer may change the {label}."
    merchant.refresh_from_db()
    assert getattr(merchant, field) == before
    assert journal_count() == 0


def test_an_officer_changes_the_rating():
    merchant = MerchantFactory(customer_rating=Decimal("4.50"))

    services.merchant_update(
        actor=tender_officer(), merchant=merchant, customer_rating=Decimal("3.9")
    )

    merchant.refresh_from_db()
    assert merchant.customer_rating == Decimal("3.90")


def test_an_update_to_a_taken_credit_code_is_refused():
    MerchantFactory(credit_code=CODE)
    merchant = MerchantFactory()

    with pytest.raises(ValidationError) as exc:
        services.merchant_update(actor=tender_officer(), merchant=merchant, credit_code=CODE)

    assert exc.value.message_dict == {
        "credit_code": [f"A merchant with credit code {CODE} is already registered."]
    }
    assert journal_count() == 0


def test_an_update_of_an_unknown_field_is_refused():
    merchant = MerchantFactory()

    with pytest.raises(ValidationError) as exc:
        services.merchant_update(actor=tender_officer(), merchant=merchant, created_at=None)

    assert exc.value.message_dict == {"created_at": ["This field cannot be changed here."]}


def test_a_rival_may_not_update_another_merchant():
    merchant = MerchantFactory(name="甲公司")
    rival = merchant_user(MerchantFactory())

    with pytest.raises(PermissionDenied) as exc:
        services.merchant_update(actor=rival, merchant=merchant, name="乙公司")

    assert str(exc.value) == "You may not act for merchant 甲公司."
    merchant.refresh_from_db()
    assert merchant.name == "甲公司"
    assert journal_count() == 0


def test_a_member_adds_a_colleague():
    merchant = MerchantFactory()
    colleague = UserFactory()

    services.merchant_add_member(actor=merchant_user(merchant), merchant=merchant, user=colleague)

    colleague = type(colleague).objects.get(pk=colleague.pk)
    assert colleague.has_perm("tenders.act_for_merchant", merchant)
    assert colleague.groups.filter(name=roles.MERCHANT).exists()
    assert Entry.objects.get(action="merchant.add_member").data["user"] == colleague.pk


def test_an_outsider_may_not_add_members():
    merchant = MerchantFactory(name="甲公司")
    outsider = UserFactory()

    with pytest.raises(PermissionDenied):
        services.merchant_add_member(actor=outsider, merchant=merchant, user=outsider)

    assert not outsider.has_perm("tenders.act_for_merchant", merchant)
    assert journal_count() == 0


def test_staff_cannot_be_made_a_member():
    merchant = MerchantFactory()
    staff = inspector()

    with pytest.raises(ValidationError) as exc:
        services.merchant_add_member(actor=tender_officer(), merchant=merchant, user=staff)

    assert exc.value.message_dict == {
        "user": [f"User {staff} is railway staff and cannot act for a merchant."]
    }
    assert journal_count() == 0


def test_a_member_cannot_be_added_twice():
    merchant = MerchantFactory(name="甲公司")
    user = merchant_user(merchant)

    with pytest.raises(ValidationError) as exc:
        services.merchant_add_member(actor=tender_officer(), merchant=merchant, user=user)

    assert exc.value.message_dict == {"user": [f"User {user} already acts for 甲公司."]}


def test_a_user_belongs_to_one_company():
    first = MerchantFactory(name="甲公司")
    user = merchant_user(first)
    other = MerchantFactory(name="乙公司")

    with pytest.raises(ValidationError) as added:
        services.merchant_add_member(actor=tender_officer(), merchant=other, user=user)
    assert added.value.message_dict == {
        "user": [f"User {user} belongs to 甲公司; a user acts for one company."]
    }
    with pytest.raises(ValidationError) as registered:
        register(user)
    assert registered.value.message_dict == {
        "user": [f"User {user} belongs to 甲公司; a user acts for one company."]
    }
    assert not user.has_perm("tenders.act_for_merchant", other)
    assert not Merchant.objects.filter(credit_code=CODE).exists()
    assert services.company_of(user) == first
    assert journal_count() == 0


# --- brands --------------------------------------------------------------------------------


def test_a_member_adds_a_brand_with_its_types():
    merchant = MerchantFactory()

    brand = services.brand_add(
        actor=merchant_user(merchant),
        merchant=merchant,
        name_zh="星巴克",
        name_en="Starbucks",
        business_types=["coffee", "bakery"],
    )

    assert sorted(brand.business_types.values_list("code", flat=True)) == ["bakery", "coffee"]
    assert Entry.objects.get(action="brand.add").after["business_types"] == ["coffee", "bakery"]


def test_a_brand_of_a_major_class_is_refused():
    merchant = MerchantFactory()

    with pytest.raises(ValidationError) as exc:
        services.brand_add(
            actor=None, merchant=merchant, name_zh="某品牌", business_types=["catering"]
        )

    assert exc.value.message_dict == {
        "business_types": [
            "餐饮 Catering is a major class; choose a specific business type within it."
        ]
    }
    assert not Brand.objects.exists()
    assert journal_count() == 0


def test_a_second_brand_of_the_same_name_is_refused():
    brand = BrandFactory(name_zh="肯德基")

    with pytest.raises(ValidationError) as exc:
        services.brand_add(actor=None, merchant=brand.merchant, name_zh="肯德基")

    assert exc.value.message_dict == {
        "name_zh": [f"{brand.merchant.name} already has a brand 肯德基."]
    }
    assert Brand.objects.count() == 1


def test_a_rival_may_not_add_a_brand():
    merchant = MerchantFactory()

    with pytest.raises(PermissionDenied):
        services.brand_add(
            actor=merchant_user(MerchantFactory()), merchant=merchant, name_zh="冒牌"
        )

    assert not Brand.objects.exists()


# --- credit records and the bar ------------------------------------------------------------


def test_an_officer_adds_a_credit_record():
    merchant = MerchantFactory()

    record = services.credit_record_add(
        actor=tender_officer(),
        merchant=merchant,
        kind=CreditRecord.Kind.BLACKLIST,
        source="信用中国",
        recorded_on=dt.date(2026, 1, 1),
        expires_on=dt.date(2027, 1, 1),
    )

    assert record.merchant == merchant
    entry = Entry.objects.get(action="credit_record.add")
    assert entry.after["expires_on"] == "2027-01-01"


@pytest.mark.parametrize("who", ["member", "inspector", "outsider"])
def test_only_an_officer_adds_credit_records(who):
    merchant = MerchantFactory()
    actor = {
        "member": lambda: merchant_user(merchant),
        "inspector": tender_inspector,
        "outsider": UserFactory,
    }[who]()

    with pytest.raises(PermissionDenied) as exc:
        services.credit_record_add(
            actor=actor,
            merchant=merchant,
            kind=CreditRecord.Kind.COMMENDATION,
            source="self",
            recorded_on=dt.date(2026, 1, 1),
        )

    assert str(exc.value) == "Only a tender officer may change credit records."
    assert not CreditRecord.objects.exists()
    assert journal_count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"expires_on": dt.date(2025, 12, 31)},
            "expires_on",
            "The expiry 2025-12-31 is before the record date 2026-01-01.",
        ),
        ({"kind": "praise"}, "kind", "Value 'praise' is not a valid choice."),
        ({"source": " "}, "source", "This field cannot be blank."),
    ],
)
def test_a_bad_credit_record_is_refused(fields, field, message):
    values = {
        "kind": CreditRecord.Kind.BLACKLIST,
        "source": "法院",
        "recorded_on": dt.date(2026, 1, 1),
    }
    values.update(fields)

    with pytest.raises(ValidationError) as exc:
        services.credit_record_add(actor=None, merchant=MerchantFactory(), **values)

    assert exc.value.message_dict[field] == [message]
    assert not CreditRecord.objects.exists()
    assert journal_count() == 0


def blacklist(merchant, recorded_on, expires_on=None, kind=CreditRecord.Kind.BLACKLIST):
    return services.credit_record_add(
        actor=None,
        merchant=merchant,
        kind=kind,
        source="最高人民法院失信名单",
        recorded_on=recorded_on,
        expires_on=expires_on,
    )


def test_a_blacklist_entry_bars_while_in_force_including_both_ends():
    merchant = MerchantFactory()
    record = blacklist(merchant, dt.date(2026, 1, 1), dt.date(2026, 6, 30))

    assert services.merchant_credit_bar(merchant, on=dt.date(2026, 1, 1)) == record
    assert services.merchant_credit_bar(merchant, on=dt.date(2026, 3, 15)) == record
    assert services.merchant_credit_bar(merchant, on=dt.date(2026, 6, 30)) == record


def test_an_expired_blacklist_entry_no_longer_bars():
    merchant = MerchantFactory()
    blacklist(merchant, dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    assert services.merchant_credit_bar(merchant, on=dt.date(2026, 1, 1)) is None


def test_a_future_blacklist_entry_does_not_bar_yet():
    merchant = MerchantFactory()
    blacklist(merchant, dt.date(2026, 7, 1))

    assert services.merchant_credit_bar(merchant, on=dt.date(2026, 6, 30)) is None
    assert services.merchant_credit_bar(merchant, on=dt.date(2030, 1, 1)) is not None


def test_warnings_do_not_bar_and_other_merchants_records_do_not_count():
    merchant = MerchantFactory()
    blacklist(merchant, dt.date(2026, 1, 1), kind=CreditRecord.Kind.WARNING)
    blacklist(MerchantFactory(), dt.date(2026, 1, 1))

    assert services.merchant_credit_bar(merchant, on=dt.date(2026, 2, 1)) is None


def test_the_latest_blacklist_entry_in_force_is_the_bar():
    merchant = MerchantFactory()
    blacklist(merchant, dt.date(2025, 1, 1))
    latest = blacklist(merchant, dt.date(2026, 1, 1), dt.date(2027, 1, 1))

    assert services.merchant_credit_bar(merchant, on=dt.date(2026, 2, 1)) == latest


# --- who sees which merchant ---------------------------------------------------------------


def test_a_merchant_user_sees_only_its_merchant_and_a_rival_gets_404():
    mine, theirs = MerchantFactory(), MerchantFactory()
    user = merchant_user(mine)

    assert list(selectors.merchants_for(user)) == [mine]
    assert selectors.get_merchant_for(user, mine.pk) == mine
    with pytest.raises(Http404) as forbidden:
        selectors.get_merchant_for(user, theirs.pk)
    with pytest.raises(Http404) as missing:
        selectors.get_merchant_for(user, 999999)
    assert str(forbidden.value) == str(missing.value) == "No such merchant."


def test_officers_and_inspectors_see_every_merchant():
    merchants = {MerchantFactory(), MerchantFactory()}

    assert set(selectors.merchants_for(tender_officer())) == merchants
    assert set(selectors.merchants_for(tender_inspector())) == merchants
    assert set(selectors.merchants_for(None)) == merchants


def test_a_user_of_no_merchant_and_an_inactive_member_see_none():
    merchant = MerchantFactory()
    former = merchant_user(merchant)
    former.is_active = False
    former.save()

    assert not selectors.merchants_for(UserFactory()).exists()
    assert not selectors.merchants_for(former).exists()
    assert not selectors.merchants_for(UserFactory(roles=[roles.COMMITTEE_MEMBER])).exists()


def test_check_character_helper_makes_valid_codes():
    assert services.normalise_credit_code(with_check_character("91350100M000100Y4")) == CODE


def test_an_inactive_user_cannot_be_made_a_member():
    merchant = MerchantFactory()
    former = UserFactory(is_active=False)

    with pytest.raises(ValidationError) as exc:
        services.merchant_add_member(actor=tender_officer(), merchant=merchant, user=former)

    assert exc.value.message_dict == {"user": [f"User {former} is inactive."]}
    assert not former.groups.exists()
    assert journal_count() == 0


def test_a_brand_of_an_unknown_type_is_refused():
    merchant = MerchantFactory()

    with pytest.raises(ValidationError) as exc:
        services.brand_add(actor=None, merchant=merchant, name_zh="某品牌", business_types=["zoo"])

    assert exc.value.message_dict == {"business_types": ["“zoo” is not a business type."]}
    assert not Brand.objects.exists()
