"""Who may do what in a meeting round, for the staff pages
(conversations.views.rounds, .round_slots and .round_bookings).

Every page fetches the round through `round_or_404`, so an outsider gets 404.
Inside a round, a professional manages their own slots and the bookings of
the conversations they may edit (`Conversation.objects.editable_by`); a
coordinator of the round's location manages all of it: planning is
logistics, not conversation content. Who booked a slot is shown only to
those who may see that child (`conversation_access`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from conversations.models import Booking, Conversation, MeetingRound, Slot
from families.models import (
    Enrolment,
    Group,
    Location,
    StaffMembership,
    coordinated_locations,
    taught_by,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from families.models import AnyUser


def plannable_groups(user: AnyUser) -> QuerySet[Group]:
    """This school year's groups the user may plan a round for: every group of
    the locations they coordinate, and the groups they work with."""
    taught = Group.objects.filter(taught_by(user, group_prefix=""))
    return Group.objects.current().filter(
        Q(location__in=coordinated_locations(user)) | Q(pk__in=taught)
    )


def visible_rounds(user: AnyUser) -> QuerySet[MeetingRound]:
    """The rounds the user may see, each with `coordinates`: whether the user
    coordinates its location."""
    coordinated = Location.objects.coordinated_by(user).filter(pk=OuterRef("location_id"))
    return (
        MeetingRound.objects.visible_to(user)
        .select_related("location")
        .annotate(coordinates=Exists(coordinated))
    )


def _count(queryset: QuerySet) -> Coalesce:
    """How many rows of `queryset` belong to the outer round (a subquery)."""
    rows = (
        queryset.filter(meeting_round=OuterRef("pk"))
        .order_by()
        .values("meeting_round")
        .annotate(number=Count("pk"))
        .values("number")
    )
    return Coalesce(Subquery(rows), 0)


def with_counts(rounds: QuerySet[MeetingRound]) -> QuerySet[MeetingRound]:
    """Families in the round and how many booked, slots and how many are taken."""
    has_booking = Exists(Booking.objects.filter(conversation=OuterRef("pk")))
    return rounds.annotate(
        family_count=_count(Conversation.objects.all()),
        booked_count=_count(Conversation.objects.filter(has_booking)),
        slot_count=_count(Slot.objects.all()),
        taken_count=_count(Slot.objects.filter(booking_slot__isnull=False)),
    )


def round_or_404(user: AnyUser, round_id: int, *, counts: bool = False) -> MeetingRound:
    rounds = visible_rounds(user)
    return get_object_or_404(with_counts(rounds) if counts else rounds, pk=round_id)


def can_edit_round(user: AnyUser, meeting_round: MeetingRound) -> bool:
    """A coordinator of the location, or a professional who may plan every
    group of the round."""
    if meeting_round.coordinates:
        return True
    return not meeting_round.groups.exclude(pk__in=plannable_groups(user)).exists()


def editable(user: AnyUser) -> ExpressionWrapper:
    """Annotation: whether the user may edit the conversation (as `editable_by`,
    on a queryset already limited to what the user may see)."""
    teaches = Enrolment.objects.filter(taught_by(user), child=OuterRef("child"))
    return ExpressionWrapper(Q(owner=user) | Exists(teaches), output_field=BooleanField())


def managed_conversations(user: AnyUser, meeting_round: MeetingRound) -> QuerySet[Conversation]:
    """The round's conversations whose bookings the user manages."""
    conversations = Conversation.objects.filter(meeting_round=meeting_round)
    if meeting_round.coordinates:
        return conversations
    return conversations.filter(pk__in=Conversation.objects.editable_by(user).values("pk"))


def conversation_access(user: AnyUser, meeting_round: MeetingRound) -> dict[int, bool] | None:
    """For a professional: the round's conversations they may see, mapped to
    whether they may edit them. None for a coordinator, who manages all."""
    if meeting_round.coordinates:
        return None
    return dict(
        Conversation.objects.visible_to(user)
        .filter(meeting_round=meeting_round)
        .annotate(editable=editable(user))
        .values_list("pk", "editable")
    )


def unbooked_conversations(user: AnyUser, meeting_round: MeetingRound) -> QuerySet[Conversation]:
    """The round's conversations without any booking that the user may see,
    with `editable` (may the user edit them)."""
    conversations = Conversation.objects.filter(meeting_round=meeting_round)
    if not meeting_round.coordinates:
        conversations = conversations.filter(pk__in=Conversation.objects.visible_to(user))
    return conversations.filter(
        ~Exists(Booking.objects.filter(conversation=OuterRef("pk")))
    ).annotate(editable=editable(user))


def slot_or_404(user: AnyUser, meeting_round: MeetingRound, slot_id: int) -> Slot:
    """A slot of the round the user manages: their own, or any for a coordinator."""
    slots = Slot.objects.filter(meeting_round=meeting_round).select_related("professional")
    if not meeting_round.coordinates:
        slots = slots.filter(professional=user)
    return get_object_or_404(slots, pk=slot_id)


def booking_or_404(user: AnyUser, meeting_round: MeetingRound, booking_id: int) -> Booking:
    """A booking of one of the round's conversations the user manages."""
    conversations = managed_conversations(user, meeting_round)
    return get_object_or_404(
        Booking.objects.filter(conversation__in=conversations.values("pk")).select_related(
            "conversation__child__family", "conversation__meeting_round", "guardian"
        ),
        pk=booking_id,
    )


def group_professionals(meeting_round: MeetingRound) -> list[AbstractBaseUser]:
    """The professionals who work with the round's groups: whom a coordinator
    adds slots for."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__location=meeting_round.location_id,
            memberships__role=StaffMembership.Role.PROFESSIONAL,
            memberships__groups__meeting_rounds=meeting_round,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
