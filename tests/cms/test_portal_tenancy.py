"""The portal's tenancy pages: the company's leases, a lease with its milestones, instalments
and turnover, the design upload for "design submitted", and monthly turnover reports.

Leases are made through the leasing services on a frozen clock; pages are read in English.
Every bad input shows the service's message and saves nothing; another merchant's lease,
milestone or document answers 404.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leasing import fitout, services
from leasing.models import Lease, Milestone, MilestoneDocument, TurnoverReport
from tests.leasing.factories import direct_lease, free_unit
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db
Kind = Milestone.Kind
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOW = dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Hunan Burgers Ltd")


@pytest.fixture
def user(merchant):
    return merchant_user(merchant, username="tenant")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def fitting_out(merchant, clock):
    """A lease of 1 May 2026, three months rent-free, signed on 20 April, milestones planned."""
    clock.move_to(dt.datetime(2026, 4, 20, 2, tzinfo=dt.UTC))
    lease = direct_lease(merchant, [free_unit()], start=dt.date(2026, 5, 1), rent_free_months=3)
    services.lease_sign(actor=None, lease=lease)
    fitout.milestones_plan(actor=None, lease=lease)
    clock.move_to(NOW)
    return Lease.objects.get(pk=lease.pk)


@pytest.fixture
def open_lease(merchant, clock):
    """A lease open since 1 January 2025, quarterly rent, the first two instalments paid."""
    lease = direct_lease(
        merchant, [free_unit()], start=dt.date(2025, 1, 1), months=36, rent="120000",
        turnover_rate_pct="8",
    )  # fmt: skip
    services.lease_sign(actor=None, lease=lease)
    services.lease_open(actor=None, lease=lease, opened_on=dt.date(2025, 1, 1))
    for instalment in lease.instalments.order_by("due_date")[:2]:
        services.instalment_pay(
            actor=None,
            instalment=instalment,
            paid_on=instalment.due_date,
            amount=instalment.amount,
        )
    return Lease.objects.get(pk=lease.pk)


@pytest.fixture
def theirs(clock):
    """Another merchant's open lease, with its milestones and a document."""
    other = MerchantFactory(name="Other Ltd")
    clock.move_to(dt.datetime(2026, 4, 20, 2, tzinfo=dt.UTC))
    lease = direct_lease(other, [free_unit()], start=dt.date(2026, 5, 1))
    services.lease_sign(actor=None, lease=lease)
    fitout.milestones_plan(actor=None, lease=lease)
    clock.move_to(NOW)
    fitout.milestone_done(
        actor=merchant_user(other),
        milestone=lease.milestones.get(kind=Kind.DESIGN_SUBMITTED),
        done_on=TODAY,
        documents=[SimpleUploadedFile("design.pdf", PDF)],
    )
    return Lease.objects.get(pk=lease.pk)


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def design(lease) -> Milestone:
    return lease.milestones.get(kind=Kind.DESIGN_SUBMITTED)


# --- the leases ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, fitting_out):
    response = client.get(url("lease", fitting_out.pk))
    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_the_list_shows_the_companys_leases_only(signed_in, fitting_out, open_lease, theirs):
    response = signed_in.get(url("leases"))

    page = text(response)
    assert response.status_code == 200
    assert fitting_out.code in page and open_lease.code in page
    assert theirs.code not in page
    assert "<dt>Next milestone</dt><dd>Design submitted · 2026-05-11 " in page
    assert "<dt>Overdue instalments</dt>" in page
    assert "120,000.00" in page
    assert "2025-01-01 – 2027-12-31" in page


def test_the_list_takes_the_same_queries_whatever_the_number_of_leases(
    signed_in, merchant, open_lease, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15) as few:
        assert signed_in.get(url("leases")).status_code == 200
    for _n in range(3):
        lease = direct_lease(merchant, [free_unit()], start=dt.date(2025, 3, 1))
        services.lease_sign(actor=None, lease=lease)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert signed_in.get(url("leases")).status_code == 200


def test_the_lease_page_shows_units_term_rent_terms_and_status(signed_in, open_lease):
    response = signed_in.get(url("lease", open_lease.pk))

    page = text(response)
    assert response.status_code == 200
    assert 'class="portal-badge">Open</span>' in page
    for unit in open_lease.units.all():
        assert unit.code in page
    assert "2025-01-01 – 2027-12-31 (36 months)" in page
    assert "<dt>Fixed annual rent, first lease year (CNY)</dt><dd>120,000.00</dd>" in page
    assert "<dt>Turnover rent (per cent of turnover)</dt><dd>8.00 %</dd>" in page
    assert "<dt>Payment frequency</dt><dd>Quarterly</dd>" in page


def test_the_instalments_show_paid_overdue_and_due(signed_in, open_lease):
    page = text(signed_in.get(url("lease", open_lease.pk)))

    instalments = list(open_lease.instalments.order_by("due_date"))
    assert f"Paid {instalments[0].due_date:%Y-%m-%d}" in page
    late = (TODAY - instalments[2].due_date).days
    assert f"Overdue {late} days" in page
    assert "Overdue 0 days" not in page
    assert page.count('class="pt-instalment--due"') == sum(
        1 for i in instalments if i.due_date >= TODAY
    )


def test_another_merchants_lease_answers_404(signed_in, theirs):
    document = MilestoneDocument.objects.get(milestone__lease=theirs)
    for target in (
        url("lease", theirs.pk),
        url("lease_turnover", theirs.pk),
        url("lease_design", theirs.pk, design(theirs).pk),
        url("lease_document", theirs.pk, document.pk),
    ):
        assert signed_in.get(target).status_code == 404, target
    response = signed_in.post(
        url("lease_turnover", theirs.pk), {"month": "2026-04", "amount": "1"}
    )
    assert response.status_code == 404
    assert not TurnoverReport.objects.exists()


def test_a_document_of_another_lease_answers_404_under_the_own_lease(
    signed_in, fitting_out, theirs
):
    document = MilestoneDocument.objects.get(milestone__lease=theirs)
    assert signed_in.get(url("lease_document", fitting_out.pk, document.pk)).status_code == 404


# --- the design ---------------------------------------------------------------------------


def test_the_tenant_uploads_the_design(signed_in, fitting_out, user):
    lease_page = text(signed_in.get(url("lease", fitting_out.pk)))
    assert "Upload the design" in lease_page
    assert "Due 2026-05-11" in lease_page
    form = text(signed_in.get(url("lease_design", fitting_out.pk, design(fitting_out).pk)))
    assert "PDF, PNG, JPEG, DWG, DXF, judged by their content; each kept with its SHA-256." in form

    response = signed_in.post(
        url("lease_design", fitting_out.pk, design(fitting_out).pk),
        {"done_on": "2026-05-19", "documents": [SimpleUploadedFile("shop.pdf", PDF)]},
    )

    assert response.status_code == 302
    milestone = design(fitting_out)
    assert milestone.done_on == dt.date(2026, 5, 19)
    document = milestone.documents.get()
    assert document.uploaded_by == user
    page = text(signed_in.get(url("lease", fitting_out.pk)))
    assert document.sha256 in page
    download = signed_in.get(url("lease_document", fitting_out.pk, document.pk))
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"done_on": "2026-05-19", "documents": [("shop.txt", b"just words")]},
            "documents",
            "“shop.txt” is not a PDF, PNG, JPEG, DWG, DXF file (judged by its content).",
        ),
        ({"done_on": "2026-05-19"}, "documents", "Attach the design."),
        (
            {"done_on": "2026-05-21", "documents": [("shop.pdf", PDF)]},
            "done_on",
            "A milestone cannot be done in the future.",
        ),
        (
            {"done_on": "2026-04-01", "documents": [("shop.pdf", PDF)]},
            "done_on",
            "Lease HT-",
        ),
        (
            {"done_on": "someday", "documents": [("shop.pdf", PDF)]},
            "done_on",
            "Enter a valid date.",
        ),
    ],
)
def test_a_bad_design_upload_shows_the_message_and_saves_nothing(
    signed_in, fitting_out, data, field, message
):
    data = {
        **data,
        **(
            {"documents": [SimpleUploadedFile(n, c) for n, c in data["documents"]]}
            if "documents" in data
            else {}
        ),
    }

    response = signed_in.post(url("lease_design", fitting_out.pk, design(fitting_out).pk), data)

    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert "Nothing was saved" in text(response)
    assert design(fitting_out).done_on is None
    assert not MilestoneDocument.objects.exists()


def test_another_milestone_is_not_the_tenants_to_record(signed_in, fitting_out):
    approval = fitting_out.milestones.get(kind=Kind.DESIGN_APPROVED)
    assert signed_in.get(url("lease_design", fitting_out.pk, approval.pk)).status_code == 404


def test_the_design_cannot_be_submitted_twice(signed_in, fitting_out):
    target = url("lease_design", fitting_out.pk, design(fitting_out).pk)
    signed_in.post(
        target, {"done_on": "2026-05-19", "documents": [SimpleUploadedFile("a.pdf", PDF)]}
    )

    response = signed_in.post(
        target, {"done_on": "2026-05-20", "documents": [SimpleUploadedFile("b.pdf", PDF + b"2")]}
    )

    assert "“Design submitted” was done on 2026-05-19 already." in text(response)
    assert MilestoneDocument.objects.count() == 1


# --- turnover -----------------------------------------------------------------------------


def test_reporting_a_months_turnover(signed_in, open_lease, user):
    form = signed_in.get(url("lease_turnover", open_lease.pk))
    assert 'value="2026-04"' in form.content.decode()

    response = signed_in.post(
        url("lease_turnover", open_lease.pk), {"month": "2026-04", "amount": "256000.50"}
    )

    assert response.status_code == 302
    report = TurnoverReport.objects.get()
    assert (report.lease, report.month, str(report.amount), report.reported_by) == (
        open_lease,
        dt.date(2026, 4, 1),
        "256000.50",
        user,
    )
    assert "256,000.50" in text(signed_in.get(url("lease", open_lease.pk)))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"month": "2026-04", "amount": ""}, "amount", "This field is required."),
        ({"month": "2026-04", "amount": "-5"}, "amount", "Give an amount of 0 or more."),
        ({"month": "2026-04", "amount": "1.234"}, "amount", "no more than 2 decimal places"),
        ({"month": "2026-07", "amount": "10"}, "month", "2026-07 has not begun."),
        ({"month": "2024-12", "amount": "10"}, "month", "2024-12 is outside the lease."),
        ({"month": "April", "amount": "10"}, "month", "Enter a valid date."),
    ],
)
def test_a_bad_turnover_report_shows_the_message_and_saves_nothing(
    signed_in, open_lease, data, field, message
):
    response = signed_in.post(url("lease_turnover", open_lease.pk), data)

    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert not TurnoverReport.objects.exists()


def test_a_month_is_reported_once(signed_in, open_lease, user):
    services.turnover_report(actor=user, lease=open_lease, month=dt.date(2026, 4, 1), amount="1")
    form = signed_in.get(url("lease_turnover", open_lease.pk))
    assert 'value="2026-05"' in form.content.decode()

    response = signed_in.post(
        url("lease_turnover", open_lease.pk), {"month": "2026-04", "amount": "2"}
    )

    assert "The turnover of 2026-04 is already reported." in text(response)
    assert TurnoverReport.objects.get().amount == 1


def test_turnover_waits_for_the_opening(signed_in, fitting_out):
    assert "Turnover is reported once the outlet is open." in text(
        signed_in.get(url("lease", fitting_out.pk))
    )

    response = signed_in.post(
        url("lease_turnover", fitting_out.pk), {"month": "2026-04", "amount": "10"}
    )

    assert response.context["form"].errors["month"] == [
        "Turnover is reported once the outlet is open."
    ]
    assert not TurnoverReport.objects.exists()
