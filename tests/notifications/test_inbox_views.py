"""The portal inbox (/portal/inbox/) and the admin's Messages page: a user sees their own
notifications, newest first; opening one marks it read; another user's answers 404."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from tests.factories import officer
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def tell(user, n, **kwargs):
    values = {
        "kind": "test",
        "key": f"test:{n}",
        "subject": f"Subject {n}",
        "body": f"Body {n}",
        "url": "/portal/tenders/",
    }
    values.update(kwargs)
    return notify(user, **values)


@pytest.fixture
def member():
    return merchant_user(MerchantFactory())


def test_the_inbox_asks_to_sign_in(client):
    response = client.get(reverse("portal:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))


def test_the_inbox_lists_the_users_own_messages_newest_first(client, member):
    first, second = tell(member, 1), tell(member, 2)
    tell(merchant_user(MerchantFactory()), 3)
    client.force_login(member)
    page = BeautifulSoup(client.get(reverse("portal:inbox")).content, "html.parser")
    items = page.select(".inbox-item")
    assert [int(item["data-notification"]) for item in items] == [second.pk, first.pk]
    assert all("inbox-item--unread" in item["class"] for item in items)
    badge = page.select_one("#nav-inbox .inbox-count")
    assert badge.get_text(strip=True) == "2"


def test_opening_a_message_marks_it_read(client, member):
    note = tell(member, 1)
    tell(member, 2)
    client.force_login(member)
    response = client.get(reverse("portal:inbox_message", args=(note.pk,)))
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one(".inbox-message h1").get_text(strip=True) == "Subject 1"
    assert page.select_one("a.inbox-open")["href"] == "/portal/tenders/"
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert page.select_one("#nav-inbox .inbox-count").get_text(strip=True) == "1"


def test_another_users_message_is_not_found_and_stays_unread(client, member):
    theirs = tell(merchant_user(MerchantFactory()), 1)
    client.force_login(member)
    response = client.get(reverse("portal:inbox_message", args=(theirs.pk,)))
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read(client, member):
    tell(member, 1)
    tell(member, 2)
    theirs = tell(merchant_user(MerchantFactory()), 3)
    client.force_login(member)
    assert client.get(reverse("portal:inbox_read_all")).status_code == 405
    response = client.post(reverse("portal:inbox_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    page = BeautifulSoup(client.get(reverse("portal:inbox")).content, "html.parser")
    assert page.select_one("#nav-inbox .inbox-count") is None
    assert not page.select(".inbox-item--unread")


def test_the_admin_messages_page_and_menu_count(client):
    staff = officer()
    mine = tell(staff, 1, url="/admin/leases/1/")
    other = tell(officer(), 2)
    client.force_login(staff)
    response = client.get(reverse("cms_messages"))
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    rows = page.select("tr[data-notification]")
    assert [int(row["data-notification"]) for row in rows] == [mine.pk]
    assert other.subject not in response.content.decode()
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Messages (1)" in home
    client.post(reverse("cms_messages"))
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=other.pk).read_at is None
