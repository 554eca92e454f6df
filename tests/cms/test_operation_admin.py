"""The operation screens: every list and page renders with its content, every form goes
through its leasing.operation / stations.spread service — a refusal shows the service's
message on the field it names and saves nothing — and the lists ask a bounded number of
queries. (Who sees what: test_operation_permissions; the home panel: test_operation_dashboard.)

The fixtures here are imported by the other test_operation_* modules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from leasing import operation, services
from leasing.models import (
    Complaint,
    Inspection,
    MarketingEvent,
    Penalty,
    PriceCheck,
    ViolationType,
)
from stations import roles
from stations.models import SpreadLimit
from stations.spread import spread_limit_set
from tests.cms.conftest import speak_english
from tests.cms.merchant_fixtures import messages_of
from tests.factories import inspector, officer, station_officer
from tests.leasing.factories import direct_lease
from tests.stations.factories import StationFactory, level
from tests.tenders.factories import MerchantFactory
from tests.tenders.round_factories import available_unit, business_type

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
ALL_PASSED = {
    "hygiene_result": "passed",
    "fire_safety_result": "passed",
    "price_tags_result": "passed",
    "service_result": "passed",
}
CHECKLIST = [
    {"item": item, "passed": True, "note": ""}
    for item in ("hygiene", "fire_safety", "price_tags", "service")
]


# --- fixtures -----------------------------------------------------------------------------


def open_outlet(station, *, types=("coffee",), name="麦咖啡"):
    """A lease of one unit, signed and open for a month."""
    lv = station.levels.first() or level(station)
    start = TODAY() - dt.timedelta(days=60)
    lease = direct_lease(
        MerchantFactory(name=f"{name}{station.code}"),
        [available_unit(lv, types=types)],
        start=start,
    )
    services.lease_sign(actor=None, lease=lease)
    return services.lease_open(actor=None, lease=lease, opened_on=start + dt.timedelta(days=30))


@pytest.fixture
def css(db):
    return StationFactory(code="CSS", name_zh="长沙南", name_en="Changsha South")


@pytest.fixture
def yye(db):
    return StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")


@pytest.fixture
def css_outlet(css):
    return open_outlet(css)


@pytest.fixture
def yye_outlet(yye):
    return open_outlet(yye, name="肯德基")


@pytest.fixture
def network_officer(db):
    return speak_english(officer(username="network-officer"))


@pytest.fixture
def css_officer(css):
    return speak_english(station_officer(css, username="css-officer"))


@pytest.fixture
def css_manager(css):
    return speak_english(station_officer(css, role=roles.STATION_MANAGER, username="css-manager"))


@pytest.fixture
def yye_manager(yye):
    return speak_english(station_officer(yye, role=roles.STATION_MANAGER, username="yye-manager"))


@pytest.fixture
def the_inspector(db):
    return speak_english(inspector(username="the-inspector"))


@pytest.fixture
def schedule(db):
    operation.violation_types_load_defaults(actor=None)
    return {v.code: v for v in ViolationType.objects.all()}


def inspect(outlet, actor, **overrides):
    fields = {"inspected_on": TODAY(), "checklist": CHECKLIST, "score": "90"}
    fields.update(overrides)
    return operation.inspection_record(actor=actor, lease=outlet, **fields)


def failed_inspection(outlet, actor, *, due_in=3, on=None):
    checklist = [dict(CHECKLIST[0], passed=False, note="Grease on the floor."), *CHECKLIST[1:]]
    on = on or TODAY() - dt.timedelta(days=5)
    return inspect(
        outlet,
        actor,
        inspected_on=on,
        checklist=checklist,
        score="70",
        follow_up="Deep-clean the kitchen.",
        follow_up_due=on + dt.timedelta(days=due_in),
    )


def receive(outlet, actor, *, hours_ago=2, service_hours=24, category="price"):
    return operation.complaint_receive(
        actor=actor,
        station=outlet.station,
        lease=outlet,
        category=category,
        received_at=timezone.now() - dt.timedelta(hours=hours_ago),
        description="The coffee costs more than in town.",
        service_hours=service_hours,
    )


def check_price(outlet, actor, *, station_price="32.00", street_price="30.00", item="拿铁"):
    return operation.price_check_record(
        actor=actor,
        lease=outlet,
        item=item,
        station_price=station_price,
        street_price=street_price,
        checked_on=TODAY(),
    )


def field_errors(response, field: str) -> list[str]:
    with translation.override("en"):
        return [str(e) for e in response.context["form"].errors.get(field, [])]


def content(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the lists ----------------------------------------------------------------------------


@pytest.fixture
def records(css_outlet, network_officer, schedule):
    """One of each record on the CSS outlet."""
    inspection = failed_inspection(css_outlet, network_officer)
    complaint = receive(css_outlet, network_officer, hours_ago=30)
    operation.penalty_issue(
        actor=network_officer,
        lease=css_outlet,
        violation=schedule["hygiene"],
        inspection=inspection,
    )
    check_price(css_outlet, network_officer)
    event = operation.marketing_event_create(
        actor=network_officer,
        title="湘味特产节",
        station=css_outlet.station,
        starts_on=TODAY(),
        ends_on=TODAY() + dt.timedelta(days=6),
    )
    spread_limit_set(
        actor=None,
        station=css_outlet.station,
        business_type=business_type("coffee"),
        max_per_level=2,
        max_per_station=3,
    )
    return {"inspection": inspection, "complaint": complaint, "event": event}


LISTS = {
    "inspections:index": ["Record an inspection", "✗ Hygiene", "overdue since"],
    "complaints:index": ["Receive a complaint", "overdue", "Price"],
    "penalties:index": ["Issue a penalty", "Hygiene below standard", "500.00", "inspection of"],
    "violation-types:index": ["Load the default schedule", "fire-safety", "2,000.00"],
    "price-checks:index": ["Record a price check", "Outlets above street price", "above street"],
    "marketing-events:index": ["New marketing event", "湘味特产节", "running"],
    "spread-limits:index": ["Set a spread limit", "CSS 长沙南", "Coffee"],
}


@pytest.mark.parametrize("name", LISTS)
def test_each_list_shows_its_records_to_the_officer(client, records, network_officer, name):
    client.force_login(network_officer)
    html = content(client.get(reverse(name)))
    assert records["inspection"].lease.code in html or name in (
        "violation-types:index",
        "marketing-events:index",
        "spread-limits:index",
    )
    for text in LISTS[name]:
        assert text in html, text


def _more_records(station, actor, schedule, n):
    for k in range(n):
        outlet = open_outlet(station, name=f"品牌{k}", types=("bookstore",))
        inspection = failed_inspection(outlet, actor)
        receive(outlet, actor)
        operation.penalty_issue(
            actor=actor, lease=outlet, violation=schedule["hygiene"], inspection=inspection
        )
        check_price(outlet, actor)
        event = operation.marketing_event_create(
            actor=actor, title=f"活动{k}", station=station, starts_on=TODAY(), ends_on=TODAY()
        )
        operation.marketing_event_add_outlets(actor=actor, event=event, outlets=[outlet])


@pytest.mark.parametrize("name", LISTS)
def test_a_list_asks_as_many_queries_for_many_rows_as_for_few(
    client, records, network_officer, schedule, name, django_assert_max_num_queries
):
    client.force_login(network_officer)
    url = reverse(name)
    client.get(url)  # warm the caches
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    _more_records(records["inspection"].lease.station, network_officer, schedule, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_inspection_list_filters_by_station_outlet_date_and_follow_up(
    client, network_officer, css_outlet, yye_outlet
):
    failed_inspection(css_outlet, network_officer, due_in=10)  # open, due in 5 days
    inspect(yye_outlet, network_officer, inspected_on=TODAY() - dt.timedelta(days=25))
    client.force_login(network_officer)
    url = reverse("inspections:index")

    def codes(**query):
        response = client.get(url, query)
        return sorted(i.lease.code for i in response.context["object_list"])

    assert codes() == sorted([css_outlet.code, yye_outlet.code])
    assert codes(station=css_outlet.station.pk) == [css_outlet.code]
    assert codes(outlet=yye_outlet.code) == [yye_outlet.code]
    assert codes(outlet="肯德基") == [yye_outlet.code]
    since = (TODAY() - dt.timedelta(days=10)).isoformat()
    assert codes(inspected_on_from=since) == [css_outlet.code]
    assert codes(follow_up="open") == [css_outlet.code]
    assert codes(follow_up="overdue") == []
    assert codes(follow_up="none") == [yye_outlet.code]


def test_the_complaint_list_filters_by_answer(client, network_officer, css_outlet):
    late = receive(css_outlet, network_officer, hours_ago=30)
    waiting = receive(css_outlet, network_officer, hours_ago=1)
    answered = receive(css_outlet, network_officer, hours_ago=1, category="service")
    operation.complaint_answer(actor=network_officer, complaint=answered, resolution="Refunded.")
    client.force_login(network_officer)
    url = reverse("complaints:index")

    def pks(state):
        return {c.pk for c in client.get(url, {"state": state}).context["object_list"]}

    assert pks("overdue") == {late.pk}
    assert pks("open") == {late.pk, waiting.pk}
    assert pks("answered") == {answered.pk}
    assert pks("late") == set()
    html = content(client.get(url))
    assert html.count('data-cms-answer="overdue"') == 1
    assert html.count('data-cms-answer="answered"') == 1


def test_the_price_check_list_flags_and_filters_above_street(client, network_officer, css_outlet):
    above = check_price(css_outlet, network_officer, item="拿铁")
    same = check_price(css_outlet, network_officer, item="美式", station_price="30.00")
    client.force_login(network_officer)
    url = reverse("price-checks:index")
    html = content(client.get(url))
    assert html.count("data-cms-above-street") == 1 and "+2.00" in html
    flagged = client.get(url, {"above_street": "true"}).context["object_list"]
    assert [c.pk for c in flagged] == [above.pk]
    assert [c.pk for c in client.get(url, {"above_street": "false"}).context["object_list"]] == [
        same.pk
    ]


# --- inspections --------------------------------------------------------------------------


def inspection_post(outlet, **changes):
    data = {
        "lease": outlet.pk,
        "inspected_on": TODAY().isoformat(),
        **ALL_PASSED,
        "score": "92.5",
        "findings": "Clean and tidy.",
        "follow_up": "",
        "follow_up_due": "",
    }
    data.update(changes)
    return data


def test_the_manager_records_an_inspection_with_its_checklist(client, css_manager, css_outlet):
    client.force_login(css_manager)
    url = reverse("inspections:add")
    html = content(client.get(url))
    assert "data-cms-checklist" in html and "Fire safety" in html and css_outlet.code in html
    response = client.post(
        url,
        inspection_post(
            css_outlet,
            price_tags_result="failed",
            price_tags_note="Two items unmarked.",
            score="80",
            follow_up="Mark every price.",
            follow_up_due=(TODAY() + dt.timedelta(days=3)).isoformat(),
        ),
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:detail", args=(inspection.pk,))
    assert inspection.inspector == css_manager and inspection.score == Decimal("80.00")
    assert inspection.checklist[2] == {
        "item": "price_tags",
        "passed": False,
        "note": "Two items unmarked.",
    }
    assert messages_of(response) == [
        f"Inspection of {css_outlet.code} on {TODAY()} recorded (score 80.00)."
    ]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"hygiene_result": "failed"},
            "checklist",
            "Hygiene failed: say what was wrong.",
        ),
        ({"service_result": ""}, "checklist", "Service: say whether it passed."),
        (
            {"hygiene_result": "failed", "hygiene_note": "Dirty."},
            "follow_up",
            "Hygiene failed: say what the outlet must put right.",
        ),
        ({"score": "101"}, "score", "Give a score from 0 to 100, to 2 decimals at most."),
        ({"score": "good"}, "score", "Give a score from 0 to 100."),
        ({"follow_up": "Clean."}, "follow_up_due", "Give the date by which the follow-up is due."),
        ("future", "inspected_on", "{tomorrow} is in the future."),
    ],
)
def test_a_refused_inspection_names_the_field_and_saves_nothing(
    client, css_manager, css_outlet, changes, field, message
):
    tomorrow = TODAY() + dt.timedelta(days=1)
    if changes == "future":
        changes = {"inspected_on": tomorrow.isoformat()}
    client.force_login(css_manager)
    response = client.post(reverse("inspections:add"), inspection_post(css_outlet, **changes))
    assert response.status_code == 200
    assert message.format(tomorrow=tomorrow) in field_errors(response, field)
    assert "Nothing was saved: see the fields marked below." in messages_of(response)
    assert not Inspection.objects.exists()


def test_the_inspection_page_shows_the_checklist_and_marks_the_follow_up_done(
    client, css_manager, css_outlet
):
    inspection = failed_inspection(css_outlet, css_manager)
    client.force_login(css_manager)
    url = reverse("inspections:detail", args=(inspection.pk,))
    html = content(client.get(url))
    assert "Grease on the floor." in html and "Deep-clean the kitchen." in html
    assert 'data-cms-check="hygiene"' in html and 'data-cms-action="follow-up-done"' in html
    # A manager keeps no penalties: the button is not offered.
    assert 'data-cms-action="penalty"' not in html
    response = client.post(url, {"done_on": TODAY().isoformat()})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.follow_up_done_on == TODAY()
    html = content(client.get(url))
    assert 'data-cms-follow-up="done"' in html and "follow-up-done" not in html


def test_a_follow_up_before_the_inspection_is_refused_on_its_field(
    client, css_manager, css_outlet
):
    inspection = failed_inspection(css_outlet, css_manager)
    client.force_login(css_manager)
    response = client.post(
        reverse("inspections:detail", args=(inspection.pk,)),
        {"done_on": (inspection.inspected_on - dt.timedelta(days=1)).isoformat()},
    )
    assert field_errors(response, "done_on") == [
        f"The inspection was on {inspection.inspected_on}; the follow-up comes after it."
    ]
    inspection.refresh_from_db()
    assert inspection.follow_up_done_on is None


# --- complaints ---------------------------------------------------------------------------


def complaint_post(outlet, **changes):
    data = {
        "station": outlet.station.pk,
        "lease": outlet.pk,
        "category": "price",
        "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "description": "A latte costs more than in town.",
        "service_hours": "24",
    }
    data.update(changes)
    return data


def test_the_manager_receives_a_complaint_and_answers_it(client, css_manager, css_outlet):
    client.force_login(css_manager)
    response = client.post(reverse("complaints:add"), complaint_post(css_outlet))
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("complaints:detail", args=(complaint.pk,))
    assert (complaint.lease, complaint.category, complaint.service_hours) == (
        css_outlet,
        "price",
        24,
    )
    url = reverse("complaints:detail", args=(complaint.pk,))
    html = content(client.get(url))
    assert "A latte costs more than in town." in html and 'data-cms-action="answer"' in html
    response = client.post(url, {"resolution": "Price corrected; the passenger was refunded."})
    assert messages_of(response) == ["The complaint is answered, within its 24 hours."]
    complaint.refresh_from_db()
    assert complaint.answered_in_time
    html = content(client.get(url))
    assert 'data-cms-answer="answered"' in html and 'data-cms-action="answer"' not in html


def test_a_complaint_received_in_the_future_or_about_another_station_is_refused(
    client, network_officer, css_outlet, yye_outlet
):
    client.force_login(network_officer)
    later = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        reverse("complaints:add"),
        complaint_post(css_outlet, received_at=later, lease=yye_outlet.pk, description=""),
    )
    assert field_errors(response, "received_at")[0].endswith("is in the future.")
    assert field_errors(response, "lease") == [f"Outlet {yye_outlet.code} is not in station CSS."]
    assert field_errors(response, "description") == ["Say what the passenger complains about."]
    assert not Complaint.objects.exists()


def test_an_empty_answer_is_refused_and_the_complaint_stays_open(client, css_manager, css_outlet):
    complaint = receive(css_outlet, css_manager)
    client.force_login(css_manager)
    response = client.post(
        reverse("complaints:detail", args=(complaint.pk,)), {"resolution": "  "}
    )
    assert field_errors(response, "resolution") == ["Say how the complaint was resolved."]
    complaint.refresh_from_db()
    assert complaint.answered_at is None


# --- penalties and the fine schedule ------------------------------------------------------


def test_the_officer_issues_a_penalty_from_the_inspection_page(
    client, network_officer, css_outlet, schedule
):
    inspection = failed_inspection(css_outlet, network_officer)
    client.force_login(network_officer)
    html = content(client.get(reverse("inspections:detail", args=(inspection.pk,))))
    form_url = reverse("penalties:add") + f"?inspection={inspection.pk}"
    assert form_url in html
    response = client.get(form_url)
    assert response.context["form"].initial == {
        "inspection": inspection.pk,
        "lease": css_outlet.pk,
    }
    response = client.post(
        form_url,
        {
            "lease": css_outlet.pk,
            "violation": schedule["hygiene"].pk,
            "inspection": inspection.pk,
            "complaint": "",
            "note": "First time.",
        },
    )
    penalty = Penalty.objects.get()
    assert (penalty.amount, penalty.inspection, penalty.issued_by) == (
        Decimal("500.00"),
        inspection,
        network_officer,
    )
    assert messages_of(response) == [
        f"Penalty of 500.00 CNY issued to {css_outlet.code} for Hygiene below standard."
    ]


def test_a_penalty_citing_another_outlets_inspection_or_nothing_is_refused(
    client, network_officer, css_outlet, schedule
):
    other = open_outlet(css_outlet.station, name="星巴克")
    inspection = failed_inspection(other, network_officer)
    client.force_login(network_officer)
    data = {"lease": css_outlet.pk, "violation": schedule["hygiene"].pk, "note": ""}
    response = client.post(reverse("penalties:add"), {**data, "inspection": inspection.pk})
    assert field_errors(response, "inspection") == [
        f"The inspection of {inspection.inspected_on} is of outlet {other.code}, "
        f"not {css_outlet.code}."
    ]
    response = client.post(reverse("penalties:add"), data)
    assert field_errors(response, "inspection") == [
        "Cite the inspection or the complaint the penalty comes from."
    ]
    assert not Penalty.objects.exists()


def test_the_default_schedule_is_loaded_by_a_post(client, network_officer):
    client.force_login(network_officer)
    url = reverse("violation-types:load_defaults")
    html = content(client.get(url))
    assert html.count("to be added") == 7 and 'data-cms-action="load-defaults"' in html
    assert not ViolationType.objects.exists()
    response = client.post(url)
    assert response["Location"] == reverse("violation-types:index")
    assert ViolationType.objects.count() == 7
    assert messages_of(response) == ["7 violation types added to the fine schedule."]
    response = client.post(url)
    assert messages_of(response)[-1] == "The fine schedule already holds every default type."


def test_a_violation_type_is_added_and_its_fine_changed(client, network_officer, schedule):
    client.force_login(network_officer)
    response = client.post(
        reverse("violation-types:add"),
        {"code": "smoking", "name_zh": "违规吸烟", "name_en": "Smoking", "fine": "200"},
    )
    assert response.status_code == 302
    assert ViolationType.objects.get(code="smoking").fine == Decimal("200.00")
    hygiene = schedule["hygiene"]
    url = reverse("violation-types:edit", args=(hygiene.pk,))
    assert content(client.get(url)).count('value="hygiene"') == 1
    client.post(url, {"code": "other", "name_zh": "卫生不达标", "name_en": "", "fine": "800.00"})
    hygiene.refresh_from_db()
    assert (hygiene.code, hygiene.fine, hygiene.name_en) == ("hygiene", Decimal("800.00"), "")


@pytest.mark.parametrize(
    "fine, message",
    [
        ("12.345", "Give the amount in CNY with at most 2 decimals."),
        ("-1", "Give an amount of 0 or more."),
        ("a lot", "Enter an amount in CNY."),
    ],
)
def test_a_bad_fine_is_refused_on_its_field(client, network_officer, fine, message):
    client.force_login(network_officer)
    response = client.post(
        reverse("violation-types:add"), {"code": "x", "name_zh": "某", "fine": fine}
    )
    assert field_errors(response, "fine") == [message]
    assert not ViolationType.objects.exists()


# --- price checks -------------------------------------------------------------------------


def test_the_manager_records_a_price_check_and_sees_the_outlet_above_street(
    client, css_manager, css_outlet
):
    client.force_login(css_manager)
    response = client.post(
        reverse("price-checks:add"),
        {
            "lease": css_outlet.pk,
            "checked_on": TODAY().isoformat(),
            "item": "拿铁 (latte)",
            "station_price": "32.00",
            "street_price": "28.50",
        },
    )
    check = PriceCheck.objects.get()
    assert check.above_street and check.checked_by == css_manager
    assert messages_of(response) == [
        f"Price check recorded: 拿铁 (latte) at {css_outlet.code} costs 32.00 CNY, above the "
        "street price of 28.50 CNY."
    ]
    html = content(client.get(reverse("price-checks:above_street")))
    assert f'data-cms-outlet="{css_outlet.code}"' in html and "+3.50" in html
    # A later check at the street price clears it.
    check_price(css_outlet, css_manager, item="拿铁 (latte)", station_price="28.50",
                street_price="28.50")  # fmt: skip
    assert "data-cms-none-above" in content(client.get(reverse("price-checks:above_street")))


def test_a_bad_price_check_names_its_fields_and_saves_nothing(client, css_manager, css_outlet):
    client.force_login(css_manager)
    response = client.post(
        reverse("price-checks:add"),
        {
            "lease": css_outlet.pk,
            "checked_on": TODAY().isoformat(),
            "item": "",
            "station_price": "0",
            "street_price": "abc",
        },
    )
    assert field_errors(response, "item") == ["This field is required."]
    assert field_errors(response, "station_price") == ["The amount must be more than 0."]
    assert field_errors(response, "street_price") == ["Enter an amount in CNY."]
    assert not PriceCheck.objects.exists()


# --- marketing events ---------------------------------------------------------------------


def test_the_officer_creates_an_event_and_enters_its_outlets(
    client, css_officer, css_outlet, yye_outlet
):
    client.force_login(css_officer)
    response = client.post(
        reverse("marketing-events:add"),
        {
            "title": "湘味特产节",
            "station": css_outlet.station.pk,
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() + dt.timedelta(days=6)).isoformat(),
            "description": "",
        },
    )
    event = MarketingEvent.objects.get()
    url = reverse("marketing-events:detail", args=(event.pk,))
    assert response["Location"] == url
    html = content(client.get(url))
    assert css_outlet.code in html and yye_outlet.code not in html  # only its station's
    response = client.post(url, {"outlets": [css_outlet.pk]})
    assert list(event.outlets.all()) == [css_outlet]
    assert messages_of(response)[-1] == "湘味特产节 now has 1 outlets taking part."
    html = content(client.get(url))
    assert f'data-cms-outlet="{css_outlet.code}"' in html and "data-cms-no-candidates" in html


def test_a_station_officer_must_name_the_station_and_dates_in_order(
    client, css_officer, css_outlet
):
    client.force_login(css_officer)
    response = client.post(
        reverse("marketing-events:add"),
        {
            "title": "",
            "station": "",
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert field_errors(response, "station") == ["This field is required."]
    assert not MarketingEvent.objects.exists()
    response = client.post(
        reverse("marketing-events:add"),
        {
            "title": "",
            "station": css_outlet.station.pk,
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert field_errors(response, "title") == ["Give the event a title."]
    assert field_errors(response, "ends_on") == [
        f"The event ends on or after it starts ({TODAY()})."
    ]
    assert not MarketingEvent.objects.exists()


def test_a_network_event_offers_the_outlets_of_the_chosen_station(
    client, network_officer, css_outlet, yye_outlet
):
    event = operation.marketing_event_create(
        actor=network_officer, title="暑运促销", starts_on=TODAY(), ends_on=TODAY()
    )
    client.force_login(network_officer)
    url = reverse("marketing-events:detail", args=(event.pk,))
    form = client.get(url, {"station": "YYE"}).context["form"]
    assert list(form.fields["outlets"].queryset) == [yye_outlet]
    response = client.post(url + "?station=YYE", {"outlets": []})
    assert field_errors(response, "outlets") == ["Choose at least one outlet."]
    response = client.post(url + "?station=YYE", {"outlets": [yye_outlet.pk]})
    assert response["Location"] == url + "?station=YYE"
    assert list(event.outlets.all()) == [yye_outlet]


# --- spread limits ------------------------------------------------------------------------


def test_the_officer_sets_a_limit_and_sees_the_station_exceed_it(client, css_officer, css_outlet):
    open_outlet(css_outlet.station, name="瑞幸")  # a second coffee outlet on the level
    client.force_login(css_officer)
    response = client.post(
        reverse("spread-limits:add"),
        {
            "station": css_outlet.station.pk,
            "business_type": business_type("coffee").pk,
            "max_per_level": "1",
            "max_per_station": "",
        },
    )
    limit = SpreadLimit.objects.get()
    assert (limit.max_per_level, limit.max_per_station) == (1, None)
    page = reverse("spread-limits:station", args=("CSS",))
    assert response["Location"] == page
    html = content(client.get(page))
    assert "data-cms-spread-faults" in html
    assert "Changsha South takes at most 1 coffee outlets per level: level 高架层 has 2" in html
    # Changed on its own page; both empty removes it.
    edit = reverse("spread-limits:edit", args=(limit.pk,))
    assert edit in html
    client.post(edit, {"max_per_level": "", "max_per_station": ""})
    assert not SpreadLimit.objects.exists()


def test_a_limit_per_level_above_the_station_limit_is_refused(client, css_officer, css):
    client.force_login(css_officer)
    response = client.post(
        reverse("spread-limits:add"),
        {
            "station": css.pk,
            "business_type": business_type("coffee").pk,
            "max_per_level": "3",
            "max_per_station": "2",
        },
    )
    assert field_errors(response, "max_per_level") == [
        "The most per level (3) cannot exceed the most in the station (2)."
    ]
    response = client.post(
        reverse("spread-limits:add"),
        {
            "station": css.pk,
            "business_type": business_type("coffee").pk,
            "max_per_level": "0",
            "max_per_station": "x",
        },
    )
    assert field_errors(response, "max_per_level") == ["A limit is 1 or more (empty for none)."]
    assert not SpreadLimit.objects.exists()
