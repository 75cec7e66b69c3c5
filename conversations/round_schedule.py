"""A meeting round as the staff pages show it: whether it is open, every slot
per professional and day (free, blocked or booked, and by whom as far as the
user may see), and per group the families who have no time yet.

Read only; who may see what comes from conversations.round_access.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from conversations.models import Booking, Conversation, MeetingRound, ParentLink, Slot
from conversations.parent_answers import interpreters_asked
from conversations.round_access import conversation_access, unbooked_conversations
from families.models import Enrolment, Group, Guardian

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from families.models import AnyUser


def round_state(meeting_round: MeetingRound) -> str:
    """upcoming, early (open to families with several children only), open or closed."""
    now = timezone.now()
    if now < meeting_round.opens_for(several_children=True):
        return "upcoming"
    if now < meeting_round.opens_at:
        return "early"
    if now < meeting_round.closes_at:
        return "open"
    return "closed"


def day_span(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day from midnight to midnight."""
    begin = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    return begin, begin + dt.timedelta(days=1)


def has_slots_between(professional: AbstractBaseUser, begin: dt.datetime, end: dt.datetime) -> bool:
    """Whether the professional has a slot (in any round) overlapping this time."""
    return Slot.objects.filter(
        professional=professional, starts_at__lt=end, ends_at__gt=begin
    ).exists()


def day_professionals(meeting_round: MeetingRound, day: dt.date) -> list[AbstractBaseUser]:
    """The professionals with slots in the round on this day."""
    begin, end = day_span(day)
    return list(
        get_user_model()
        .objects.filter(
            slots__meeting_round=meeting_round,
            slots__starts_at__gte=begin,
            slots__starts_at__lt=end,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# The slots per professional and day


@dataclasses.dataclass
class SlotRow:
    """One slot as the schedule shows it to this user."""

    slot: Slot
    booking: Booking | None
    # The booking's first slot; later slots of a longer booking say "continued".
    first: bool
    # Whether the user may see who booked.
    visible: bool
    can_manage_slot: bool
    can_manage_booking: bool
    group_name: str = ""
    notice: str = ""
    error: str = ""
    # Languages the parents asked an interpreter for, while none is planned.
    interpreter_asked: list[str] = dataclasses.field(default_factory=list)

    @property
    def state(self) -> str:
        if self.booking is not None:
            return "booked"
        return "blocked" if self.slot.blocked else "free"

    @property
    def begun(self) -> bool:
        return self.slot.starts_at <= timezone.now()


@dataclasses.dataclass
class DaySchedule:
    professional: Any
    day: dt.date
    rows: list[SlotRow]
    can_print: bool

    @property
    def booked(self) -> int:
        return sum(1 for row in self.rows if row.state == "booked")

    @property
    def free(self) -> int:
        return sum(1 for row in self.rows if row.state == "free" and not row.begun)


def group_names(meeting_round: MeetingRound) -> dict[int, str]:
    """Each child in the round's groups, with (one of) their groups' names."""
    return dict(
        Enrolment.objects.filter(group__meeting_rounds=meeting_round)
        .order_by("group__name")
        .values_list("child_id", "group__name")
    )


def slot_rows(user: AnyUser, meeting_round: MeetingRound, slots: QuerySet[Slot]) -> list[SlotRow]:
    """The slots as rows, in time order per professional, with the
    interpreters parents asked for and nobody planned yet. Three queries, and
    one more when a booking the user may see lacks a planned interpreter."""
    access = conversation_access(user, meeting_round)
    groups = group_names(meeting_round)
    slots = slots.select_related(
        "professional",
        "booking_slot__booking__conversation__child",
        "booking_slot__booking__guardian",
    ).order_by("professional__first_name", "professional_id", "starts_at")
    rows, seen = [], set()
    for slot in slots:
        held = getattr(slot, "booking_slot", None)
        held_by = held.booking if held is not None else None
        visible = editable = True
        if held_by is not None and access is not None:
            visible = held_by.conversation_id in access
            editable = access.get(held_by.conversation_id, False)
        rows.append(
            SlotRow(
                slot=slot,
                booking=held_by,
                first=held_by is None or held_by.pk not in seen,
                visible=visible,
                can_manage_slot=access is None or slot.professional_id == user.pk,
                can_manage_booking=held_by is not None and editable,
                group_name=groups.get(held_by.conversation.child_id, "") if held_by else "",
            )
        )
        if held_by is not None:
            seen.add(held_by.pk)
    asked = interpreters_asked(
        {
            row.booking.conversation_id
            for row in rows
            if row.booking is not None and row.visible and not row.booking.conversation.interpreter
        }
    )
    for row in rows:
        if row.booking is not None and row.visible:
            row.interpreter_asked = asked.get(row.booking.conversation_id, [])
    return rows


def schedules(
    user: AnyUser, meeting_round: MeetingRound, rows: list[SlotRow]
) -> list[list[DaySchedule]]:
    """The rows per professional (the user's own first), then per day."""
    by_person: dict[int, dict[dt.date, list[SlotRow]]] = defaultdict(lambda: defaultdict(list))
    people = {}
    for row in rows:
        person = row.slot.professional
        people[person.pk] = person
        by_person[person.pk][timezone.localdate(row.slot.starts_at)].append(row)
    order = sorted(people, key=lambda pk: pk != user.pk)
    return [
        [
            DaySchedule(
                professional=people[pk],
                day=day,
                rows=day_rows,
                can_print=meeting_round.coordinates or pk == user.pk,
            )
            for day, day_rows in sorted(by_person[pk].items())
        ]
        for pk in order
    ]


def day_slot_rows(
    user: AnyUser, meeting_round: MeetingRound, professional: AbstractBaseUser, day: dt.date
) -> list[SlotRow]:
    """The professional's slots in the round on this day, with the parents
    taking part in each booking."""
    begin, end = day_span(day)
    slots = Slot.objects.filter(
        meeting_round=meeting_round,
        professional=professional,
        starts_at__gte=begin,
        starts_at__lt=end,
    ).prefetch_related(
        Prefetch(
            "booking_slot__booking__conversation__guardians",
            queryset=Guardian.objects.order_by("pk"),
        )
    )
    return slot_rows(user, meeting_round, slots)


# The families who have not booked yet


@dataclasses.dataclass
class GuardianState:
    guardian: Guardian
    link: ParentLink | None

    @property
    def reminded_at(self) -> dt.datetime | None:
        return self.link.booking_asked_at if self.link is not None else None

    @property
    def link_state(self) -> str:
        return self.link.state if self.link is not None else "none"


@dataclasses.dataclass
class UnbookedRow:
    conversation: Conversation
    guardians: list[GuardianState]
    can_book: bool
    can_print: bool
    # Languages the parents asked an interpreter for, while none is planned.
    interpreter_asked: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Unbooked:
    """Per group the user may see, the families without a time; `total`
    counts them all, `remindable` those the user may ask to book."""

    sections: list[tuple[Group, list[UnbookedRow]]]
    total: int
    remindable: int


def unbooked(user: AnyUser, meeting_round: MeetingRound) -> Unbooked:
    """The families who have not booked yet, per group: whether each parent
    has an email address and a link, whether they were asked to book, and
    the interpreters they asked for (one query for all)."""
    conversations = list(
        unbooked_conversations(user, meeting_round)
        .select_related("child__family")
        .prefetch_related(
            Prefetch("child__family__guardians", queryset=Guardian.objects.order_by("pk")),
            "parent_links",
        )
        .order_by("child__first_name", "child__last_name", "pk")
    )
    # A professional sees the groups they work with; a coordinator all of them.
    groups = list(
        meeting_round.groups.filter(pk__in=Group.objects.visible_to(user)).order_by("name")
    )
    names = group_names(meeting_round)
    asked = interpreters_asked(each.pk for each in conversations if not each.interpreter)
    by_group: dict[str, list[UnbookedRow]] = defaultdict(list)
    for conversation in conversations:
        links = {link.guardian_id: link for link in conversation.parent_links.all()}
        for link in links.values():
            link.conversation = conversation
        by_group[names.get(conversation.child_id, "")].append(
            UnbookedRow(
                conversation=conversation,
                guardians=[
                    GuardianState(guardian, links.get(guardian.pk))
                    for guardian in conversation.child.family.guardians.all()
                ],
                can_book=meeting_round.coordinates or conversation.editable,
                can_print=conversation.editable,
                interpreter_asked=asked.get(conversation.pk, []),
            )
        )
    return Unbooked(
        sections=[(group, by_group.get(group.name, [])) for group in groups],
        total=len(conversations),
        remindable=sum(
            1
            for conversation in conversations
            if meeting_round.coordinates or conversation.editable
        ),
    )
