"""The rules the database keeps by itself, whatever the application does.

These tests write rows directly, past the booking services, so they show that
a bug or a race in the services cannot double-book a slot or give a child two
conversations in one round.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.models import Booking, BookingSlot, Conversation, MeetingRound, Slot
from tests import factories


def _booking(conversation, slot, guardian=None) -> Booking:
    return Booking.objects.create(
        conversation=conversation,
        guardian=guardian,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )


@pytest.fixture
def slots(meeting_round, teacher):
    return list(Slot.objects.filter(meeting_round=meeting_round, professional=teacher))


def test_it_refuses_a_second_booking_of_one_slot(round_conversation, other_child, slots):
    other = factories.round_conversation(round_conversation.meeting_round, other_child)
    BookingSlot.objects.create(booking=_booking(round_conversation, slots[0]), slot=slots[0])
    stranger = _booking(other, slots[0])

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSlot.objects.create(booking=stranger, slot=slots[0])

    assert BookingSlot.objects.filter(slot=slots[0]).count() == 1


def test_it_refuses_the_same_slot_twice_in_one_booking(round_conversation, slots):
    booking = _booking(round_conversation, slots[0])
    BookingSlot.objects.create(booking=booking, slot=slots[0])

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSlot.objects.create(booking=booking, slot=slots[0])


def test_it_refuses_two_together_bookings_for_one_conversation(round_conversation, slots):
    _booking(round_conversation, slots[0])

    with pytest.raises(IntegrityError), transaction.atomic():
        _booking(round_conversation, slots[1])

    assert Booking.objects.filter(conversation=round_conversation).count() == 1


def test_it_refuses_two_alone_bookings_for_one_parent(round_conversation, slots, family):
    mother = family.guardians.get()
    _booking(round_conversation, slots[0], mother)

    with pytest.raises(IntegrityError), transaction.atomic():
        _booking(round_conversation, slots[1], mother)

    assert Booking.objects.filter(conversation=round_conversation).count() == 1


def test_it_lets_each_parent_hold_an_alone_booking(round_conversation, slots, family):
    mother = family.guardians.get()
    father = factories.make_guardian(family, first_name="Mehmet", relation="father")

    _booking(round_conversation, slots[0], mother)
    _booking(round_conversation, slots[1], father)

    assert Booking.objects.filter(conversation=round_conversation).count() == 2


def test_it_refuses_a_second_conversation_for_one_child_in_a_round(
    round_conversation, child, teacher
):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_conversation(
            child, teacher, kind="progress", meeting_round=round_conversation.meeting_round
        )

    assert Conversation.objects.filter(child=child, meeting_round__isnull=False).count() == 1


def test_it_allows_a_child_conversations_outside_rounds_and_in_other_rounds(
    round_conversation, child, teacher, location, group
):
    factories.make_conversation(child, teacher)
    factories.make_conversation(child, teacher)
    other_round = factories.make_round(location, [group], teacher, name="Voorjaar")

    assert Conversation.objects.filter(child=child, meeting_round=other_round).count() == 1
    assert Conversation.objects.filter(child=child).count() == 4


@pytest.mark.parametrize("minutes", [0, -10])
def test_it_refuses_a_slot_that_ends_before_it_starts(meeting_round, teacher, minutes):
    starts_at = timezone.now() + dt.timedelta(days=20)

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(
            meeting_round=meeting_round,
            professional=teacher,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
        )


def test_it_refuses_two_slots_of_one_professional_at_one_time(meeting_round, teacher, slots):
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(
            meeting_round=meeting_round,
            professional=teacher,
            starts_at=slots[0].starts_at,
            ends_at=slots[0].ends_at + dt.timedelta(minutes=5),
        )


def test_it_refuses_a_booking_that_ends_before_it_starts(round_conversation, slots):
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            conversation=round_conversation,
            starts_at=slots[0].starts_at,
            ends_at=slots[0].starts_at,
        )


def _round(location, teacher, **kwargs) -> MeetingRound:
    now = timezone.now()
    fields = {
        "location": location,
        "name": "Voortgang",
        "school_year": 2026,
        "slot_minutes": 10,
        "opens_at": now,
        "closes_at": now + dt.timedelta(days=7),
        "created_by": teacher,
    }
    return MeetingRound.objects.create(**{**fields, **kwargs})


def test_it_refuses_a_round_whose_deadline_is_before_it_opens(location, teacher):
    now = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        _round(location, teacher, opens_at=now, closes_at=now - dt.timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        _round(location, teacher, opens_at=now, closes_at=now)

    assert not MeetingRound.objects.exists()


def test_it_refuses_an_early_opening_after_the_opening(location, teacher):
    now = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        _round(location, teacher, opens_at=now, opens_early_at=now + dt.timedelta(hours=1))

    assert _round(location, teacher, opens_at=now, opens_early_at=now - dt.timedelta(days=1))


def test_it_refuses_an_unknown_slot_length(location, teacher):
    with pytest.raises(IntegrityError), transaction.atomic():
        _round(location, teacher, slot_minutes=12)
