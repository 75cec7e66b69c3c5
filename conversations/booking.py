"""Meeting rounds and bookings: the writes, and what a family may choose.

Every booking goes through `booking_make`, `booking_move` or `booking_extend`.
They lock the conversations, then the slots (both in id order, so two
requests never wait on each other in a circle), check that the slots are
still free, and write. A parent who loses a race for a slot gets
SlotTakenError, never a server error: when two transactions slip past the
check at once, the unique constraint on BookingSlot.slot refuses the second,
and that refusal becomes SlotTakenError too.

Parents book through their link and only while the round is open
(`MeetingRound.is_open_for`); professionals may book, move and extend at any
time, as long as the slots have not begun.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from conversations.models import (
    Booking,
    BookingSlot,
    Conversation,
    MeetingRound,
    ParentLink,
    Slot,
)
from conversations.services import DEFAULT_MINUTES
from families.models import Child, Enrolment, Group, Guardian, Location, StaffMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# How many consecutive slots a conversation with an interpreter takes: every
# sentence is said twice.
INTERPRETER_SLOTS = 2
# Siblings' talks count as back to back when the next starts at most this long
# after the one before ends (time to walk to the next room).
BACK_TO_BACK_GAP = dt.timedelta(minutes=5)
# Options offered for several children are chains over every order of the
# children; more than this many children in one round is rare enough to offer
# each child's times separately instead.
MAX_CHAINED_CHILDREN = 4


class BookingError(Exception):
    """A booking that cannot be made; the subclasses say why."""


class SlotTakenError(BookingError):
    """Someone else was quicker, or the slot was blocked or has begun."""


class BookingClosedError(BookingError):
    """The round is not open for parents now (not yet, or past the deadline)."""


class InvalidChoiceError(BookingError):
    """Slots that do not belong together, or to this conversation: only a
    tampered form or a stale page sends these."""


class BookingConflictError(BookingError):
    """The parents' bookings would contradict each other. `reason` is one of
    TOGETHER_EXISTS, OTHER_PARENT_ALONE, SEPARATE_NOT_ALLOWED, SLOT_BOOKED."""

    TOGETHER_EXISTS = "together_exists"
    OTHER_PARENT_ALONE = "other_parent_alone"
    SEPARATE_NOT_ALLOWED = "separate_not_allowed"
    SLOT_BOOKED = "slot_booked"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Rounds and slots


@transaction.atomic
def round_create(
    *,
    location: Location,
    name: str,
    kind: str,
    groups: Iterable[Group],
    slot_minutes: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    opens_early_at: dt.datetime | None = None,
    separate_bookings: bool = True,
    created_by: AbstractBaseUser,
) -> MeetingRound:
    """A round for `groups`, with a conversation for every child in them."""
    groups = list(groups)
    meeting_round = MeetingRound.objects.create(
        location=location,
        name=name,
        kind=kind,
        school_year=groups[0].school_year if groups else timezone.localdate().year,
        slot_minutes=slot_minutes,
        opens_at=opens_at,
        opens_early_at=opens_early_at,
        closes_at=closes_at,
        separate_bookings=separate_bookings,
        created_by=created_by,
    )
    meeting_round.groups.set(groups)
    round_enrol(meeting_round=meeting_round)
    return meeting_round


def _group_owners(meeting_round: MeetingRound) -> dict[int, int]:
    """For each group of the round, the professional whose conversations they
    become at first: the earliest membership. Booking a slot hands the
    conversation to whoever holds that slot."""
    owners: dict[int, int] = {}
    memberships = (
        StaffMembership.groups.through.objects.filter(
            group__in=meeting_round.groups.all(),
            staffmembership__role=StaffMembership.Role.PROFESSIONAL,
            staffmembership__location=F("group__location"),
        )
        .order_by("staffmembership_id")
        .values_list("group_id", "staffmembership__user_id")
    )
    for group_id, user_id in memberships:
        owners.setdefault(group_id, user_id)
    return owners


@transaction.atomic
def round_enrol(*, meeting_round: MeetingRound) -> int:
    """Give every child in the round's groups a conversation in the round, and
    return how many were added. A draft conversation of the same kind and year
    without a date is taken into the round rather than doubled. Children who
    left, and children already in the round, are skipped; running it again
    after the roster changed adds the newcomers."""
    today = timezone.localdate()
    enrolments = (
        Enrolment.objects.filter(group__in=meeting_round.groups.all())
        .exclude(child__left_on__lte=today)
        .exclude(child__conversations__meeting_round=meeting_round)
        .select_related("child__family")
        .order_by("child_id", "group_id")
    )
    first_group: dict[int, tuple[Child, int]] = {}
    for enrolment in enrolments:
        first_group.setdefault(enrolment.child_id, (enrolment.child, enrolment.group_id))
    if not first_group:
        return 0
    adopted = Conversation.objects.filter(
        child__in=first_group,
        kind=meeting_round.kind,
        school_year=meeting_round.school_year,
        meeting_round__isnull=True,
        status=Conversation.Status.DRAFT,
        date__isnull=True,
    ).order_by("child_id", "pk")
    adopted_ids: dict[int, int] = {}
    for conversation in adopted:
        adopted_ids.setdefault(conversation.child_id, conversation.pk)
    Conversation.objects.filter(pk__in=adopted_ids.values()).update(meeting_round=meeting_round)

    owners = _group_owners(meeting_round)
    fallback_owner = meeting_round.created_by_id
    new = [
        Conversation(
            child=child,
            owner_id=owners.get(group_id, fallback_owner),
            kind=meeting_round.kind,
            school_year=meeting_round.school_year,
            interpreter=child.family.interpreter_wanted,
            duration_minutes=meeting_round.slot_minutes or DEFAULT_MINUTES[meeting_round.kind],
            meeting_round=meeting_round,
        )
        for child_id, (child, group_id) in first_group.items()
        if child_id not in adopted_ids
    ]
    Conversation.objects.bulk_create(new)
    guardians = Guardian.objects.filter(
        family__children__in=[conversation.child_id for conversation in new]
    ).values_list("family__children", "pk")
    by_child: dict[int, list[int]] = defaultdict(list)
    for child_id, guardian_id in guardians:
        by_child[child_id].append(guardian_id)
    through = Conversation.guardians.through
    through.objects.bulk_create(
        through(conversation_id=conversation.pk, guardian_id=guardian_id)
        for conversation in new
        for guardian_id in by_child[conversation.child_id]
    )
    return len(new) + len(adopted_ids)


def _overlaps(
    start: dt.datetime, end: dt.datetime, spans: Iterable[tuple[dt.datetime, dt.datetime]]
) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


@transaction.atomic
def slots_generate(
    *,
    meeting_round: MeetingRound,
    professional: AbstractBaseUser,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    breaks: Sequence[tuple[dt.time, dt.time]] = (),
    place: str = "",
    video_link: str = "",
) -> list[Slot]:
    """Fill `day` from `start` to `end` with slots of the round's length,
    leaving out the breaks and any time the professional already has a slot
    (in any round). Returns the slots made."""
    zone = timezone.get_current_timezone()
    length = dt.timedelta(minutes=meeting_round.slot_minutes)
    at = dt.datetime.combine(day, start, tzinfo=zone)
    stop = dt.datetime.combine(day, end, tzinfo=zone)
    pauses = [
        (dt.datetime.combine(day, a, tzinfo=zone), dt.datetime.combine(day, b, tzinfo=zone))
        for a, b in breaks
    ]
    taken = list(
        Slot.objects.filter(
            professional=professional, starts_at__lt=stop, ends_at__gt=at
        ).values_list("starts_at", "ends_at")
    )
    slots = []
    while at + length <= stop:
        pause = next((p for p in pauses if at < p[1] and p[0] < at + length), None)
        if pause is not None:
            at = pause[1]
            continue
        if not _overlaps(at, at + length, taken):
            slots.append(
                Slot(
                    meeting_round=meeting_round,
                    professional=professional,
                    starts_at=at,
                    ends_at=at + length,
                    place=place,
                    video_link=video_link,
                )
            )
        at += length
    return Slot.objects.bulk_create(slots)


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


# Who may be booked with, and what a family can choose


def professional_ids(conversations: Iterable[Conversation]) -> dict[int, set[int]]:
    """For each conversation in a round, the professionals whose slots it may
    book: those who work with the child's group in that round."""
    conversations = list(conversations)
    rows = (
        StaffMembership.groups.through.objects.filter(
            group__meeting_rounds__conversations__in=conversations,
            group__enrolments__child=F("group__meeting_rounds__conversations__child"),
            staffmembership__role=StaffMembership.Role.PROFESSIONAL,
            staffmembership__location=F("group__location"),
        )
        .values_list("group__meeting_rounds__conversations", "staffmembership__user_id")
        .distinct()
    )
    result: dict[int, set[int]] = {conversation.pk: set() for conversation in conversations}
    for conversation_id, user_id in rows:
        result[conversation_id].add(user_id)
    return result


def round_professionals(conversation: Conversation) -> QuerySet:
    """The users `professional_ids` names for one conversation."""
    ids = professional_ids([conversation])[conversation.pk]
    return get_user_model().objects.filter(pk__in=ids)


@dataclasses.dataclass(frozen=True)
class Part:
    """Consecutive slots of one professional for one conversation."""

    conversation: Conversation
    slots: tuple[Slot, ...]

    @property
    def starts_at(self) -> dt.datetime:
        return self.slots[0].starts_at

    @property
    def ends_at(self) -> dt.datetime:
        return self.slots[-1].ends_at

    @property
    def professional(self) -> AbstractBaseUser:
        return self.slots[0].professional

    @property
    def place(self) -> str:
        return self.slots[0].place

    @property
    def video_link(self) -> str:
        return self.slots[0].video_link

    @property
    def value(self) -> str:
        return f"{self.conversation.pk}:" + "-".join(str(slot.pk) for slot in self.slots)


@dataclasses.dataclass(frozen=True)
class Option:
    """One choice a family can make: a part per child, in time order."""

    parts: tuple[Part, ...]

    @property
    def starts_at(self) -> dt.datetime:
        return self.parts[0].starts_at

    @property
    def ends_at(self) -> dt.datetime:
        return self.parts[-1].ends_at

    @property
    def value(self) -> str:
        """What the form posts; `parse_choice` reads it back."""
        return ";".join(part.value for part in self.parts)


def parse_choice(value: str) -> list[tuple[int, list[int]]]:
    """Read an Option.value: [(conversation id, [slot ids])]. Raises
    InvalidChoiceError on anything else."""
    result = []
    try:
        for piece in value.split(";"):
            conversation_id, slot_ids = piece.split(":")
            result.append((int(conversation_id), [int(each) for each in slot_ids.split("-")]))
    except ValueError as error:
        raise InvalidChoiceError from error
    if not result or len({conversation_id for conversation_id, _ in result}) != len(result):
        raise InvalidChoiceError
    if any(not (0 < number < 2**31) for _, ids in result for number in ids):
        raise InvalidChoiceError
    return result


def slots_needed(conversation: Conversation, *, interpreter: bool = False) -> int:
    """How many consecutive slots a conversation takes: more with an interpreter."""
    return INTERPRETER_SLOTS if interpreter or conversation.interpreter else 1


def _runs(slots: Sequence[Slot], length: int) -> list[tuple[Slot, ...]]:
    """Every `length` consecutive slots of one professional, each starting when
    the one before ends. `slots` are sorted by professional, then time."""
    runs = []
    for index in range(len(slots) - length + 1):
        run = tuple(slots[index : index + length])
        if all(
            a.professional_id == b.professional_id and a.ends_at == b.starts_at
            for a, b in itertools.pairwise(run)
        ):
            runs.append(run)
    return runs


def free_slots(meeting_round: MeetingRound, professionals: Iterable[int]) -> list[Slot]:
    """The round's free slots of these professionals, sorted by professional
    and time. One query."""
    return list(
        Slot.objects.free()
        .filter(meeting_round=meeting_round, professional__in=list(professionals))
        .select_related("professional")
        .order_by("professional_id", "starts_at")
    )


def booking_options(
    conversations: Sequence[Conversation], *, lengths: dict[int, int] | None = None
) -> list[Option]:
    """What the family can book for these conversations of one round.

    For one conversation: every free run of the slots it needs. For several
    (siblings): every chain of one run per child, back to back (each next one
    starting at most BACK_TO_BACK_GAP after the one before ends), in any order
    of the children; the earliest chain from each starting run. `lengths`
    maps a conversation id to the slots it needs (default 1). Sorted by time.
    """
    conversations = list(conversations)
    if not conversations:
        return []
    lengths = lengths or {}
    allowed = professional_ids(conversations)
    meeting_round = conversations[0].meeting_round
    slots = free_slots(meeting_round, set().union(*allowed.values()))
    runs: dict[int, list[Part]] = {}
    for conversation in conversations:
        mine = [slot for slot in slots if slot.professional_id in allowed[conversation.pk]]
        runs[conversation.pk] = [
            Part(conversation, run) for run in _runs(mine, lengths.get(conversation.pk, 1))
        ]
    if len(conversations) == 1:
        options = [Option((part,)) for part in runs[conversations[0].pk]]
    elif len(conversations) > MAX_CHAINED_CHILDREN:
        return []
    else:
        options = _chains(conversations, runs)
    return sorted(options, key=lambda option: (option.starts_at, option.value))


def _chains(conversations: Sequence[Conversation], runs: dict[int, list[Part]]) -> list[Option]:
    found: dict[str, Option] = {}
    for order in itertools.permutations(conversations):
        for first in runs[order[0].pk]:
            chain = [first]
            for conversation in order[1:]:
                previous = chain[-1]
                used = {slot.pk for part in chain for slot in part.slots}
                following = [
                    part
                    for part in runs[conversation.pk]
                    if previous.ends_at <= part.starts_at <= previous.ends_at + BACK_TO_BACK_GAP
                    and not used & {slot.pk for slot in part.slots}
                ]
                if not following:
                    break
                chain.append(min(following, key=lambda part: part.starts_at))
            else:
                option = Option(tuple(chain))
                found.setdefault(option.value, option)
    return list(found.values())


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


def _locked_slots(
    conversation: Conversation, slot_ids: Sequence[int], *, releasing: Booking | None
) -> list[Slot]:
    """Lock and check the slots for one part; raise unless they are free,
    consecutive slots of one of the conversation's professionals."""
    slots = list(
        Slot.objects.select_for_update()
        .filter(pk__in=slot_ids, meeting_round=conversation.meeting_round_id)
        .order_by("pk")
    )
    if len(slots) != len(set(slot_ids)) or len(slots) != len(slot_ids):
        raise InvalidChoiceError
    slots.sort(key=lambda slot: slot.starts_at)
    if slots[0].professional_id not in professional_ids([conversation])[conversation.pk]:
        raise InvalidChoiceError
    if _runs(slots, len(slots)) != [tuple(slots)]:
        raise InvalidChoiceError
    holders = BookingSlot.objects.filter(slot__in=slots)
    if releasing is not None:
        holders = holders.exclude(booking=releasing)
    now = timezone.now()
    if holders.exists() or any(slot.blocked or slot.starts_at <= now for slot in slots):
        raise SlotTakenError
    return slots


def _existing(conversation: Conversation, guardian: Guardian | None) -> Booking | None:
    return Booking.objects.filter(conversation=conversation, guardian=guardian).first()


def _check_parties(
    conversation: Conversation, guardian: Guardian | None, meeting_round: MeetingRound
) -> None:
    """Together or alone: a time for both parents and a time for one parent
    alone do not go together."""
    others = Booking.objects.filter(conversation=conversation).exclude(guardian=guardian)
    if guardian is None:
        if others.exclude(guardian__isnull=True).exists():
            raise BookingConflictError(BookingConflictError.OTHER_PARENT_ALONE)
        return
    if not meeting_round.separate_bookings:
        raise BookingConflictError(BookingConflictError.SEPARATE_NOT_ALLOWED)
    if Booking.objects.filter(conversation=conversation, guardian__isnull=True).exists():
        raise BookingConflictError(BookingConflictError.TOGETHER_EXISTS)


def _place(
    *,
    conversation: Conversation,
    slots: list[Slot],
    guardian: Guardian | None,
    booking: Booking | None,
    link: ParentLink | None,
    user: AbstractBaseUser | None,
) -> Booked:
    """Write one booking (new, or `booking` with new slots)."""
    starts_at, ends_at = slots[0].starts_at, slots[-1].ends_at
    previous = None
    if booking is None:
        booking = Booking.objects.create(
            conversation=conversation,
            guardian=guardian,
            starts_at=starts_at,
            ends_at=ends_at,
            made_by_link=link,
            made_by=user,
        )
    else:
        if (booking.starts_at, booking.ends_at) != (starts_at, ends_at):
            previous = (booking.starts_at, booking.ends_at)
            booking.sequence += 1
            if timezone.localdate(booking.starts_at) != timezone.localdate(starts_at):
                booking.reminder_sent_at = None
        booking.starts_at, booking.ends_at = starts_at, ends_at
        booking.made_by_link, booking.made_by = link, user
        booking.save()
        booking.booked_slots.all().delete()
    BookingSlot.objects.bulk_create(BookingSlot(booking=booking, slot=slot) for slot in slots)
    _sync_conversation(conversation)
    return Booked(booking=booking, previous=previous)


def _sync_conversation(conversation: Conversation) -> None:
    """The conversation's date, time, length and place follow its earliest
    booking; its owner becomes the professional holding that slot, as long as
    nothing was prepared yet."""
    first = (
        BookingSlot.objects.filter(booking__conversation=conversation)
        .select_related("slot", "booking")
        .order_by("booking__starts_at", "slot__starts_at")
        .first()
    )
    fields = ["date", "start_time", "duration_minutes", "place", "video_link"]
    if first is None:
        conversation.date = conversation.start_time = None
        conversation.place = conversation.video_link = ""
    else:
        starts_at = timezone.localtime(first.booking.starts_at)
        conversation.date, conversation.start_time = starts_at.date(), starts_at.time()
        conversation.duration_minutes = first.booking.minutes
        conversation.place, conversation.video_link = first.slot.place, first.slot.video_link
        if conversation.status == Conversation.Status.DRAFT:
            conversation.owner_id = first.slot.professional_id
            fields.append("owner")
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
    books for the link's parent only.
    By a professional: pass `user` and `conversation` (the one the page is
    about, whose siblings may be booked along); `guardian` books for that
    parent alone. The caller has checked the user may edit `conversation`.

    Raises SlotTakenError, BookingClosedError, InvalidChoiceError or
    BookingConflictError; then nothing is written.
    """
    if (link is None) == (user is None):
        raise ValueError("Pass either link or user.")
    anchor = link.conversation if link is not None else conversation
    if anchor is None or anchor.meeting_round_id is None:
        raise InvalidChoiceError
    party = link.guardian if link is not None and alone else guardian
    family = _family_conversations_in_round(anchor)
    wanted = [conversation_id for conversation_id, _ in choice]
    conversations = {
        each.pk: each
        for each in family.filter(pk__in=wanted)
        .select_for_update(of=("self",))
        .select_related("meeting_round", "child")
        .order_by("pk")
    }
    if len(conversations) != len(wanted):
        raise InvalidChoiceError
    meeting_round = anchor.meeting_round
    if link is not None:
        several = family.count() > 1
        if not meeting_round.is_open_for(several_children=several):
            raise BookingClosedError
    if party is not None and party.family_id != anchor.child.family_id:
        raise InvalidChoiceError
    booked = []
    for conversation_id, slot_ids in choice:
        if link is not None and len(slot_ids) > INTERPRETER_SLOTS:
            raise InvalidChoiceError
        conversation = conversations[conversation_id]
        _check_parties(conversation, party, meeting_round)
        existing = _existing(conversation, party)
        slots = _locked_slots(conversation, slot_ids, releasing=existing)
        booked.append(
            _place(
                conversation=conversation,
                slots=slots,
                guardian=party,
                booking=existing,
                link=link,
                user=user,
            )
        )
    return booked


@_atomic_booking
def booking_move(*, booking: Booking, slot_ids: Sequence[int], user: AbstractBaseUser) -> Booked:
    """A professional gives a booking other slots (the parents are told by the
    caller, from the returned `previous`)."""
    conversation = Conversation.objects.select_for_update(of=("self",)).get(
        pk=booking.conversation_id
    )
    slots = _locked_slots(conversation, slot_ids, releasing=booking)
    return _place(
        conversation=conversation,
        slots=slots,
        guardian=booking.guardian,
        booking=Booking.objects.get(pk=booking.pk),
        link=None,
        user=user,
    )


@_atomic_booking
def booking_extend(*, booking: Booking, user: AbstractBaseUser) -> Booked:
    """Add the professional's next slot to a booking, for a talk that needs
    more time. SlotTakenError when that slot is booked, blocked or missing."""
    conversation = Conversation.objects.select_for_update(of=("self",)).get(
        pk=booking.conversation_id
    )
    booking = Booking.objects.get(pk=booking.pk)
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
    slots = _locked_slots(conversation, slot_ids, releasing=booking)
    return _place(
        conversation=conversation,
        slots=slots,
        guardian=booking.guardian,
        booking=booking,
        link=None,
        user=user,
    )


def booking_cancel(*, booking: Booking, link: ParentLink | None = None) -> Booking:
    """Cancel a booking, freeing its slots. Through a parent's link only
    while the round is open, and only the family's own booking for both
    parents or the link's parent alone. Returns the booking as it was (with
    its id, for the calendar's cancel message)."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update(of=("self",)).get(
            pk=booking.conversation_id
        )
        if link is not None:
            if conversation.child.family_id != link.conversation.child.family_id:
                raise InvalidChoiceError
            if booking.guardian_id not in (None, link.guardian_id):
                raise InvalidChoiceError
            several = _family_conversations_in_round(conversation).count() > 1
            if not conversation.meeting_round.is_open_for(several_children=several):
                raise BookingClosedError
        Booking.objects.filter(pk=booking.pk).delete()
        _sync_conversation(conversation)
    return booking
