"""What a family may book: whose slots, and which free times fit together.

A choice is an `Option`: one `Part` (consecutive slots of one professional)
per child. The form posts `Option.value`; `conversations.booking.parse_choice`
reads it back, and `booking_make` checks it again under lock, since the page
may be stale or tampered with.

The names are also available from `conversations.booking`.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import F, OuterRef, QuerySet

from conversations.models import Conversation, MeetingRound, Slot
from families.models import StaffMembership

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


def professional_ids(conversations: Iterable[Conversation]) -> dict[int, set[int]]:
    """For each conversation in a round, the professionals whose slots it may
    book: those who work with the child's group in that round. One query."""
    conversations = list(conversations)
    result: dict[int, set[int]] = {conversation.pk: set() for conversation in conversations}
    if arrays_in_queries():
        rows = (
            Conversation.objects.filter(pk__in=list(result))
            .annotate(allowed=professionals_subquery())
            .values_list("pk", "allowed")
        )
        for conversation_id, user_ids in rows:
            result[conversation_id].update(user_ids)
        return result
    pairs = StaffMembership.groups.through.objects.filter(
        group__meeting_rounds__conversations__in=list(result),
        group__enrolments__child=F("group__meeting_rounds__conversations__child"),
        staffmembership__role=StaffMembership.Role.PROFESSIONAL,
        staffmembership__location=F("group__location"),
    ).values_list("group__meeting_rounds__conversations", "staffmembership__user_id")
    for conversation_id, user_id in pairs:
        result[conversation_id].add(user_id)
    return result


def arrays_in_queries() -> bool:
    """Whether the database can hand back an array per row (PostgreSQL, in
    production and the test suite). SQLite, for `make run` and the smoke pass,
    takes one query more where an array would have saved it."""
    return connection.vendor == "postgresql"


def professionals_subquery() -> ArraySubquery:
    """`professional_ids` as an annotation on conversations (the user ids of
    one conversation's professionals, possibly repeated), for a query that
    reads the conversations anyway."""
    return ArraySubquery(
        StaffMembership.groups.through.objects.filter(
            group__meeting_rounds=OuterRef("meeting_round"),
            group__enrolments__child=OuterRef("child"),
            staffmembership__role=StaffMembership.Role.PROFESSIONAL,
            staffmembership__location=F("group__location"),
        ).values("staffmembership__user_id")
    )


def round_professionals(conversation: Conversation) -> QuerySet:
    """The users `professional_ids` names for one conversation."""
    ids = professional_ids([conversation])[conversation.pk]
    return get_user_model().objects.filter(pk__in=ids)


@dataclasses.dataclass(frozen=True, slots=True)
class FreeSlot:
    """A free slot as `free_slots` reads it: what an option shows of a Slot.
    A page lists a hundred of them or more, and a model object for each (and
    for its professional) cost more than reading them."""

    pk: int
    professional_id: int
    # Shared by the professional's slots, with only what names them read.
    professional: AbstractBaseUser
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    video_link: str


@dataclasses.dataclass(frozen=True)
class Part:
    """Consecutive slots of one professional for one conversation: free ones
    (FreeSlot) in an option, booked ones (Slot) in a booking."""

    conversation: Conversation
    slots: tuple[Slot | FreeSlot, ...]

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

    @functools.cached_property
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

    @functools.cached_property
    def value(self) -> str:
        """What the form posts; `parse_choice` reads it back."""
        return ";".join(part.value for part in self.parts)


def slots_needed(conversation: Conversation, *, interpreter: bool = False) -> int:
    """How many consecutive slots a conversation takes: more with an interpreter."""
    return INTERPRETER_SLOTS if interpreter or conversation.interpreter else 1


def slot_runs[S: (Slot, FreeSlot)](slots: Sequence[S], length: int) -> list[tuple[S, ...]]:
    """Every `length` consecutive slots of one professional, each starting when
    the one before ends. `slots` are sorted by professional, then time."""
    found = []
    for index in range(len(slots) - length + 1):
        run = tuple(slots[index : index + length])
        if all(
            a.professional_id == b.professional_id and a.ends_at == b.starts_at
            for a, b in itertools.pairwise(run)
        ):
            found.append(run)
    return found


def free_slots(meeting_round: MeetingRound | int, professionals: Iterable[int]) -> list[FreeSlot]:
    """The round's free slots of these professionals, sorted by professional
    and time. One query."""
    user_model = get_user_model()
    # What names a professional (get_full_name, get_username), in the order
    # of the model's fields, as Model.from_db takes them.
    wanted = {user_model._meta.pk.attname, "first_name", "last_name", user_model.USERNAME_FIELD}
    names = [field.attname for field in user_model._meta.concrete_fields if field.attname in wanted]
    rows = (
        Slot.objects.free()
        .filter(meeting_round=meeting_round, professional__in=list(professionals))
        .order_by("professional_id", "starts_at")
        .values_list(
            "pk",
            "professional_id",
            "starts_at",
            "ends_at",
            "place",
            "video_link",
            *(f"professional__{name}" for name in names),
        )
    )
    professionals_by_id: dict[int, AbstractBaseUser] = {}
    found = []
    for pk, professional_id, starts_at, ends_at, place, video_link, *named in rows:
        professional = professionals_by_id.get(professional_id)
        if professional is None:
            professional = professionals_by_id[professional_id] = user_model.from_db(
                DEFAULT_DB_ALIAS, names, named
            )
        found.append(
            FreeSlot(pk, professional_id, professional, starts_at, ends_at, place, video_link)
        )
    return found


def booking_options(
    conversations: Sequence[Conversation],
    *,
    lengths: dict[int, int] | None = None,
    allowed: dict[int, set[int]] | None = None,
) -> list[Option]:
    """What the family can book for these conversations of one round.

    For one conversation: every free run of the slots it needs. For several
    (siblings, at most MAX_CHAINED_CHILDREN, else none): every chain of one
    run per child, back to back (each next one starting at most
    BACK_TO_BACK_GAP after the one before ends), in any order of the children;
    the earliest chain from each starting run. `lengths` maps a conversation
    id to the slots it needs (default 1); `allowed`, the professionals of
    each conversation, when read already (`professional_ids`). Sorted by
    time. Two queries (one with `allowed`), however many children and slots.
    """
    conversations = list(conversations)
    if not conversations or len(conversations) > MAX_CHAINED_CHILDREN:
        return []
    lengths = lengths or {}
    if allowed is None:
        allowed = professional_ids(conversations)
    slots = free_slots(conversations[0].meeting_round_id, set().union(*allowed.values()))
    parts: dict[int, list[Part]] = {}
    for conversation in conversations:
        mine = [slot for slot in slots if slot.professional_id in allowed[conversation.pk]]
        parts[conversation.pk] = sorted(
            (Part(conversation, run) for run in slot_runs(mine, lengths.get(conversation.pk, 1))),
            key=lambda part: part.starts_at,
        )
    if len(conversations) == 1:
        options = [Option((part,)) for part in parts[conversations[0].pk]]
    else:
        options = _chains(conversations, parts)
    return sorted(options, key=lambda option: (option.starts_at, option.value))


def _chains(conversations: Sequence[Conversation], parts: dict[int, list[Part]]) -> list[Option]:
    """Back-to-back chains in every order of the children. A chain's parts
    follow each other in time, so they never share a slot. `parts` are sorted
    by start."""
    starts = {pk: [part.starts_at for part in each] for pk, each in parts.items()}
    chains = []
    for order in itertools.permutations(conversations):
        for first in parts[order[0].pk]:
            chain = [first]
            for conversation in order[1:]:
                end = chain[-1].ends_at
                index = bisect.bisect_left(starts[conversation.pk], end)
                candidates = parts[conversation.pk]
                if index == len(candidates) or candidates[index].starts_at > end + BACK_TO_BACK_GAP:
                    break
                chain.append(candidates[index])
            else:
                chains.append(Option(tuple(chain)))
    return chains
