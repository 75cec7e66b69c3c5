"""The reminder the day before: `manage.py send_booking_reminders`, run from
cron, sends each booking's reminder once, however often it runs, also when
two runs overlap, and tries again after the mail server refused."""

from __future__ import annotations

import datetime as dt
import io
import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from conversations import booking, booking_mail, parent_links
from conversations.models import Booking
from tests import factories

SITE_URL = "https://samenspraak.example.org"


class RefusingOneAddress(EmailBackend):
    """A mail server that refuses one address (`refused`) and takes the rest."""

    refused = "ayse@example.org"

    def send_messages(self, messages):
        for message in messages:
            if self.refused in message.to:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"No such user")})
        return super().send_messages(messages)


class HoldingBackend(EmailBackend):
    """Holds the first message until told to go on: one run is then in the
    middle of sending while the test starts a second."""

    sending = threading.Event()
    go_on = threading.Event()

    def send_messages(self, messages):
        if not self.sending.is_set():
            self.sending.set()
            self.go_on.wait(timeout=10)
        return super().send_messages(messages)


def _tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _booking_on(meeting_round, conversation, professional, starts_at):
    """Book `conversation`, for both parents, in a new slot of `professional`
    at `starts_at`."""
    [slot] = factories.make_slots(
        meeting_round,
        professional,
        count=1,
        day=timezone.localdate(starts_at),
        start=timezone.localtime(starts_at).time(),
        place="Lokaal 3",
    )
    [booked] = booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=professional, conversation=conversation
    )
    return booked.booking


def _run() -> str:
    out = io.StringIO()
    call_command("send_booking_reminders", stdout=out)
    return out.getvalue()


@pytest.fixture
def _site(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def ayse(family):
    guardian = family.guardians.get(first_name="Ayşe")
    guardian.email = "ayse@example.org"
    guardian.save()
    return guardian


@pytest.fixture
def mehmet(family, round_conversation):
    father = factories.make_guardian(
        family, first_name="Mehmet", relation="father", email="mehmet@example.org"
    )
    round_conversation.guardians.add(father)
    return father


@pytest.mark.django_db
@pytest.mark.usefixtures("_site", "ayse")
def test_it_reminds_each_parent_once_however_often_it_runs(
    english_link, round_conversation, meeting_round, teacher, mehmet
):
    made = _booking_on(meeting_round, round_conversation, teacher, _tomorrow_at(18, 30))

    first = _run()
    second = _run()

    assert first.strip() == "Reminders sent for 1 booking(s)."
    assert second.strip() == "Reminders sent for 0 booking(s)."
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ayse@example.org",
        "mehmet@example.org",
    ]
    made.refresh_from_db()
    assert made.reminder_sent_at is not None
    message = next(message for message in mail.outbox if message.to == ["ayse@example.org"])
    assert message.subject == "Tomorrow: the conversation about Emre"
    with translation.override("en"):
        day = date_format(timezone.localtime(made.starts_at), "l j F Y")
    url = SITE_URL + reverse("parent_booking", args=[parent_links.token_of(english_link)])
    [(html, _mimetype)] = message.alternatives
    for body in (message.body, html):
        assert "A short reminder: tomorrow we will talk about Emre." in body
        assert f"{day}, 18:30–18:40" in body
        assert "Lokaal 3" in body
        assert url in body
    assert not message.attachments  # the calendar already has it from the confirmation


@pytest.mark.django_db
@pytest.mark.usefixtures("_site")
def test_it_leaves_the_day_after_tomorrow_for_later(
    round_conversation, meeting_round, teacher, ayse
):
    later = _booking_on(
        meeting_round, round_conversation, teacher, _tomorrow_at(9) + dt.timedelta(days=1)
    )

    assert _run().strip() == "Reminders sent for 0 booking(s)."
    assert mail.outbox == []
    later.refresh_from_db()
    assert later.reminder_sent_at is None


@pytest.mark.django_db
@pytest.mark.usefixtures("_site")
def test_it_sends_no_reminder_for_a_booking_already_past(
    round_conversation, meeting_round, teacher, ayse
):
    made = _booking_on(meeting_round, round_conversation, teacher, _tomorrow_at(10))
    Booking.objects.filter(pk=made.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(hours=1, minutes=50),
    )

    assert booking_mail.booking_reminders_send() == 0
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("_site")
def test_it_counts_tomorrow_from_midnight_to_midnight(
    round_conversation, meeting_round, teacher, other_child, teacher2, ayse
):
    early = _booking_on(meeting_round, round_conversation, teacher, _tomorrow_at(0, 0))
    other = factories.round_conversation(meeting_round, other_child)
    day_after = _booking_on(
        meeting_round, other, teacher2, _tomorrow_at(0, 0) + dt.timedelta(days=1)
    )

    assert booking_mail.booking_reminders_send() == 1

    early.refresh_from_db()
    day_after.refresh_from_db()
    assert early.reminder_sent_at is not None
    assert day_after.reminder_sent_at is None
    assert [message.to for message in mail.outbox] == [["ayse@example.org"]]


@pytest.mark.django_db
@pytest.mark.usefixtures("_site")
def test_it_reminds_a_family_of_siblings_in_one_email(
    english_link, round_conversation, meeting_round, teacher, teacher2, family, other_group, ayse
):
    sister = factories.make_child(family, other_group, first_name="Elif")
    booking.round_enrol(meeting_round=meeting_round)
    sister_conversation = factories.round_conversation(meeting_round, sister)
    _booking_on(meeting_round, round_conversation, teacher, _tomorrow_at(18))
    _booking_on(meeting_round, sister_conversation, teacher2, _tomorrow_at(18, 10))

    assert booking_mail.booking_reminders_send() == 2

    [message] = mail.outbox
    assert "About Emre" in message.body
    assert "About Elif" in message.body


@pytest.mark.django_db
@pytest.mark.usefixtures("_site")
def test_it_keeps_going_when_the_mail_server_refuses_one_parent(
    round_link, round_conversation, meeting_round, teacher, teacher2, other_child, ayse, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingOneAddress"}}
    refused = _booking_on(meeting_round, round_conversation, teacher, _tomorrow_at(18))
    other_conversation = factories.round_conversation(meeting_round, other_child)
    fine = _booking_on(meeting_round, other_conversation, teacher2, _tomorrow_at(19))

    assert booking_mail.booking_reminders_send() == 1

    [message] = mail.outbox
    assert message.to == [other_child.family.guardians.get().email]
    refused.refresh_from_db()
    fine.refresh_from_db()
    assert refused.reminder_sent_at is None
    assert fine.reminder_sent_at is not None

    # The server takes the address again: the next run sends the one left.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert booking_mail.booking_reminders_send() == 1
    assert [message.to for message in mail.outbox][1:] == [["ayse@example.org"]]
    refused.refresh_from_db()
    assert refused.reminder_sent_at is not None


@pytest.mark.django_db
@pytest.mark.usefixtures("_site")
def test_it_reminds_again_after_a_move_to_another_day(
    round_conversation, meeting_round, teacher, ayse
):
    made = _booking_on(meeting_round, round_conversation, teacher, _tomorrow_at(18))
    assert booking_mail.booking_reminders_send() == 1
    [later] = factories.make_slots(
        meeting_round,
        teacher,
        count=1,
        day=timezone.localdate() + dt.timedelta(days=2),
        start=dt.time(8),
    )

    booking.booking_move(booking=made, slot_ids=[later.pk], user=teacher)

    made.refresh_from_db()
    assert made.reminder_sent_at is None  # due again the day before the new date
    assert booking_mail.booking_reminders_send() == 0  # but not today


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_site")
def test_it_reminds_once_when_two_runs_overlap(
    round_conversation, meeting_round, teacher, mehmet, ayse, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.HoldingBackend"}}
    HoldingBackend.sending.clear()
    HoldingBackend.go_on.clear()
    made = _booking_on(meeting_round, round_conversation, teacher, _tomorrow_at(18))
    # Both parents have their links already, so the runs contend for nothing
    # but the booking.
    factories.make_parent_link(round_conversation, ayse)
    factories.make_parent_link(round_conversation, mehmet)
    counts: dict[str, int] = {}

    def run(name: str) -> None:
        try:
            counts[name] = booking_mail.booking_reminders_send()
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert HoldingBackend.sending.wait(timeout=10)  # the first run holds the rows
    second = threading.Thread(target=run, args=("second",))
    second.start()
    second.join(timeout=5)
    assert not second.is_alive()  # it skipped the locked rows instead of waiting
    HoldingBackend.go_on.set()
    first.join(timeout=10)

    assert counts == {"first": 1, "second": 0}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ayse@example.org",
        "mehmet@example.org",
    ]
    made.refresh_from_db()
    assert made.reminder_sent_at is not None
