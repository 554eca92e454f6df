"""Fit-out and opening: the milestone plan and its defaults, rescheduling, milestones done in
order with their documents, who may do what, the responsible officer, the opening through the
lease, and what is overdue."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from audit.models import Entry
from leasing import fitout, services
from leasing.models import Lease, Milestone, MilestoneDocument
from leasing.selectors import outlets_for_officer, overdue_milestones
from stations import roles
from tests.factories import UserFactory, station_officer
from tests.leasing.factories import direct_lease, free_unit, lease_officer
from tests.stations.factories import StationFactory
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db
Kind = Milestone.Kind
Status = Lease.Status
SIGNED_AT = dt.datetime(2026, 2, 20, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
TODAY = dt.date(2026, 5, 20)
# The default plan of a lease starting on 1 March 2026 with three rent-free months.
PLAN = {
    Kind.DESIGN_SUBMITTED: dt.date(2026, 3, 11),
    Kind.DESIGN_APPROVED: dt.date(2026, 3, 21),
    Kind.SAFETY_BRIEFING: dt.date(2026, 3, 26),
    Kind.FIT_OUT_DONE: dt.date(2026, 5, 17),
    Kind.FIRE_ACCEPTANCE: dt.date(2026, 5, 24),
    Kind.OPENED: dt.date(2026, 5, 31),
}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


DXF = b"999\nmade by hand\n  0\nSECTION\n  2\nHEADER\n  0\nENDSEC\n  0\nEOF\n"
DWG = b"AC1032\x00\x00\x00\x00\x00\x06\x01" + bytes(64)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC), tick=False) as t:
        yield t


@pytest.fixture
def merchant():
    return MerchantFactory(name="湖南麦当劳")


@pytest.fixture
def lease(merchant, clock):
    """A lease of 1 March 2026, three months rent-free, signed on 20 February."""
    unit = free_unit()
    made = direct_lease(merchant, [unit], start=dt.date(2026, 3, 1), rent_free_months=3)
    clock.move_to(SIGNED_AT)
    services.lease_sign(actor=None, lease=made)
    clock.move_to(dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC))
    return Lease.objects.get(pk=made.pk)


@pytest.fixture
def planned(lease):
    fitout.milestones_plan(actor=None, lease=lease)
    return lease


def milestone(lease, kind) -> Milestone:
    return Milestone.objects.get(lease=lease, kind=kind)


def do(lease, *kinds, actor=None, on=None):
    for kind in kinds:
        fitout.milestone_done(actor=actor, milestone=milestone(lease, kind), done_on=on or TODAY)


def done_dates(lease) -> dict:
    return dict(Milestone.objects.filter(lease=lease).values_list("kind", "done_on"))


# --- the plan -----------------------------------------------------------------------------


def test_the_default_plan_counts_from_the_start_and_the_rent_free_period(lease):
    milestones = fitout.milestones_plan(actor=None, lease=lease)
    assert [m.kind for m in milestones] == Milestone.ORDER
    assert {m.kind: m.due_on for m in milestones} == PLAN
    entry = Entry.objects.get(action="milestones.plan")
    assert entry.target_id == str(lease.pk)
    assert entry.after == {kind: day.isoformat() for kind, day in PLAN.items()}
    assert entry.data == {"defaults": sorted(Milestone.ORDER)}


def test_without_a_rent_free_period_the_opening_is_still_45_days_after_the_start(merchant):
    made = direct_lease(merchant, [free_unit()], start=dt.date(2026, 3, 1), rent_free_months=0)
    plan = fitout.default_plan(made)
    assert plan[Kind.OPENED] == dt.date(2026, 4, 15)
    assert plan[Kind.FIRE_ACCEPTANCE] == dt.date(2026, 4, 8)
    assert plan[Kind.FIT_OUT_DONE] == dt.date(2026, 4, 1)
    assert plan[Kind.SAFETY_BRIEFING] == dt.date(2026, 3, 26) < plan[Kind.FIT_OUT_DONE]


def test_given_due_dates_replace_the_defaults_they_name(lease):
    fitout.milestones_plan(actor=None, lease=lease, due={"design_submitted": dt.date(2026, 3, 5)})
    assert milestone(lease, Kind.DESIGN_SUBMITTED).due_on == dt.date(2026, 3, 5)
    assert milestone(lease, Kind.OPENED).due_on == PLAN[Kind.OPENED]
    entry = Entry.objects.get(action="milestones.plan")
    assert "design_submitted" not in entry.data["defaults"]


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (
            {"design_approved": dt.date(2026, 3, 1)},
            "“Design approved (fire safety, station style)” is due on 2026-03-01, before "
            "“Design submitted” (2026-03-11).",
        ),
        (
            {"opened": dt.date(2030, 1, 1)},
            "The outlet opens within the lease, from 2026-03-01 to 2029-03-01.",
        ),
        ({"grand_party": dt.date(2026, 4, 1)}, "Not a milestone: grand_party."),
        ({"opened": "2026-05-31"}, "Give a date."),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_saved(lease, due, message):
    with pytest.raises(ValidationError) as refused:
        fitout.milestones_plan(actor=None, lease=lease, due=due)
    assert message in refused.value.messages
    assert not Milestone.objects.exists()
    assert not Entry.objects.filter(action="milestones.plan").exists()


def test_a_draft_lease_is_not_planned_nor_one_planned_already(merchant, planned):
    draft = direct_lease(merchant, [free_unit()])
    with pytest.raises(ValidationError) as refused:
        fitout.milestones_plan(actor=None, lease=draft)
    assert refused.value.messages == [
        f"Lease {draft.code} is Draft: its milestones cannot change."
    ]
    assert not Milestone.objects.filter(lease=draft).exists()
    with pytest.raises(ValidationError) as twice:
        fitout.milestones_plan(actor=None, lease=planned)
    assert twice.value.messages == [
        f"The milestones of lease {planned.code} are planned already; reschedule them one by one."
    ]
    assert Milestone.objects.filter(lease=planned).count() == 6
    assert Entry.objects.filter(action="milestones.plan").count() == 1


def test_who_may_plan(lease, merchant):
    outsiders = [
        UserFactory(),
        merchant_user(merchant),
        station_officer(StationFactory()),
        merchant_user(MerchantFactory()),
    ]
    for outsider in outsiders:
        with pytest.raises(PermissionDenied) as refused:
            fitout.milestones_plan(actor=outsider, lease=lease)
        assert str(refused.value) == (
            f"Only a leasing officer of station {lease.station.code} or the responsible officer "
            f"of lease {lease.code} may change its milestones."
        )
    assert not Milestone.objects.exists()
    fitout.milestones_plan(actor=lease_officer(), lease=lease)
    assert Milestone.objects.count() == 6


# --- rescheduling -------------------------------------------------------------------------


def test_a_reschedule_keeps_the_old_and_new_date_and_the_reason(planned):
    officer = lease_officer()
    moved = fitout.milestone_reschedule(
        actor=officer, milestone=milestone(planned, Kind.OPENED),
        due_on=dt.date(2026, 6, 15), reason="Fire doors delivered late",
    )  # fmt: skip
    assert moved.due_on == dt.date(2026, 6, 15)
    entry = Entry.objects.get(action="milestone.reschedule")
    assert (entry.before, entry.after) == ({"due_on": "2026-05-31"}, {"due_on": "2026-06-15"})
    assert entry.data == {
        "lease": planned.code, "kind": "opened", "reason": "Fire doors delivered late"
    }  # fmt: skip
    assert entry.actor_id == officer.pk


@pytest.mark.parametrize(
    ("kind", "due_on", "reason", "field", "message"),
    [
        (Kind.OPENED, dt.date(2026, 6, 15), "  ", "reason", "Say why the milestone is moved."),
        (Kind.OPENED, PLAN[Kind.OPENED], "x", "due_on", "“Opened” is due on 2026-05-31 already."),
        (Kind.OPENED, None, "x", "due_on", "Give a date."),
        (
            Kind.FIT_OUT_DONE, dt.date(2026, 5, 25), "x", "due_on",
            "“Fire acceptance” is due on 2026-05-24, before “Fit-out done” (2026-05-25).",
        ),
        (
            Kind.DESIGN_APPROVED, dt.date(2026, 3, 10), "x", "due_on",
            "“Design approved (fire safety, station style)” is due on 2026-03-10, before "
            "“Design submitted” (2026-03-11).",
        ),
    ],
)  # fmt: skip
def test_a_bad_reschedule_is_refused_and_nothing_changes(planned, kind, due_on, reason, field,
                                                         message):  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        fitout.milestone_reschedule(
            actor=None, milestone=milestone(planned, kind), due_on=due_on, reason=reason
        )
    assert message in refused.value.message_dict[field]
    assert milestone(planned, kind).due_on == PLAN[kind]
    assert not Entry.objects.filter(action="milestone.reschedule").exists()


def test_a_milestone_done_is_not_moved(planned):
    do(planned, Kind.DESIGN_SUBMITTED)
    with pytest.raises(ValidationError) as refused:
        fitout.milestone_reschedule(
            actor=None, milestone=milestone(planned, Kind.DESIGN_SUBMITTED),
            due_on=dt.date(2026, 3, 12), reason="typo",
        )  # fmt: skip
    assert refused.value.messages == [
        "“Design submitted” was done on 2026-05-20; it is not moved."
    ]


# --- done, in order -----------------------------------------------------------------------


def test_milestones_are_done_in_order(planned):
    with pytest.raises(ValidationError) as early:
        do(planned, Kind.DESIGN_APPROVED)
    assert early.value.message_dict["done_on"] == [
        "“Design submitted” comes first: it is not done yet."
    ]
    assert milestone(planned, Kind.DESIGN_APPROVED).done_on is None
    do(planned, Kind.DESIGN_SUBMITTED, on=dt.date(2026, 3, 10))
    with pytest.raises(ValidationError) as before:
        do(planned, Kind.DESIGN_APPROVED, on=dt.date(2026, 3, 9))
    assert before.value.message_dict["done_on"] == [
        "“Design submitted” was done on 2026-03-10; this cannot be done before it."
    ]
    do(planned, Kind.DESIGN_APPROVED, on=dt.date(2026, 3, 10))  # the same day is fine
    assert done_dates(planned)[Kind.DESIGN_APPROVED] == dt.date(2026, 3, 10)
    entry = Entry.objects.filter(action="milestone.done").order_by("seq").last()
    assert entry.after == {"done_on": "2026-03-10"}
    assert entry.data == {
        "lease": planned.code, "kind": "design_approved", "due_on": "2026-03-21", "days_late": 0
    }  # fmt: skip


@pytest.mark.parametrize(
    ("done_on", "message"),
    [
        (dt.date(2026, 5, 21), "A milestone cannot be done in the future."),
        (
            dt.date(2026, 2, 19),
            "Lease {code} was signed on 2026-02-20; a milestone is done after that.",
        ),
        ("2026-05-01", "Give a date."),
    ],
)
def test_a_bad_date_done_is_refused_and_nothing_is_saved(planned, done_on, message):
    with pytest.raises(ValidationError) as refused:
        do(planned, Kind.DESIGN_SUBMITTED, on=done_on)
    assert refused.value.message_dict["done_on"] == [message.format(code=planned.code)]
    assert milestone(planned, Kind.DESIGN_SUBMITTED).done_on is None
    assert not Entry.objects.filter(action="milestone.done").exists()


def test_a_milestone_is_done_once(planned):
    do(planned, Kind.DESIGN_SUBMITTED, on=dt.date(2026, 3, 10))
    with pytest.raises(ValidationError) as twice:
        do(planned, Kind.DESIGN_SUBMITTED)
    assert twice.value.messages == ["“Design submitted” was done on 2026-03-10 already."]
    assert done_dates(planned)[Kind.DESIGN_SUBMITTED] == dt.date(2026, 3, 10)
    assert Entry.objects.filter(action="milestone.done").count() == 1


def test_a_late_milestone_is_journaled_with_its_days_late(planned):
    do(planned, Kind.DESIGN_SUBMITTED, on=dt.date(2026, 3, 14))
    assert Entry.objects.get(action="milestone.done").data["days_late"] == 3


def test_milestones_of_a_terminated_lease_are_closed(planned):
    services.lease_terminate(actor=None, lease=planned, reason="Tenant withdrew")
    with pytest.raises(ValidationError) as refused:
        do(planned, Kind.DESIGN_SUBMITTED)
    assert refused.value.messages == [
        f"Lease {planned.code} is Terminated: its milestones cannot change."
    ]
    assert milestone(planned, Kind.DESIGN_SUBMITTED).done_on is None


# --- who does what ------------------------------------------------------------------------


def test_the_tenant_records_its_design_submitted_and_nothing_else(planned, merchant):
    tenant = merchant_user(merchant)
    do(planned, Kind.DESIGN_SUBMITTED, actor=tenant, on=dt.date(2026, 3, 10))
    assert Entry.objects.get(action="milestone.done").actor_id == tenant.pk
    with pytest.raises(PermissionDenied) as refused:
        do(planned, Kind.DESIGN_APPROVED, actor=tenant)
    assert str(refused.value) == (
        f"You may not record “Design approved (fire safety, station style)” for lease "
        f"{planned.code}."
    )
    assert milestone(planned, Kind.DESIGN_APPROVED).done_on is None


def test_another_merchant_and_another_station_s_officer_record_nothing(planned):
    for outsider in (
        merchant_user(MerchantFactory()),
        station_officer(StationFactory()),
        UserFactory(),
    ):
        with pytest.raises(PermissionDenied):
            do(planned, Kind.DESIGN_SUBMITTED, actor=outsider)
    assert milestone(planned, Kind.DESIGN_SUBMITTED).done_on is None
    assert not Entry.objects.filter(action="milestone.done").exists()


def test_the_station_s_officer_and_the_responsible_officer_record_milestones(planned):
    station_lessor = lease_officer()  # manages every station's leases
    do(planned, Kind.DESIGN_SUBMITTED, Kind.DESIGN_APPROVED, actor=station_lessor)
    responsible = lease_officer()
    fitout.lease_assign_officer(actor=None, lease=planned, officer=responsible)
    # Without rights over the station any more, the responsible officer still answers for
    # the outlet until someone else is named.
    from django.contrib.auth.models import Permission

    responsible.user_permissions.remove(Permission.objects.get(codename="manage_lease"))
    responsible = type(responsible).objects.get(pk=responsible.pk)
    do(planned, Kind.SAFETY_BRIEFING, actor=responsible)
    assert done_dates(planned)[Kind.SAFETY_BRIEFING] == TODAY


# --- documents ----------------------------------------------------------------------------


def test_documents_are_stored_with_their_sha256(planned):
    files = [
        upload("设计图.pdf", PDF),
        upload("photo.png", png_bytes()),
        upload("site.jpeg", jpeg_bytes()),
        upload("plan.dwg", DWG),
        upload("plan.dxf", DXF),
    ]
    officer = lease_officer()
    fitout.milestone_done(
        actor=officer, milestone=milestone(planned, Kind.DESIGN_SUBMITTED), done_on=TODAY,
        documents=files,
    )  # fmt: skip
    stored = list(MilestoneDocument.objects.order_by("pk"))
    assert len(stored) == 5
    for document, sent in zip(stored, files, strict=True):
        sent.seek(0)
        content = sent.read()
        assert document.sha256 == hashlib.sha256(content).hexdigest()
        with document.file.open("rb") as fh:
            assert fh.read() == content
        assert document.uploaded_by == officer
    assert [d.file.name.rsplit(".", 1)[1] for d in stored] == ["pdf", "png", "jpg", "dwg", "dxf"]
    entries = Entry.objects.filter(action="milestone.document_add").order_by("seq")
    assert [e.data["uploaded_as"] for e in entries] == [f.name for f in files]
    assert [e.after["sha256"] for e in entries] == [d.sha256 for d in stored]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"just some text", "“notes.txt” is not a PDF, PNG, JPEG, DWG, DXF file "
                                         "(judged by its content)."),
        ("fake.pdf", b"MZ\x90\x00 an executable", "“fake.pdf” is not a PDF, PNG, JPEG, DWG, DXF "
                                                  "file (judged by its content)."),
        ("empty.pdf", b"", "“empty.pdf” is empty."),
        ("cut.png", b"\x89PNG\r\n\x1a\n\x00\x00", "“cut.png” is a truncated or corrupt PNG image."),
    ],
)  # fmt: skip
def test_a_bad_document_is_named_and_nothing_is_saved(planned, name, content, message):
    with pytest.raises(ValidationError) as refused:
        fitout.milestone_done(
            actor=None, milestone=milestone(planned, Kind.DESIGN_SUBMITTED), done_on=TODAY,
            documents=[upload("good.pdf", PDF), upload(name, content)],
        )  # fmt: skip
    assert refused.value.message_dict == {"documents": [message]}
    assert milestone(planned, Kind.DESIGN_SUBMITTED).done_on is None
    assert not MilestoneDocument.objects.exists()
    assert not Entry.objects.filter(action__startswith="milestone.").exists()


@override_settings(MILESTONE_DOCUMENT_MAX_BYTES=1024)
def test_a_document_over_the_size_limit_is_refused(planned):
    with pytest.raises(ValidationError) as refused:
        fitout.milestone_done(
            actor=None, milestone=milestone(planned, Kind.DESIGN_SUBMITTED), done_on=TODAY,
            documents=[upload("big.pdf", PDF + bytes(2048))],
        )  # fmt: skip
    assert refused.value.message_dict == {
        "documents": ["“big.pdf” is 2.0\xa0KB; the limit is 1.0\xa0KB."]
    }
    assert not MilestoneDocument.objects.exists()


def test_the_system_uploads_no_document(planned):
    with pytest.raises(ValidationError) as refused:
        fitout.milestone_done(
            actor=None, milestone=milestone(planned, Kind.DESIGN_SUBMITTED), done_on=TODAY,
            documents=[upload("a.pdf", PDF)],
        )  # fmt: skip
    assert refused.value.message_dict == {
        "documents": ["Documents are uploaded by a signed-in user."]
    }
    assert milestone(planned, Kind.DESIGN_SUBMITTED).done_on is None


def test_the_default_limit_is_20_mb():
    assert fitout.max_document_bytes() == 20 * 1024 * 1024


def test_the_same_file_twice_and_a_bad_date_are_reported_together(planned):
    with pytest.raises(ValidationError) as refused:
        fitout.milestone_done(
            actor=None, milestone=milestone(planned, Kind.DESIGN_SUBMITTED),
            done_on=dt.date(2026, 6, 1),
            documents=[upload("a.pdf", PDF), upload("b.pdf", PDF)],
        )  # fmt: skip
    assert refused.value.message_dict == {
        "done_on": ["A milestone cannot be done in the future."],
        "documents": ["“b.pdf” is the same file as “a.pdf”."],
    }
    assert not MilestoneDocument.objects.exists()


def test_a_failed_store_leaves_no_file_behind(planned, monkeypatch):
    from django.core.files.storage import default_storage

    calls = []
    original = MilestoneDocument.save

    def fail_second(self, *args, **kwargs):
        calls.append(self.file.name)
        if len(calls) == 2:
            raise RuntimeError("database gone")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MilestoneDocument, "save", fail_second)
    with pytest.raises(RuntimeError):
        fitout.milestone_done(
            actor=lease_officer(), milestone=milestone(planned, Kind.DESIGN_SUBMITTED), done_on=TODAY,
            documents=[upload("a.pdf", PDF), upload("b.png", png_bytes())],
        )  # fmt: skip
    assert calls and not any(default_storage.exists(name) for name in calls)
    assert milestone(planned, Kind.DESIGN_SUBMITTED).done_on is None


# --- fit-out and opening through the lease ------------------------------------------------


def test_fit_out_starts_after_the_design_is_approved_and_the_briefing_held(planned):
    with pytest.raises(ValidationError) as refused:
        services.lease_start_fit_out(actor=None, lease=planned)
    assert refused.value.messages == [
        f"Fit-out of lease {planned.code} begins once “Design approved (fire safety, station "
        f"style)” is done."
    ]
    assert Lease.objects.get(pk=planned.pk).status == Status.SIGNED
    do(planned, Kind.DESIGN_SUBMITTED, Kind.DESIGN_APPROVED, Kind.SAFETY_BRIEFING)
    services.lease_start_fit_out(actor=None, lease=planned)
    assert Lease.objects.get(pk=planned.pk).status == Status.FITTING_OUT


def test_a_lease_without_a_plan_opens_as_before(lease):
    services.lease_open(actor=None, lease=lease, opened_on=dt.date(2026, 5, 1))
    assert Lease.objects.get(pk=lease.pk).status == Status.OPEN
    assert not Milestone.objects.exists()


def test_opened_is_done_by_opening_the_lease(planned):
    do(planned, *Milestone.ORDER[:5], on=dt.date(2026, 5, 10))
    fitout.milestone_done(
        actor=lease_officer(), milestone=milestone(planned, Kind.OPENED),
        done_on=dt.date(2026, 5, 18),
        documents=[upload("opening.jpg", jpeg_bytes())],
    )  # fmt: skip
    lease = Lease.objects.get(pk=planned.pk)
    assert (lease.status, lease.opened_on) == (Status.OPEN, dt.date(2026, 5, 18))
    assert done_dates(lease)[Kind.OPENED] == dt.date(2026, 5, 18)
    assert MilestoneDocument.objects.get().milestone.kind == Kind.OPENED
    kinds = ("milestone.done", "lease.open", "milestone.document_add")
    actions = list(
        Entry.objects.filter(action__in=kinds).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-3:] == list(kinds)
    assert Entry.objects.filter(action="milestone.done").count() == 6


def test_opening_the_lease_marks_opened_and_needs_the_milestones_before_it(planned):
    do(planned, *Milestone.ORDER[:4], on=dt.date(2026, 5, 10))
    with pytest.raises(ValidationError) as refused:
        services.lease_open(actor=None, lease=planned, opened_on=dt.date(2026, 5, 18))
    assert refused.value.message_dict == {
        "opened_on": ["“Fire acceptance” comes first: it is not done yet."]
    }
    assert Lease.objects.get(pk=planned.pk).status == Status.SIGNED
    do(planned, Kind.FIRE_ACCEPTANCE, on=dt.date(2026, 5, 12))
    with pytest.raises(ValidationError) as future:
        services.lease_open(actor=None, lease=planned, opened_on=dt.date(2026, 5, 21))
    assert future.value.message_dict == {
        "opened_on": ["A milestone cannot be done in the future."]
    }
    services.lease_open(actor=None, lease=planned, opened_on=dt.date(2026, 5, 12))
    assert done_dates(planned)[Kind.OPENED] == dt.date(2026, 5, 12)
    with pytest.raises(ValidationError) as closed:
        fitout.milestone_reschedule(
            actor=None, milestone=milestone(planned, Kind.OPENED), due_on=TODAY, reason="x"
        )
    assert closed.value.messages == [
        f"Lease {planned.code} is Open: its milestones cannot change."
    ]


def test_only_a_lease_officer_opens_the_outlet_even_as_the_tenant(planned, merchant):
    do(planned, *Milestone.ORDER[:5], on=dt.date(2026, 5, 10))
    with pytest.raises(PermissionDenied):
        do(planned, Kind.OPENED, actor=merchant_user(merchant))
    assert Lease.objects.get(pk=planned.pk).status == Status.SIGNED


# --- the responsible officer --------------------------------------------------------------


def test_the_responsible_officer_is_a_leasing_officer_of_the_station(planned):
    station = planned.station
    own = station_officer(station)
    from django.contrib.auth.models import Permission

    own.user_permissions.add(Permission.objects.get(codename="manage_lease"))
    elsewhere = lease_officer()
    assert elsewhere  # a network officer may be named too
    manager = station_officer(station, role=roles.STATION_MANAGER)
    manager.user_permissions.add(Permission.objects.get(codename="manage_lease"))
    for wrong in (
        station_officer(StationFactory()),  # another station's officer
        manager,  # not a leasing officer
        UserFactory(),
        merchant_user(planned.merchant),
    ):
        with pytest.raises(ValidationError) as refused:
            fitout.lease_assign_officer(actor=None, lease=planned, officer=wrong)
        assert refused.value.message_dict == {
            "officer": [
                f"{wrong.username} is not a leasing officer who manages station {station.code}."
            ]
        }
    with pytest.raises(ValidationError) as nobody:
        fitout.lease_assign_officer(actor=None, lease=planned, officer=None)
    assert nobody.value.message_dict == {"officer": ["Choose the responsible officer."]}
    assert Lease.objects.get(pk=planned.pk).responsible_officer is None
    assert not Entry.objects.filter(action="lease.assign_officer").exists()

    fitout.lease_assign_officer(actor=None, lease=planned, officer=own)
    fitout.lease_assign_officer(actor=None, lease=planned, officer=elsewhere)
    assert Lease.objects.get(pk=planned.pk).responsible_officer == elsewhere
    last = Entry.objects.filter(action="lease.assign_officer").order_by("seq").last()
    assert (last.before, last.after) == (
        {"responsible_officer": own.username},
        {"responsible_officer": elsewhere.username},
    )
    with pytest.raises(ValidationError) as again:
        fitout.lease_assign_officer(actor=None, lease=planned, officer=elsewhere)
    assert again.value.message_dict == {
        "officer": [f"{elsewhere.username} is responsible for lease {planned.code} already."]
    }


def test_only_an_officer_of_the_station_names_the_responsible_officer(planned, merchant):
    for outsider in (merchant_user(merchant), station_officer(StationFactory())):
        with pytest.raises(PermissionDenied):
            fitout.lease_assign_officer(actor=outsider, lease=planned, officer=lease_officer())
    assert Lease.objects.get(pk=planned.pk).responsible_officer is None


# --- what the officer sees: their outlets and what is overdue -----------------------------


def test_the_responsible_officer_sees_their_outlets_next_milestone_and_overdue(planned, clock):
    officer = lease_officer()
    fitout.lease_assign_officer(actor=None, lease=planned, officer=officer)
    other = direct_lease(MerchantFactory(), [free_unit()], start=dt.date(2026, 6, 1))
    fitout.lease_assign_officer(actor=None, lease=other, officer=officer)  # a draft: no plan
    not_mine = direct_lease(MerchantFactory(), [free_unit()], start=dt.date(2026, 6, 1))
    fitout.lease_assign_officer(actor=None, lease=not_mine, officer=lease_officer())
    do(planned, Kind.DESIGN_SUBMITTED, on=dt.date(2026, 3, 10))

    outlets = {lease.code: lease for lease in outlets_for_officer(officer)}
    assert set(outlets) == {planned.code, other.code}
    mine = outlets[planned.code]
    assert (mine.next_milestone_kind, mine.next_milestone_due) == (
        Kind.DESIGN_APPROVED, dt.date(2026, 3, 21),
    )  # fmt: skip
    # On 20 May: approval, briefing and fit-out done (17 May) are late; fire acceptance is not.
    assert [m.kind for m in mine.overdue] == [
        Kind.DESIGN_APPROVED, Kind.SAFETY_BRIEFING, Kind.FIT_OUT_DONE,
    ]  # fmt: skip
    assert mine.overdue_count == 3
    assert outlets[other.code].next_milestone_kind is None
    assert outlets[other.code].overdue_count == 0

    # On the due date itself a milestone is not yet overdue.
    on_17 = outlets_for_officer(officer, on=dt.date(2026, 5, 17)).get(pk=planned.pk)
    assert on_17.overdue_count == 2
    clock.move_to(dt.datetime(2026, 5, 25, 2, tzinfo=dt.UTC))
    later = outlets_for_officer(officer).get(pk=planned.pk)
    assert later.overdue_count == 4  # fire acceptance (24 May) too
    assert outlets_for_officer(UserFactory()).count() == 0


def test_overdue_milestones_follow_what_the_user_may_see(planned, merchant):
    elsewhere = direct_lease(
        MerchantFactory(), [free_unit()], start=dt.date(2026, 3, 1), rent_free_months=3
    )
    services.lease_sign(actor=None, lease=elsewhere)
    fitout.milestones_plan(actor=None, lease=elsewhere)

    everyone = overdue_milestones(None, on=TODAY)
    assert everyone.count() == 8  # four of each lease
    assert [m.kind for m in everyone.filter(lease=planned)] == Milestone.ORDER[:4]
    assert {m.lease_id for m in overdue_milestones(merchant_user(merchant), on=TODAY)} == {
        planned.pk
    }
    station_only = station_officer(planned.station)
    from django.contrib.auth.models import Permission

    station_only.user_permissions.add(Permission.objects.get(codename="view_lease"))
    station_only = type(station_only).objects.get(pk=station_only.pk)
    assert {m.lease_id for m in overdue_milestones(station_only, on=TODAY)} == {planned.pk}
    assert not overdue_milestones(merchant_user(MerchantFactory()), on=TODAY).exists()
    assert overdue_milestones(None, on=dt.date(2026, 3, 11)).count() == 0
    assert overdue_milestones(None, on=dt.date(2026, 3, 12)).count() == 2
    services.lease_terminate(actor=None, lease=elsewhere, reason="Withdrew")
    assert overdue_milestones(None, on=TODAY).count() == 4
