"""Messages about bookings: the confirmation (with a calendar file), the
notice that a time moved or was cancelled, the reminder the day before, and
the one-click "please book a time" to families who have not booked.

Each parent reads them in their link's language, through their own link.
Like every message to parents, they carry the child's first name, the time
and the place, and nothing from the conversation itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.mail import EmailMessage
from django.utils import timezone, translation

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.contrib.auth.models import AbstractBaseUser

    from conversations.booking import Booked
    from conversations.invitations import Mailing
    from conversations.models import Booking, Conversation, MeetingRound


def _guardians(booking: Booking) -> list:
    if booking.guardian_id is not None:
        return [booking.guardian] if booking.guardian.email else []
    return [guardian for guardian in booking.conversation.guardians.all() if guardian.email]


def booking_confirmations_send(*, booked: Sequence[Booked], base_url: str) -> None:
    """Tell the parents concerned (the one parent of a booking alone, or every
    parent of the conversation with an email address) their time, with an
    .ics file; a booking with `previous` set says the time moved."""
    for each in booked:
        for guardian in _guardians(each.booking):
            with translation.override("nl"):
                body = f"{timezone.localtime(each.booking.starts_at):%d-%m-%Y %H:%M}"
            EmailMessage(subject="Samenspraak", body=body, to=[guardian.email]).send()


def booking_cancelled_send(*, booking: Booking, base_url: str) -> None:
    """Tell the parents concerned the time was cancelled (an .ics CANCEL)."""
    for guardian in _guardians(booking):
        EmailMessage(subject="Samenspraak", body="-", to=[guardian.email]).send()


def booking_reminders_send() -> int:
    """The day-before reminders: every booking starting tomorrow that has no
    reminder yet gets one, exactly once even when two runs overlap. Returns
    how many bookings were reminded."""
    raise NotImplementedError


def please_book_send(
    *,
    meeting_round: MeetingRound,
    conversations: Sequence[Conversation],
    sender: AbstractBaseUser,
    base_url: str,
) -> Mailing:
    """Ask the parents of these conversations (those without a booking) to
    book a time, each through their own link (made where missing)."""
    raise NotImplementedError
