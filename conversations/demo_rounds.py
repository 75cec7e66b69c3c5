"""The demo's meeting round: progress talks for Groep 3 and Groep 5/6 of the
demo kindcentrum, open for booking now.

Fatima (demo-teacher, Groep 3) has two evenings with a break, Joris
(demo-teacher2, Groep 5/6) one. A few families have booked: Selam's parents
(two slots, with a Tigrinya interpreter), Tess and Daan Bakker back to back
with their two teachers, Sem's parents, and Maksym's mother alone (his
father lives abroad and may book his own time). One of Fatima's slots is
blocked. Everything else is free, so the parent pages have times to offer.

The evenings follow today (the first Tuesday at least a week ahead, and the
Thursday after). Seeding again before that Tuesday moves changes nothing; after,
the round is made afresh with new dates.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from conversations import booking
from conversations.models import Booking, Conversation, Kind, MeetingRound, ParentLink, Slot
from conversations.parent_links import link_create
from families.models import Child, Group

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from families.models import Guardian, Location

ROUND_NAME = "Voortgangsgesprekken"
GROUPS = ("Groep 3", "Groep 5/6")
TUESDAY, THURSDAY = 1, 3
EVENING = (dt.time(18, 30), dt.time(20, 30))
BREAK = (dt.time(19, 30), dt.time(19, 45))


def first_evening(today: dt.date) -> dt.date:
    """The first Tuesday at least a week after `today`."""
    day = today + dt.timedelta(days=7)
    return day + dt.timedelta(days=(TUESDAY - day.weekday()) % 7)


def _moment(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


@transaction.atomic
def seed_rounds(*, location: Location, year: int, today: dt.date) -> MeetingRound | None:
    """Make the demo round (see the module's docstring), or leave it as it is
    when it is already planned for the right evenings. Needs the demo logins;
    without them there is nobody to meet, and nothing is made."""
    users = {
        user.get_username(): user
        for user in get_user_model()._default_manager.filter(
            username__in=["demo-teacher", "demo-teacher2"]
        )
    }
    if len(users) < 2:
        return None
    fatima, joris = users["demo-teacher"], users["demo-teacher2"]
    tuesday = first_evening(today)
    thursday = tuesday + dt.timedelta(days=THURSDAY - TUESDAY)

    existing = MeetingRound.objects.filter(
        location=location, name=ROUND_NAME, school_year=year
    ).first()
    if existing is not None:
        first = existing.slots.order_by("starts_at").first()
        if first is not None and timezone.localdate(first.starts_at) == tuesday:
            return existing
        _remove(existing)

    groups = list(Group.objects.filter(location=location, school_year=year, name__in=GROUPS))
    meeting_round = booking.round_create(
        location=location,
        name=ROUND_NAME,
        kind=Kind.PROGRESS,
        groups=groups,
        slot_minutes=10,
        opens_at=_moment(tuesday - dt.timedelta(days=14), dt.time(8, 0)),
        opens_early_at=_moment(tuesday - dt.timedelta(days=16), dt.time(8, 0)),
        closes_at=_moment(tuesday - dt.timedelta(days=1), dt.time(12, 0)),
        separate_bookings=True,
        created_by=fatima,
    )
    for professional, day, place in (
        (fatima, tuesday, "Lokaal groep 3"),
        (fatima, thursday, "Lokaal groep 3"),
        (joris, tuesday, "Lokaal groep 5/6"),
    ):
        booking.slots_generate(
            meeting_round=meeting_round,
            professional=professional,
            day=day,
            start=EVENING[0],
            end=EVENING[1],
            breaks=[BREAK],
            place=place,
        )
    _book(meeting_round, location, fatima, joris, tuesday, thursday)
    return meeting_round


def _remove(meeting_round: MeetingRound) -> None:
    """An older demo round: its bookings, conversations and slots go with it."""
    conversations = Conversation.objects.filter(meeting_round=meeting_round)
    Booking.objects.filter(conversation__in=conversations).delete()
    conversations.delete()
    meeting_round.delete()


def _book(
    meeting_round: MeetingRound,
    location: Location,
    fatima: AbstractBaseUser,
    joris: AbstractBaseUser,
    tuesday: dt.date,
    thursday: dt.date,
) -> None:
    def conversation(first_name: str, last_name: str) -> Conversation:
        child = Child.objects.get(
            family__location=location, first_name=first_name, last_name=last_name
        )
        return Conversation.objects.select_related("child__family").get(
            meeting_round=meeting_round, child=child
        )

    def slots(professional: AbstractBaseUser, day: dt.date, *times: str) -> list[int]:
        wanted = [_moment(day, dt.time.fromisoformat(time)) for time in times]
        found = dict(
            Slot.objects.filter(
                meeting_round=meeting_round, professional=professional, starts_at__in=wanted
            ).values_list("starts_at", "pk")
        )
        return [found[moment] for moment in wanted]

    def make(
        anchor: Conversation,
        choice: list[tuple[int, list[int]]],
        by: AbstractBaseUser,
        guardian: Guardian | None = None,
    ) -> None:
        booking.booking_make(choice=choice, user=by, conversation=anchor, guardian=guardian)

    selam = conversation("Selam", "Tesfay")
    Conversation.objects.filter(pk=selam.pk).update(interpreter_language="Tigrinya")
    make(selam, [(selam.pk, slots(fatima, tuesday, "18:30", "18:40"))], fatima)

    tess, daan = conversation("Tess", "Bakker"), conversation("Daan", "Bakker")
    make(
        tess,
        [
            (tess.pk, slots(fatima, tuesday, "19:00")),
            (daan.pk, slots(joris, tuesday, "19:10")),
        ],
        fatima,
    )

    sem = conversation("Sem", "van der Meer")
    make(sem, [(sem.pk, slots(fatima, thursday, "18:30"))], fatima)

    maksym = conversation("Maksym", "Kovalenko")
    olena = maksym.child.family.guardians.get(first_name="Olena")
    make(maksym, [(maksym.pk, slots(fatima, thursday, "19:45"))], fatima, guardian=olena)

    # Fatima leaves the last slot of Tuesday free for a colleague's question.
    blocked = Slot.objects.get(pk=slots(fatima, tuesday, "20:15")[0])
    booking.slot_block(slot=blocked, blocked=True)


def booking_link(meeting_round: MeetingRound) -> ParentLink | None:
    """A parent link to try the booking page with: the first parent (by name)
    of a family that has not booked yet, made once and kept across seeds."""
    conversation = (
        Conversation.objects.filter(meeting_round=meeting_round, bookings__isnull=True)
        .filter(child__family__guardians__isnull=False)
        .select_related("child__family")
        .order_by("child__last_name", "child__first_name")
        .first()
    )
    if conversation is None:
        return None
    guardian = conversation.child.family.guardians.order_by("last_name", "first_name").first()
    link = ParentLink.objects.filter(
        conversation=conversation, guardian=guardian, revoked_at__isnull=True
    ).first()
    return link or link_create(conversation=conversation, guardian=guardian, user=None)
