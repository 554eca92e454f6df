"""The round after the committee, in the admin: the signed result on the round's page (every
version), the officer's actions behind confirmations (publish, fail, award), the awards, the
objections (the officer proposes, an inspector co-signs or sends back), and what waits for each
role on the admin home page.

Every action goes through tenders.result: a refusal shows the service's message and changes
nothing.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from audit.models import Entry
from stations.models import Unit
from tenders import result as outcome
from tenders import scoring
from tenders.models import Award, Lot, Objection, Result, Score, TenderRound
from tests.cms.committee_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.committee_fixtures import (
    messages_of,
    objection,
    shows_reserve,
    url,
)
from tests.cms.conftest import speak_english
from tests.tenders.committee_factories import (
    declare_all,
    opened_round,
    score_all,
    seat_committee,
    sheet,
)

pytestmark = pytest.mark.django_db
Status = TenderRound.Status
ObjectionStatus = Objection.Status


def errors_of(form, field) -> list[str]:
    """A form's errors on ``field`` as the English page showed them (lazy messages are read
    in the thread's language, left in Chinese by the request)."""
    with translation.override("en"):
        return [str(error) for error in form.errors[field]]


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def status_of(opened) -> str:
    return opened.refresh().status


def ended(clock, opened):
    """The clock a minute after the publicity period."""
    clock.move_to(opened.round.publicity_ends_at + dt.timedelta(minutes=1))


# --- the result on the round's page -------------------------------------------------------


def test_the_result_shows_each_lots_ranking_with_its_points(client, signed, members):
    for user in (signed.officer, signed.inspector, members[0], members[3]):
        client.force_login(user)
        html = html_of(client.get(url("detail", signed.round.pk)))
        assert 'id="result"' in html
        assert f"Version 1, signed by the chair {members[0].username}" in html
        lot1 = html[html.index('data-cms-result-lot="1"') : html.index('data-cms-result-lot="2"')]
        # A: 60 + 5 (capital tier) + 25 = 90; B: 52 + 5 + 20 = 77; C invalid.
        assert lot1.index(signed.bid_of("a").bid.receipt_number) < lot1.index(
            signed.bid_of("b").bid.receipt_number
        )
        assert "90.0000" in lot1 and "77.0000" in lot1
        assert "52.0000" in lot1 and "25.0000" in lot1 and "20.0000" in lot1
        assert "150,000.00" in lot1 and "130,000.00" in lot1
        assert "Invalid bids" in lot1 and "Merchant C" in lot1
        assert all(m.username in lot1 for m in members)  # scored by


def test_the_result_names_the_recused_members(client, opened, clock):
    members = [speak_english(m) for m in seat_committee(opened, size=6)]
    declare_all(opened, members, conflicts={(5, "b")})  # B bid for lot 1 only
    score_all(opened, members)
    outcome.result_sign_off(actor=members[0], round=opened.round)
    client.force_login(opened.officer)
    html = html_of(client.get(url("detail", opened.round.pk)))
    lot1 = html[html.index('data-cms-result-lot="1"') : html.index('data-cms-result-lot="2"')]
    assert f"Recused: {members[5].username}" in lot1


def test_no_result_before_the_sign_off(client, scored):
    client.force_login(scored.officer)
    html = html_of(client.get(url("detail", scored.round.pk)))
    assert 'id="result"' not in html


def test_a_rescored_round_shows_both_versions(client, publicity, members, clock):
    lodged = objection(publicity)
    outcome.objection_propose(
        actor=publicity.officer,
        objection=lodged,
        upheld=True,
        outcome=Objection.Outcome.RESCORE,
        reason="Bid B's plan was misread.",
    )
    outcome.objection_cosign(actor=publicity.inspector, objection=lodged)
    client.force_login(publicity.officer)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    assert "The standing result was withdrawn after an upheld objection" in html
    assert 'data-cms-result-version="1"' in html
    lot1 = publicity.lots[0]
    scoring.scoresheet_correct(
        actor=members[1],
        lot=lot1,
        scores=sheet(lot1, {"a": "24", "b": "21"}, publicity),
        reason="Re-read bid B's plan.",
    )
    outcome.result_sign_off(actor=members[0], round=publicity.round)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    assert "Version 2, signed by the chair" in html
    earlier = html[html.index('data-cms-result-version="1"') :]
    assert "withdrawn on" in earlier and "Bid B&#x27;s plan was misread." in earlier
    assert Result.objects.count() == 2


def test_the_round_page_with_a_result_asks_a_fixed_number_of_queries(
    client, clock, django_assert_max_num_queries
):
    def round_page(offers):
        opened = opened_round(clock, offers)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        points = {1: [dict.fromkeys(offers[1], "20") for _ in members]}
        score_all(opened, members, points)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.round)
        client.force_login(speak_english(opened.officer))
        with django_assert_max_num_queries(60) as counted:
            response = client.get(url("detail", opened.round.pk))
        assert response.status_code == 200
        return len(counted.captured_queries), response

    few, _ = round_page({1: {"a": "150000.00", "b": "130000.00"}})
    many, response = round_page(
        {1: {letter: f"{150000 + n}.00" for n, letter in enumerate("abcdefgh")}}
    )
    assert len(response.context["result"]["lots"][0]["ranking"]) == 8
    assert many <= few


# --- publish, fail, award -----------------------------------------------------------------


def test_publishing_is_offered_once_signed_and_asks_for_confirmation(client, signed):
    client.force_login(signed.officer)
    html = html_of(client.get(url("detail", signed.round.pk)))
    assert 'data-cms-action="publish-result"' in html
    assert 'data-cms-action="award"' not in html
    page = html_of(client.get(url("action", signed.round.pk, "publish-result")))
    assert f"Publish the result of round {signed.round.code}?" in page
    assert "publicity period of 3 days" in page
    assert status_of(signed) == Status.SCORED
    response = client.post(url("action", signed.round.pk, "publish-result"))
    assert response.status_code == 302
    assert status_of(signed) == Status.PUBLICITY
    assert messages_of(response) == [f"The result of round {signed.round.code} is published."]
    assert Entry.objects.filter(action="result.publish").count() == 1


def test_publishing_is_not_offered_before_the_sign_off(client, scored):
    client.force_login(scored.officer)
    html = html_of(client.get(url("detail", scored.round.pk)))
    assert 'data-cms-action="publish-result"' not in html
    response = client.post(url("action", scored.round.pk, "publish-result"))
    assert response.status_code == 200
    assert messages_of(response) == [f"Round {scored.round.code} was not changed."]
    assert status_of(scored) == Status.OPENED


def test_only_officers_act_on_the_round(client, signed, members):
    for user in (signed.inspector, members[0]):
        client.force_login(user)
        for action in ("publish-result", "fail", "award"):
            response = client.post(url("action", signed.round.pk, action), {"reason": "x"})
            assert response.status_code in (302, 403)
            assert response.status_code != 302 or response["Location"] == "/admin/"
    assert status_of(signed) == Status.SCORED


def test_failing_the_round_needs_a_reason(client, signed):
    client.force_login(signed.officer)
    assert 'data-cms-action="fail"' in html_of(client.get(url("detail", signed.round.pk)))
    page = html_of(client.get(url("action", signed.round.pk, "fail")))
    assert "Why does the round fail?" in page
    response = client.post(url("action", signed.round.pk, "fail"), {"reason": " "})
    assert response.status_code == 200
    assert errors_of(response.context["form"], "reason") == ["Say why the round fails."]
    assert status_of(signed) == Status.SCORED
    response = client.post(
        url("action", signed.round.pk, "fail"), {"reason": "The station is being rebuilt."}
    )
    assert response.status_code == 302
    assert status_of(signed) == Status.FAILED
    assert set(Lot.objects.filter(round=signed.round).values_list("status", flat=True)) == {
        Lot.Status.FAILED
    }
    assert Entry.objects.get(action="round.fail").data == {
        "reason": "The station is being rebuilt."
    }


def test_the_award_waits_for_the_end_of_publicity(client, publicity, clock):
    client.force_login(publicity.officer)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    assert 'data-cms-action="award"' not in html
    assert "data-cms-award-waits" in html
    response = client.post(url("action", publicity.round.pk, "award"))
    assert response.status_code == 200
    with translation.override("en"):
        ends = outcome.when(publicity.round.publicity_ends_at)
    assert f"The publicity period runs until {ends}: the award comes after it." in (
        response.content.decode()
    )
    assert not Award.objects.exists()
    assert status_of(publicity) == Status.PUBLICITY


def test_the_award_waits_for_every_objection(client, publicity, clock):
    objection(publicity)
    ended(clock, publicity)
    client.force_login(publicity.officer)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    assert 'data-cms-action="award"' not in html
    assert "1 objection awaits its decision: the award waits for it." in html
    response = client.post(url("action", publicity.round.pk, "award"))
    assert "1 objection(s) await their decision: the award waits for them." in (
        response.content.decode()
    )
    assert not Award.objects.exists()


def test_the_officer_makes_the_award_and_sees_it(client, publicity, clock):
    ended(clock, publicity)
    client.force_login(publicity.officer)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    assert 'data-cms-action="award"' in html
    page = html_of(client.get(url("action", publicity.round.pk, "award")))
    assert f"Make the award of round {publicity.round.code}?" in page
    response = client.post(url("action", publicity.round.pk, "award"))
    assert response.status_code == 302
    assert messages_of(response) == [f"Round {publicity.round.code} is awarded."]
    assert status_of(publicity) == Status.AWARDED
    lot1, lot2 = publicity.lots
    assert Award.objects.get(lot=lot1).merchant == publicity.merchants["a"]
    html = html_of(client.get(url("detail", publicity.round.pk)))
    awards = html[html.index('id="awards"') :]
    unit = lot1.units.get()
    assert 'data-cms-award="1"' in awards and 'data-cms-award="2"' in awards
    assert "Merchant A" in awards and "150,000.00" in awards
    assert f"{unit.code} · Reserved" in awards
    assert Unit.objects.get(pk=unit.pk).status == Unit.Status.RESERVED
    # Once awarded the round is a public result, the reserve with it.
    assert shows_reserve(html)


# --- objections ---------------------------------------------------------------------------


def test_the_objections_are_listed_on_the_round_page(client, publicity):
    lodged = objection(publicity)
    for user in (publicity.officer, publicity.inspector):
        client.force_login(user)
        html = html_of(client.get(url("detail", publicity.round.pk)))
        row = html[html.index(f'data-cms-objection="{lodged.pk}"') :]
        assert "Merchant B" in row
        assert "Our business plan was scored unfairly." in row
        assert "Awaiting a decision" in row
    client.force_login(publicity.officer)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    assert url("objection_propose", publicity.round.pk, lodged.pk) in html
    client.force_login(publicity.inspector)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    assert url("objection_propose", publicity.round.pk, lodged.pk) not in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"upheld": "yes", "reason": "Agreed."}, "outcome",
         "An upheld objection needs its outcome: re-scoring or a failed lot."),
        ({"upheld": "no", "reason": " "}, "reason", "Give the reasons for the decision."),
        ({"reason": "Agreed."}, "upheld", "Uphold or reject the objection."),
    ],
)  # fmt: skip
def test_a_bad_proposal_is_refused_on_its_field_and_nothing_saved(
    client, publicity, data, field, message
):
    lodged = objection(publicity)
    client.force_login(publicity.officer)
    response = client.post(url("objection_propose", publicity.round.pk, lodged.pk), data)
    assert response.status_code == 200
    assert errors_of(response.context["form"], field) == [message]
    assert messages_of(response) == ["Nothing was saved: see the messages below."]
    lodged.refresh_from_db()
    assert (lodged.status, lodged.proposed_by) == (ObjectionStatus.PENDING, None)


def test_the_officer_proposes_and_the_inspector_co_signs(client, publicity):
    lodged = objection(publicity)
    client.force_login(publicity.officer)
    page = html_of(client.get(url("objection_propose", publicity.round.pk, lodged.pk)))
    assert "Our business plan was scored unfairly." in page
    response = client.post(
        url("objection_propose", publicity.round.pk, lodged.pk),
        {"upheld": "no", "reason": "The plan was scored by the book."},
    )
    assert response.status_code == 302
    lodged.refresh_from_db()
    assert (lodged.status, lodged.upheld, lodged.proposed_by) == (
        ObjectionStatus.PROPOSED,
        False,
        publicity.officer,
    )
    client.force_login(publicity.inspector)
    html = html_of(client.get(url("detail", publicity.round.pk)))
    decide = url("objection_decide", publicity.round.pk, lodged.pk)
    assert decide in html
    page = html_of(client.get(decide))
    assert "The plan was scored by the book." in page and 'data-cms-action="cosign"' in page
    response = client.post(decide, {"action": "cosign"})
    assert response.status_code == 302
    lodged.refresh_from_db()
    assert (lodged.status, lodged.decided_by) == (ObjectionStatus.REJECTED, publicity.inspector)
    assert messages_of(response) == [
        "The decision is co-signed: the objection of Merchant B is “Rejected”."
    ]


def test_the_proposer_cannot_co_sign_and_is_told_why(client, publicity):
    both = publicity.officer
    both.user_permissions.add(Permission.objects.get(codename="confirm_opening"))
    both = type(both).objects.get(pk=both.pk)
    lodged = objection(publicity)
    outcome.objection_propose(actor=both, objection=lodged, upheld=False, reason="No ground.")
    client.force_login(both)
    decide = url("objection_decide", publicity.round.pk, lodged.pk)
    assert "You proposed this decision: another person must co-sign it." in html_of(
        client.get(decide)
    )
    response = client.post(decide, {"action": "cosign"})
    assert response.status_code == 200
    assert "The decision was proposed by you: another person must co-sign it." in (
        response.content.decode()
    )
    assert messages_of(response) == ["The decision was not co-signed."]
    lodged.refresh_from_db()
    assert lodged.status == ObjectionStatus.PROPOSED


def test_an_officer_cannot_co_sign(client, publicity, clock):
    from tests.tenders.factories import tender_officer

    lodged = objection(publicity)
    outcome.objection_propose(
        actor=publicity.officer, objection=lodged, upheld=False, reason="No ground."
    )
    other_officer = speak_english(tender_officer())
    client.force_login(other_officer)
    decide = url("objection_decide", publicity.round.pk, lodged.pk)
    assert 'data-cms-action="cosign"' not in html_of(client.get(decide))
    response = client.post(decide, {"action": "cosign"})
    assert "A discipline inspector co-signs the decision on an objection." in (
        response.content.decode()
    )
    lodged.refresh_from_db()
    assert lodged.status == ObjectionStatus.PROPOSED


def test_the_inspector_sends_a_proposal_back_with_a_reason(client, publicity):
    lodged = objection(publicity)
    outcome.objection_propose(
        actor=publicity.officer,
        objection=lodged,
        upheld=True,
        outcome=Objection.Outcome.FAIL_LOT,
        reason="The unit is unsafe.",
    )
    client.force_login(publicity.inspector)
    decide = url("objection_decide", publicity.round.pk, lodged.pk)
    response = client.post(decide, {"action": "return", "reason": ""})
    assert response.status_code == 200
    assert errors_of(response.context["return_form"], "reason") == [
        "Say why the proposal is sent back."
    ]
    lodged.refresh_from_db()
    assert lodged.status == ObjectionStatus.PROPOSED
    response = client.post(decide, {"action": "return", "reason": "Ask the fire inspector."})
    assert response.status_code == 302
    lodged.refresh_from_db()
    assert (lodged.status, lodged.proposed_by) == (ObjectionStatus.PENDING, None)
    assert Entry.objects.get(action="objection.return").data["reason"] == (
        "Ask the fire inspector."
    )


def test_an_upheld_objection_failing_the_lot_takes_effect_at_the_co_signature(client, publicity):
    lodged = objection(publicity)
    client.force_login(publicity.officer)
    client.post(
        url("objection_propose", publicity.round.pk, lodged.pk),
        {"upheld": "yes", "outcome": "fail_lot", "reason": "The lot's unit is unsafe."},
    )
    client.force_login(publicity.inspector)
    client.post(url("objection_decide", publicity.round.pk, lodged.pk), {"action": "cosign"})
    lodged.refresh_from_db()
    assert lodged.status == ObjectionStatus.UPHELD
    assert Lot.objects.get(pk=publicity.lots[0].pk).status == Lot.Status.FAILED


def test_objection_pages_of_another_round_are_not_found(client, publicity, clock):
    lodged = objection(publicity)
    elsewhere = opened_round(clock)
    client.force_login(publicity.officer)
    assert client.get(url("objection_propose", elsewhere.round.pk, lodged.pk)).status_code == 404
    client.force_login(publicity.inspector)
    assert client.get(url("objection_decide", elsewhere.round.pk, lodged.pk)).status_code == 404


# --- the home page ------------------------------------------------------------------------


def test_the_home_page_tells_each_role_what_waits(client, publicity, clock, members):
    lodged = objection(publicity)
    client.force_login(publicity.officer)
    html = html_of(client.get("/admin/"))
    assert url("objection_propose", publicity.round.pk, lodged.pk) in html
    outcome.objection_propose(
        actor=publicity.officer, objection=lodged, upheld=False, reason="No ground."
    )
    client.force_login(publicity.inspector)
    html = html_of(client.get("/admin/"))
    assert "Co-sign the decision on the objection of Merchant B" in html
    outcome.objection_cosign(actor=publicity.inspector, objection=lodged)
    assert "Co-sign the decision" not in html_of(client.get("/admin/"))
    client.force_login(publicity.officer)
    assert 'data-cms-waiting="award"' not in html_of(client.get("/admin/"))
    ended(clock, publicity)
    html = html_of(client.get("/admin/"))
    assert 'data-cms-waiting="award"' in html
    assert url("action", publicity.round.pk, "award") in html


def test_the_home_page_offers_the_officer_a_result_to_publish(client, signed):
    client.force_login(signed.officer)
    html = html_of(client.get("/admin/"))
    assert f"Publish the result of {signed.round.code}" in html


def test_the_page_shows_the_signed_report_not_a_recomputation(client, signed):
    # A score altered in the database after the signature does not move the result shown.
    Score.objects.update(points=Decimal("0"))
    client.force_login(signed.officer)
    html = html_of(client.get(url("detail", signed.round.pk)))
    lot1 = html[html.index('data-cms-result-lot="1"') : html.index('data-cms-result-lot="2"')]
    assert "90.0000" in lot1 and "77.0000" in lot1
