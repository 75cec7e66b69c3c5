"""Setting up a meeting round: the round itself with a conversation for every
child in its groups (also after its groups changed), and the professionals'
slots.

The names are also available from `conversations.booking`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conversations.models import Conversation, MeetingRound, Slot
from conversations.services import DEFAULT_MINUTES
from families.models import Child, Enrolment, Group, Guardian, Location, StaffMembership
from families.school_year import current_school_year

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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
        school_year=groups[0].school_year if groups else current_school_year(),
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
    after the roster changed adds the newcomers. A child in two of the round's
    groups gets one conversation, owned by the professional of the first.
    Two runs at once take turns (the round's row is locked), so neither trips
    over the other's new conversations."""
    MeetingRound.objects.select_for_update(no_key=True).get(pk=meeting_round.pk)
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
    new = [
        Conversation(
            child=child,
            owner_id=owners.get(group_id, meeting_round.created_by_id),
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


class GroupTakenOutError(Exception):
    """A group cannot leave the round: one of its families has booked."""


@transaction.atomic
def round_regroup(*, meeting_round: MeetingRound) -> tuple[int, int]:
    """Bring the round's conversations in line with its groups, after they
    changed: children of added groups get a conversation (`round_enrol`);
    children in none of its groups any more leave the round (their
    conversations stay, as drafts of the child). Returns (added, left).
    Raises GroupTakenOutError, changing nothing, when a family leaving the
    round has booked already."""
    leaving = Conversation.objects.filter(meeting_round=meeting_round).exclude(
        child__enrolments__group__in=meeting_round.groups.all()
    )
    if leaving.filter(bookings__isnull=False).exists():
        raise GroupTakenOutError
    left = leaving.update(meeting_round=None)
    return round_enrol(meeting_round=meeting_round), left


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
    """Fill `day` from `start` to `end` (local times) with slots of the round's
    length, leaving out the breaks and any time the professional already has a
    slot (in any round). Returns the slots made. Two runs for one professional
    at once take turns (the professional's row is locked), so the second
    skips what the first made."""
    get_user_model().objects.select_for_update(no_key=True).get(pk=professional.pk)
    zone = timezone.get_current_timezone()

    # Count in UTC: Python adds to and compares datetimes of one time zone by
    # the clock on the wall, which on the night the clocks change gives a slot
    # an hour too many or too few.
    def instant(moment: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, moment, tzinfo=zone).astimezone(dt.UTC)

    length = dt.timedelta(minutes=meeting_round.slot_minutes)
    at, stop = instant(start), instant(end)
    pauses = [(instant(begin), instant(until)) for begin, until in breaks]
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
