"""notifications.services.notify: one row and one e-mail per recipient and key, in the
recipient's language; the inbox's reads only the user's own."""

import pytest
from django.core import mail
from django.http import Http404
from django.utils import translation
from wagtail.users.models import UserProfile

from notifications.models import Notification
from notifications.selectors import get_notification_for, unread_count
from notifications.services import (
    language_of,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def english_reader(**kwargs):
    user = UserFactory(**kwargs)
    UserProfile.objects.create(user=user, preferred_language="en")
    return user


def message(key="event:1", **overrides):
    values = {
        "kind": "test",
        "key": key,
        "subject": lambda: translation.gettext("Sign out"),
        "body": lambda: f"written in {translation.get_language()}",
        "url": "/portal/tenders/1/",
    }
    values.update(overrides)
    return values


def test_notify_makes_one_row_and_one_email():
    user = UserFactory()
    first = notify(user, **message())
    assert first.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "http://localhost:8000/portal/tenders/1/" in mail.outbox[0].body


def test_notify_again_with_the_same_key_sends_nothing():
    user = UserFactory()
    first = notify(user, **message())
    again = notify(user, **message(body="another text"))
    assert again.pk == first.pk
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=first.pk).body == first.body


def test_another_key_or_another_recipient_is_another_notification():
    user, other = UserFactory(), UserFactory()
    notify(user, **message("event:1"))
    notify(user, **message("event:2"))
    notify(other, **message("event:1"))
    assert Notification.objects.filter(recipient=user).count() == 2
    assert Notification.objects.filter(recipient=other).count() == 1
    assert len(mail.outbox) == 3


def test_an_email_that_failed_is_sent_on_the_retry(settings):
    user = UserFactory()
    settings.EMAIL_BACKEND = "tests.notifications.failing_mail.Backend"
    with pytest.raises(ConnectionError):
        notify(user, **message())
    row = Notification.objects.get(recipient=user)
    assert row.emailed_at is None  # the claim was released
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notify(user, **message())
    assert Notification.objects.get(pk=row.pk).emailed_at is not None
    assert len(mail.outbox) == 1


def test_a_user_without_an_address_gets_the_inbox_row_only():
    user = UserFactory(email="")
    row = notify(user, **message())
    assert row.pk and row.emailed_at is None
    assert mail.outbox == []


def test_an_inactive_user_gets_nothing():
    user = UserFactory(is_active=False)
    assert notify(user, **message()) is None
    assert not Notification.objects.exists()


def test_the_message_is_written_in_the_recipients_language():
    chinese, english = UserFactory(), english_reader()
    # The request (or the test) may be in English: the recipient's language counts.
    with translation.override("en"):
        to_chinese = notify(chinese, **message())
        to_english = notify(english, **message())
    assert (to_chinese.language, to_chinese.body) == ("zh-hans", "written in zh-hans")
    assert (to_english.language, to_english.body) == ("en", "written in en")
    assert to_english.subject == "Sign out"
    with translation.override("zh-hans"):
        assert to_chinese.subject == translation.gettext("Sign out") != "Sign out"


def test_language_of_falls_back_to_the_site_default():
    assert language_of(UserFactory()) == "zh-hans"
    unknown = UserFactory()
    UserProfile.objects.create(user=unknown, preferred_language="fr")
    assert language_of(unknown) == "zh-hans"
    assert language_of(english_reader()) == "en"


def test_a_user_reads_only_their_own_notifications():
    user, other = UserFactory(), UserFactory()
    theirs = notify(other, **message())
    with pytest.raises(Http404):
        get_notification_for(user, theirs.pk)
    assert get_notification_for(other, theirs.pk) == theirs


def test_marking_read():
    user = UserFactory()
    first = notify(user, **message("event:1"))
    notify(user, **message("event:2"))
    assert unread_count(user) == 2
    notification_mark_read(actor=user, notification=first)
    assert unread_count(user) == 1
    assert notifications_mark_all_read(actor=user) == 1
    assert unread_count(user) == 0
