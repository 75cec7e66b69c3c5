"""Small builders for test data. Each takes keyword overrides and saves."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from conversations import parent_links
from conversations.models import Conversation, Kind, ParentLink
from families.models import (
    Child,
    Enrolment,
    Family,
    Group,
    Guardian,
    Location,
    StaffMembership,
)
from families.school_year import current_school_year

_seq = itertools.count(1)


def make_location(**kwargs: Any) -> Location:
    kwargs.setdefault("name", f"Kindcentrum {next(_seq)}")
    kwargs.setdefault("has_school", True)
    return Location.objects.create(**kwargs)


def make_group(location: Location, **kwargs: Any) -> Group:
    kwargs.setdefault("name", f"Groep {next(_seq)}")
    kwargs.setdefault("setting", Group.Setting.SCHOOL)
    kwargs.setdefault("school_year", current_school_year())
    kwargs.setdefault("min_age", 6)
    kwargs.setdefault("max_age", 8)
    return Group.objects.create(location=location, **kwargs)


def make_user(username: str, **kwargs: Any) -> AbstractUser:
    kwargs.setdefault("email", f"{username}@example.org")
    kwargs.setdefault("first_name", username.capitalize())
    return get_user_model().objects.create_user(username=username, password="secret-pw", **kwargs)


def make_staff(
    username: str,
    location: Location,
    role: str = StaffMembership.Role.PROFESSIONAL,
    groups: tuple[Group, ...] = (),
) -> AbstractUser:
    user = make_user(username)
    membership = StaffMembership.objects.create(user=user, location=location, role=role)
    membership.groups.set(groups)
    return user


def make_family(location: Location, **kwargs: Any) -> Family:
    kwargs.setdefault("name", f"Familie {next(_seq)}")
    return Family.objects.create(location=location, **kwargs)


def make_guardian(family: Family, **kwargs: Any) -> Guardian:
    n = next(_seq)
    kwargs.setdefault("first_name", f"Ouder{n}")
    kwargs.setdefault("last_name", family.name.removeprefix("Familie "))
    kwargs.setdefault("relation", Guardian.Relation.PARENT)
    kwargs.setdefault("email", f"ouder{n}@example.org")
    return Guardian.objects.create(family=family, **kwargs)


def make_child(family: Family, group: Group | None = None, **kwargs: Any) -> Child:
    kwargs.setdefault("first_name", f"Kind{next(_seq)}")
    kwargs.setdefault("last_name", family.name.removeprefix("Familie "))
    kwargs.setdefault("date_of_birth", dt.date(2019, 5, 17))
    child = Child.objects.create(family=family, **kwargs)
    if group is not None:
        Enrolment.objects.create(child=child, group=group)
    return child


def make_conversation(child: Child, owner: AbstractUser, **kwargs: Any) -> Conversation:
    kwargs.setdefault("kind", Kind.WELLBEING)
    kwargs.setdefault("school_year", current_school_year())
    conversation = Conversation.objects.create(child=child, owner=owner, **kwargs)
    conversation.guardians.set(child.family.guardians.all())
    return conversation


def make_parent_link(conversation: Conversation, guardian: Guardian | None = None) -> ParentLink:
    """A parent link for `guardian` (the family's first guardian by default),
    with its token at hand as `link.token`: only tests get to keep one."""
    guardian = guardian or conversation.child.family.guardians.order_by("pk").first()
    link = parent_links.link_create(conversation=conversation, guardian=guardian, user=None)
    link.token = parent_links.token_of(link)
    return link


def make_round(location: Location, groups: list[Group], created_by: AbstractUser, **kwargs: Any):
    """A meeting round open for booking now, closing in a week, with a
    conversation for every child in `groups` (conversations.booking.round_create)."""
    from conversations import booking

    now = timezone.now()
    kwargs.setdefault("name", "Tienminutengesprekken")
    kwargs.setdefault("kind", Kind.PROGRESS)
    kwargs.setdefault("slot_minutes", 10)
    kwargs.setdefault("opens_at", now - dt.timedelta(hours=1))
    kwargs.setdefault("closes_at", now + dt.timedelta(days=7))
    return booking.round_create(location=location, groups=groups, created_by=created_by, **kwargs)


def make_slots(
    meeting_round,
    professional: AbstractUser,
    *,
    count: int = 6,
    day: dt.date | None = None,
    start: dt.time = dt.time(18, 0),
    **kwargs: Any,
):
    """`count` consecutive slots for `professional`, from `start` on `day`
    (by default ten days from now, so they have not begun)."""
    from conversations import booking

    day = day or timezone.localdate() + dt.timedelta(days=10)
    begin = dt.datetime.combine(day, start)
    end = begin + dt.timedelta(minutes=meeting_round.slot_minutes * count)
    return booking.slots_generate(
        meeting_round=meeting_round,
        professional=professional,
        day=day,
        start=start,
        end=end.time(),
        **kwargs,
    )


def round_conversation(meeting_round, child: Child) -> Conversation:
    return Conversation.objects.get(meeting_round=meeting_round, child=child)
