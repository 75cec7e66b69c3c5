"""Emails carry no note content: only who, when, where and the parent's link.

Every email the app can send is sent here about a conversation whose every
free text (preparation, notes, summary, the parents' view, agreements, own
questions and topics, answers, comments, contact notes) holds a marker, and
the marker must appear in no subject or body, plain or HTML.

`test_it_knows_every_place_that_sends_email` scans the code for mail calls,
so a new email cannot be added without being added here too.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from conversations import booking, booking_mail, invitations
from conversations.services import summary_share, text_save
from tests import factories
from tests.families.privacy_records import make_full_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MARKER = "ZQX-mail-c41d"
BASE_URL = "https://samenspraak.example.org"

# The modules that send email, and the functions in them that do. Add a new
# sender here and to the test below.
SENDERS = {
    "conversations/invitations.py": {"invitation_send", "summary_ready_send"},
    # Confirmations, cancellations and reminders all go through _send.
    "conversations/booking_mail.py": {"_send", "please_book_send"},
}
MAIL_CALL = re.compile(
    r"\b(send_mail|send_mass_mail|mail_admins|mail_managers|EmailMessage|"
    r"EmailMultiAlternatives|get_connection)\b"
)


@pytest.fixture
def record(conversation, teacher, coordinator, family):
    family.contact_notes = f"Bel na vijf uur {MARKER}"
    family.save()
    full = make_full_record(conversation, teacher, coordinator, MARKER)
    # Where and when the meeting is belongs in an invitation; it is not a note.
    conversation.date = timezone.localdate() + dt.timedelta(days=7)
    conversation.place = "Lokaal 3"
    conversation.other_participants = ""
    conversation.save()
    summary = conversation.texts.get(key="summary")
    text_save(
        conversation=conversation,
        key="summary",
        text=f"We spraken over hoe het gaat. Emre speelt graag buiten. {MARKER}",
        base_version=summary.version,
        user=teacher,
    )
    summary_share(conversation=conversation, user=teacher)
    return full


def _parts(message: mail.EmailMessage) -> list[str]:
    parts = [message.subject, message.body]
    parts += [content for content, _mimetype in getattr(message, "alternatives", [])]
    return parts


def test_it_sends_no_note_content_in_any_email(record, conversation, family, teacher):
    second = family.guardians.create(
        first_name="Mehmet", last_name="Yilmaz", relation="father", email="mehmet@example.org"
    )

    assert conversation.texts.filter(text__contains=MARKER).count() == 7  # not vacuous

    invitations.invitation_send(
        conversation=conversation, guardian=second, sender=teacher, base_url=BASE_URL
    )
    invitations.summary_ready_send(conversation=conversation, sender=teacher, base_url=BASE_URL)

    subjects = [message.subject for message in mail.outbox]
    assert len(mail.outbox) >= 3, subjects  # one invitation, a summary message per parent
    for message in mail.outbox:
        parts = _parts(message)
        assert len(parts) == 3  # subject, plain text, HTML
        for part in parts:
            assert MARKER not in part, message.subject
            assert "Emre speelt graag buiten" not in part
        # What an email may say: the child's first name and the parent's own link.
        assert "Emre" in message.body
        assert "Yilmaz" not in message.subject
        assert f"{BASE_URL}/ouder/" in message.body


def test_it_sends_no_note_content_in_any_booking_email(
    round_conversation, meeting_round, teacher, coordinator, family, settings
):
    """The booking messages (confirmation, new time, reminder, cancellation,
    "please choose a time") and their calendar files, about a conversation
    whose every free text holds the marker."""
    settings.SITE_URL = BASE_URL
    family.contact_notes = f"Bel na vijf uur {MARKER}"
    family.save()
    second = family.guardians.create(
        first_name="Mehmet", last_name="Yilmaz", relation="father", email="mehmet@example.org"
    )
    round_conversation.guardians.add(second)
    make_full_record(round_conversation, teacher, coordinator, MARKER)
    assert round_conversation.texts.filter(text__contains=MARKER).count() == 7  # not vacuous
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    [soon] = factories.make_slots(meeting_round, teacher, count=1, day=tomorrow, place="Lokaal 3")
    later = factories.make_slots(meeting_round, teacher, count=1, start=dt.time(20))

    booked = booking.booking_make(
        choice=[(round_conversation.pk, [later[0].pk])],
        user=teacher,
        conversation=round_conversation,
    )
    booking_mail.booking_confirmations_send(booked=booked, base_url=BASE_URL)
    moved = booking.booking_move(booking=booked[0].booking, slot_ids=[soon.pk], user=teacher)
    booking_mail.booking_confirmations_send(booked=[moved], base_url=BASE_URL)
    assert booking_mail.booking_reminders_send() == 1
    cancelled = booking.booking_cancel(booking=moved.booking)
    booking_mail.booking_cancelled_send(booking=cancelled, base_url=BASE_URL)
    booking_mail.please_book_send(
        meeting_round=meeting_round,
        conversations=[round_conversation],
        sender=teacher,
        base_url=BASE_URL,
    )

    subjects = [message.subject for message in mail.outbox]
    assert len(mail.outbox) == 10, subjects  # five messages, to each of two parents
    for message in mail.outbox:
        parts = _parts(message)
        assert len(parts) == 3  # subject, plain text, HTML
        parts += [str(attachment.content) for attachment in message.attachments]
        for part in parts:
            assert MARKER not in part, message.subject
            assert "Emre speelt graag buiten" not in part
        assert "Emre" in message.body
        assert "Yilmaz" not in message.subject
        assert f"{BASE_URL}/ouder/" in message.body


def test_it_knows_every_place_that_sends_email():
    """A new mail call anywhere in the app fails here until the test above sends it too."""
    found: dict[str, set[str]] = {}
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        # bench/ drives HTTP load; its .send() calls are sockets, not mail.
        if (
            relative.startswith((".venv/", "tests/", "var/", "bench/"))
            or "/migrations/" in relative
        ):
            continue
        source = path.read_text(encoding="utf-8")
        if MAIL_CALL.search(source) or re.search(r"\.send\(\)", source):
            functions = set()
            current = ""
            for line in source.splitlines():
                definition = re.match(r"def (\w+)", line)
                if definition:
                    current = definition.group(1)
                if re.search(r"\.send\(\)|send_mail\(|send_mass_mail\(|mail_admins\(", line):
                    functions.add(current)
            found[relative] = functions
    assert found == SENDERS


def test_it_never_mails_error_reports():
    """Django mails error reports, with the request's posted notes, to ADMINS:
    there are none."""
    assert settings.ADMINS == []
    assert settings.MANAGERS == []
