"""Applications: every threshold checked with its reason, the window, resubmission, decisions."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Entry
from stations import roles
from tenders.applications import application_checks, application_decide, application_submit
from tenders.models import Application, CreditRecord, Merchant, TenderRound
from tests.factories import UserFactory
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import add_lot, make_round, published_round

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
ON = dt.date(2026, 3, 5)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer_user():
    return UserFactory(roles=[roles.LEASING_OFFICER])


NO_THRESHOLDS = {
    "min_registered_capital": Decimal("0"),
    "min_years_in_business": 0,
    "min_store_count": 0,
    "company_only": False,
    "direct_only": False,
    "no_credit_bar": False,
    "min_customer_rating": None,
}


def _only(**threshold):
    """A draft round checking only ``threshold``."""
    return make_round(**{**NO_THRESHOLDS, **threshold})


def _one_check(round_obj, merchant, on=ON) -> dict:
    (check,) = application_checks(round_obj, merchant, on=on)
    return check


# --- each threshold -----------------------------------------------------------------------


def test_round_without_thresholds_checks_nothing(clock):
    assert application_checks(make_round(**NO_THRESHOLDS), MerchantFactory(), on=ON) == []


def test_registered_capital_below_the_minimum_fails(clock):
    merchant = MerchantFactory(registered_capital=Decimal("500000.00"))
    check = _one_check(_only(min_registered_capital=Decimal("1000000.00")), merchant)
    assert check == {
        "threshold": "registered_capital",
        "passed": False,
        "required": "1,000,000.00 CNY",
        "actual": "500,000.00 CNY",
        "reason": "registered capital 500,000.00 CNY is below the required 1,000,000.00 CNY",
    }


def test_registered_capital_at_the_minimum_passes(clock):
    merchant = MerchantFactory(registered_capital=Decimal("1000000.00"))
    check = _one_check(_only(min_registered_capital=Decimal("1000000.00")), merchant)
    assert check["passed"] is True
    assert check["reason"] == (
        "registered capital 1,000,000.00 CNY meets the required 1,000,000.00 CNY"
    )


@pytest.mark.parametrize(
    ("on", "passed", "reason"),
    [
        (
            dt.date(2026, 3, 2),
            False,
            "2 years in business (founded 2023-03-03), fewer than the required 3",
        ),
        (
            dt.date(2026, 3, 3),
            True,
            "3 years in business (founded 2023-03-03), at least the required 3",
        ),
    ],
)
def test_years_in_business_count_from_the_founding_date(clock, on, passed, reason):
    merchant = MerchantFactory(founded_on=dt.date(2023, 3, 3))
    check = _one_check(_only(min_years_in_business=3), merchant, on=on)
    assert (check["threshold"], check["passed"], check["reason"]) == (
        "years_in_business",
        passed,
        reason,
    )


@pytest.mark.parametrize(
    ("stores", "passed", "reason"),
    [
        (9, False, "operates 9 stores, fewer than the required 10"),
        (10, True, "operates 10 stores, at least the required 10"),
    ],
)
def test_store_count(clock, stores, passed, reason):
    check = _one_check(_only(min_store_count=10), MerchantFactory(store_count=stores))
    assert (check["threshold"], check["passed"], check["reason"]) == (
        "store_count",
        passed,
        reason,
    )


@pytest.mark.parametrize(
    ("form", "passed", "reason"),
    [
        (Merchant.LegalForm.COMPANY, True, "registered as a company"),
        (Merchant.LegalForm.INDIVIDUAL, False, "individual businesses are not admitted"),
        (Merchant.LegalForm.OTHER, False, "only companies are admitted, not “Other”"),
    ],
)
def test_companies_only(clock, form, passed, reason):
    check = _one_check(_only(company_only=True), MerchantFactory(legal_form=form))
    assert (check["threshold"], check["passed"], check["reason"]) == ("legal_form", passed, reason)


@pytest.mark.parametrize(
    ("mode", "passed", "reason"),
    [
        (Merchant.OperationMode.DIRECT, True, "the brand operates directly"),
        (
            Merchant.OperationMode.FRANCHISE,
            False,
            "franchisees are not admitted: only brands operating directly",
        ),
    ],
)
def test_direct_operation_only(clock, mode, passed, reason):
    check = _one_check(_only(direct_only=True), MerchantFactory(operation_mode=mode))
    assert (check["threshold"], check["passed"], check["reason"]) == (
        "operation_mode",
        passed,
        reason,
    )


def _record(merchant, kind=CreditRecord.Kind.BLACKLIST, **fields):
    return CreditRecord.objects.create(
        merchant=merchant,
        kind=kind,
        source=fields.pop("source", "信用中国"),
        recorded_on=fields.pop("recorded_on", dt.date(2025, 6, 1)),
        **fields,
    )


def test_blacklist_in_force_fails_with_its_source_and_end(clock):
    merchant = MerchantFactory()
    _record(merchant, expires_on=ON)
    check = _one_check(_only(no_credit_bar=True), merchant)
    assert (check["threshold"], check["passed"], check["reason"]) == (
        "credit",
        False,
        "blacklisted by 信用中国 until 2026-03-05",
    )


def test_blacklist_without_an_end_fails(clock):
    merchant = MerchantFactory()
    _record(merchant, source="Railway group")
    check = _one_check(_only(no_credit_bar=True), merchant)
    assert check["reason"] == "blacklisted by Railway group with no end date"
    assert check["passed"] is False


@pytest.mark.parametrize(
    ("kind", "expires_on"),
    [
        (CreditRecord.Kind.BLACKLIST, dt.date(2026, 3, 4)),
        (CreditRecord.Kind.WARNING, None),
    ],
)
def test_an_expired_blacklist_or_a_warning_does_not_bar(clock, kind, expires_on):
    merchant = MerchantFactory()
    _record(merchant, kind=kind, expires_on=expires_on)
    check = _one_check(_only(no_credit_bar=True), merchant)
    assert (check["passed"], check["reason"]) == (True, "no blacklist entry in force")


@pytest.mark.parametrize(
    ("rating", "passed", "reason"),
    [
        (None, False, "no customer rating"),
        (Decimal("3.99"), False, "customer rating 3.99 is below the required 4.00"),
        (Decimal("4.00"), True, "customer rating 4.00 meets the required 4.00"),
    ],
)
def test_customer_rating(clock, rating, passed, reason):
    check = _one_check(
        _only(min_customer_rating=Decimal("4.00")), MerchantFactory(customer_rating=rating)
    )
    assert (check["threshold"], check["passed"], check["reason"]) == (
        "customer_rating",
        passed,
        reason,
    )


# --- submission ---------------------------------------------------------------------------


def _open_round(clock, **thresholds):
    round_obj = published_round(**thresholds)
    clock.move_to(round_obj.application_opens_at)
    return round_obj


def _submit(round_obj, merchant, user=None, lots=None):
    return application_submit(
        actor=user if user is not None else merchant_user(merchant),
        round=round_obj,
        merchant=merchant,
        lots=lots if lots is not None else list(round_obj.lots.all()),
    )


def test_submission_runs_every_threshold_and_stores_the_results(clock):
    round_obj = _open_round(clock, min_registered_capital=Decimal("1000000.00"))
    merchant = MerchantFactory(
        registered_capital=Decimal("500000.00"), operation_mode=Merchant.OperationMode.FRANCHISE
    )
    user = merchant_user(merchant)

    application = _submit(round_obj, merchant, user)

    failed = {c["threshold"]: c["reason"] for c in application.checks if not c["passed"]}
    assert failed == {
        "registered_capital": (
            "registered capital 500,000.00 CNY is below the required 1,000,000.00 CNY"
        ),
        "operation_mode": "franchisees are not admitted: only brands operating directly",
    }
    assert [c["threshold"] for c in application.checks] == [
        "registered_capital",
        "legal_form",
        "operation_mode",
        "credit",
    ]
    assert application.status == Application.Status.PENDING
    assert application.submitted_at == round_obj.application_opens_at
    assert application.submitted_by == user
    entry = Entry.objects.get(action="application.submit")
    assert entry.after["checks"] == application.checks


def test_a_user_of_another_merchant_may_not_apply(clock):
    round_obj = _open_round(clock)
    merchant = MerchantFactory()
    rival = merchant_user(MerchantFactory())
    with pytest.raises(PermissionDenied, match=f"You may not act for {merchant.name}"):
        _submit(round_obj, merchant, rival)
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (-dt.timedelta(microseconds=1), False),
        (dt.timedelta(0), True),
    ],
)
def test_the_window_opens_exactly_at_its_time(clock, offset, accepted):
    round_obj = published_round()
    clock.move_to(round_obj.application_opens_at + offset)
    merchant = MerchantFactory()
    if accepted:
        assert _submit(round_obj, merchant).pk
    else:
        with pytest.raises(ValidationError) as excinfo:
            _submit(round_obj, merchant)
        assert excinfo.value.messages == [
            f"Applications for round {round_obj.code} open at 2026-03-03 10:00."
        ]
        assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (-dt.timedelta(microseconds=1), True),
        (dt.timedelta(0), False),
    ],
)
def test_the_window_closes_exactly_at_its_time(clock, offset, accepted):
    round_obj = published_round()
    clock.move_to(round_obj.application_closes_at + offset)
    merchant = MerchantFactory()
    if accepted:
        assert _submit(round_obj, merchant).pk
    else:
        with pytest.raises(ValidationError) as excinfo:
            _submit(round_obj, merchant)
        assert excinfo.value.messages == [
            f"Applications for round {round_obj.code} closed at 2026-03-11 10:00."
        ]
        assert not Application.objects.exists()


def test_a_draft_round_takes_no_applications(clock):
    round_obj = make_round()
    add_lot(round_obj)
    clock.move_to(round_obj.application_opens_at)
    with pytest.raises(ValidationError, match="is not taking applications"):
        _submit(round_obj, MerchantFactory())
    assert not Application.objects.exists()


def test_lots_of_another_round_are_refused(clock):
    round_obj = _open_round(clock)
    other = make_round()
    foreign = add_lot(other)
    with pytest.raises(ValidationError) as excinfo:
        _submit(round_obj, MerchantFactory(), lots=[foreign])
    assert excinfo.value.message_dict["lots"] == [
        f"Choose open lots of round {round_obj.code} only."
    ]
    assert not Application.objects.exists()


def test_resubmission_changes_the_lots_and_runs_the_checks_again(clock):
    round_obj = _open_round(clock, min_store_count=10)
    merchant = MerchantFactory(store_count=5)
    user = merchant_user(merchant)
    first = _submit(round_obj, merchant, user)
    assert not first.passed_all_checks

    Merchant.objects.filter(pk=merchant.pk).update(store_count=12)
    merchant.refresh_from_db()
    clock.shift(dt.timedelta(hours=1))
    again = _submit(round_obj, merchant, user)

    assert again.pk == first.pk and again.passed_all_checks
    assert again.submitted_at == round_obj.application_opens_at + dt.timedelta(hours=1)
    assert Application.objects.count() == 1
    entry = Entry.objects.get(action="application.resubmit")
    assert entry.before["checks"][0]["passed"] is False
    assert entry.after["checks"][0]["passed"] is True


def test_a_decided_application_cannot_be_resubmitted(clock, officer_user):
    round_obj = _open_round(clock)
    merchant = MerchantFactory()
    user = merchant_user(merchant)
    application = _submit(round_obj, merchant, user)
    application_decide(actor=officer_user, application=application, admit=True)
    with pytest.raises(ValidationError, match="was already admitted; it can no longer be changed"):
        _submit(round_obj, merchant, user)


def test_checks_are_public_before_applying(clock):
    round_obj = published_round(min_customer_rating=Decimal("4.00"))
    checks = application_checks(round_obj, MerchantFactory(customer_rating=None), on=ON)
    assert [c["reason"] for c in checks if not c["passed"]] == ["no customer rating"]
    assert not Application.objects.exists()


# --- decisions ----------------------------------------------------------------------------


def _application(clock, *, passing: bool):
    round_obj = _open_round(clock, min_store_count=10)
    merchant = MerchantFactory(store_count=10 if passing else 3)
    return _submit(round_obj, merchant)


def test_admitting_one_that_failed_a_check_needs_a_reason(clock, officer_user):
    application = _application(clock, passing=False)
    with pytest.raises(ValidationError) as excinfo:
        application_decide(actor=officer_user, application=application, admit=True, reason=" ")
    assert excinfo.value.message_dict["reason"] == [
        "Admitting an applicant that failed a check needs a written reason."
    ]
    assert Application.objects.get(pk=application.pk).status == Application.Status.PENDING
    assert not Entry.objects.filter(action="application.decide").exists()


def test_refusing_one_that_passed_every_check_needs_a_reason(clock, officer_user):
    application = _application(clock, passing=True)
    with pytest.raises(ValidationError) as excinfo:
        application_decide(actor=officer_user, application=application, admit=False)
    assert excinfo.value.message_dict["reason"] == [
        "Refusing an applicant that passed every check needs a written reason."
    ]
    assert Application.objects.get(pk=application.pk).status == Application.Status.PENDING


def test_an_override_with_a_reason_is_recorded_and_journaled(clock, officer_user):
    application = _application(clock, passing=False)
    decided = application_decide(
        actor=officer_user,
        application=application,
        admit=True,
        reason="Store count verified on site: 11 stores",
    )
    assert decided.status == Application.Status.ADMITTED and decided.overridden
    assert decided.decided_by == officer_user
    assert decided.decided_at == application.round.application_opens_at  # the frozen clock
    entry = Entry.objects.get(action="application.decide")
    assert entry.data == {
        "checks": application.checks,
        "reason": "Store count verified on site: 11 stores",
        "overridden": True,
    }
    assert (entry.before, entry.after) == ({"status": "pending"}, {"status": "admitted"})


@pytest.mark.parametrize(("passing", "admit"), [(True, True), (False, False)])
def test_deciding_with_the_checks_needs_no_reason(clock, officer_user, passing, admit):
    application = _application(clock, passing=passing)
    decided = application_decide(actor=officer_user, application=application, admit=admit)
    assert decided.overridden is False
    assert decided.status == (Application.Status.ADMITTED if admit else Application.Status.REFUSED)


@pytest.mark.parametrize("role", [roles.DISCIPLINE_INSPECTOR, roles.COMMITTEE_MEMBER])
def test_only_an_officer_decides(clock, role):
    application = _application(clock, passing=True)
    with pytest.raises(PermissionDenied):
        application_decide(actor=UserFactory(roles=[role]), application=application, admit=True)
    assert Application.objects.get(pk=application.pk).status == Application.Status.PENDING


def test_the_merchant_cannot_decide_its_own_application(clock):
    application = _application(clock, passing=True)
    user = merchant_user(application.merchant)
    with pytest.raises(PermissionDenied):
        application_decide(actor=user, application=application, admit=True)


def test_applications_are_not_decided_after_bidding_closed(clock, officer_user):
    application = _application(clock, passing=True)
    TenderRound.objects.filter(pk=application.round_id).update(
        status=TenderRound.Status.BIDDING_CLOSED
    )
    with pytest.raises(ValidationError, match="its applications can no longer be decided"):
        application_decide(actor=officer_user, application=application, admit=True)
    assert Application.objects.get(pk=application.pk).status == Application.Status.PENDING
