"""Factories for merchants, brands, demands and the users who act for them or run tenders."""

import datetime as dt
import random
from decimal import Decimal

import factory
from django.contrib.auth.models import Permission, User
from guardian.shortcuts import assign_perm

from stations import roles
from stations.models import BusinessCategory
from tenders import pipeline
from tenders.credit_code import ALPHABET, check_character
from tenders.models import Brand, Demand, Merchant
from tests.factories import UserFactory


def credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each ``n``."""
    rng = random.Random(n)
    organisation = "".join(rng.choice(ALPHABET) for _ in range(9))
    first17 = f"91{430100 + n % 100:06d}{organisation}"
    return first17 + check_character(first17)


def with_check_character(first17: str) -> str:
    return first17 + check_character(first17)


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"测试商贸有限公司{n}")
    credit_code = factory.Sequence(credit_code)
    legal_form = Merchant.LegalForm.COMPANY
    registered_capital = Decimal("5000000.00")
    founded_on = dt.date(2010, 1, 1)
    operation_mode = Merchant.OperationMode.DIRECT
    store_count = 20
    customer_rating = Decimal("4.50")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    merchant = factory.SubFactory(MerchantFactory)
    name_zh = factory.Sequence(lambda n: f"品牌{n}")
    name_en = factory.Sequence(lambda n: f"Brand {n}")


def business_type(code: str = "coffee") -> BusinessCategory:
    return BusinessCategory.objects.get(code=code)


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    business_type = factory.LazyFunction(business_type)
    area_min_m2 = Decimal("40.00")
    area_max_m2 = Decimal("60.00")
    intended_rent_m2_month = Decimal("300.00")
    lease_mode = Demand.LeaseMode.FIXED
    term_months = 36

    @factory.post_generation
    def stations(self, create, extracted, **kwargs):
        if create and extracted:
            self.stations.set(extracted)
            # As demand_create does: the pipeline report counts the demand at each station.
            pipeline.count("demands", [(station.pk, self.created_at) for station in extracted])


def merchant_user(merchant: Merchant, **kwargs) -> User:
    """A portal user who acts for ``merchant`` (act_for_merchant on it, "merchant" group)."""
    user = UserFactory(roles=[roles.MERCHANT], **kwargs)
    assign_perm("tenders.act_for_merchant", user, merchant)
    return User.objects.get(pk=user.pk)


def tender_officer(**kwargs) -> User:
    """A leasing officer who runs tender rounds (global run_round)."""
    user = UserFactory(roles=[roles.LEASING_OFFICER], **kwargs)
    user.user_permissions.add(Permission.objects.get(codename="run_round"))
    return User.objects.get(pk=user.pk)


def tender_inspector(**kwargs) -> User:
    """A discipline inspector who reads every merchant (global view_merchant)."""
    user = UserFactory(roles=[roles.DISCIPLINE_INSPECTOR], **kwargs)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="tenders", codename="view_merchant")
    )
    return User.objects.get(pk=user.pk)
