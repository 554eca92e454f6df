"""The lease admin: who sees which lease and what of it, the list (filters, search, a bounded
number of queries), the lease's page, its status actions, the forms that make a lease
(directly, from an award, as a renewal), payments, turnover and its settlement.

Every form goes through the leasing services: a refusal shows the service's message (on the
field it names) and saves nothing. The clock is frozen on 20 May 2026 (Beijing time).
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import Entry
from leasing import services
from leasing.models import Instalment, Lease, TurnoverReport
from leasing.schedule import add_months
from stations.models import BusinessCategory
from tests.cms.conftest import speak_english
from tests.factories import UserFactory, inspector, officer, station_officer
from tests.leasing.factories import direct_lease
from tests.leasing.test_leases import award  # noqa: F401 - a fixture
from tests.stations.factories import StationFactory, level
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import available_unit

pytestmark = pytest.mark.django_db
Status = Lease.Status
NOW = dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC)  # 10:00 in Beijing
TODAY = dt.date(2026, 5, 20)


# --- fixtures, shared with test_lease_fitout_admin -----------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def css(db):
    return StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South")


@pytest.fixture
def yye(db):
    return StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")


@pytest.fixture
def css_level(css):
    return level(css, name="高架层", width=400, depth=200)


@pytest.fixture
def yye_level(yye):
    return level(yye, name="地面层", ordinal=0, width=400, depth=200)


@pytest.fixture
def tenant(db):
    return MerchantFactory(name="湖南麦当劳餐饮有限公司")


@pytest.fixture
def network_officer(db):
    return speak_english(officer(username="network"))


@pytest.fixture
def css_officer(css):
    return speak_english(station_officer(css, username="css-officer"))


@pytest.fixture
def yye_officer(yye):
    return speak_english(station_officer(yye, username="yye-officer"))


@pytest.fixture
def css_manager(css):
    from stations import roles

    return speak_english(station_officer(css, role=roles.STATION_MANAGER, username="css-manager"))


@pytest.fixture
def the_inspector(db):
    return speak_english(inspector(username="inspector"))


@pytest.fixture
def tenant_user(tenant):
    """The tenant's own user, given the admin (the portal comes later)."""
    user = merchant_user(tenant, username="tenant")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return speak_english(type(user).objects.get(pk=user.pk))


def make_lease(merchant, level_obj, *, code=None, start=dt.date(2026, 3, 1), **terms):
    """A draft direct lease of a new coffee unit on ``level_obj``, made on 20 February."""
    with time_machine.travel(dt.datetime(2026, 2, 20, 2, tzinfo=dt.UTC), tick=False):
        lease = direct_lease(merchant, [available_unit(level_obj)], start=start, **terms)
        if code:
            Lease.objects.filter(pk=lease.pk).update(code=code)
        return Lease.objects.get(pk=lease.pk)


def sign(lease, when=dt.datetime(2026, 2, 20, 2, tzinfo=dt.UTC)):
    with time_machine.travel(when, tick=False):
        services.lease_sign(actor=None, lease=lease)
    return Lease.objects.get(pk=lease.pk)


@pytest.fixture
def draft(clock, tenant, css_level):
    return make_lease(tenant, css_level, code="HT-2026-001", rent_free_months=3)


@pytest.fixture
def signed(draft):
    return sign(draft)


def url(name: str, *args) -> str:
    return reverse(f"leases:{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def refused(response) -> bool:
    """Wagtail answers a refused admin page by sending the user home with a message."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def content(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- who sees what ------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, draft):
    for target in (url("index"), url("detail", draft.pk), url("add"), url("overdue")):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_the_leasing_menu_is_offered_to_those_who_read_leases(client, draft, network_officer):
    client.force_login(network_officer)
    home = content(client.get(reverse("wagtailadmin_home")))
    for name in ("index", "add", "awards", "overdue", "mine", "route_map"):
        assert url(name) in home
    committee = speak_english(UserFactory(roles=["committee member"], username="committee"))
    client.force_login(committee)
    home = content(client.get(reverse("wagtailadmin_home")))
    assert url("index") not in home and url("overdue") not in home
    listing = client.get(url("index"))  # Wagtail's listing sends them home
    assert listing.status_code == 302 and listing["Location"] == reverse("wagtailadmin_home")
    assert refused(client.get(url("overdue")))
    assert client.get(url("detail", draft.pk)).status_code == 404


def test_an_inspector_reads_leases_and_is_offered_no_change(client, signed, the_inspector):
    client.force_login(the_inspector)
    home = content(client.get(reverse("wagtailadmin_home")))
    assert url("index") in home and url("add") not in home and url("awards") not in home
    page = content(client.get(url("detail", signed.pk)))
    assert signed.code in page
    assert 'data-cms-action="' not in page
    assert "Record payment" not in page
    for name in ("add", "awards"):
        assert refused(client.get(url(name)))
    assert refused(client.post(url("action", signed.pk, "terminate"), {"reason": "x"}))
    assert Lease.objects.get(pk=signed.pk).status == Status.SIGNED


def test_a_station_officer_sees_only_the_leases_of_their_station(
    client, draft, tenant, yye_level, css_officer, yye_officer
):
    other = make_lease(tenant, yye_level, code="HT-YYE-001")
    client.force_login(css_officer)
    listing = content(client.get(url("index")))
    assert draft.code in listing and other.code not in listing
    for target in (
        url("detail", other.pk),
        url("action", other.pk, "sign"),
        url("renew", other.pk),
        url("officer", other.pk),
    ):
        assert client.get(target).status_code == 404
    response = client.post(url("action", other.pk, "sign"))
    assert response.status_code == 404
    assert Lease.objects.get(pk=other.pk).status == Status.DRAFT
    client.force_login(yye_officer)
    assert client.get(url("detail", draft.pk)).status_code == 404


def test_a_station_manager_reads_the_lease_and_may_not_act(client, draft, css_manager):
    client.force_login(css_manager)
    page = content(client.get(url("detail", draft.pk)))
    assert draft.code in page and 'data-cms-action="sign"' not in page
    assert refused(client.get(url("action", draft.pk, "sign")))
    assert refused(client.post(url("action", draft.pk, "sign")))
    assert Lease.objects.get(pk=draft.pk).status == Status.DRAFT
    assert refused(client.get(url("add")))


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_code_tenant_station_units_status_term_and_rent(
    client, draft, network_officer
):
    client.force_login(network_officer)
    page = content(client.get(url("index")))
    unit = draft.units.get()
    for text in (
        draft.code,
        "湖南麦当劳餐饮有限公司",
        "CSS 长沙南",
        unit.code,
        "cms-lease-status--draft",
        "Draft",
        "2026-03-01 → 2029-03-01",
        "36 months",
        "120,000.00",
        url("detail", draft.pk),
        "New direct lease",
    ):
        assert text in page, text


def test_the_list_asks_a_fixed_number_of_queries(
    client, clock, tenant, css_level, yye_level, network_officer, django_assert_max_num_queries
):
    client.force_login(network_officer)
    for _n in range(2):
        make_lease(tenant, css_level)
    client.get(url("index"))  # warm the caches
    with django_assert_max_num_queries(40) as few:
        client.get(url("index"))
    for n in range(6):
        make_lease(MerchantFactory(), yye_level if n % 2 else css_level)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = content(client.get(url("index")))
    assert page.count('class="cms-lease-status') == 8


def test_the_list_filters_by_station_status_type_and_tenant_and_searches(
    client, draft, yye_level, network_officer
):
    other_tenant = MerchantFactory(name="星巴克咖啡")
    other = sign(make_lease(other_tenant, yye_level, code="HT-YYE-777"))
    client.force_login(network_officer)
    coffee = BusinessCategory.objects.get(code="coffee")

    def codes(**query):
        page = content(client.get(url("index"), query))
        return {lease.code for lease in (draft, other) if url("detail", lease.pk) + '"' in page}

    assert codes() == {draft.code, other.code}
    assert codes(station=other.station.pk) == {other.code}
    assert codes(status="signed") == {other.code}
    assert codes(status="draft") == {draft.code}
    assert codes(business_type=coffee.pk) == {draft.code, other.code}
    assert codes(merchant=other_tenant.pk) == {other.code}
    assert codes(q="YYE-777") == {other.code}
    assert codes(q="麦当劳") == {draft.code}


# --- the lease's page ---------------------------------------------------------------------


def test_the_page_shows_parties_units_term_rent_terms_and_deposit(
    client, clock, tenant, css_level, network_officer, django_assert_max_num_queries
):
    lease = make_lease(
        tenant, css_level, code="HT-2026-002", rent_free_months=2, escalation_pct="3",
        turnover_rate_pct="8", minimum_guarantee="150000", payment_frequency=1, deposit_months=2,
    )  # fmt: skip
    lease = sign(lease)
    client.force_login(network_officer)
    with django_assert_max_num_queries(45):
        page = content(client.get(url("detail", lease.pk)))
    unit = lease.units.get()
    for text in (
        "湖南麦当劳餐饮有限公司",
        "CSS 长沙南 Changsha South",
        unit.code,
        "高架层",
        "Coffee",
        "Transferred from the station&#x27;s former operator.",
        "2026-03-01",
        "2029-02-28",  # the last day
        "36 months",
        "120,000.00",
        "3.00%",
        "8.00% of turnover",
        "150,000.00",
        "Monthly",
        "25,000.00",  # two months of the guarantee, which is paid in advance
        "committed",
        "Signed",
    ):
        assert text in page, text
    assert page.count('data-cms-instalment="') == lease.instalments.count() == 34


def test_the_page_offers_the_actions_of_the_status(client, draft, network_officer):
    client.force_login(network_officer)
    page = content(client.get(url("detail", draft.pk)))
    assert 'data-cms-action="sign"' in page and 'data-cms-action="terminate"' in page
    for slug in ("start-fit-out", "open", "end", "renew"):
        assert f'data-cms-action="{slug}"' not in page
    signed = sign(draft)
    page = content(client.get(url("detail", signed.pk)))
    for slug in ("start-fit-out", "open", "terminate", "renew"):
        assert f'data-cms-action="{slug}"' in page
    assert 'data-cms-action="sign"' not in page
    assert 'data-cms-action="end"' not in page  # its period is not over


# --- status actions -----------------------------------------------------------------------


def test_signing_fixes_the_rent_schedule(client, draft, network_officer):
    client.force_login(network_officer)
    confirm = content(client.get(url("action", draft.pk, "sign")))
    assert "Sign lease HT-2026-001?" in confirm
    response = client.post(url("action", draft.pk, "sign"))
    assert response.status_code == 302 and response["Location"] == url("detail", draft.pk)
    assert messages_of(response) == ["Lease HT-2026-001 is signed; its rent schedule is fixed."]
    lease = Lease.objects.get(pk=draft.pk)
    assert lease.status == Status.SIGNED and lease.instalments.count() == 11
    assert Entry.objects.filter(action="lease.sign").count() == 1


def test_a_step_the_status_does_not_allow_is_refused_with_the_services_words(
    client, draft, network_officer
):
    client.force_login(network_officer)
    page = content(client.get(url("action", draft.pk, "open")))
    assert "this step is not open to it" in page
    response = client.post(url("action", draft.pk, "open"), {"opened_on": "2026-05-01"})
    page = content(response)
    assert "Lease HT-2026-001 was not changed." in messages_of(response)
    assert "Draft" in page and "Open" in page  # the transition named
    assert Lease.objects.get(pk=draft.pk).status == Status.DRAFT


def test_opening_outside_the_lease_is_refused_on_the_date(client, signed, network_officer):
    client.force_login(network_officer)
    response = client.post(url("action", signed.pk, "open"), {"opened_on": "2026-02-01"})
    page = content(response)
    assert "The outlet opens within the lease, from 2026-03-01 to 2029-03-01." in page
    assert Lease.objects.get(pk=signed.pk).status == Status.SIGNED
    response = client.post(url("action", signed.pk, "open"), {"opened_on": "not a date"})
    assert "Enter a valid date." in content(response)
    response = client.post(url("action", signed.pk, "open"), {"opened_on": "2026-05-18"})
    assert response.status_code == 302
    lease = Lease.objects.get(pk=signed.pk)
    assert (lease.status, lease.opened_on) == (Status.OPEN, dt.date(2026, 5, 18))


def test_terminating_needs_a_reason_and_a_day_before_the_end(client, signed, network_officer):
    client.force_login(network_officer)
    page = content(client.post(url("action", signed.pk, "terminate"), {"reason": " "}))
    assert "Say why the lease is terminated." in page
    page = content(
        client.post(url("action", signed.pk, "terminate"), {"reason": "Fire", "on": "2029-03-01"})
    )
    assert "A lease is terminated before its end." in page
    assert Lease.objects.get(pk=signed.pk).status == Status.SIGNED
    assert not Entry.objects.filter(action="lease.terminate").exists()
    response = client.post(
        url("action", signed.pk, "terminate"), {"reason": "The tenant withdrew.", "on": ""}
    )
    assert messages_of(response) == ["Lease HT-2026-001 is terminated."]
    lease = Lease.objects.get(pk=signed.pk)
    assert (lease.status, lease.ended_on) == (Status.TERMINATED, TODAY)
    page = content(client.get(url("detail", lease.pk)))
    assert "The tenant withdrew." in page and "Terminated on 2026-05-20." in page


def test_ending_waits_for_the_end_of_the_period(client, clock, tenant, css_level, network_officer):
    lease = sign(make_lease(tenant, css_level, start=dt.date(2025, 5, 1), months=12))
    with time_machine.travel(dt.datetime(2025, 6, 1, 2, tzinfo=dt.UTC), tick=False):
        services.lease_open(actor=None, lease=lease, opened_on=dt.date(2025, 6, 1))
    client.force_login(network_officer)
    page = content(client.get(url("detail", lease.pk)))
    assert 'data-cms-action="end"' in page
    response = client.post(url("action", lease.pk, "end"))
    assert response.status_code == 302
    assert Lease.objects.get(pk=lease.pk).status == Status.ENDED


# --- making a lease -----------------------------------------------------------------------


def direct_post(chosen, **overrides) -> dict:
    data = {
        "station": chosen[0].station_id,
        "merchant": MerchantFactory(name="湖南新华书店").pk,
        "units": [u.pk for u in chosen],
        "business_type": "",
        "code": "HT-DIRECT-01",
        "start_date": "2026-07-01",
        "end_date": "2029-07-01",
        "annual_rent": "88000",
        "direct_reason": "Transferred from the former operator.",
        "rent_free_months": "2",
        "escalation_pct": "3",
        "turnover_rate_pct": "",
        "minimum_guarantee": "",
        "payment_frequency": "3",
        "deposit_months": "3",
        "street_price_commitment": "on",
    }
    data.update(overrides)
    return data


def test_a_direct_lease_is_made_from_the_stations_units(
    client, clock, css, css_level, network_officer
):
    units = [available_unit(css_level), available_unit(css_level)]
    client.force_login(network_officer)
    page = content(client.get(url("add")))
    assert "choose it first" in page and 'name="units"' not in page
    page = content(client.get(url("add"), {"station": css.pk}))
    assert all(u.code in page for u in units)
    response = client.post(url("add"), direct_post(units))
    lease = Lease.objects.get(code="HT-DIRECT-01")
    assert response.status_code == 302 and response["Location"] == url("detail", lease.pk)
    assert messages_of(response) == ["Draft lease HT-DIRECT-01 is made."]
    assert lease.status == Status.DRAFT and set(lease.units.all()) == set(units)
    assert lease.deposit == Decimal("22000.00")
    assert lease.direct_reason == "Transferred from the former operator."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"direct_reason": ""}, "direct_reason", "Say why these units are let without tender."),
        ({"end_date": "2026-06-01"}, "end_date", "The lease must end after it starts."),
        ({"units": []}, "units", "This field is required."),
        ({"code": "TAKEN"}, "code", "Contract number TAKEN is taken."),
        ({"escalation_pct": "80"}, "escalation_pct", "less than or equal to 50"),
        ({"annual_rent": "0"}, "annual_rent", "Give a fixed annual rent, or a turnover rent"),
    ],
)
def test_a_bad_direct_lease_is_refused_on_its_field_and_nothing_is_saved(
    client, clock, css_level, tenant, network_officer, overrides, field, message
):
    make_lease(tenant, css_level, code="TAKEN")
    units = [available_unit(css_level)]
    client.force_login(network_officer)
    before = (Lease.objects.count(), Entry.objects.count())
    response = client.post(url("add"), direct_post(units, **overrides))
    page = content(response)
    assert message in page
    assert "Nothing was saved: see the messages below." in messages_of(response)
    assert f'id="panel-child-{field}' in page or f'name="{field}"' in page
    assert (Lease.objects.count(), Entry.objects.count()) == before


def test_units_already_let_are_refused_with_the_lease_that_holds_them(
    client, draft, network_officer
):
    unit = draft.units.get()
    client.force_login(network_officer)
    data = direct_post([unit], start_date="2027-01-01", end_date="2028-01-01")
    page = content(client.post(url("add"), data))
    assert f"Unit {unit.code} is let from 2026-03-01 to 2029-03-01 under lease HT-2026-001." in (
        page
    )
    assert Lease.objects.count() == 1


def test_an_award_waits_for_its_lease_and_the_form_makes_it(
    client,
    award,  # noqa: F811
    network_officer,
):
    client.force_login(network_officer)
    listing = content(client.get(url("awards")))
    assert award.merchant.name in listing and url("award_lease", award.pk) in listing
    form = content(client.get(url("award_lease", award.pk)))
    lot = award.lot
    assert f"HT-{lot.round.code}-01" in form  # the contract number suggested
    assert "150,000.00" in form and f"{lot.term_months} months from the start" in form
    response = client.post(
        url("award_lease", award.pk),
        {
            "code": "HT-AWARD-1",
            "start_date": "2026-06-01",
            "rent_free_months": "2",
            "escalation_pct": "3",
            "turnover_rate_pct": "",
            "minimum_guarantee": "",
            "payment_frequency": "3",
            "deposit_months": "3",
            "street_price_commitment": "on",
        },
    )
    lease = Lease.objects.get(code="HT-AWARD-1")
    assert response.status_code == 302 and response["Location"] == url("detail", lease.pk)
    assert (lease.award, lease.annual_rent) == (award, Decimal("150000.00"))
    assert award.merchant.name not in content(client.get(url("awards")))
    assert client.get(url("award_lease", award.pk)).status_code == 404


def test_a_bad_lease_from_an_award_is_refused_and_nothing_is_saved(
    client,
    award,  # noqa: F811
    network_officer,
):
    client.force_login(network_officer)
    good = {"code": "HT-AWARD-1", "start_date": "2026-06-01", "escalation_pct": "3",
            "payment_frequency": "3", "rent_free_months": "0", "deposit_months": "3"}  # fmt: skip
    page = content(
        client.post(
            url("award_lease", award.pk), good | {"start_date": "", "payment_frequency": "5"}
        )
    )
    assert "This field is required." in page
    assert "Select a valid choice. 5 is not one of the available choices." in page
    page = content(client.post(url("award_lease", award.pk), good | {"escalation_pct": "-1"}))
    assert "Give an amount of 0 or more." in page
    page = content(client.post(url("award_lease", award.pk), good | {"escalation_pct": "51"}))
    assert "Ensure this value is less than or equal to 50." in page
    assert not Lease.objects.exists() and not Entry.objects.filter(action="lease.create").exists()


def test_a_renewal_starts_when_the_lease_ends(client, signed, network_officer):
    client.force_login(network_officer)
    form = content(client.get(url("renew", signed.pk)))
    assert "HT-2026-001-R" in form and "from 2029-03-01" in form
    response = client.post(
        url("renew", signed.pk),
        {
            "code": "HT-2026-001-R",
            "end_date": "2032-03-01",
            "annual_rent": "140000",
            "rent_free_months": "0",
            "escalation_pct": "3",
            "payment_frequency": "3",
            "deposit_months": "3",
        },
    )
    renewal = Lease.objects.get(code="HT-2026-001-R")
    assert response.status_code == 302
    assert (renewal.renewal_of, renewal.start_date) == (signed, dt.date(2029, 3, 1))
    page = content(client.get(url("detail", signed.pk)))
    assert "HT-2026-001-R" in page and 'data-cms-action="renew"' not in page
    response = client.post(
        url("renew", signed.pk),
        {"code": "HT-2026-001-R2", "end_date": "2029-01-01", "annual_rent": "140000",
         "rent_free_months": "0", "escalation_pct": "3", "payment_frequency": "3",
         "deposit_months": "3"},
    )  # fmt: skip
    assert "The lease must end after it starts." in content(response)
    assert Lease.objects.count() == 2


def test_a_draft_is_not_renewed(client, draft, network_officer):
    client.force_login(network_officer)
    assert refused(client.get(url("renew", draft.pk)))


# --- money --------------------------------------------------------------------------------


def overdue_lease(tenant, level_obj, **terms):
    """Signed on 20 February for 1 March with no rent-free period: March's quarter is due."""
    return sign(make_lease(tenant, level_obj, rent_free_months=0, **terms))


def test_an_instalment_is_paid_from_its_row(client, clock, tenant, css_level, network_officer):
    lease = overdue_lease(tenant, css_level)
    first = lease.instalments.order_by("due_date").first()
    client.force_login(network_officer)
    page = content(client.get(url("detail", lease.pk)))
    assert "overdue 80 days" in page and "data-cms-overdue-rent>30,000.00" in page
    assert page.count('class="cms-pay-form"') == 2  # the overdue one and the next
    assert "Record a payment in advance" in page
    response = client.post(
        url("pay", lease.pk, first.pk), {f"i{first.pk}-paid_on": "2026-05-19",
                                          f"i{first.pk}-amount": "30000.00"}
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == url("detail", lease.pk) + f"#instalment-{first.pk}"
    assert messages_of(response) == [
        "The instalment due on 2026-03-01 is paid (30,000.00 CNY on 2026-05-19)."
    ]
    first.refresh_from_db()
    assert (first.paid_on, first.paid_amount) == (dt.date(2026, 5, 19), Decimal("30000.00"))


@pytest.mark.parametrize(
    ("paid_on", "amount", "message"),
    [
        ("2026-05-19", "100", "The instalment is 30000.00; a part payment is not recorded here."),
        ("2026-06-01", "30000", "A payment cannot be dated in the future."),
        ("", "30000", "This field is required."),
        ("2026-05-19", "-5", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_bad_payment_is_refused_on_its_field(
    client, clock, tenant, css_level, network_officer, paid_on, amount, message
):
    lease = overdue_lease(tenant, css_level)
    first = lease.instalments.order_by("due_date").first()
    client.force_login(network_officer)
    response = client.post(
        url("pay", lease.pk, first.pk),
        {f"i{first.pk}-paid_on": paid_on, f"i{first.pk}-amount": amount},
    )
    assert message in content(response)
    first.refresh_from_db()
    assert first.paid_on is None and not Entry.objects.filter(action="instalment.pay").exists()


def test_an_instalment_of_another_lease_is_not_found(
    client, clock, tenant, css_level, network_officer
):
    one, other = overdue_lease(tenant, css_level), overdue_lease(tenant, css_level)
    client.force_login(network_officer)
    instalment = other.instalments.first()
    assert client.get(url("pay", one.pk, instalment.pk)).status_code == 404


def turnover_lease(tenant, level_obj):
    """Open since 1 April 2025 with 8% turnover rent over a guarantee; year 1 is over."""
    with time_machine.travel(dt.datetime(2025, 3, 20, 2, tzinfo=dt.UTC), tick=False):
        lease = direct_lease(
            tenant, [available_unit(level_obj)], start=dt.date(2025, 4, 1), months=36,
            rent="100000", turnover_rate_pct="8", minimum_guarantee="100000",
        )  # fmt: skip
        services.lease_sign(actor=None, lease=lease)
    with time_machine.travel(dt.datetime(2025, 4, 2, 2, tzinfo=dt.UTC), tick=False):
        services.lease_open(actor=None, lease=lease, opened_on=dt.date(2025, 4, 1))
    return Lease.objects.get(pk=lease.pk)


def test_the_tenant_reports_turnover_and_the_officer_settles_the_year(
    client, clock, tenant, tenant_user, css_level, network_officer
):
    lease = turnover_lease(tenant, css_level)
    for n in range(12):
        month = add_months(dt.date(2025, 4, 1), n)
        TurnoverReport.objects.create(
            lease=lease, month=month, amount=Decimal("150000"), reported_at=NOW,
            reported_by=tenant_user,
        )  # fmt: skip
    client.force_login(network_officer)
    page = content(client.get(url("detail", lease.pk)))
    assert "data-cms-turnover-form" in page  # the officer may record it from a statement
    assert "1,800,000.00" in page and "144,000.00" in page  # turnover and 8% of it
    assert 'data-cms-action="settle"' in page
    response = client.post(url("settle", lease.pk), {"year": "1"})
    assert messages_of(response) == [
        "Lease year 1 is settled: 44,000.00 CNY of turnover rent is due on 2026-05-01."
    ]
    settlement = lease.instalments.get(kind=Instalment.Kind.SETTLEMENT)
    assert settlement.amount == Decimal("44000.00")
    response = client.post(url("settle", lease.pk), {"year": "1"})
    assert messages_of(response)[-1] == "Lease year 1 is settled."
    response = client.post(url("settle", lease.pk), {"year": "2"})
    assert messages_of(response)[-1] == "Lease year 2 runs until 2027-04-01."
    assert lease.instalments.filter(kind=Instalment.Kind.SETTLEMENT).count() == 1

    client.force_login(tenant_user)
    page = content(client.get(url("detail", lease.pk)))
    assert "data-cms-turnover-form" in page and 'data-cms-action="settle"' not in page
    response = client.post(url("turnover", lease.pk), {"month": "2026-04", "amount": "123456"})
    assert response.status_code == 302
    assert TurnoverReport.objects.get(lease=lease, month=dt.date(2026, 4, 1)).amount == 123456
    response = client.post(url("turnover", lease.pk), {"month": "2026-04", "amount": "1"})
    assert "The turnover of 2026-04 is already reported." in content(response)
    response = client.post(url("turnover", lease.pk), {"month": "2026-07", "amount": "1"})
    assert "2026-07 has not begun." in content(response)
    assert TurnoverReport.objects.filter(lease=lease).count() == 13
    assert refused(client.post(url("settle", lease.pk), {"year": "2"}))


def test_the_stations_officer_records_turnover_from_the_statement_and_nobody_else(
    client, clock, tenant, css_level, network_officer, the_inspector
):
    lease = turnover_lease(tenant, css_level)
    client.force_login(the_inspector)
    assert refused(client.post(url("turnover", lease.pk), {"month": "2026-04", "amount": "1"}))
    assert not TurnoverReport.objects.exists()

    client.force_login(network_officer)
    response = client.post(url("turnover", lease.pk), {"month": "2026-04", "amount": "88000"})
    assert response.status_code == 302
    report = TurnoverReport.objects.get()
    assert (report.amount, report.reported_by) == (Decimal("88000.00"), network_officer)
