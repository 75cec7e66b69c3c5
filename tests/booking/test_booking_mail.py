"""The emails about bookings: the confirmation with its calendar file, a moved
time, a cancellation, and the request to choose a time.

Messages go out through Django's locmem backend (mail.outbox); the calendar
files are read back with icalendar, as a parent's calendar would read them.
"""

from __future__ import annotations

import datetime as dt
import smtplib

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from conversations import booking, booking_mail, parent_links
from conversations.models import Booking, ParentLink, Slot
from tests import factories
from tests.booking.helpers import slots_of

pytestmark = pytest.mark.django_db

BASE_URL = "https://samenspraak.example.org"


class RefusingBackend(EmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def _calendar(message) -> icalendar.Calendar:
    [attachment] = message.attachments
    assert attachment.filename == "samenspraak.ics"
    assert attachment.mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(attachment.content)


def _html(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def _english(moment, format: str) -> str:
    with translation.override("en"):
        return date_format(timezone.localtime(moment), format)


def _booking_url(link: ParentLink) -> str:
    return BASE_URL + reverse("parent_booking", args=[parent_links.token_of(link)])


@pytest.fixture
def mehmet(family, round_conversation):
    """Emre's father, taking part too, reading English."""
    father = factories.make_guardian(
        family, first_name="Mehmet", last_name="Yilmaz", relation="father", preferred_language="en"
    )
    round_conversation.guardians.add(father)
    return father


def _book(link, conversation, slots, **kwargs):
    return booking.booking_make(
        choice=[(conversation.pk, [slot.pk for slot in slots])], link=link, **kwargs
    )


def test_it_sends_the_confirmation_with_a_calendar_invitation(
    english_link, round_conversation, meeting_round, teacher
):
    teacher.first_name, teacher.last_name = "Anja", "de Boer"
    teacher.save()
    slot = slots_of(meeting_round, teacher)[2]
    Slot.objects.filter(pk=slot.pk).update(place="Lokaal 3")
    booked = _book(english_link, round_conversation, [slot])

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    [message] = mail.outbox
    made = booked[0].booking
    assert message.to == [english_link.guardian.email]
    assert message.subject == "Your appointment for the conversation about Emre"
    assert message.reply_to == [teacher.email]
    assert message.extra_headers["Content-Language"] == "en"
    start = timezone.localtime(made.starts_at)
    day = _english(start, "l j F Y")
    for body in (message.body, _html(message)):
        assert "Thank you for choosing a time." in body
        assert "About Emre, with Anja de Boer" in body
        assert f"{day}, {start:%H:%M}–{timezone.localtime(made.ends_at):%H:%M}" in body
        assert "Lokaal 3" in body
        assert _booking_url(english_link) in body
        assert "change or cancel the time until" in body
        assert "Yilmaz" not in body
    calendar = _calendar(message)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == made.calendar_uid == f"booking-{made.pk}@samenspraak"
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].dt == made.starts_at
    assert event["DTEND"].dt == made.ends_at
    assert event["DTSTART"].dt.utcoffset() == dt.timedelta(0)
    assert str(event["SUMMARY"]) == "Conversation about Emre"
    assert str(event["LOCATION"]) == "Lokaal 3"
    assert str(event["DESCRIPTION"]) == "With Anja de Boer, Kindcentrum De Linde"
    assert str(event["ATTENDEE"]) == f"mailto:{english_link.guardian.email}"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    # The calendar file holds no key to the parent's pages.
    assert parent_links.token_of(english_link) not in attachment_text(message)


def attachment_text(message) -> str:
    content = message.attachments[0].content
    return content.decode() if isinstance(content, bytes) else content


def test_it_writes_in_the_language_of_each_parents_link(
    round_link, round_conversation, meeting_round, teacher, mehmet
):
    assert round_link.language == "tr"  # the family's language
    booked = _book(round_link, round_conversation, slots_of(meeting_round, teacher)[:1])

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {round_link.guardian.email, mehmet.email}
    turkish = by_address[round_link.guardian.email]
    start = timezone.localtime(booked[0].booking.starts_at)
    with translation.override("tr"):
        subject = gettext("Your appointment for the conversation about %(children)s") % {
            "children": "Emre"
        }
        summary = gettext("Conversation about %(child)s") % {"child": "Emre"}
        greeting = gettext("Dear %(name)s,") % {"name": "Ayşe"}
        day = date_format(start, "l j F Y")
    assert turkish.subject == subject
    assert turkish.extra_headers["Content-Language"] == "tr"
    assert greeting in turkish.body
    assert day in turkish.body  # Turkish day and month names
    assert 'lang="tr"' in _html(turkish)
    assert str(_calendar(turkish).walk("VEVENT")[0]["SUMMARY"]) == summary
    # Mehmet had no link yet: he has one now, in his own language, and the
    # message leads to it.
    english = by_address[mehmet.email]
    link = ParentLink.objects.get(conversation=round_conversation, guardian=mehmet)
    assert link.language == "en"
    assert english.subject == "Your appointment for the conversation about Emre"
    assert _booking_url(link) in english.body
    assert "Dear Mehmet," in english.body


def test_it_writes_only_to_the_parent_who_booked_alone(
    english_link, round_conversation, meeting_round, teacher, mehmet
):
    booked = _book(
        english_link, round_conversation, slots_of(meeting_round, teacher)[:1], alone=True
    )

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    [message] = mail.outbox
    assert message.to == [english_link.guardian.email]
    assert "This time is only for you." in message.body
    assert not ParentLink.objects.filter(guardian=mehmet).exists()


def test_it_skips_a_parent_whose_link_was_revoked(
    english_link, round_conversation, meeting_round, teacher, mehmet
):
    revoked = factories.make_parent_link(round_conversation, mehmet)
    parent_links.link_revoke(link=revoked)
    booked = _book(english_link, round_conversation, slots_of(meeting_round, teacher)[:1])

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    assert [message.to for message in mail.outbox] == [[english_link.guardian.email]]
    revoked.refresh_from_db()
    assert revoked.revoked_at is not None  # not quietly made usable again


def test_it_skips_a_parent_without_an_email_address(
    english_link, round_conversation, meeting_round, teacher, family
):
    silent = factories.make_guardian(family, first_name="Kemal", email="")
    round_conversation.guardians.add(silent)
    booked = _book(english_link, round_conversation, slots_of(meeting_round, teacher)[:1])

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    assert [message.to for message in mail.outbox] == [[english_link.guardian.email]]


def test_it_puts_siblings_in_one_email_with_one_calendar_file(
    english_link, round_conversation, meeting_round, family, other_group, teacher, teacher2
):
    sister = factories.make_child(family, other_group, first_name="Elif")
    booking.round_enrol(meeting_round=meeting_round)
    sister_conversation = factories.round_conversation(meeting_round, sister)
    emre_slot = slots_of(meeting_round, teacher)[0]
    elif_slot = slots_of(meeting_round, teacher2)[1]
    booked = booking.booking_make(
        choice=[(round_conversation.pk, [emre_slot.pk]), (sister_conversation.pk, [elif_slot.pk])],
        link=english_link,
    )

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    [message] = mail.outbox
    assert message.to == [english_link.guardian.email]
    assert message.subject == "Your appointment for the conversation about Emre and Elif"
    assert "About Emre, with Teacher" in message.body
    assert "About Elif, with Teacher2" in message.body
    assert message.body.index("About Emre") < message.body.index("About Elif")
    assert set(message.reply_to) == {emre_slot.professional.email, elif_slot.professional.email}
    events = _calendar(message).walk("VEVENT")
    assert sorted(str(event["UID"]) for event in events) == sorted(
        each.booking.calendar_uid for each in booked
    )
    assert [str(event["SUMMARY"]) for event in events] == [
        "Conversation about Emre",
        "Conversation about Elif",
    ]
    assert [event["DTSTART"].dt for event in events] == [emre_slot.starts_at, elif_slot.starts_at]


def test_it_says_clearly_that_the_time_moved(
    english_link, round_conversation, meeting_round, teacher
):
    first, _, third = slots_of(meeting_round, teacher)[:3]
    (made,) = _book(english_link, round_conversation, [first])
    moved = booking.booking_move(booking=made.booking, slot_ids=[third.pk], user=teacher)

    booking_mail.booking_confirmations_send(booked=[moved], base_url=BASE_URL)

    [message] = mail.outbox
    assert message.subject == "New time for the conversation about Emre"
    old = _english(first.starts_at, "l j F, H:i")
    new = _english(third.starts_at, "l j F, H:i")
    for body in (message.body, _html(message)):
        assert "Please note: there is a new time for our conversation." in body
        assert f"The time has changed from {old} to {new}." in body
    [event] = _calendar(message).walk("VEVENT")
    assert str(event["UID"]) == made.booking.calendar_uid
    assert event["SEQUENCE"] == 1
    assert event["DTSTART"].dt == third.starts_at


def test_it_cancels_the_calendar_entry(english_link, round_conversation, meeting_round, teacher):
    (made,) = _book(english_link, round_conversation, slots_of(meeting_round, teacher)[:1])
    moved = booking.booking_move(
        booking=made.booking, slot_ids=[slots_of(meeting_round, teacher)[3].pk], user=teacher
    )
    cancelled = booking.booking_cancel(booking=moved.booking, link=english_link)

    booking_mail.booking_cancelled_send(booking=cancelled, base_url=BASE_URL)

    assert not Booking.objects.filter(pk=made.booking.pk).exists()
    [message] = mail.outbox
    assert message.subject == "Cancelled: the conversation about Emre"
    for body in (message.body, _html(message)):
        assert "This appointment is cancelled:" in body
        assert "You can choose one with your own link until" in body
        assert _booking_url(english_link) in body
    calendar = _calendar(message)
    assert calendar["METHOD"] == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == made.booking.calendar_uid
    assert event["SEQUENCE"] == 2  # the move made it 1
    assert event["STATUS"] == "CANCELLED"
    assert event["DTSTART"].dt == moved.booking.starts_at


def test_it_asks_to_reply_once_the_round_has_closed(
    english_link, round_conversation, meeting_round, teacher
):
    # A professional may still book once the round has closed; the message
    # tells the round as the booking found it.
    meeting_round.closes_at = timezone.now() - dt.timedelta(minutes=1)
    meeting_round.opens_at = timezone.now() - dt.timedelta(days=2)
    meeting_round.save()
    booked = booking.booking_make(
        choice=[(round_conversation.pk, [slots_of(meeting_round, teacher)[0].pk])],
        user=teacher,
        conversation=round_conversation,
    )

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    [message] = mail.outbox
    assert "We have planned a time for our conversation." in message.body
    assert "Please let us know: you can reply to this email." in message.body
    assert "See your appointment" in _html(message)
    assert "Change or cancel" not in _html(message)


def test_it_keeps_the_booking_when_the_mail_server_is_down(
    english_link, round_conversation, meeting_round, teacher, settings, caplog
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    booked = _book(english_link, round_conversation, slots_of(meeting_round, teacher)[:1])

    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)

    assert Booking.objects.filter(pk=booked[0].booking.pk).exists()
    assert "could not be sent" in caplog.text
    assert "Yilmaz" not in caplog.text
    assert "Ayşe" not in caplog.text
    assert english_link.guardian.email not in caplog.text


# Asking families to choose a time


def test_it_asks_the_parents_without_a_time_to_choose_one(
    english_link, round_conversation, meeting_round, teacher, teacher2, other_child, family
):
    sister = factories.make_child(family, other_child.groups.get(), first_name="Elif")
    booking.round_enrol(meeting_round=meeting_round)
    booked_family = factories.round_conversation(meeting_round, other_child)
    other_link = factories.make_parent_link(booked_family)
    booking.booking_make(
        choice=[(booked_family.pk, [slots_of(meeting_round, teacher2)[0].pk])], link=other_link
    )
    conversations = [
        round_conversation,
        factories.round_conversation(meeting_round, sister),
        booked_family,
    ]

    mailing = booking_mail.please_book_send(
        meeting_round=meeting_round, conversations=conversations, sender=teacher, base_url=BASE_URL
    )

    [message] = mail.outbox  # one email for both children; nothing to the family that booked
    assert message.to == [english_link.guardian.email]
    assert mailing.sent == [english_link.guardian]
    assert message.subject == "Please choose a time for the conversation about Elif and Emre"
    deadline = _english(meeting_round.closes_at, "l j F, H:i")
    for body in (message.body, _html(message)):
        assert f"Please choose a time before {deadline}." in body
        assert "You can plan the conversations one after the other." in body
        assert _booking_url(english_link) in body
        assert "Tienminutengesprekken" in body
    assert message.reply_to == [teacher.email]
    assert not message.attachments
    links = ParentLink.objects.filter(guardian=english_link.guardian)
    assert links.count() == 2  # Elif's link was made
    assert all(link.booking_asked_at is not None for link in links)
    assert ParentLink.objects.get(pk=other_link.pk).booking_asked_at is None


def test_it_reports_parents_without_email_and_skips_revoked_links(
    round_link, round_conversation, meeting_round, teacher, family, mehmet
):
    silent = factories.make_guardian(family, first_name="Kemal", email="")
    round_conversation.guardians.add(silent)
    parent_links.link_revoke(link=factories.make_parent_link(round_conversation, mehmet))

    mailing = booking_mail.please_book_send(
        meeting_round=meeting_round,
        conversations=[round_conversation],
        sender=teacher,
        base_url=BASE_URL,
    )

    assert [message.to for message in mail.outbox] == [[round_link.guardian.email]]
    assert mailing.sent == [round_link.guardian]
    assert mailing.without_email == [silent]
    assert mailing.failed == []


def test_it_still_asks_the_other_parent_when_one_booked_alone(
    english_link, round_conversation, meeting_round, teacher, mehmet
):
    _book(english_link, round_conversation, slots_of(meeting_round, teacher)[:1], alone=True)

    mailing = booking_mail.please_book_send(
        meeting_round=meeting_round,
        conversations=[round_conversation],
        sender=teacher,
        base_url=BASE_URL,
    )

    assert [message.to for message in mail.outbox] == [[mehmet.email]]
    assert mailing.sent == [mehmet]


def test_it_names_the_opening_when_booking_has_not_started(
    english_link, round_conversation, meeting_round, teacher
):
    meeting_round.opens_at = timezone.now() + dt.timedelta(days=1)
    meeting_round.save()

    booking_mail.please_book_send(
        meeting_round=meeting_round,
        conversations=[round_conversation],
        sender=teacher,
        base_url=BASE_URL,
    )

    [message] = mail.outbox
    start = _english(meeting_round.opens_at, "l j F, H:i")
    assert f"You can choose a time from {start} until" in message.body


def test_it_reports_the_parents_the_mail_server_refused(
    english_link, round_conversation, meeting_round, teacher, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}

    mailing = booking_mail.please_book_send(
        meeting_round=meeting_round,
        conversations=[round_conversation],
        sender=teacher,
        base_url=BASE_URL,
    )

    assert mailing.failed == [english_link.guardian]
    assert mailing.sent == []
    english_link.refresh_from_db()
    assert english_link.booking_asked_at is None
