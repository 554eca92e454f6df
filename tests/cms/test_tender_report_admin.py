"""The rent-vs-reserve report in the admin's report pages: table, names, TOTAL, downloads."""

import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from tenders import result as outcome
from tests.cms.conftest import speak_english
from tests.factories import officer
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded():
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.refresh())
        clock.move_to(opened.refresh().publicity_ends_at)
        outcome.round_award(actor=opened.officer, round=opened.round)
    return opened


def test_the_report_index_offers_rent_against_reserve(client):
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_reports")).content.decode()
    assert reverse("cms_report", args=("rent-vs-reserve",)) in content


def test_each_awarded_lot_with_its_premium_and_the_total(client, awarded):
    client.force_login(speak_english(officer()))
    response = client.get(reverse("cms_report", args=("rent-vs-reserve",)))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Premium over the reserve (%)" in content
    assert awarded.round.code in content
    assert "Coffee" in content or "咖啡" in content  # the business type by name, not code
    assert ">coffee<" not in content
    total = content.split('<tr class="cms-report__total">')[1].split("</tr>")[0]
    assert "275000.00" in total or "275,000.00" in total
    download = client.get(reverse("cms_report", args=("rent-vs-reserve",)), {"format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "TOTAL" in values and awarded.round.code in values


def test_a_station_officer_sees_only_their_stations_lots(client, awarded):
    from tests.factories import station_officer

    lot1 = awarded.lots[0]
    client.force_login(speak_english(station_officer(lot1.station)))
    content = client.get(reverse("cms_report", args=("rent-vs-reserve",))).content.decode()
    assert lot1.station.code in content
    assert awarded.lots[1].station.code not in content
