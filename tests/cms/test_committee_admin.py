"""The committee in the admin: officers seat it from the round's page and follow each lot's
declarations and sheets; members declare and score one lot at a time under "My evaluations";
the chair signs the report.

Every form goes through tenders.committee / tenders.scoring / tenders.result: a refusal shows
the service's message on the field it names, and nothing is saved. No committee page holds a
lot's reserve price, and before a member has submitted their own sheet no page they can open
holds another member's score.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from audit.models import Entry
from tenders import committee, scoring
from tenders import result as outcome
from tenders.models import Declaration, Result, Score, ScoreSheet, Seat, TenderRound
from tests.cms.committee_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.committee_fixtures import (
    grid_post,
    in_admin,
    lot_url,
    messages_of,
    shows_reserve,
    url,
)
from tests.cms.conftest import speak_english
from tests.tenders.committee_factories import (
    declare_all,
    member,
    opened_round,
    seat_committee,
    sheet,
)
from tests.tenders.round_factories import add_lot, make_round

pytestmark = pytest.mark.django_db
Status = TenderRound.Status
EVALUATIONS = "/admin/evaluations/"

# What the other members give on lot 1 (A, B): numbers that appear nowhere else on the pages.
OTHERS = [
    {"a": "17.38", "b": "23.91"},
    {"a": "3.47", "b": "13.29"},
    {"a": "19.06", "b": "21.73"},
    {"a": "16.52", "b": "14.84"},
]
OTHERS_SHOWN = [value for given in OTHERS for value in given.values()]
SECRET = "Judged against the station brand guide"


def english(obj) -> str:
    """An object's name as the English pages give it (a request leaves the thread in the
    default language, Chinese)."""
    with translation.override("en"):
        return str(obj)


def errors_of(form, field) -> list[str]:
    """A form's errors on ``field`` as the English page showed them (lazy messages are read
    in the thread's language, left in Chinese by the request)."""
    with translation.override("en"):
        return [str(error) for error in form.errors[field]]


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def others_score(opened, members):
    """Members 1-4 submit lot 1 (member 1 with a justification); member 0 has not."""
    lot = opened.lots[0]
    for n, user in enumerate(members[1:]):
        justifications = {}
        if n == 0:
            justifications = dict.fromkeys(sheet(lot, {"a": 0}, opened), SECRET)  # fmt: skip
        scoring.scoresheet_submit(
            actor=user,
            lot=lot,
            scores=sheet(lot, OTHERS[n], opened),
            justifications=justifications,
        )


def shows_others(html: str) -> bool:
    return SECRET in html or any(value in html for value in OTHERS_SHOWN)


# --- who sees what ------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, declared):
    for target in (EVALUATIONS, lot_url(declared), url("sign_off", declared.round.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_the_menu_offers_my_evaluations_to_committee_members_only(client, opened, members):
    client.force_login(members[1])
    assert EVALUATIONS in html_of(client.get("/admin/"))
    client.force_login(opened.officer)
    assert f'href="{EVALUATIONS}"' not in html_of(client.get("/admin/"))
    assert client.get(EVALUATIONS).status_code == 404


def test_a_member_lists_their_seats_and_where_they_stand(client, declared, members):
    other = make_round(code="ZB-2026-0990", title="Another round")
    add_lot(other)
    committee.seat_appoint(
        actor=None, round=other, user=members[1], department=Seat.Department.FINANCE
    )
    client.force_login(members[1])
    html = html_of(client.get(EVALUATIONS))
    assert declared.round.code in html and "ZB-2026-0990" in html
    assert html.count('data-cms-lot-state="score"') == 2
    assert 'data-cms-lot-state="sealed"' in html  # the other round's lot: not opened
    assert lot_url(declared) in html


def test_a_member_of_another_round_gets_404(client, declared, clock):
    stranger = speak_english(member())
    other = make_round(code="ZB-2026-0991")
    committee.seat_appoint(
        actor=None, round=other, user=stranger, department=Seat.Department.LEGAL
    )
    client.force_login(stranger)
    for target in (
        lot_url(declared),
        url("detail", declared.round.pk),
        url("sign_off", declared.round.pk),
        url("lot_scores", declared.round.pk, declared.lots[0].pk),
        reverse("evaluations:declare", args=(declared.round.pk,)),
    ):
        assert client.get(target).status_code == 404, target
    response = client.post(
        reverse("evaluations:declare", args=(declared.round.pk,)), {"action": "submit"}
    )
    assert response.status_code == 404
    assert not Declaration.objects.filter(seat__user=stranger).exists()


def test_officers_inspectors_and_merchants_have_no_evaluation_page(client, declared):
    bidder = in_admin(declared.users["a"])
    for user in (declared.officer, declared.inspector, bidder):
        client.force_login(user)
        assert client.get(lot_url(declared)).status_code == 404
        assert client.get(url("sign_off", declared.round.pk)).status_code == 404


def test_a_lot_of_another_round_is_not_found(client, declared, members, clock):
    elsewhere = opened_round(clock)
    client.force_login(members[1])
    target = reverse("evaluations:lot", args=(declared.round.pk, elsewhere.lots[0].pk))
    assert client.get(target).status_code == 404


def test_the_reserve_is_in_no_committee_page(client, declared, members):
    chair = members[0]
    client.force_login(chair)
    pages = [
        client.get(EVALUATIONS),
        client.get(lot_url(declared)),
        client.get(url("detail", declared.round.pk)),
        client.get(url("sign_off", declared.round.pk)),
        client.get("/admin/"),
        client.post(
            lot_url(declared), grid_post(declared, {"a": "25", "b": "20"}, action="review")
        ),
    ]
    client.post(lot_url(declared), grid_post(declared, {"a": "25", "b": "20"}))
    pages.append(client.get(lot_url(declared)))
    for response in pages:
        html = html_of(response)
        assert not shows_reserve(html)
    # The officer's round page shows it: the pages above would have had it to hand.
    client.force_login(declared.officer)
    assert shows_reserve(html_of(client.get(url("detail", declared.round.pk))))


def test_no_other_members_score_reaches_a_member_before_their_own_sheet(client, declared, members):
    others_score(declared, members)
    client.force_login(members[0])  # the chair, who has not scored yet
    pages = {
        "index": client.get(EVALUATIONS),
        "lot": client.get(lot_url(declared)),
        "round": client.get(url("detail", declared.round.pk)),
        "sign-off": client.get(url("sign_off", declared.round.pk)),
        "home": client.get("/admin/"),
        "review": client.post(
            lot_url(declared), grid_post(declared, {"a": "25", "b": "20"}, action="review")
        ),
        "bad input": client.post(
            lot_url(declared), grid_post(declared, {"a": "31", "b": "20"}, action="review")
        ),
    }
    for name, response in pages.items():
        assert not shows_others(html_of(response)), name
    # The lot's valid bids and their computed points are there, the member's own sheet to fill.
    lot_html = html_of(pages["lot"])
    assert "150,000.00" in lot_html and "130,000.00" in lot_html
    assert "52.0000" in lot_html  # B's price points: 130000 / 150000 × 60
    # Once their sheet is in, the others' scores and justifications are shown.
    client.post(lot_url(declared), grid_post(declared, {"a": "25", "b": "20"}))
    html = html_of(client.get(lot_url(declared)))
    assert all(value in html for value in OTHERS_SHOWN)
    assert SECRET in html


def test_a_recused_member_sees_the_recusal_and_nothing_of_the_lots_bids_or_scores(
    client, opened, members
):
    members = [*members, sixth_member(opened)]
    declare_all(opened, members, conflicts={(1, "b")})
    others = [m for n, m in enumerate(members) if n != 1]
    lot = opened.lots[0]
    for user in others:
        scoring.scoresheet_submit(actor=user, lot=lot, scores=sheet(lot, OTHERS[0], opened))
    client.force_login(members[1])
    html = html_of(client.get(lot_url(opened)))
    assert "You are recused from this lot" in html
    assert "Merchant B" in html and "My brother-in-law manages this bidder." in html
    assert "150,000.00" not in html and not shows_others(html)
    assert "data-cms-grid" not in html
    response = client.post(lot_url(opened), grid_post(opened, {"a": "25", "b": "20"}))
    assert not ScoreSheet.objects.filter(seat__user=members[1]).exists()
    html = html_of(response)
    assert f"You declared a conflict with a bidder of {english(lot)}: you do not score it." in html
    assert "150,000.00" not in html and "data-cms-grid" not in html
    response = client.post(
        lot_url(opened), grid_post(opened, {"a": "25", "b": "20"}, action="review")
    )
    assert response.status_code == 302 and not ScoreSheet.objects.filter(seat__user=members[1])


def test_officers_follow_declarations_and_sheets_without_score_values(client, declared, members):
    others_score(declared, members)
    client.force_login(declared.officer)
    html = html_of(client.get(url("detail", declared.round.pk)))
    assert 'id="committee"' in html
    for seat_user in members:
        assert f'data-cms-seat="{seat_user.username}"' in html
    assert "Chair" in html
    assert 'data-cms-progress-lot="1"' in html
    assert f"✓ {members[1].username}" in html
    assert not shows_others(html)
    # Before the sign-off the officer reads no score, on the round page or the lot's.
    assert url("lot_scores", declared.round.pk, declared.lots[0].pk) not in html
    scores = html_of(client.get(url("lot_scores", declared.round.pk, declared.lots[0].pk)))
    assert "data-cms-scores-hidden" in scores and not shows_others(scores)


def test_the_inspector_reads_every_score_with_the_outliers_flagged(client, declared, members):
    others_score(declared, members)
    client.force_login(declared.inspector)
    html = html_of(client.get(url("detail", declared.round.pk)))
    scores_url = url("lot_scores", declared.round.pk, declared.lots[0].pk)
    assert scores_url in html
    scores = html_of(client.get(scores_url))
    assert all(value in scores for value in OTHERS_SHOWN)
    assert "is-outlier" in scores  # 3.47 against a median of 16.95


def test_members_do_not_see_the_committee_section(client, declared, members):
    client.force_login(members[1])
    html = html_of(client.get(url("detail", declared.round.pk)))
    assert 'id="committee"' not in html
    assert "data-cms-my-seat" in html
    assert reverse("evaluations:index") in html


# --- seating the committee ----------------------------------------------------------------


def test_the_officer_appoints_a_member(client, opened, members):
    newcomer = member(username="newcomer")
    client.force_login(opened.officer)
    page = html_of(client.get(url("seat_appoint", opened.round.pk)))
    assert reverse("committee-member-chooser:choose") in page
    response = client.post(
        url("seat_appoint", opened.round.pk),
        {"user": newcomer.pk, "department": Seat.Department.FINANCE},
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", opened.round.pk) + "#committee"
    seat = Seat.objects.get(round=opened.round, user=newcomer)
    assert (seat.department, seat.is_chair, seat.appointed_by) == (
        "finance",
        False,
        opened.officer,
    )
    assert messages_of(response) == ["newcomer sits on the committee for Finance."]


@pytest.mark.parametrize(
    ("who", "department", "chair", "field", "message"),
    [
        (None, "finance", False, "user", "Choose the member to appoint."),
        ("outsider", "finance", False, "user", "outsider is not an evaluation committee member."),
        ("seated", "finance", False, "user", "{seated} already sits on this committee."),
        ("newcomer", "", False, "department", "Choose the department the member represents."),
        ("newcomer", "legal", True, "is_chair", "{chair} already chairs this committee."),
    ],
)
def test_a_bad_appointment_is_refused_on_its_field_and_nothing_saved(
    client, opened, members, who, department, chair, field, message
):
    from tests.factories import UserFactory

    users = {
        "outsider": lambda: UserFactory(username="outsider"),
        "seated": lambda: members[1],
        "newcomer": lambda: member(username="newcomer"),
    }
    chosen = users[who]() if who else None
    client.force_login(opened.officer)
    data = {"department": department}
    if chosen:
        data["user"] = chosen.pk
    if chair:
        data["is_chair"] = "on"
    before = Seat.objects.count()
    response = client.post(url("seat_appoint", opened.round.pk), data)
    assert response.status_code == 200
    form = response.context["form"]
    expected = message.format(seated=members[1].username, chair=members[0].username)
    assert errors_of(form, field) == [expected]
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert Seat.objects.count() == before


def test_only_officers_seat_the_committee(client, opened, members):
    for user in (opened.inspector, members[1]):
        client.force_login(user)
        response = client.post(
            url("seat_appoint", opened.round.pk), {"user": members[1].pk, "department": "legal"}
        )
        assert response.status_code in (302, 403, 404)
        assert response.status_code != 302 or response["Location"] == "/admin/"
        seat = Seat.objects.get(user=members[4])
        removing = client.post(url("seat_remove", opened.round.pk, seat.pk), {"reason": "x"})
        assert removing.status_code in (302, 403, 404)
        assert removing.status_code != 302 or removing["Location"] == "/admin/"
    assert Seat.objects.filter(round=opened.round).count() == 5


def test_the_member_chooser_lists_committee_members_for_officers_only(client, opened, members):
    from tests.factories import UserFactory

    UserFactory(username="not-a-member")
    client.force_login(opened.officer)
    response = client.get(reverse("committee-member-chooser:choose"))
    html = response.json()["html"]
    assert all(m.username in html for m in members)
    assert "not-a-member" not in html
    found = client.get(
        reverse("committee-member-chooser:choose_results"), {"q": members[2].username}
    ).content.decode()
    assert members[2].username in found and members[3].username not in found
    chosen = client.get(reverse("committee-member-chooser:chosen", args=(members[2].pk,)))
    assert chosen.json()["result"]["id"] == str(members[2].pk)
    for user in (members[1], opened.inspector):
        client.force_login(user)
        assert client.get(reverse("committee-member-chooser:choose")).status_code == 404


def test_the_chair_is_handed_over_after_a_confirmation(client, opened, members):
    client.force_login(opened.officer)
    target = url("seat_chair", opened.round.pk, Seat.objects.get(user=members[2]).pk)
    page = html_of(client.get(target))
    assert f"Make {members[2].username} the chair?" in page
    assert f"{members[0].username} chairs the committee now" in page
    response = client.post(target)
    assert response.status_code == 302
    assert Seat.objects.get(is_chair=True, round=opened.round).user == members[2]
    assert Entry.objects.filter(action="committee.make_chair").count() == 1


def test_removing_a_member_needs_a_reason(client, opened, members):
    client.force_login(opened.officer)
    seat = Seat.objects.get(user=members[4])
    target = url("seat_remove", opened.round.pk, seat.pk)
    response = client.post(target, {"reason": "  "})
    assert response.status_code == 200
    assert errors_of(response.context["form"], "reason") == [
        "Say why the member leaves the committee."
    ]
    assert Seat.objects.filter(pk=seat.pk).exists()
    response = client.post(target, {"reason": "Moved to another post."})
    assert response.status_code == 302
    assert not Seat.objects.filter(pk=seat.pk).exists()
    assert Entry.objects.get(action="committee.remove").data == {
        "reason": "Moved to another post."
    }


def test_a_member_who_has_scored_is_not_removed(client, declared, members):
    lot = declared.lots[0]
    scoring.scoresheet_submit(actor=members[4], lot=lot, scores=sheet(lot, OTHERS[0], declared))
    client.force_login(declared.officer)
    seat = Seat.objects.get(user=members[4])
    response = client.post(url("seat_remove", declared.round.pk, seat.pk), {"reason": "Ill."})
    assert response.status_code == 200
    assert (
        f"{members[4].username} has already submitted scores and cannot leave the committee."
        in response.content.decode()
    )
    assert Seat.objects.filter(pk=seat.pk).exists()


def test_the_committee_is_fixed_once_signed(client, signed, members):
    client.force_login(signed.officer)
    html = html_of(client.get(url("detail", signed.round.pk)))
    assert url("seat_appoint", signed.round.pk) not in html
    response = client.post(
        url("seat_appoint", signed.round.pk),
        {"user": member().pk, "department": "finance"},
    )
    assert "its committee can no longer change" in response.content.decode()
    assert Seat.objects.filter(round=signed.round).count() == 5


# --- declarations -------------------------------------------------------------------------

# Every offer of the opened round, as a page could write it, and A's proposal.
OFFERS_SHOWN = ("150,000.00", "130,000.00", "110,000.00", "125,000.00", "150000", "130000",
                "110000", "125000")  # fmt: skip
PROPOSAL = "A flagship café."
STATEMENT = "My sister is the general manager of Merchant B."


def shows_an_offer(html: str) -> bool:
    return PROPOSAL in html or any(amount in html for amount in OFFERS_SHOWN)


def declare_url(opened) -> str:
    return reverse("evaluations:declare", args=(opened.round.pk,))


def declaration_post(opened, conflicts: dict | None = None, *, action="submit", **extra) -> dict:
    """The declaration page's POST: ``conflicts`` {letter: statement} ticked, the rest free."""
    data = {"action": action}
    for letter, statement in (conflicts or {}).items():
        pk = opened.merchants[letter].pk
        data[f"conflict-{pk}"] = "on"
        data[f"statement-{pk}"] = statement
    data.update(extra)
    return data


def sixth_member(opened):
    """A sixth member, so that one recusal leaves every lot its five."""
    user = speak_english(member())
    committee.seat_appoint(actor=opened.officer, round=opened.round, user=user, department="legal")
    return user


def test_the_declaration_page_names_the_bidders_and_no_offer(client, opened, members):
    client.force_login(members[1])
    response = client.get(declare_url(opened))
    html = html_of(response)
    assert 'data-cms-declaration="declare"' in html
    for letter in "abcd":
        assert opened.merchants[letter].name in html
        assert f'name="conflict-{opened.merchants[letter].pk}"' in html
        assert f'name="statement-{opened.merchants[letter].pk}"' in html
    assert not shows_an_offer(html) and not shows_reserve(html)
    assert opened.bid_of("a").bid.receipt_number not in html
    assert "data-cms-grid" not in html and 'data-cms-opening-lot="1"' not in html


def test_a_member_who_has_not_declared_sees_no_offer_anywhere(client, opened, members):
    declare_all(opened, members[2:])  # the others have; member 1 has not
    client.force_login(members[1])
    pages = {
        "index": client.get(EVALUATIONS),
        "home": client.get("/admin/"),
        "round": client.get(url("detail", opened.round.pk)),
        "lot 1": client.get(lot_url(opened)),
        "lot 2": client.get(lot_url(opened, opened.lots[1])),
        "declaration": client.get(declare_url(opened)),
        "review posted by hand": client.post(
            lot_url(opened), grid_post(opened, {"a": "25", "b": "20"}, action="review")
        ),
        "submit posted by hand": client.post(
            lot_url(opened), grid_post(opened, {"a": "25", "b": "20"})
        ),
    }
    for name, response in pages.items():
        if response.status_code == 302:
            response = client.get(response["Location"])
        assert not shows_an_offer(html_of(response)), name
    assert not ScoreSheet.objects.exists()
    assert 'data-cms-evaluation="declare"' in html_of(pages["lot 1"])
    round_page = html_of(pages["round"])
    assert "data-cms-record-after-declaring" in round_page
    assert declare_url(opened) in round_page
    assert "data-cms-to-declare" in html_of(pages["index"])
    # Once declared, the opening record is theirs to read.
    committee.declarations_submit(actor=members[1], round=opened.round, conflicts={})
    round_page = html_of(client.get(url("detail", opened.round.pk)))
    assert "150,000.00" in round_page and "data-cms-record-after-declaring" not in round_page


def test_declaring_goes_through_a_confirmation_and_is_final(client, opened, members):
    client.force_login(members[1])
    response = client.post(
        declare_url(opened), declaration_post(opened, {"b": STATEMENT}, action="review")
    )
    html = html_of(response)
    assert 'data-cms-declaration="confirm"' in html
    assert "Your declaration is final." in html
    assert STATEMENT in html and "Merchant A" in html
    assert not shows_an_offer(html)
    assert not Declaration.objects.exists()
    response = client.post(declare_url(opened), declaration_post(opened, {"b": STATEMENT}))
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:index") + f"#round-{opened.round.pk}"
    assert messages_of(response) == [
        "Your declaration is recorded. You are recused from lot(s) 1."
    ]
    declarations = {
        d.merchant.name: (d.has_conflict, d.statement)
        for d in Declaration.objects.filter(seat__user=members[1]).select_related("merchant")
    }
    assert declarations == {
        "Merchant A": (False, ""),
        "Merchant B": (True, STATEMENT),
        "Merchant C": (False, ""),
        "Merchant D": (False, ""),
    }
    assert Entry.objects.filter(action="committee.declare", actor_id=members[1].pk).count() == 1
    html = html_of(client.get(declare_url(opened)))
    assert 'data-cms-declaration="declared"' in html and STATEMENT in html
    assert 'name="conflict-' not in html  # nothing left to tick


def test_declaring_no_conflict_says_so(client, opened, members):
    client.force_login(members[1])
    response = client.post(declare_url(opened), declaration_post(opened))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Your declaration is recorded: no conflict of interest with any bidder."
    ]
    assert Declaration.objects.filter(seat__user=members[1], has_conflict=False).count() == 4


@pytest.mark.parametrize(
    ("conflict", "statement", "message"),
    [
        (True, "  ", "Describe your conflict of interest with Merchant B."),
        (
            False,
            "I once worked there.",
            "You wrote a statement about Merchant B: tick “conflict of interest” or clear the "
            "statement.",
        ),
    ],
)
@pytest.mark.parametrize("action", ["review", "submit"])
def test_a_bad_declaration_is_refused_and_nothing_saved(
    client, opened, members, conflict, statement, message, action
):
    client.force_login(members[1])
    pk = opened.merchants["b"].pk
    data = {"action": action, f"statement-{pk}": statement}
    if conflict:
        data[f"conflict-{pk}"] = "on"
    response = client.post(declare_url(opened), data)
    assert response.status_code == 200
    assert errors_of(response.context["form"], f"statement-{pk}") == [message]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert messages_of(response) == ["Your declaration was not recorded."]
    assert not Declaration.objects.exists()
    assert not Entry.objects.filter(action="committee.declare").exists()


def test_declaring_twice_is_refused_and_changes_nothing(client, opened, members):
    client.force_login(members[1])
    page = declaration_post(opened, {"b": STATEMENT})
    assert client.post(declare_url(opened), page, follow=True).status_code == 200
    # The same form sent again (a second tab, the back button): the service refuses.
    response = client.post(declare_url(opened), declaration_post(opened, {"a": "Another."}))
    assert response.status_code == 200
    assert messages_of(response) == ["You have already declared your interests in this round."]
    conflicts = Declaration.objects.filter(seat__user=members[1], has_conflict=True)
    assert [d.merchant.name for d in conflicts] == ["Merchant B"]
    assert Entry.objects.filter(action="committee.declare", actor_id=members[1].pk).count() == 1


def test_a_conflict_recuses_the_member_from_that_bidders_lots_only(client, opened, members):
    members = [*members, sixth_member(opened)]
    declare_all(opened, members, conflicts={(1, "d")})  # D bid for lot 2 only
    lot1, lot2 = opened.lots
    client.force_login(members[1])
    html = html_of(client.get(lot_url(opened, lot2)))
    assert 'data-cms-evaluation="recused"' in html
    assert "You are recused from this lot" in html
    assert "Merchant D" in html and "My brother-in-law manages this bidder." in html
    assert "125,000.00" not in html and "data-cms-grid" not in html
    assert 'data-cms-evaluation="score"' in html_of(client.get(lot_url(opened, lot1)))
    index = html_of(client.get(EVALUATIONS))
    assert index.count('data-cms-lot-state="recused"') == 1
    assert index.count('data-cms-lot-state="score"') == 1
    response = client.post(lot_url(opened, lot2), grid_post(opened, {"d": "20"}, lot2))
    html = html_of(response)
    assert (
        f"You declared a conflict with a bidder of {english(lot2)}: you do not score it." in html
    )
    assert "125,000.00" not in html
    assert not ScoreSheet.objects.filter(seat__user=members[1]).exists()


def test_nobody_scores_until_every_member_has_declared(client, opened, members):
    declare_all(opened, members[:4])
    client.force_login(members[1])
    html = html_of(client.get(lot_url(opened)))
    waits = f"{members[4].username} has not declared their interests yet."
    assert 'data-cms-evaluation="waiting"' in html and waits in html
    assert not shows_an_offer(html) and "data-cms-grid" not in html
    index = html_of(client.get(EVALUATIONS))
    assert index.count('data-cms-lot-state="waiting"') == 2 and waits in index
    response = client.post(lot_url(opened), grid_post(opened, {"a": "25", "b": "20"}))
    assert waits in html_of(response) and not shows_an_offer(html_of(response))
    assert not ScoreSheet.objects.exists()
    committee.declarations_submit(actor=members[4], round=opened.round, conflicts={})
    assert 'data-cms-evaluation="score"' in html_of(client.get(lot_url(opened)))


def test_nobody_scores_while_a_lot_has_too_few_members(client, opened, members):
    declare_all(opened, members, conflicts={(1, "d")})  # lot 2 keeps four members
    client.force_login(members[2])
    html = html_of(client.get(lot_url(opened)))
    short = (
        f"{english(opened.lots[1])}: only 4 members may score it after recusals; the round "
        "needs 5. Appoint more members."
    )
    assert 'data-cms-evaluation="waiting"' in html and short in html
    assert not shows_an_offer(html)
    client.force_login(opened.officer)
    round_page = html_of(client.get(url("detail", opened.round.pk)))
    assert 'data-cms-progress-lot="2" class="is-short"' in round_page


def test_a_conflict_found_later_withdraws_the_members_scores(client, declared, members):
    lot = declared.lots[0]
    scoring.scoresheet_submit(actor=members[1], lot=lot, scores=sheet(lot, OTHERS[0], declared))
    client.force_login(members[1])
    page = html_of(client.get(declare_url(declared)))
    assert "data-cms-late-conflict" in page
    assert "any scores you have submitted for them stop counting" in page
    merchant_a = declared.merchants["a"]
    refusals = [
        ({"statement": "My cousin runs it."}, "merchant", "Choose the bidder you have a conflict with."),
        ({"merchant": merchant_a.pk, "statement": " "}, "statement", "Describe the conflict of interest."),
    ]  # fmt: skip
    for data, field, message in refusals:
        response = client.post(declare_url(declared), {"action": "conflict", **data})
        assert response.status_code == 200
        assert errors_of(response.context["conflict_form"], field) == [message]
        assert messages_of(response) == ["Your declaration was not recorded."]
    assert not Declaration.objects.filter(seat__user=members[1], has_conflict=True).exists()
    assert ScoreSheet.objects.get(seat__user=members[1]).is_current
    response = client.post(
        declare_url(declared),
        {"action": "conflict", "merchant": merchant_a.pk, "statement": "My cousin runs it."},
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Your conflict of interest with Merchant A is recorded. You are recused from lot(s) 1: "
        "your scores for them no longer count."
    ]
    declaration = Declaration.objects.get(seat__user=members[1], merchant=merchant_a)
    assert (declaration.has_conflict, declaration.statement) == (True, "My cousin runs it.")
    assert not ScoreSheet.objects.get(seat__user=members[1]).is_current
    assert 'data-cms-evaluation="recused"' in html_of(client.get(lot_url(declared)))
    # A bidder already declared a conflict with is no longer offered.
    response = client.post(
        declare_url(declared),
        {"action": "conflict", "merchant": merchant_a.pk, "statement": "Again."},
    )
    assert errors_of(response.context["conflict_form"], "merchant") == [
        "Choose one of the bidders you declared no conflict with."
    ]


def test_a_conflict_found_while_scoring_a_lot_names_one_of_its_bidders(client, declared, members):
    client.force_login(members[1])
    html = html_of(client.get(lot_url(declared)))
    form = html[html.index('value="conflict"') :]
    assert "Merchant A" in form and "Merchant D" not in form.split("</form>")[0]
    response = client.post(
        lot_url(declared),
        {"action": "conflict", "merchant": declared.merchants["d"].pk, "statement": "x"},
    )
    assert errors_of(response.context["conflict_form"], "merchant") == [
        "Choose one of the bidders you declared no conflict with."
    ]
    response = client.post(
        lot_url(declared),
        {"action": "conflict", "merchant": declared.merchants["a"].pk, "statement": " "},
    )
    assert errors_of(response.context["conflict_form"], "statement") == [
        "Describe the conflict of interest."
    ]
    assert not Declaration.objects.filter(has_conflict=True).exists()
    response = client.post(
        lot_url(declared),
        {
            "action": "conflict",
            "merchant": declared.merchants["a"].pk,
            "statement": "My cousin runs Merchant A.",
        },
    )
    assert response.status_code == 302
    assert Declaration.objects.get(
        seat__user=members[1], merchant=declared.merchants["a"]
    ).has_conflict


def test_the_declaration_page_asks_a_fixed_number_of_queries(
    client, clock, django_assert_max_num_queries
):
    def declaration_page(offers):
        opened = opened_round(clock, offers)
        user = seat_committee(opened, size=1)[0]
        client.force_login(speak_english(user))
        with django_assert_max_num_queries(30) as counted:
            response = client.get(declare_url(opened))
        assert response.status_code == 200
        return len(counted.captured_queries), response

    few, _ = declaration_page({1: {"a": "150000.00", "b": "130000.00"}})
    many, response = declaration_page(
        {1: {letter: f"{150000 + n}.00" for n, letter in enumerate("abcdefgh")}}
    )
    assert len(response.context["rows"]) == 8
    assert many <= few


# --- the scoring screen -------------------------------------------------------------------


def test_the_scoring_screen_shows_the_lot_the_bids_and_one_input_per_bid_and_criterion(
    client, declared, members
):
    client.force_login(members[1])
    response = client.get(lot_url(declared))
    html = html_of(response)
    lot = declared.lots[0]
    unit = lot.units.get()
    assert unit.code in html and lot.station.code in html
    assert "36 months" in html
    # A and B are scored; C (below the reserve) is listed as invalid, not scored.
    assert html.count('class="cms-score-input"') == 2
    invalid = html[html.index("Not scored: invalid bids") :]
    assert "Merchant C" in invalid and declared.bid_of("c").bid.receipt_number in invalid
    assert "A flagship café." in html  # the proposal
    assert "60.0000" in html and "52.0000" in html  # price points, computed
    grid = response.context["grid"]
    assert sorted(grid.fields) == sorted(
        f"{prefix}-{declared.bid_of(letter).pk}-{criterion.pk}"
        for letter in "ab"
        for criterion in declared.round.criteria.filter(kind="subjective")
        for prefix in "sj"
    )


def test_reviewing_shows_the_scores_to_confirm_and_saves_nothing(client, declared, members):
    client.force_login(members[1])
    response = client.post(
        lot_url(declared), grid_post(declared, {"a": "24.5", "b": "19"}, action="review")
    )
    html = html_of(response)
    assert 'data-cms-evaluation="review"' in html
    assert "Submitting is final." in html
    assert "24.50" in html and "19.00" in html
    assert 'data-cms-action="submit"' in html
    assert not ScoreSheet.objects.exists()


@pytest.mark.parametrize(
    ("a", "message"),
    [
        ("31", "At most 30.00."),
        ("-1", "At least 0."),
        ("abc", "Give a number."),
        ("12.345", "To 2 decimal places at most."),
        ("", "Give a score."),
    ],
)
def test_a_bad_score_is_named_on_its_cell_and_nothing_saved(client, declared, members, a, message):
    client.force_login(members[1])
    for action in ("review", "submit"):
        response = client.post(
            lot_url(declared), grid_post(declared, {"a": a, "b": "20"}, action=action)
        )
        assert response.status_code == 200
        grid = response.context["grid"]
        criterion = declared.round.criteria.get(kind="subjective")
        assert errors_of(grid, f"s-{declared.bid_of('a').pk}-{criterion.pk}") == [message]
        assert message in response.content.decode()
        assert messages_of(response) == ["Nothing was submitted: 1 score(s) need your attention."]
    assert not ScoreSheet.objects.exists()
    assert not Score.objects.exists()


def test_submitting_stores_the_sheet_and_is_final(client, declared, members):
    client.force_login(members[1])
    response = client.post(
        lot_url(declared),
        grid_post(
            declared,
            {"a": "24.5", "b": "19"},
            **{
                f"j-{declared.bid_of('a').pk}-"
                f"{declared.round.criteria.get(kind='subjective').pk}": "Strong local sourcing."
            },
        ),
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Your scores for lot 1 are submitted (version 1). They are final."
    ]
    sheet_ = ScoreSheet.objects.get(seat__user=members[1])
    points = dict(Score.objects.filter(sheet=sheet_).values_list("bid_id", "points"))
    assert points == {
        declared.bid_of("a").pk: Decimal("24.50"),
        declared.bid_of("b").pk: Decimal("19.00"),
    }
    assert Score.objects.get(sheet=sheet_, bid=declared.bid_of("a")).justification == (
        "Strong local sourcing."
    )
    assert Entry.objects.filter(action="score.submit", actor_id=members[1].pk).count() == 1
    html = html_of(client.get(lot_url(declared)))
    assert 'data-cms-evaluation="submitted"' in html and "data-cms-grid" in html  # correction
    # A second submission is refused by the service; nothing new is stored.
    response = client.post(lot_url(declared), grid_post(declared, {"a": "1", "b": "1"}))
    assert response.status_code == 200
    assert "You have already submitted your scores for" in response.content.decode()
    assert ScoreSheet.objects.filter(seat__user=members[1]).count() == 1


def test_full_width_digits_from_a_chinese_ime_are_taken(client, declared, members):
    client.force_login(members[1])
    response = client.post(lot_url(declared), grid_post(declared, {"a": "２５", "b": "１８.５"}))
    assert response.status_code == 302
    assert sorted(Score.objects.values_list("points", flat=True)) == [
        Decimal("18.50"),
        Decimal("25.00"),
    ]


def test_submitting_before_declaring_is_refused_by_the_service(client, opened, members):
    client.force_login(members[1])
    response = client.post(lot_url(opened), grid_post(opened, {"a": "25", "b": "20"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Declare your interests towards every bidder before scoring." in html
    assert "150,000.00" not in html and "data-cms-grid" not in html
    assert not ScoreSheet.objects.exists()


def test_a_correction_needs_its_reason_and_makes_a_new_version(client, declared, members):
    client.force_login(members[1])
    client.post(lot_url(declared), grid_post(declared, {"a": "25", "b": "20"}))
    post = grid_post(declared, {"a": "22", "b": "20"}, action="correct")
    corrected = {
        (f"c-{key}" if key.startswith(("s-", "j-")) else key): value for key, value in post.items()
    }
    response = client.post(lot_url(declared), {**corrected, "c-reason": ""})
    assert response.status_code == 200
    assert errors_of(response.context["correction"], "reason") == [
        "Say why the scores are corrected."
    ]
    assert messages_of(response)[-1] == "Your scores were not corrected."
    assert ScoreSheet.objects.filter(seat__user=members[1]).count() == 1
    response = client.post(
        lot_url(declared), {**corrected, "c-reason": "I misread bid A's opening hours."}
    )
    assert response.status_code == 302
    current = ScoreSheet.objects.get(seat__user=members[1], is_current=True)
    assert (current.version, current.correction_reason) == (
        2,
        "I misread bid A's opening hours.",
    )
    assert Score.objects.get(sheet=current, bid=declared.bid_of("a")).points == Decimal("22.00")
    html = html_of(client.get(lot_url(declared)))
    assert "Version 1" in html and "Version 2" in html


def test_a_score_far_from_the_others_is_flagged_and_justified(client, declared, members):
    lot = declared.lots[0]
    for user in members[1:4]:
        scoring.scoresheet_submit(
            actor=user, lot=lot, scores=sheet(lot, {"a": "25", "b": "20"}, declared)
        )
    client.force_login(members[4])
    client.post(lot_url(declared), grid_post(declared, {"a": "5", "b": "20"}))
    html = html_of(client.get(lot_url(declared)))
    assert "1 needs a written justification" in html
    assert "you gave <strong>5.00</strong>, 20.00 from the median 25.00." in html
    score = Score.objects.get(sheet__seat__user=members[4], bid=declared.bid_of("a"))
    response = client.post(
        lot_url(declared),
        {"action": "justify", "score": score.pk, f"j{score.pk}-justification": " "},
    )
    assert response.status_code == 200
    assert "Write the justification." in response.content.decode()
    assert messages_of(response) == ["Your justification was not recorded."]
    score.refresh_from_db()
    assert score.justification == ""
    response = client.post(
        lot_url(declared),
        {
            "action": "justify",
            "score": score.pk,
            f"j{score.pk}-justification": "The plan ignores the evacuation corridor.",
        },
    )
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.justification == "The plan ignores the evacuation corridor."
    assert "1 needs a written justification" not in html_of(client.get(lot_url(declared)))


def test_another_members_score_cannot_be_justified_through_the_form(client, declared, members):
    lot = declared.lots[0]
    scoring.scoresheet_submit(actor=members[2], lot=lot, scores=sheet(lot, OTHERS[0], declared))
    theirs = Score.objects.filter(sheet__seat__user=members[2]).first()
    client.force_login(members[1])
    response = client.post(
        lot_url(declared),
        {"action": "justify", "score": theirs.pk, f"j{theirs.pk}-justification": "Mine now."},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.justification == ""


def test_the_scoring_screen_asks_a_fixed_number_of_queries(
    client, clock, django_assert_max_num_queries
):
    def scoring_screen(offers):
        opened = opened_round(clock, offers)
        seated = seat_committee_of(opened)
        client.force_login(seated)
        # The services' own reads (declared? recused? what the round waits for) included.
        with django_assert_max_num_queries(40) as counted:
            response = client.get(lot_url(opened))
        assert response.status_code == 200
        return len(counted.captured_queries), response

    few, _ = scoring_screen({1: {"a": "150000.00", "b": "130000.00"}})
    many, response = scoring_screen(
        {1: {letter: f"{150000 + n}.00" for n, letter in enumerate("abcdefgh")}}
    )
    assert len(response.context["grid_rows"]) == 8
    assert many <= few


def seat_committee_of(opened):
    """The full committee seated and declared; one of its members, to sign in."""
    seated = seat_committee(opened, size=5)
    declare_all(opened, seated)
    return speak_english(seated[1])


# --- the chair's sign-off -----------------------------------------------------------------


def test_the_sign_off_page_is_the_chairs(client, scored, members):
    for user in (members[1], scored.officer, scored.inspector):
        client.force_login(user)
        assert client.get(url("sign_off", scored.round.pk)).status_code == 404
        assert client.post(url("sign_off", scored.round.pk)).status_code == 404
    assert not Result.objects.exists()


def test_the_chair_sees_what_stands_in_the_way_and_cannot_sign(client, declared, members):
    lot1, lot2 = declared.lots
    for user in members:
        scoring.scoresheet_submit(
            actor=user, lot=lot1, scores=sheet(lot1, {"a": "25", "b": "20"}, declared)
        )
    client.force_login(members[0])
    html = html_of(client.get(url("sign_off", declared.round.pk)))
    waiting = (
        f"{english(lot2)}: waiting for the scores of {', '.join(m.username for m in members)}."
    )
    assert waiting in html
    assert "data-cms-sign" not in html
    response = client.post(url("sign_off", declared.round.pk))
    assert response.status_code == 200
    assert messages_of(response) == ["The report is not signed."]
    assert waiting in response.content.decode()
    assert not Result.objects.exists()
    assert TenderRound.objects.get(pk=declared.round.pk).status == Status.OPENED


def test_a_chair_who_may_not_read_a_lots_scores_sees_no_fault_quoting_them(
    client, declared, members
):
    lot = declared.lots[0]
    scoring.scoresheet_submit(
        actor=members[1], lot=lot, scores=sheet(lot, {"a": "25", "b": "20"}, declared)
    )
    scoring.scoresheet_submit(
        actor=members[2], lot=lot, scores=sheet(lot, {"a": "3.17", "b": "20"}, declared)
    )
    faults = outcome.sign_off_faults(declared.round)
    assert any(members[2].username in fault and "far from" in fault for fault in faults)
    client.force_login(members[0])  # the chair, who has not scored lot 1
    html = html_of(client.get(url("sign_off", declared.round.pk)))
    assert "3.17" not in html and "data-cms-faults-hidden" in html
    response = client.post(url("sign_off", declared.round.pk))
    assert "3.17" not in response.content.decode()


def test_the_chair_signs_the_report_after_a_confirmation(client, scored, members):
    client.force_login(members[0])
    page = html_of(client.get(url("sign_off", scored.round.pk)))
    assert "Everything is in: the report can be signed." in page
    assert 'data-cms-action="sign"' in page
    response = client.post(url("sign_off", scored.round.pk))
    assert response.status_code == 302
    assert response["Location"] == url("detail", scored.round.pk) + "#result"
    result = Result.objects.get()
    assert result.signed_by == members[0]
    assert TenderRound.objects.get(pk=scored.round.pk).status == Status.SCORED
    assert messages_of(response) == [
        f"The committee's report on {scored.round.code} is signed (version 1)."
    ]


# --- the home page ------------------------------------------------------------------------


def test_the_home_page_tells_a_member_what_awaits_them(client, opened, members):
    client.force_login(members[1])
    html = html_of(client.get("/admin/"))
    assert "1 evaluation awaits you" in html  # the declaration
    assert reverse("evaluations:declare", args=(opened.round.pk,)) in html
    assert lot_url(opened) not in html
    declare_all(opened, members)
    html = html_of(client.get("/admin/"))
    assert "2 evaluations await you" in html and lot_url(opened) in html
    lot = opened.lots[0]
    scoring.scoresheet_submit(actor=members[1], lot=lot, scores=sheet(lot, OTHERS[0], opened))
    assert "1 evaluation awaits you" in html_of(client.get("/admin/"))


def test_the_evaluations_page_asks_a_fixed_number_of_queries(
    client, declared, members, clock, django_assert_max_num_queries
):
    client.force_login(members[1])
    with django_assert_max_num_queries(30) as few:
        client.get(EVALUATIONS)
    for n in range(3):
        other = make_round(code=f"ZB-2026-098{n}")
        committee.seat_appoint(actor=None, round=other, user=members[1], department="legal")
    # Rounds opened and waiting for the member's declaration cost nothing more either.
    for _ in range(2):
        undeclared = opened_round(clock)
        committee.seat_appoint(
            actor=undeclared.officer, round=undeclared.round, user=members[1], department="legal"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(EVALUATIONS)
    assert len(response.context["evaluations"]) == 6
    assert sum(item["to_declare"] for item in response.context["evaluations"]) == 2
