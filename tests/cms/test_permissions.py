"""Who sees and changes what in the back office: a station's officer or manager only that
station (anything else answers 404, like a missing object), the inspector everything and
nothing to change, merchants and committee members no station space at all."""

import pytest
from django.urls import reverse

from audit.models import Entry
from stations import roles, selectors, services
from stations.models import Level, Station, Unit, UtilityPoint, Zone
from tests.cms.conftest import speak_english
from tests.factories import UserFactory
from tests.stations.factories import cabinet, square

pytestmark = pytest.mark.django_db

SPACE_LISTS = {
    "stations:index": Station,
    "levels:index": Level,
    "units:index": Unit,
    "zones:index": Zone,
    "utility-points:index": UtilityPoint,
}


@pytest.fixture
def network(concourse, other_level):
    """Two stations: CSS (the concourse: units A01, A02) and YYE (unit B01)."""
    cabinet(other_level, 50, 25, capacity_kw="50", code="Y1")
    services.zone_create(
        actor=None, level=other_level, kind="evacuation", polygon=square(0, 20, 60, 4)
    )
    return concourse, other_level


def listed(client, name) -> list:
    return list(client.get(reverse(name)).context["object_list"])


def station_codes(objects) -> set[str]:
    codes = set()
    for obj in objects:
        station = obj if isinstance(obj, Station) else getattr(obj, "station", None)
        station = station or obj.level.station
        codes.add(station.code)
    return codes


# --- the selectors ------------------------------------------------------------------------


def test_selectors_scope_a_station_officer_to_their_station(network, css_officer):
    assert list(selectors.stations_for(css_officer).values_list("code", flat=True)) == ["CSS"]
    assert {u.code for u in selectors.units_for(css_officer)} == {"A01", "A02"}
    assert {lv.station.code for lv in selectors.levels_for(css_officer)} == {"CSS"}
    assert {z.level.station.code for z in selectors.zones_for(css_officer)} == {"CSS"}
    assert {p.code for p in selectors.utility_points_for(css_officer)} == {"C1"}


def test_selectors_give_the_network_officer_and_the_inspector_every_station(
    network, network_officer, inspector
):
    for user in (network_officer, inspector):
        assert selectors.stations_for(user).count() == 2
        assert selectors.units_for(user).count() == 3
    assert selectors.stations_for(inspector, manage=True).count() == 0
    assert selectors.stations_for(network_officer, manage=True).count() == 2


def test_selectors_give_nothing_to_a_merchant_or_an_anonymous_user(network):
    from django.contrib.auth.models import AnonymousUser

    merchant = UserFactory(roles=[roles.MERCHANT])
    for user in (merchant, AnonymousUser()):
        assert not selectors.stations_for(user).exists()
        assert not selectors.units_for(user).exists()


def test_get_for_answers_404_alike_for_missing_and_forbidden(network, css_officer):
    from django.http import Http404

    b01 = Unit.objects.get(code="B01")
    missing = Unit.objects.order_by("-pk").first().pk + 100
    answers = []
    for lookup, key in (
        (selectors.get_unit_for, b01.pk),
        (selectors.get_unit_for, missing),
        (selectors.get_station_for, "YYE"),
        (selectors.get_station_for, "NOPE"),
    ):
        with pytest.raises(Http404) as caught:
            lookup(css_officer, key)
        answers.append(str(caught.value))
    assert answers[0] == answers[1]
    assert answers[2] == answers[3]
    assert selectors.get_unit_for(css_officer, Unit.objects.get(code="A01").pk).code == "A01"


# --- a station officer and a station manager ----------------------------------------------


@pytest.mark.parametrize("who", ["css_officer", "css_manager"])
def test_a_station_officer_or_manager_sees_only_their_station_in_every_list(
    client, network, who, request
):
    client.force_login(request.getfixturevalue(who))
    for name in SPACE_LISTS:
        objects = listed(client, name)
        assert objects, name
        assert station_codes(objects) == {"CSS"}, name


@pytest.mark.parametrize("who", ["css_officer", "css_manager"])
def test_another_stations_objects_answer_404_to_a_station_officer(client, network, who, request):
    client.force_login(request.getfixturevalue(who))
    concourse, other_level = network
    b01 = other_level.units.get()
    point = other_level.utility_points.get()
    urls = [
        reverse("units:edit", args=(b01.pk,)),
        reverse("units:inspect", args=(b01.pk,)),
        reverse("levels:edit", args=(other_level.pk,)),
        reverse("levels:inspect", args=(other_level.pk,)),
        reverse("stations:edit", args=(other_level.station_id,)),
        reverse("utility-points:inspect", args=(point.pk,)),
        reverse("cms_station_plan", args=("YYE",)),
        reverse("cms_level_plan", args=("YYE", other_level.pk)),
        reverse("cms_level_plan_svg", args=("YYE", other_level.pk)),
        reverse("cms_level_plan_png", args=("YYE", other_level.pk)),
        # the level exists but belongs to another station than the one in the address
        reverse("cms_level_plan", args=("CSS", other_level.pk)),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # ... exactly as for objects that do not exist at all
    assert client.get(reverse("units:edit", args=(b01.pk + 1000,))).status_code == 404
    assert client.get(reverse("cms_station_plan", args=("NOPE",))).status_code == 404


def test_a_station_officer_cannot_change_another_stations_unit(client, network, css_officer):
    concourse, other_level = network
    client.force_login(css_officer)
    b01 = other_level.units.get()
    entries = Entry.objects.count()
    status = client.post(reverse("units:change_status", args=(b01.pk,)), {"status": "available"})
    edit = client.post(
        reverse("units:edit", args=(b01.pk,)),
        {"code": "B99", "polygon_wkt": square(0, 0, 8), "kind": "shop", "power_kw": "0"},
    )
    delete = client.post(reverse("units:delete", args=(b01.pk,)))
    assert (status.status_code, edit.status_code, delete.status_code) == (404, 404, 404)
    b01.refresh_from_db()
    assert (b01.code, b01.status) == ("B01", Unit.Status.PLANNED)
    assert Entry.objects.count() == entries


def test_a_station_officer_cannot_place_a_unit_on_another_stations_level(
    client, network, css_officer
):
    concourse, other_level = network
    client.force_login(css_officer)
    form = client.get(reverse("units:add")).context["form"]
    assert list(form.fields["level"].queryset) == [concourse]
    response = client.post(
        reverse("units:add"),
        {
            "level": other_level.pk,
            "code": "B02",
            "polygon_wkt": square(20, 0, 8),
            "kind": "shop",
            "power_kw": "0",
        },
    )
    assert response.status_code == 200
    assert "level" in response.context["form"].errors
    assert not Unit.objects.filter(code="B02").exists()


def test_a_station_officer_edits_their_own_station(client, network, css_officer):
    concourse, _other = network
    client.force_login(css_officer)
    unit = concourse.units.get(code="A02")
    response = client.post(
        reverse("units:change_status", args=(unit.pk,)), {"status": "available"}
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    assert client.get(reverse("units:edit", args=(unit.pk,))).status_code == 200


def test_a_station_officer_may_not_add_a_station(client, network, css_officer):
    client.force_login(css_officer)
    content = client.get(reverse("stations:index")).content.decode()
    assert reverse("stations:add") not in content
    response = client.get(reverse("stations:add"))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_a_station_manager_has_no_delete_button_or_view(client, network, css_manager):
    concourse, _other = network
    client.force_login(css_manager)
    unit = concourse.units.get(code="A02")
    content = client.get(reverse("units:index")).content.decode()
    assert reverse("units:edit", args=(unit.pk,)) in content
    assert reverse("units:delete", args=(unit.pk,)) not in content
    response = client.post(reverse("units:delete", args=(unit.pk,)))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_the_filters_offer_a_station_officer_only_their_station(client, network, css_officer):
    client.force_login(css_officer)
    filters = client.get(reverse("units:index")).context["filters"]
    assert list(filters.form.fields["station"].queryset.values_list("code", flat=True)) == ["CSS"]
    # another station's id is not a valid choice: the filter is dropped, the scope stays
    foreign = client.get(reverse("units:index"), {"station": network[1].station_id})
    assert station_codes(foreign.context["object_list"]) == {"CSS"}


def test_a_station_officer_reports_only_on_their_station(client, network, css_officer):
    client.force_login(css_officer)
    content = client.get(reverse("cms_report", args=("utilities",))).content.decode()
    assert ">CSS<" in content
    assert ">YYE<" not in content


def test_a_station_officer_may_not_import_into_another_station(client, network, css_officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(css_officer)
    body = "station,level,code,geometry,kind,business_types\r\n" + (
        f'YYE,站台层,B09,"{square(20, 0, 8)}",shop,\r\n'
    )
    upload = SimpleUploadedFile("units.csv", body.encode(), "text/csv")
    response = client.post(reverse("cms_unit_import"), {"file": upload})
    assert response.status_code == 200
    assert "unknown station “YYE” or not yours" in response.content.decode()
    assert not Unit.objects.filter(code="B09").exists()


# --- the discipline inspector -------------------------------------------------------------


def test_the_inspector_sees_every_station_in_every_list(client, network, inspector):
    client.force_login(inspector)
    for name in SPACE_LISTS:
        assert station_codes(listed(client, name)) == {"CSS", "YYE"}, name


def test_the_inspector_is_offered_no_add_edit_or_delete(client, network, inspector):
    client.force_login(inspector)
    unit = Unit.objects.get(code="A01")
    for name in SPACE_LISTS:
        content = client.get(reverse(name)).content.decode()
        prefix = reverse(name)
        assert f'href="{prefix}new/"' not in content, name
        assert f"{prefix}edit/" not in content, name
        assert f"{prefix}delete/" not in content, name
    assert (
        reverse("units:inspect", args=(unit.pk,))
        in client.get(reverse("units:index")).content.decode()
    )
    plan = client.get(reverse("cms_level_plan", args=("CSS", unit.level_id))).content.decode()
    assert reverse("units:add") not in plan
    assert reverse("units:inspect", args=(unit.pk,)) in plan
    inspect = client.get(reverse("units:inspect", args=(unit.pk,))).content.decode()
    assert reverse("units:edit", args=(unit.pk,)) not in inspect


def test_the_inspector_changes_nothing(client, network, inspector):
    client.force_login(inspector)
    unit = Unit.objects.get(code="A01")
    entries = Entry.objects.count()
    home = reverse("wagtailadmin_home")
    for url in (
        reverse("units:add"),
        reverse("units:edit", args=(unit.pk,)),
        reverse("units:delete", args=(unit.pk,)),
        reverse("stations:edit", args=(unit.station_id,)),
    ):
        response = client.post(url, {"code": "X", "polygon_wkt": square(0, 0, 1), "kind": "shop"})
        refused = response.status_code == 404 or response.get("Location") == home
        assert refused, url
    assert (
        client.post(
            reverse("units:change_status", args=(unit.pk,)), {"status": "available"}
        ).status_code
        == 404
    )
    assert client.get(reverse("cms_unit_import")).status_code == 302
    unit.refresh_from_db()
    assert (unit.code, unit.status) == ("A01", Unit.Status.PLANNED)
    assert Entry.objects.count() == entries


# --- people with no station space ---------------------------------------------------------


@pytest.mark.parametrize("role", [roles.MERCHANT, roles.COMMITTEE_MEMBER])
def test_merchants_and_committee_members_cannot_see_station_space(client, network, role):
    user = speak_english(UserFactory(roles=[role]))
    client.force_login(user)
    unit = Unit.objects.get(code="A01")
    for url in (
        reverse("units:index"),
        reverse("stations:index"),
        reverse("units:inspect", args=(unit.pk,)),
        reverse("cms_plans"),
        reverse("cms_level_plan", args=("CSS", unit.level_id)),
        reverse("cms_report", args=("utilities",)),
        reverse("audit-journal:index"),
    ):
        response = client.get(url)
        # a merchant is sent to the login page, a committee member back to the dashboard
        # (or told there is no such object)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith(
                (reverse("wagtailadmin_login"), reverse("wagtailadmin_home"))
            ), url


def test_a_committee_member_has_no_station_space_menu(client, network):
    member = speak_english(UserFactory(roles=[roles.COMMITTEE_MEMBER]))
    client.force_login(member)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Station space" not in content
    assert "Your stations" not in content


def test_an_officer_has_the_station_space_menu(client, network, css_officer):
    client.force_login(css_officer)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Station space" in content
    assert reverse("cms_plans") in content


def test_anonymous_visitors_are_sent_to_the_login_page(client, network):
    unit = Unit.objects.get(code="A01")
    for url in (
        reverse("units:index"),
        reverse("units:edit", args=(unit.pk,)),
        reverse("cms_level_plan", args=("CSS", unit.level_id)),
        reverse("cms_report", args=("utilities",)),
        reverse("cms_unit_import"),
        reverse("audit-journal:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login")), url


def test_the_plans_links_to_a_levels_zones_and_points_filter_them(client, network, css_officer):
    concourse, _other = network
    client.force_login(css_officer)
    plan = client.get(reverse("cms_level_plan", args=("CSS", concourse.pk))).context
    zones = client.get(plan["zones_url"]).context["object_list"]
    points = client.get(plan["points_url"]).context["object_list"]
    assert {z.level_id for z in zones} == {concourse.pk}
    assert {p.level_id for p in points} == {concourse.pk}


def test_a_level_filter_on_another_stations_level_shows_nothing_of_it(
    client, network, css_officer
):
    _concourse, other_level = network
    client.force_login(css_officer)
    listed_zones = client.get(reverse("zones:index"), {"level": other_level.pk})
    assert station_codes(listed_zones.context["object_list"]) <= {"CSS"}
