"""Helpers the booking tests share."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from conversations import booking
from conversations.models import Booking, BookingSlot, Slot


def slots_of(meeting_round, professional=None) -> list[Slot]:
    """The round's slots in time order; only `professional`'s when given."""
    slots = Slot.objects.filter(meeting_round=meeting_round).order_by("starts_at")
    return list(slots.filter(professional=professional) if professional else slots)


def choice_value(conversation, *slots) -> str:
    """What a booking form posts for these slots of one conversation (an
    Option's value, as conversations.booking.parse_choice reads it)."""
    return f"{conversation.pk}:" + "-".join(str(slot.pk) for slot in slots)


def booked_slot_ids(conversation) -> list[int]:
    """The ids of the slots booked for `conversation`, in time order."""
    return list(
        BookingSlot.objects.filter(booking__conversation=conversation)
        .order_by("slot__starts_at")
        .values_list("slot_id", flat=True)
    )


def book_for(user, conversation, *slots, guardian=None) -> Booking:
    """A booking of these slots that a professional made for `conversation`
    (for both parents, or for `guardian` alone)."""
    (booked,) = booking.booking_make(
        choice=[(conversation.pk, [slot.pk for slot in slots])],
        user=user,
        conversation=conversation,
        guardian=guardian,
    )
    return booked.booking


def move_round(meeting_round, **moments) -> None:
    """Give the round other opening or closing moments."""
    for name, value in moments.items():
        setattr(meeting_round, name, value)
    meeting_round.save()


def run_queued_tasks() -> int:
    """Run, here and now, each task waiting for the worker, as the worker
    would (`manage.py db_worker`); how many ran."""
    queued = [row.task_result for row in DBTaskResult.objects.ready()]
    for result in queued:
        result.task.call(*result.args, **result.kwargs)
    DBTaskResult.objects.filter(id__in=[result.id for result in queued]).delete()
    return len(queued)
