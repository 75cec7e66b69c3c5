"""Bookings in a meeting round: the writes, and the errors they raise.

Every booking goes through `booking_make`, `booking_move`, `booking_extend` or
`booking_cancel`. They lock the conversations, then the slots (each in id
order, in one query, so two requests never wait on each other in a circle),
check that the slots are still free, and write. A parent who loses a race for
a slot gets SlotTakenError, never a server error: the slot's row lock makes
the later request wait and then see the booking; and should two ever slip
past the check at once, the unique constraint on BookingSlot.slot refuses the
second, and that refusal becomes SlotTakenError too.

Parents book through their link and only while the round is open
(`MeetingRound.is_open_for`); professionals may book, move and extend at any
time, as long as the slots they newly take have not begun.

Setting up rounds and slots lives in `conversations.round_setup`, what a
family may choose in `conversations.booking_options`; both are re-exported
here, so callers need only this module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from conversations.booking_options import (
    BACK_TO_BACK_GAP,
    INTERPRETER_SLOTS,
    MAX_CHAINED_CHILDREN,
    Option,
    Part,
    arrays_in_queries,
    booking_options,
    free_slots,
    professional_ids,
    professionals_subquery,
    round_professionals,
    slot_runs,
    slots_needed,
)
from conversations.models import Booking, BookingSlot, Conversation, MeetingRound, ParentLink, Slot
from conversations.round_setup import (
    GroupTakenOutError,
    round_create,
    round_enrol,
    round_regroup,
    slots_generate,
)
from families.models import Guardian

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = [
    "BACK_TO_BACK_GAP",
    "INTERPRETER_SLOTS",
    "MAX_CHAINED_CHILDREN",
    "Booked",
    "BookingClosedError",
    "BookingConflictError",
    "BookingError",
    "GroupTakenOutError",
    "InvalidChoiceError",
    "Option",
    "Part",
    "SlotTakenError",
    "booking_cancel",
    "booking_extend",
    "booking_make",
    "booking_move",
    "booking_options",
    "free_slots",
    "parse_choice",
    "professional_ids",
    "round_create",
    "round_enrol",
    "round_professionals",
    "round_regroup",
    "slot_block",
    "slot_delete",
    "slot_runs",
    "slots_generate",
    "slots_needed",
]


class BookingError(Exception):
    """A booking that cannot be made; the subclasses say why."""


class SlotTakenError(BookingError):
    """Someone else was quicker, or the slot was blocked or has begun."""


class BookingClosedError(BookingError):
    """The round is not open for parents now (not yet, or past the deadline)."""


class InvalidChoiceError(BookingError):
    """Slots that do not belong together, or to this conversation, or a
    booking that no longer exists: only a tampered form or a stale page sends
    these."""


class BookingConflictError(BookingError):
    """The parents' bookings would contradict each other, or a booked slot
    would be blocked or removed. `reason` is one of TOGETHER_EXISTS,
    OTHER_PARENT_ALONE, SEPARATE_NOT_ALLOWED, SLOT_BOOKED."""

    TOGETHER_EXISTS = "together_exists"
    OTHER_PARENT_ALONE = "other_parent_alone"
    SEPARATE_NOT_ALLOWED = "separate_not_allowed"
    SLOT_BOOKED = "slot_booked"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def slot_block(*, slot: Slot, blocked: bool) -> Slot:
    """Block a free slot, or free a blocked one. A booked slot is not blocked:
    move the booking first (BookingConflictError SLOT_BOOKED)."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if blocked and BookingSlot.objects.filter(slot=slot).exists():
            raise BookingConflictError(BookingConflictError.SLOT_BOOKED)
        slot.blocked = blocked
        slot.save(update_fields=["blocked"])
    return slot


def slot_delete(*, slot: Slot) -> None:
    """Remove a slot nobody booked."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if BookingSlot.objects.filter(slot=slot).exists():
            raise BookingConflictError(BookingConflictError.SLOT_BOOKED)
        slot.delete()


def parse_choice(value: str) -> list[tuple[int, list[int]]]:
    """Read an Option.value: [(conversation id, [slot ids])]. Raises
    InvalidChoiceError on anything else, such as a conversation or a slot
    named twice."""
    result = []
    try:
        for piece in value.split(";"):
            conversation_id, slot_ids = piece.split(":")
            result.append((int(conversation_id), [int(each) for each in slot_ids.split("-")]))
    except ValueError as error:
        raise InvalidChoiceError from error
    _check_choice(result)
    return result


def _check_choice(choice: Sequence[tuple[int, Sequence[int]]]) -> None:
    """InvalidChoiceError unless every part names slots, and no conversation
    or slot comes twice."""
    conversation_ids = [conversation_id for conversation_id, _ in choice]
    slot_ids = [number for _, ids in choice for number in ids]
    if (
        not choice
        or any(not ids for _, ids in choice)
        or len(set(conversation_ids)) != len(conversation_ids)
        or len(set(slot_ids)) != len(slot_ids)
        or any(not (0 < number < 2**31) for number in [*conversation_ids, *slot_ids])
    ):
        raise InvalidChoiceError


# Booking


@dataclasses.dataclass(frozen=True)
class Booked:
    """A booking made or changed. `previous` holds the earlier start and end
    when an existing booking got a new time (the parent is told it moved)."""

    booking: Booking
    previous: tuple[dt.datetime, dt.datetime] | None = None


def _family_conversations_in_round(conversation: Conversation) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        meeting_round=conversation.meeting_round_id, child__family=conversation.child.family_id
    )


def _lock_conversations(conversations: QuerySet[Conversation]) -> list[Conversation]:
    # NO KEY: a lock for changing the row, which still lets others insert rows
    # that refer to it (a parent link, a note) meanwhile.
    return list(
        conversations.select_for_update(of=("self",), no_key=True)
        .select_related("meeting_round", "child")
        .order_by("pk")
    )


def _lock_family(anchor: Conversation) -> list[Conversation]:
    """Lock every conversation of the anchor's family in its round, in id
    order, with the professionals whose slots each may book (`allowed`, as
    `professional_ids` finds them) and the location the messages name: one
    query. Siblings lock in the same order for every request of the family."""
    family = _family_conversations_in_round(anchor).select_related("child__family__location")
    if not arrays_in_queries():
        conversations = _lock_conversations(family)
        allowed = professional_ids(conversations)
        for conversation in conversations:
            conversation.allowed = allowed[conversation.pk]
        return conversations
    conversations = _lock_conversations(family.annotate(allowed=professionals_subquery()))
    for conversation in conversations:
        conversation.allowed = set(conversation.allowed)
    return conversations


def _lock_slots(slot_ids: Iterable[int], meeting_round_id: int) -> dict[int, Slot]:
    """Lock the round's slots among `slot_ids`, in id order, each with its
    professional and the booking holding it (`holder`, a booking id or None)
    as the lock found them: one query."""
    slots = (
        Slot.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=list(slot_ids), meeting_round=meeting_round_id)
        .select_related("professional")
        .annotate(holder=F("booking_slot__booking"))
        .order_by("pk")
    )
    return {slot.pk: slot for slot in slots}


def _part_slots(
    locked: dict[int, Slot], slot_ids: Sequence[int], professionals: set[int]
) -> list[Slot]:
    """One part's slots in time order. InvalidChoiceError unless they are
    consecutive slots of one of the conversation's professionals, in its
    round."""
    if not slot_ids or any(pk not in locked for pk in slot_ids):
        raise InvalidChoiceError
    slots = sorted((locked[pk] for pk in slot_ids), key=lambda slot: slot.starts_at)
    consecutive = slot_runs(slots, len(slots)) == [tuple(slots)]
    if not consecutive or slots[0].professional_id not in professionals:
        raise InvalidChoiceError
    return slots


def _check_free(slots: Iterable[Slot], releasing: Iterable[Booking]) -> None:
    """SlotTakenError unless each slot is free for this write: held by none of
    the other bookings, and, unless a booking being changed holds it already,
    neither blocked nor begun (a talk in progress may still be extended)."""
    releasing_ids = {booking.pk for booking in releasing}
    now = timezone.now()
    for slot in slots:
        holder = slot.holder
        if holder in releasing_ids:
            continue
        if holder is not None or slot.blocked or slot.starts_at <= now:
            raise SlotTakenError


def _check_parties(
    held: Iterable[Booking], guardian: Guardian | None, meeting_round: MeetingRound
) -> None:
    """Together or alone: a time for both parents and a time for one parent
    alone do not go together. `held` are the conversation's bookings."""
    held = list(held)
    if guardian is None:
        if any(booking.guardian_id is not None for booking in held):
            raise BookingConflictError(BookingConflictError.OTHER_PARENT_ALONE)
        return
    if not meeting_round.separate_bookings:
        raise BookingConflictError(BookingConflictError.SEPARATE_NOT_ALLOWED)
    if any(booking.guardian_id is None for booking in held):
        raise BookingConflictError(BookingConflictError.TOGETHER_EXISTS)


def _write(
    parts: Sequence[tuple[Conversation, list[Slot]]],
    *,
    existing: dict[int, Booking],
    guardian: Guardian | None,
    link: ParentLink | None,
    user: AbstractBaseUser | None,
    held: Sequence[Booking] | None = None,
) -> list[Booked]:
    """Give each conversation its slots: a new booking, or its `existing` one
    (by conversation id) with new slots. The existing bookings let go of their
    slots first, so siblings may swap or shift their times in one go.

    `held`, when given, are all the bookings the conversations had (read under
    their lock), so their dates follow without reading them again. However
    many children: one query per kind of write (delete, update, insert), and
    one update of the conversations. Each returned booking keeps its
    conversation and its slots for the messages."""
    if existing:
        BookingSlot.objects.filter(booking__in=list(existing.values())).delete()
    booked, created, changed = [], [], []
    for conversation, slots in parts:
        starts_at, ends_at = slots[0].starts_at, slots[-1].ends_at
        booking = existing.get(conversation.pk)
        previous = None
        if booking is None:
            booking = Booking(conversation=conversation, guardian=guardian)
            created.append(booking)
        else:
            changed.append(booking)
            if (booking.starts_at, booking.ends_at) != (starts_at, ends_at):
                previous = (booking.starts_at, booking.ends_at)
                booking.sequence += 1
                if timezone.localdate(booking.starts_at) != timezone.localdate(starts_at):
                    booking.reminder_sent_at = None
        booking.conversation, booking.guardian = conversation, guardian
        booking.starts_at, booking.ends_at = starts_at, ends_at
        booking.made_by_link, booking.made_by = link, user
        booked.append(Booked(booking=booking, previous=previous))
    if changed:
        now = timezone.now()
        for booking in changed:
            booking.updated_at = now
        _update(Booking, changed, BOOKING_FIELDS)
    if created:
        Booking.objects.bulk_create(created)
    booked_slots = BookingSlot.objects.bulk_create(
        BookingSlot(booking=each.booking, slot=slot)
        for each, (_, slots) in zip(booked, parts, strict=True)
        for slot in slots
    )
    for each in booked:
        _cache(each.booking, "booked_slots", [b for b in booked_slots if b.booking is each.booking])
    if held is None:
        for conversation, _ in parts:
            _sync_conversation(conversation)
    else:
        _sync_written(parts, booked, held)
    return booked


# What a changed booking writes (Booking.save() would write every field).
BOOKING_FIELDS = [
    "starts_at",
    "ends_at",
    "made_by_link",
    "made_by",
    "sequence",
    "reminder_sent_at",
    "updated_at",
]
CONVERSATION_FIELDS = ["date", "start_time", "duration_minutes", "place", "video_link"]


def _update[M: Model](model: type[M], objects: Sequence[M], fields: Sequence[str]) -> None:
    """`bulk_update`, as one plain UPDATE for a single row (mostly one child):
    the same write, without building a CASE expression per field."""
    if len(objects) != 1:
        model._default_manager.bulk_update(objects, fields)
        return
    (instance,) = objects
    columns = [model._meta.get_field(name).attname for name in fields]
    model._default_manager.filter(pk=instance.pk).update(
        **{column: getattr(instance, column) for column in columns}
    )


def _cache(instance: object, name: str, objects: list) -> None:
    """Keep `objects` as what `instance.<name>.all()` returns, the way
    prefetch_related does, so nobody reads them again."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def _sync_written(
    parts: Sequence[tuple[Conversation, list[Slot]]],
    booked: Sequence[Booked],
    held: Sequence[Booking],
) -> None:
    """`_sync_conversation` for the conversations just written, from what is
    in memory: their earliest booking is one just written unless another
    booking they hold (a parent's own time) starts no later; then that
    conversation is read as `_sync_conversation` reads it."""
    written = {each.booking.pk for each in booked}
    update = []
    for (conversation, slots), each in zip(parts, booked, strict=True):
        booking = each.booking
        if any(
            other.conversation_id == conversation.pk
            and other.pk not in written
            and other.starts_at <= booking.starts_at
            for other in held
        ):
            _sync_conversation(conversation)
            continue
        _follow(conversation, booking, slots[0])
        update.append(conversation)
    if update:
        now = timezone.now()
        for conversation in update:
            conversation.updated_at = now
        _update(Conversation, update, [*CONVERSATION_FIELDS, "owner", "updated_at"])


def _follow(conversation: Conversation, booking: Booking, slot: Slot) -> list[str]:
    """Set the conversation's date, time, length and place from its earliest
    booking and that booking's first slot; the owner too while nothing was
    prepared. The fields changed."""
    starts_at = timezone.localtime(booking.starts_at)
    conversation.date, conversation.start_time = starts_at.date(), starts_at.time()
    conversation.duration_minutes = booking.minutes
    conversation.place, conversation.video_link = slot.place, slot.video_link
    if conversation.status == Conversation.Status.DRAFT:
        conversation.owner_id = slot.professional_id
        return [*CONVERSATION_FIELDS, "owner"]
    return CONVERSATION_FIELDS


def _sync_conversation(conversation: Conversation) -> None:
    """The conversation's date, time, length and place follow its earliest
    booking (cleared when none is left); its owner becomes the professional
    holding that slot, as long as nothing was prepared yet. Two queries."""
    first = (
        BookingSlot.objects.filter(booking__conversation=conversation)
        .select_related("slot", "booking")
        .order_by("booking__starts_at", "slot__starts_at")
        .first()
    )
    fields = CONVERSATION_FIELDS
    if first is None:
        conversation.date = conversation.start_time = None
        conversation.place = conversation.video_link = ""
    else:
        fields = _follow(conversation, first.booking, first.slot)
    conversation.save(update_fields=[*fields, "updated_at"])


def _atomic_booking[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Run a booking write in its own transaction; a unique-constraint refusal
    (two requests past the check at the same moment) means the slot was taken."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic():
                return function(*args, **kwargs)
        except IntegrityError as error:
            raise SlotTakenError from error

    return wrapper


@_atomic_booking
def booking_make(
    *,
    choice: Sequence[tuple[int, Sequence[int]]],
    link: ParentLink | None = None,
    user: AbstractBaseUser | None = None,
    conversation: Conversation | None = None,
    alone: bool = False,
    guardian: Guardian | None = None,
) -> list[Booked]:
    """Book the chosen slots: `choice` is what `parse_choice` returns, one
    (conversation id, slot ids) per child. A conversation's existing booking
    for the same party (both parents, or this parent alone) gets the new time.

    By a parent: pass `link`. The conversations must be the link's own or its
    siblings' in the same round, and the round open for this family; `alone`
    books for the link's parent only; at most INTERPRETER_SLOTS per child.
    By a professional: pass `user` and `conversation` (the one the page is
    about, whose siblings may be booked along); `guardian` books for that
    parent alone. The caller has checked the user may edit `conversation`.

    All or nothing: raises SlotTakenError, BookingClosedError,
    InvalidChoiceError or BookingConflictError, and then nothing is written.
    """
    if (link is None) == (user is None):
        raise ValueError("Pass either link or user.")
    _check_choice(choice)
    if link is not None and any(len(ids) > INTERPRETER_SLOTS for _, ids in choice):
        raise InvalidChoiceError
    anchor = link.conversation if link is not None else conversation
    if anchor is None or anchor.meeting_round_id is None:
        raise InvalidChoiceError
    party = link.guardian if link is not None and alone else guardian
    if party is not None and party.family_id != anchor.child.family_id:
        raise InvalidChoiceError
    chosen = {pk for pk, _ in choice}
    family = _lock_family(anchor)
    conversations = {each.pk: each for each in family}
    if not chosen <= conversations.keys():
        raise InvalidChoiceError
    locked = [each for each in family if each.pk in chosen]
    meeting_round = locked[0].meeting_round
    if link is not None and not meeting_round.is_open_for(several_children=len(family) > 1):
        raise BookingClosedError

    held = list(Booking.objects.filter(conversation__in=locked).order_by("starts_at", "pk"))
    for each in locked:
        _check_parties((b for b in held if b.conversation_id == each.pk), party, meeting_round)
    party_id = party.pk if party is not None else None
    existing = {b.conversation_id: b for b in held if b.guardian_id == party_id}
    slots = _lock_slots((pk for _, ids in choice for pk in ids), meeting_round.pk)
    parts = [
        (conversations[pk], _part_slots(slots, ids, conversations[pk].allowed))
        for pk, ids in choice
    ]
    _check_free((slot for _, part in parts for slot in part), existing.values())
    return _write(parts, existing=existing, guardian=party, link=link, user=user, held=held)


def _lock_booking(booking: Booking) -> tuple[Conversation, Booking]:
    """Lock the booking's conversation, and read the booking again under that
    lock (a page may show a time that was changed since). InvalidChoiceError
    when it was cancelled meanwhile."""
    (conversation,) = _lock_conversations(Conversation.objects.filter(pk=booking.conversation_id))
    current = Booking.objects.filter(pk=booking.pk).select_related("guardian").first()
    if current is None:
        raise InvalidChoiceError
    current.conversation = conversation
    return conversation, current


@_atomic_booking
def booking_move(*, booking: Booking, slot_ids: Sequence[int], user: AbstractBaseUser) -> Booked:
    """A professional gives a booking other slots (the parents are told by the
    caller, from the returned `previous`)."""
    conversation, booking = _lock_booking(booking)
    _check_choice([(conversation.pk, slot_ids)])
    locked = _lock_slots(slot_ids, conversation.meeting_round_id)
    allowed = professional_ids([conversation])[conversation.pk]
    slots = _part_slots(locked, slot_ids, allowed)
    _check_free(slots, [booking])
    (booked,) = _write(
        [(conversation, slots)],
        existing={conversation.pk: booking},
        guardian=booking.guardian,
        link=None,
        user=user,
    )
    return booked


@_atomic_booking
def booking_extend(*, booking: Booking, user: AbstractBaseUser) -> Booked:
    """Add the professional's next slot to a booking, for a talk that needs
    more time (also while it is going on). SlotTakenError when that slot is
    booked, blocked, begun or missing."""
    conversation, booking = _lock_booking(booking)
    held = list(booking.booked_slots.select_related("slot").order_by("slot__starts_at"))
    last = held[-1].slot
    following = Slot.objects.filter(
        meeting_round=last.meeting_round_id,
        professional=last.professional_id,
        starts_at=last.ends_at,
    ).first()
    if following is None:
        raise SlotTakenError
    slot_ids = [each.slot_id for each in held] + [following.pk]
    locked = _lock_slots(slot_ids, conversation.meeting_round_id)
    slots = _part_slots(locked, slot_ids, {last.professional_id})
    _check_free(slots, [booking])
    (booked,) = _write(
        [(conversation, slots)],
        existing={conversation.pk: booking},
        guardian=booking.guardian,
        link=None,
        user=user,
    )
    return booked


def booking_cancel(*, booking: Booking, link: ParentLink | None = None) -> Booking:
    """Cancel a booking, freeing its slots. Through a parent's link only
    while the round is open, and only the family's own booking for both
    parents or the link's parent alone. Returns the booking as it was (with
    its id, for the calendar's cancel message). InvalidChoiceError when it
    was cancelled already."""
    with transaction.atomic():
        conversation, booking = _lock_booking(booking)
        if link is not None:
            if conversation.child.family_id != link.conversation.child.family_id:
                raise InvalidChoiceError
            if booking.guardian_id not in (None, link.guardian_id):
                raise InvalidChoiceError
            several = _family_conversations_in_round(conversation).count() > 1
            meeting_round = conversation.meeting_round
            if meeting_round is None or not meeting_round.is_open_for(several_children=several):
                raise BookingClosedError
        Booking.objects.filter(pk=booking.pk).delete()
        _sync_conversation(conversation)
    return booking
