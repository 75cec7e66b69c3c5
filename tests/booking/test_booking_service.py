"""The booking services (conversations.booking), one request at a time.

`meeting_round` has six 10-minute slots from 18:00, ten days from now, for
`teacher` (who works with `group`, where `child` is) and for `teacher2`
(`other_group`). Races between requests are in test_booking_concurrency.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.utils import timezone

from conversations import booking
from conversations.booking import (
    BACK_TO_BACK_GAP,
    INTERPRETER_SLOTS,
    BookingClosedError,
    BookingConflictError,
    InvalidChoiceError,
    SlotTakenError,
)
from conversations.models import (
    Booking,
    BookingSlot,
    Conversation,
    Kind,
    MeetingRound,
    ParentLink,
    Slot,
)
from families.models import Enrolment, StaffMembership
from families.school_year import current_school_year
from tests import factories
from tests.booking.helpers import booked_slot_ids, choice_value, move_round, slots_of

# booking_options reads who may be booked with and the free slots: two
# queries, however many children and slots.
BOOKING_OPTIONS_QUERIES = 2
# booking_make through a link, for one child, with its savepoint: the link's
# conversation and child, the locked conversations, the family's size, the
# bookings, the locked slots, the professionals, the slots' holders, then the
# writes and the conversation's new time. Each further child in a chain adds
# its booking and its conversation's time.
BOOKING_MAKE_QUERIES = 15
BOOKING_MAKE_QUERIES_PER_CHILD = 3


def _choice(*parts) -> list[tuple[int, list[int]]]:
    """[(conversation, [slot, …]), …] as booking_make takes it."""
    return [(conversation.pk, [slot.pk for slot in slots]) for conversation, slots in parts]


def _values(options) -> set[str]:
    return {option.value for option in options}


def _chain_value(*parts) -> str:
    return ";".join(choice_value(conversation, *slots) for conversation, slots in parts)


def _ids(slots) -> tuple[int, ...]:
    """The slots of a part (free slots are read as plain rows) by id."""
    return tuple(slot.pk for slot in slots)


def _nothing_booked() -> bool:
    return not Booking.objects.exists() and not BookingSlot.objects.exists()


@pytest.fixture
def t(meeting_round, teacher) -> list[Slot]:
    """`teacher`'s six slots."""
    return slots_of(meeting_round, teacher)


@pytest.fixture
def u(meeting_round, teacher2) -> list[Slot]:
    """`teacher2`'s six slots, at the same times."""
    return slots_of(meeting_round, teacher2)


@pytest.fixture
def sibling_conversation(meeting_round, family, other_group):
    """Elif, `child`'s sister in `other_group`, enrolled into the round."""
    sibling = factories.make_child(family, other_group, first_name="Elif", last_name="Yilmaz")
    booking.round_enrol(meeting_round=meeting_round)
    return factories.round_conversation(meeting_round, sibling)


@pytest.fixture
def stranger_conversation(meeting_round, location, group):
    """Another family's child in `group`, in the round."""
    family = factories.make_family(location, name="Familie Jansen")
    factories.make_guardian(family)
    child = factories.make_child(family, group)
    booking.round_enrol(meeting_round=meeting_round)
    return factories.round_conversation(meeting_round, child)


@pytest.fixture
def father(family):
    return factories.make_guardian(family, first_name="Mehmet", relation="father")


@pytest.fixture
def father_link(round_conversation, father):
    return factories.make_parent_link(round_conversation, father)


# Who may be booked with


def test_it_names_the_professionals_of_the_childs_group_in_the_round(
    round_conversation, meeting_round, other_child, teacher, teacher2, coordinator, group
):
    elsewhere = factories.make_location()
    factories.make_staff("elsewhere", elsewhere, groups=(group,))
    other = factories.round_conversation(meeting_round, other_child)

    assert booking.professional_ids([round_conversation, other]) == {
        round_conversation.pk: {teacher.pk},
        other.pk: {teacher2.pk},
    }
    assert list(booking.round_professionals(round_conversation)) == [teacher]


# What a family can choose: one child


def test_it_offers_every_free_slot_of_the_childs_professional(round_conversation, t):
    options = booking.booking_options([round_conversation])

    assert [_ids(option.parts[0].slots) for option in options] == [(slot.pk,) for slot in t]
    assert all(len(option.parts) == 1 for option in options)
    assert {option.parts[0].professional.username for option in options} == {"teacher"}


def test_it_names_each_free_slots_professional_as_the_user_is_named(round_conversation, teacher, t):
    # Free slots are plain rows; their professional is read along once, with
    # only what names them.
    teacher.first_name, teacher.last_name = "Daan", "de Vries"
    teacher.save(update_fields=["first_name", "last_name"])

    slots = booking.free_slots(round_conversation.meeting_round_id, [teacher.pk])

    assert [(slot.pk, slot.starts_at, slot.ends_at) for slot in slots] == [
        (slot.pk, slot.starts_at, slot.ends_at) for slot in t
    ]
    assert {slot.professional.get_full_name() for slot in slots} == {"Daan de Vries"}
    assert {slot.professional.get_username() for slot in slots} == {teacher.username}
    assert {id(slot.professional) for slot in slots} == {id(slots[0].professional)}


def test_it_leaves_out_blocked_booked_and_begun_slots(
    round_conversation, stranger_conversation, teacher, t
):
    booking.slot_block(slot=t[1], blocked=True)
    booking.booking_make(
        choice=_choice((stranger_conversation, [t[2]])),
        user=teacher,
        conversation=stranger_conversation,
    )
    now = timezone.now()
    Slot.objects.filter(pk=t[0].pk).update(
        starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(minutes=9)
    )

    options = booking.booking_options([round_conversation])

    assert [_ids(option.parts[0].slots) for option in options] == [
        _ids(t[i : i + 1]) for i in (3, 4, 5)
    ]


def test_it_offers_consecutive_runs_for_an_interpreter(round_conversation, t):
    booking.slot_block(slot=t[3], blocked=True)

    options = booking.booking_options(
        [round_conversation], lengths={round_conversation.pk: INTERPRETER_SLOTS}
    )

    assert [_ids(option.parts[0].slots) for option in options] == [
        _ids(t[0:2]),
        _ids(t[1:3]),
        _ids(t[4:6]),
    ]
    assert options[0].ends_at - options[0].starts_at == dt.timedelta(minutes=20)


# What a family can choose: siblings


def test_it_chains_siblings_back_to_back_in_both_orders(
    round_conversation, sibling_conversation, t, u
):
    options = booking.booking_options([round_conversation, sibling_conversation])

    child_first = {
        _chain_value((round_conversation, [t[i]]), (sibling_conversation, [u[i + 1]]))
        for i in range(5)
    }
    sister_first = {
        _chain_value((sibling_conversation, [u[i]]), (round_conversation, [t[i + 1]]))
        for i in range(5)
    }
    assert _values(options) == child_first | sister_first
    for option in options:
        first, second = option.parts
        assert first.conversation != second.conversation
        assert first.professional != second.professional
        assert first.ends_at == second.starts_at
    assert [option.starts_at for option in options] == sorted(
        option.starts_at for option in options
    )


@pytest.mark.parametrize(
    ("gap", "chains"), [(dt.timedelta(0), 1), (BACK_TO_BACK_GAP, 1), (BACK_TO_BACK_GAP * 2, 0)]
)
def test_it_chains_only_within_the_walking_gap(
    location, group, other_group, teacher, teacher2, child, family, gap, chains
):
    sibling = factories.make_child(family, other_group)
    meeting_round = factories.make_round(location, [group, other_group], teacher)
    factories.make_slots(meeting_round, teacher, count=3)
    second_start = (dt.datetime.combine(dt.date.today(), dt.time(18, 30)) + gap).time()
    factories.make_slots(meeting_round, teacher2, count=3, start=second_start)
    conversations = [
        factories.round_conversation(meeting_round, child),
        factories.round_conversation(meeting_round, sibling),
    ]

    options = booking.booking_options(conversations)

    assert len(options) == chains
    for option in options:
        assert [_ids(part.slots) for part in option.parts] == [
            _ids(slots_of(meeting_round, teacher)[2:3]),
            _ids(slots_of(meeting_round, teacher2)[0:1]),
        ]
        assert option.parts[1].starts_at - option.parts[0].ends_at == gap


def test_it_breaks_a_chain_at_a_blocked_or_booked_slot(
    round_conversation, sibling_conversation, meeting_round, other_child, teacher2, t, u
):
    other = factories.round_conversation(meeting_round, other_child)
    booking.slot_block(slot=u[1], blocked=True)
    booking.booking_make(choice=_choice((other, [u[3]])), user=teacher2, conversation=other)

    options = booking.booking_options([round_conversation, sibling_conversation])

    used = {slot.pk for option in options for part in option.parts for slot in part.slots}
    assert u[1].pk not in used
    assert u[3].pk not in used
    # Emre at 18:00 would need Elif at 18:10, which is blocked; 18:20 is too late.
    assert not [option for option in options if _ids(option.parts[0].slots) == (t[0].pk,)]
    assert _chain_value((round_conversation, [t[3]]), (sibling_conversation, [u[4]])) in _values(
        options
    )


def test_it_chains_three_children_in_every_order(
    round_conversation, sibling_conversation, meeting_round, location, family, t, u
):
    third_group = factories.make_group(location, name="Groep 7")
    teacher3 = factories.make_staff("teacher3", location, groups=(third_group,))
    third_child = factories.make_child(family, third_group)
    meeting_round.groups.add(third_group)
    booking.round_enrol(meeting_round=meeting_round)
    factories.make_slots(meeting_round, teacher3)
    third = factories.round_conversation(meeting_round, third_child)
    conversations = [round_conversation, sibling_conversation, third]

    options = booking.booking_options(conversations)

    # Six orders, four starting times each (the third talk ends by 19:00).
    assert len(options) == 24
    assert len({tuple(p.conversation.pk for p in option.parts) for option in options}) == 6
    for option in options:
        assert {part.conversation for part in option.parts} == set(conversations)
        assert len({part.professional for part in option.parts}) == 3
        for before, after in itertools.pairwise(option.parts):
            assert before.ends_at == after.starts_at


def test_it_chains_siblings_with_the_same_professional(round_conversation, family, group, t):
    meeting_round = round_conversation.meeting_round
    brother = factories.make_child(family, group, first_name="Can")
    booking.round_enrol(meeting_round=meeting_round)
    other = factories.round_conversation(meeting_round, brother)

    options = booking.booking_options([round_conversation, other])

    assert _values(options) == {
        _chain_value((first, [t[i]]), (second, [t[i + 1]]))
        for first, second in ((round_conversation, other), (other, round_conversation))
        for i in range(5)
    }


def test_it_chains_a_longer_talk_for_the_child_with_an_interpreter(
    round_conversation, sibling_conversation, t, u
):
    options = booking.booking_options(
        [round_conversation, sibling_conversation], lengths={round_conversation.pk: 2}
    )

    assert _values(options) == {
        _chain_value((round_conversation, t[i : i + 2]), (sibling_conversation, [u[i + 2]]))
        for i in range(4)
    } | {
        _chain_value((sibling_conversation, [u[i]]), (round_conversation, t[i + 1 : i + 3]))
        for i in range(4)
    }


def test_it_offers_no_chains_for_more_children_than_it_chains(round_conversation, family, group):
    meeting_round = round_conversation.meeting_round
    for _ in range(booking.MAX_CHAINED_CHILDREN):
        factories.make_child(family, group)
    booking.round_enrol(meeting_round=meeting_round)
    conversations = list(
        Conversation.objects.filter(meeting_round=meeting_round, child__family=family)
    )

    assert len(conversations) == booking.MAX_CHAINED_CHILDREN + 1
    assert booking.booking_options(conversations) == []


def _siblings_in_round(location, groups, professionals, family, children, slot_count):
    """`children` brothers and sisters, spread over `groups`, in a new round
    where each of `professionals` has `slot_count` slots from 08:00."""
    kids = [factories.make_child(family, groups[n % len(groups)]) for n in range(children)]
    meeting_round = factories.make_round(location, groups, professionals[0])
    for professional in professionals:
        factories.make_slots(meeting_round, professional, count=slot_count, start=dt.time(8, 0))
    return [factories.round_conversation(meeting_round, kid) for kid in kids]


@pytest.mark.parametrize(("children", "slot_count"), [(1, 6), (3, 6), (1, 60), (3, 60)])
def test_it_reads_options_in_constant_queries(
    location,
    group,
    other_group,
    teacher,
    teacher2,
    family,
    django_assert_max_num_queries,
    children,
    slot_count,
):
    conversations = _siblings_in_round(
        location, [group, other_group], [teacher, teacher2], family, children, slot_count
    )

    with django_assert_max_num_queries(BOOKING_OPTIONS_QUERIES):
        options = booking.booking_options(conversations)

    assert options
    assert all(len(option.parts) == children for option in options)


@pytest.mark.parametrize(("children", "slot_count"), [(1, 6), (3, 6), (1, 60), (3, 60)])
def test_it_books_in_queries_that_do_not_grow_with_the_slots(
    location,
    group,
    other_group,
    teacher,
    teacher2,
    family,
    django_assert_max_num_queries,
    children,
    slot_count,
):
    factories.make_guardian(family)
    conversations = _siblings_in_round(
        location, [group, other_group], [teacher, teacher2], family, children, slot_count
    )
    link = factories.make_parent_link(conversations[0])
    first, later = booking.booking_options(conversations)[:4:3]
    budget = BOOKING_MAKE_QUERIES + BOOKING_MAKE_QUERIES_PER_CHILD * (children - 1)

    for option in (first, later):
        link = ParentLink.objects.get(pk=link.pk)
        with django_assert_max_num_queries(budget):
            booking.booking_make(choice=booking.parse_choice(option.value), link=link)

    assert Booking.objects.count() == children
    assert set(BookingSlot.objects.values_list("slot", flat=True)) == {
        slot.pk for part in later.parts for slot in part.slots
    }


# Reading a posted choice


def test_it_reads_back_what_an_option_posts(round_conversation, sibling_conversation):
    for option in booking.booking_options([round_conversation, sibling_conversation]):
        assert booking.parse_choice(option.value) == [
            (part.conversation.pk, [slot.pk for slot in part.slots]) for part in option.parts
        ]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1",
        "1:",
        ":2",
        "a:2",
        "1:2:3",
        "1:2;1:3",
        "1:2;3:2",
        "1:2-2",
        "1:0",
        "1:-2",
        "1:2;",
        "1:99999999999",
        "1:2--3",
    ],
)
def test_it_refuses_a_posted_choice_it_never_offers(value):
    with pytest.raises(InvalidChoiceError):
        booking.parse_choice(value)


# Booking


def test_it_books_through_a_parents_link(round_link, round_conversation, t):
    (booked,) = booking.booking_make(choice=_choice((round_conversation, [t[2]])), link=round_link)

    made = Booking.objects.get()
    assert booked.booking == made
    assert booked.previous is None
    assert (made.conversation, made.guardian, made.made_by_link) == (
        round_conversation,
        None,
        round_link,
    )
    assert (made.starts_at, made.ends_at, made.sequence) == (t[2].starts_at, t[2].ends_at, 0)
    assert booked_slot_ids(round_conversation) == [t[2].pk]


def test_it_books_a_chain_for_siblings_at_once(
    round_link, round_conversation, sibling_conversation, t, u
):
    (option,) = [
        option
        for option in booking.booking_options([round_conversation, sibling_conversation])
        if _ids(option.parts[0].slots) == (t[1].pk,)
    ]

    booked = booking.booking_make(choice=booking.parse_choice(option.value), link=round_link)

    assert [each.booking.conversation for each in booked] == [
        round_conversation,
        sibling_conversation,
    ]
    assert booked_slot_ids(round_conversation) == [t[1].pk]
    assert booked_slot_ids(sibling_conversation) == [u[2].pk]


def test_it_books_no_part_of_a_chain_when_one_part_is_taken(
    round_link,
    round_conversation,
    sibling_conversation,
    meeting_round,
    other_child,
    teacher2,
    t,
    u,
):
    other = factories.round_conversation(meeting_round, other_child)
    booking.booking_make(choice=_choice((other, [u[2]])), user=teacher2, conversation=other)

    with pytest.raises(SlotTakenError):
        booking.booking_make(
            choice=_choice((round_conversation, [t[1]]), (sibling_conversation, [u[2]])),
            link=round_link,
        )

    assert not Booking.objects.filter(conversation__in=[round_conversation, sibling_conversation])
    assert Slot.objects.free().filter(pk=t[1].pk).exists()
    round_conversation.refresh_from_db()
    assert round_conversation.date is None


def test_it_gives_an_existing_booking_the_new_time(round_link, round_conversation, t):
    (first,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    (again,) = booking.booking_make(choice=_choice((round_conversation, [t[3]])), link=round_link)

    assert again.booking.pk == first.booking.pk
    assert again.booking.sequence == 1
    assert again.previous == (t[0].starts_at, t[0].ends_at)
    assert Booking.objects.count() == 1
    assert booked_slot_ids(round_conversation) == [t[3].pk]
    assert Slot.objects.free().filter(pk=t[0].pk).exists()


def test_it_changes_nothing_when_the_same_time_is_booked_again(round_link, round_conversation, t):
    booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    (again,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    assert again.previous is None
    assert again.booking.sequence == 0
    assert booked_slot_ids(round_conversation) == [t[0].pk]


def test_it_lets_siblings_shift_into_each_others_slots(
    round_link, round_conversation, family, group, t
):
    meeting_round = round_conversation.meeting_round
    brother = factories.make_child(family, group, first_name="Can")
    booking.round_enrol(meeting_round=meeting_round)
    other = factories.round_conversation(meeting_round, brother)
    booking.booking_make(
        choice=_choice((round_conversation, [t[0]]), (other, [t[1]])), link=round_link
    )

    shifted = booking.booking_make(
        choice=_choice((round_conversation, [t[1]]), (other, [t[2]])), link=round_link
    )

    assert [each.previous[0] for each in shifted] == [t[0].starts_at, t[1].starts_at]
    assert booked_slot_ids(round_conversation) == [t[1].pk]
    assert booked_slot_ids(other) == [t[2].pk]
    assert Booking.objects.count() == 2


def test_it_refuses_a_second_booking_of_a_taken_slot(
    round_link, round_conversation, stranger_conversation, teacher, t
):
    booking.booking_make(
        choice=_choice((stranger_conversation, [t[0]])),
        user=teacher,
        conversation=stranger_conversation,
    )

    with pytest.raises(SlotTakenError):
        booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    assert not Booking.objects.filter(conversation=round_conversation).exists()


# Parents who live apart


def test_it_lets_the_other_parent_change_a_time_for_both(
    round_link, father_link, round_conversation, t
):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    (changed,) = booking.booking_make(
        choice=_choice((round_conversation, [t[4]])), link=father_link
    )

    assert changed.booking.pk == made.booking.pk
    assert changed.booking.sequence == 1
    assert changed.previous == (t[0].starts_at, t[0].ends_at)
    stored = Booking.objects.get()
    assert (stored.guardian, stored.made_by_link, stored.starts_at) == (
        None,
        father_link,
        t[4].starts_at,
    )


def test_it_keeps_two_alone_bookings_side_by_side(
    round_link, father_link, round_conversation, father, family, t
):
    booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link, alone=True)
    booking.booking_make(choice=_choice((round_conversation, [t[3]])), link=father_link, alone=True)

    stored = {each.guardian: each.starts_at for each in Booking.objects.all()}
    assert stored == {family.guardians.first(): t[0].starts_at, father: t[3].starts_at}


def test_it_refuses_alone_bookings_when_the_round_does_not_allow_them(
    round_link, round_conversation, meeting_round, t
):
    MeetingRound.objects.filter(pk=meeting_round.pk).update(separate_bookings=False)

    with pytest.raises(BookingConflictError) as refused:
        booking.booking_make(
            choice=_choice((round_conversation, [t[0]])), link=round_link, alone=True
        )

    assert refused.value.reason == BookingConflictError.SEPARATE_NOT_ALLOWED
    assert _nothing_booked()


def test_it_refuses_an_alone_booking_next_to_one_for_both(
    round_link, father_link, round_conversation, t
):
    booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    with pytest.raises(BookingConflictError) as refused:
        booking.booking_make(
            choice=_choice((round_conversation, [t[2]])), link=father_link, alone=True
        )

    assert refused.value.reason == BookingConflictError.TOGETHER_EXISTS
    assert booked_slot_ids(round_conversation) == [t[0].pk]


def test_it_refuses_a_booking_for_both_next_to_one_alone(
    round_link, father_link, round_conversation, t
):
    booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=father_link, alone=True)

    with pytest.raises(BookingConflictError) as refused:
        booking.booking_make(choice=_choice((round_conversation, [t[2]])), link=round_link)

    assert refused.value.reason == BookingConflictError.OTHER_PARENT_ALONE
    assert booked_slot_ids(round_conversation) == [t[0].pk]


def test_it_books_alone_for_a_parent_on_behalf_of_a_professional(
    round_conversation, father, teacher, t
):
    (booked,) = booking.booking_make(
        choice=_choice((round_conversation, [t[1]])),
        user=teacher,
        conversation=round_conversation,
        guardian=father,
    )

    assert (booked.booking.guardian, booked.booking.made_by) == (father, teacher)


def test_it_refuses_a_parent_of_another_family(round_conversation, other_child, teacher, t):
    stranger = other_child.family.guardians.get()

    with pytest.raises(InvalidChoiceError):
        booking.booking_make(
            choice=_choice((round_conversation, [t[1]])),
            user=teacher,
            conversation=round_conversation,
            guardian=stranger,
        )

    assert _nothing_booked()


def test_it_lets_a_parent_cancel_only_the_time_for_both_or_their_own(
    round_link, father_link, round_conversation, t
):
    (fathers,) = booking.booking_make(
        choice=_choice((round_conversation, [t[0]])), link=father_link, alone=True
    )

    with pytest.raises(InvalidChoiceError):
        booking.booking_cancel(booking=fathers.booking, link=round_link)
    cancelled = booking.booking_cancel(booking=fathers.booking, link=father_link)

    assert cancelled.pk == fathers.booking.pk
    assert cancelled.calendar_uid == f"booking-{fathers.booking.pk}@samenspraak"
    assert _nothing_booked()


def test_it_refuses_to_cancel_through_another_familys_link(
    round_link, round_conversation, meeting_round, other_child, t
):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)
    other_link = factories.make_parent_link(
        factories.round_conversation(meeting_round, other_child)
    )

    with pytest.raises(InvalidChoiceError):
        booking.booking_cancel(booking=made.booking, link=other_link)

    assert Booking.objects.filter(pk=made.booking.pk).exists()


def test_it_refuses_to_cancel_a_booking_twice(round_link, round_conversation, t):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)
    booking.booking_cancel(booking=made.booking, link=round_link)

    with pytest.raises(InvalidChoiceError):
        booking.booking_cancel(booking=made.booking, link=round_link)


# When parents may book


def test_it_refuses_parents_before_the_round_opens_but_not_professionals(
    round_link, round_conversation, meeting_round, teacher, t
):
    now = timezone.now()
    move_round(meeting_round, opens_at=now + dt.timedelta(hours=1))

    with pytest.raises(BookingClosedError):
        booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)
    assert _nothing_booked()
    booking.booking_make(
        choice=_choice((round_conversation, [t[0]])), user=teacher, conversation=round_conversation
    )
    assert booked_slot_ids(round_conversation) == [t[0].pk]


def test_it_opens_early_only_for_families_with_several_children_in_the_round(
    round_link, round_conversation, sibling_conversation, meeting_round, other_child, t, u
):
    now = timezone.now()
    move_round(
        meeting_round,
        opens_early_at=now - dt.timedelta(hours=1),
        opens_at=now + dt.timedelta(hours=1),
    )
    single = factories.make_parent_link(factories.round_conversation(meeting_round, other_child))

    with pytest.raises(BookingClosedError):
        booking.booking_make(choice=_choice((single.conversation, [u[0]])), link=single)
    booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    assert booked_slot_ids(round_conversation) == [t[0].pk]
    assert not Booking.objects.filter(conversation=single.conversation).exists()


def test_it_refuses_parents_after_the_deadline_but_not_professionals(
    round_link, round_conversation, meeting_round, teacher, t
):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)
    now = timezone.now()
    move_round(
        meeting_round, opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(hours=1)
    )

    with pytest.raises(BookingClosedError):
        booking.booking_make(choice=_choice((round_conversation, [t[2]])), link=round_link)
    with pytest.raises(BookingClosedError):
        booking.booking_cancel(booking=made.booking, link=round_link)
    assert booked_slot_ids(round_conversation) == [t[0].pk]

    booking.booking_make(
        choice=_choice((round_conversation, [t[2]])), user=teacher, conversation=round_conversation
    )
    assert booked_slot_ids(round_conversation) == [t[2].pk]
    booking.booking_cancel(booking=made.booking)
    assert _nothing_booked()


# Tampered or stale choices: the right error, nothing written


def test_it_refuses_slots_of_another_round(
    round_link, round_conversation, location, group, teacher
):
    elsewhere = factories.make_round(location, [group], teacher, name="Voorjaar")
    (foreign, *_) = factories.make_slots(
        elsewhere, teacher, day=timezone.localdate() + dt.timedelta(days=12)
    )

    with pytest.raises(InvalidChoiceError):
        booking.booking_make(choice=_choice((round_conversation, [foreign])), link=round_link)

    assert _nothing_booked()


def test_it_refuses_a_professional_who_does_not_work_with_the_child(
    round_link, round_conversation, u
):
    with pytest.raises(InvalidChoiceError):
        booking.booking_make(choice=_choice((round_conversation, [u[0]])), link=round_link)

    assert _nothing_booked()


def test_it_refuses_slots_that_do_not_follow_each_other(round_link, round_conversation, teacher, t):
    with pytest.raises(InvalidChoiceError):
        booking.booking_make(choice=_choice((round_conversation, [t[0], t[2]])), link=round_link)
    with pytest.raises(InvalidChoiceError):
        booking.booking_make(
            choice=_choice((round_conversation, [t[0], t[2]])),
            user=teacher,
            conversation=round_conversation,
        )

    assert _nothing_booked()


def test_it_refuses_a_conversation_of_another_family(
    round_link, meeting_round, other_child, teacher2, u
):
    other = factories.round_conversation(meeting_round, other_child)

    with pytest.raises(InvalidChoiceError):
        booking.booking_make(choice=_choice((other, [u[0]])), link=round_link)
    with pytest.raises(InvalidChoiceError):
        booking.booking_make(
            choice=_choice((other, [u[0]])),
            user=teacher2,
            conversation=factories.round_conversation(meeting_round, round_link.conversation.child),
        )

    assert _nothing_booked()


def test_it_refuses_a_parent_more_slots_than_an_interpreter_needs(
    round_link, round_conversation, teacher, t
):
    too_long = _choice((round_conversation, t[: INTERPRETER_SLOTS + 1]))

    with pytest.raises(InvalidChoiceError):
        booking.booking_make(choice=too_long, link=round_link)
    assert _nothing_booked()

    booking.booking_make(choice=too_long, user=teacher, conversation=round_conversation)
    assert len(booked_slot_ids(round_conversation)) == INTERPRETER_SLOTS + 1


def test_it_refuses_a_slot_that_has_begun(round_link, round_conversation, teacher, t):
    now = timezone.now()
    Slot.objects.filter(pk=t[0].pk).update(
        starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(minutes=9)
    )

    with pytest.raises(SlotTakenError):
        booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)
    with pytest.raises(SlotTakenError):
        booking.booking_make(
            choice=_choice((round_conversation, [t[0]])),
            user=teacher,
            conversation=round_conversation,
        )

    assert _nothing_booked()


def test_it_refuses_a_blocked_slot(round_link, round_conversation, t):
    booking.slot_block(slot=t[0], blocked=True)

    with pytest.raises(SlotTakenError):
        booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    assert _nothing_booked()


def test_it_refuses_one_slot_for_two_siblings(round_conversation, family, group, teacher, t):
    meeting_round = round_conversation.meeting_round
    brother = factories.make_child(family, group)
    booking.round_enrol(meeting_round=meeting_round)
    other = factories.round_conversation(meeting_round, brother)

    with pytest.raises(InvalidChoiceError):
        booking.booking_make(
            choice=_choice((round_conversation, [t[0]]), (other, [t[0]])),
            user=teacher,
            conversation=round_conversation,
        )

    assert _nothing_booked()


def test_it_refuses_an_empty_or_unknown_choice(round_link, round_conversation, t):
    for choice in ([], [(round_conversation.pk, [])], [(round_conversation.pk, [10**6])]):
        with pytest.raises(InvalidChoiceError):
            booking.booking_make(choice=choice, link=round_link)

    assert _nothing_booked()


def test_it_refuses_a_conversation_outside_any_round(parent_link, t):
    with pytest.raises(InvalidChoiceError):
        booking.booking_make(choice=_choice((parent_link.conversation, [t[0]])), link=parent_link)

    assert _nothing_booked()


def test_it_refuses_a_block_or_delete_of_a_booked_slot(round_link, round_conversation, t):
    booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    for action in (
        lambda: booking.slot_block(slot=t[0], blocked=True),
        lambda: booking.slot_delete(slot=t[0]),
    ):
        with pytest.raises(BookingConflictError) as refused:
            action()
        assert refused.value.reason == BookingConflictError.SLOT_BOOKED

    assert not Slot.objects.get(pk=t[0].pk).blocked
    booking.slot_delete(slot=t[1])
    assert not Slot.objects.filter(pk=t[1].pk).exists()


# Moving and extending (professionals)


def test_it_moves_a_booking_to_other_slots(round_link, round_conversation, teacher, t):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    moved = booking.booking_move(booking=made.booking, slot_ids=[t[4].pk, t[5].pk], user=teacher)

    assert moved.booking.pk == made.booking.pk
    assert moved.previous == (t[0].starts_at, t[0].ends_at)
    assert (moved.booking.starts_at, moved.booking.ends_at) == (t[4].starts_at, t[5].ends_at)
    assert (moved.booking.sequence, moved.booking.made_by) == (1, teacher)
    assert booked_slot_ids(round_conversation) == [t[4].pk, t[5].pk]


def test_it_refuses_to_move_a_cancelled_booking(round_link, round_conversation, teacher, t):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)
    booking.booking_cancel(booking=made.booking)

    with pytest.raises(InvalidChoiceError):
        booking.booking_move(booking=made.booking, slot_ids=[t[1].pk], user=teacher)

    assert _nothing_booked()


def test_it_extends_a_booking_with_the_next_slot(round_link, round_conversation, teacher, t):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[1]])), link=round_link)

    extended = booking.booking_extend(booking=made.booking, user=teacher)

    assert extended.previous == (t[1].starts_at, t[1].ends_at)
    assert extended.booking.ends_at == t[2].ends_at
    assert booked_slot_ids(round_conversation) == [t[1].pk, t[2].pk]
    round_conversation.refresh_from_db()
    assert round_conversation.duration_minutes == 20


def test_it_extends_a_talk_that_is_going_on(round_link, round_conversation, teacher, t):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[1]])), link=round_link)
    now = timezone.now()
    Slot.objects.filter(pk=t[1].pk).update(starts_at=now - dt.timedelta(minutes=8))
    Slot.objects.filter(pk=t[1].pk).update(ends_at=now + dt.timedelta(minutes=2))
    Slot.objects.filter(pk=t[2].pk).update(
        starts_at=now + dt.timedelta(minutes=2), ends_at=now + dt.timedelta(minutes=12)
    )

    booking.booking_extend(booking=made.booking, user=teacher)

    assert booked_slot_ids(round_conversation) == [t[1].pk, t[2].pk]


@pytest.mark.parametrize("next_slot", ["booked", "blocked", "missing"])
def test_it_refuses_to_extend_into_an_unavailable_slot(
    round_link, round_conversation, stranger_conversation, teacher, t, next_slot
):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[1]])), link=round_link)
    if next_slot == "booked":
        booking.booking_make(
            choice=_choice((stranger_conversation, [t[2]])),
            user=teacher,
            conversation=stranger_conversation,
        )
    elif next_slot == "blocked":
        booking.slot_block(slot=t[2], blocked=True)
    else:
        booking.slot_delete(slot=t[2])

    with pytest.raises(SlotTakenError):
        booking.booking_extend(booking=made.booking, user=teacher)

    assert booked_slot_ids(round_conversation) == [t[1].pk]


def test_it_asks_for_a_new_reminder_only_when_the_day_changes(
    round_link, round_conversation, meeting_round, teacher, t
):
    later = factories.make_slots(
        meeting_round, teacher, count=1, day=timezone.localdate() + dt.timedelta(days=11)
    )
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)
    Booking.objects.update(reminder_sent_at=timezone.now())

    booking.booking_move(booking=made.booking, slot_ids=[t[3].pk], user=teacher)
    assert Booking.objects.get().reminder_sent_at is not None

    booking.booking_move(booking=made.booking, slot_ids=[later[0].pk], user=teacher)
    assert Booking.objects.get().reminder_sent_at is None


# The conversation follows its booking


def test_it_gives_the_conversation_the_booked_time_and_place(
    round_link, round_conversation, meeting_round, location, group
):
    colleague = factories.make_staff("colleague", location, groups=(group,))
    (slot,) = factories.make_slots(
        meeting_round,
        colleague,
        count=1,
        start=dt.time(19, 30),
        place="Lokaal 4",
        video_link="https://meet.example.org/abc",
    )

    booking.booking_make(choice=_choice((round_conversation, [slot])), link=round_link)

    round_conversation.refresh_from_db()
    local = timezone.localtime(slot.starts_at)
    assert (round_conversation.date, round_conversation.start_time) == (local.date(), local.time())
    assert round_conversation.start_time == dt.time(19, 30)
    assert round_conversation.duration_minutes == 10
    assert (round_conversation.place, round_conversation.video_link) == (
        "Lokaal 4",
        "https://meet.example.org/abc",
    )
    assert round_conversation.owner == colleague


def test_it_keeps_the_owner_once_the_conversation_is_prepared(
    round_link, round_conversation, meeting_round, location, group, teacher
):
    colleague = factories.make_staff("colleague", location, groups=(group,))
    (slot,) = factories.make_slots(meeting_round, colleague, count=1, start=dt.time(19, 30))
    Conversation.objects.filter(pk=round_conversation.pk).update(
        status=Conversation.Status.PREPARED
    )

    booking.booking_make(choice=_choice((round_conversation, [slot])), link=round_link)

    round_conversation.refresh_from_db()
    assert round_conversation.owner == teacher
    assert round_conversation.start_time == dt.time(19, 30)


def test_it_clears_the_conversations_time_when_the_booking_is_cancelled(
    round_link, round_conversation, t
):
    (made,) = booking.booking_make(choice=_choice((round_conversation, [t[0]])), link=round_link)

    booking.booking_cancel(booking=made.booking, link=round_link)

    round_conversation.refresh_from_db()
    assert (round_conversation.date, round_conversation.start_time) == (None, None)
    assert (round_conversation.place, round_conversation.video_link) == ("", "")


def test_it_follows_the_earliest_of_two_alone_bookings(
    round_link, father_link, round_conversation, t
):
    booking.booking_make(choice=_choice((round_conversation, [t[3]])), link=round_link, alone=True)
    (fathers,) = booking.booking_make(
        choice=_choice((round_conversation, t[0:2])), link=father_link, alone=True
    )
    round_conversation.refresh_from_db()
    assert round_conversation.start_time == dt.time(18, 0)
    assert round_conversation.duration_minutes == 20

    booking.booking_cancel(booking=fathers.booking, link=father_link)

    round_conversation.refresh_from_db()
    assert round_conversation.start_time == dt.time(18, 30)
    assert round_conversation.duration_minutes == 10


# Enrolling children in a round


def test_it_gives_each_child_of_the_groups_one_conversation(
    location, group, other_group, teacher, teacher2, child, other_child, family
):
    factories.make_guardian(family, first_name="Mehmet", relation="father")
    family.interpreter_wanted = True
    family.save()

    meeting_round = factories.make_round(location, [group, other_group], teacher)

    conversations = {c.child: c for c in Conversation.objects.filter(meeting_round=meeting_round)}
    assert set(conversations) == {child, other_child}
    assert conversations[child].owner == teacher
    assert conversations[other_child].owner == teacher2
    assert conversations[child].kind == Kind.PROGRESS
    assert conversations[child].interpreter
    assert not conversations[other_child].interpreter
    assert set(conversations[child].guardians.all()) == set(family.guardians.all())
    assert conversations[child].guardians.count() == 2


def test_it_skips_children_who_left(location, group, teacher, family, child):
    factories.make_child(family, group, left_on=timezone.localdate())
    leaving = factories.make_child(
        family, group, left_on=timezone.localdate() + dt.timedelta(days=30)
    )

    meeting_round = factories.make_round(location, [group], teacher)

    assert set(
        Conversation.objects.filter(meeting_round=meeting_round).values_list("child", flat=True)
    ) == {child.pk, leaving.pk}


def test_it_takes_a_draft_without_a_date_into_the_round(location, group, teacher, child, family):
    undated = factories.make_conversation(child, teacher, kind=Kind.PROGRESS)
    dated_child = factories.make_child(family, group)
    dated = factories.make_conversation(
        dated_child, teacher, kind=Kind.PROGRESS, date=timezone.localdate()
    )
    held_child = factories.make_child(family, group)
    held = factories.make_conversation(held_child, teacher, kind=Kind.PROGRESS, status="held")
    other_kind = factories.make_conversation(dated_child, teacher, kind=Kind.WELLBEING)

    meeting_round = factories.make_round(location, [group], teacher)

    in_round = {c.child_id: c.pk for c in Conversation.objects.filter(meeting_round=meeting_round)}
    assert in_round[child.pk] == undated.pk
    assert in_round[dated_child.pk] not in {dated.pk, other_kind.pk}
    assert in_round[held_child.pk] != held.pk
    assert Conversation.objects.filter(child=child).count() == 1


def test_it_adds_nothing_when_enrolling_again(meeting_round, location, family, group):
    before = set(
        Conversation.objects.filter(meeting_round=meeting_round).values_list("pk", flat=True)
    )

    assert booking.round_enrol(meeting_round=meeting_round) == 0
    newcomer = factories.make_child(family, group)
    assert booking.round_enrol(meeting_round=meeting_round) == 1

    after = set(
        Conversation.objects.filter(meeting_round=meeting_round).values_list("pk", flat=True)
    )
    assert after - before == {factories.round_conversation(meeting_round, newcomer).pk}


def test_it_follows_the_rounds_groups_when_they_change(
    meeting_round, location, group, other_group, child, other_child
):
    third = factories.make_group(location, name="Groep 7")
    newcomer = factories.make_child(factories.make_family(location), third)
    meeting_round.groups.set([group, third])

    added, left = booking.round_regroup(meeting_round=meeting_round)

    assert (added, left) == (1, 1)
    assert set(
        Conversation.objects.filter(meeting_round=meeting_round).values_list("child", flat=True)
    ) == {child.pk, newcomer.pk}
    # Noor's conversation leaves the round but stays hers.
    assert Conversation.objects.filter(child=other_child, meeting_round=None).exists()


def test_it_keeps_a_family_that_booked_in_the_round(meeting_round, group, other_child, teacher2, u):
    conversation = factories.round_conversation(meeting_round, other_child)
    booking.booking_make(
        choice=_choice((conversation, [u[0]])), user=teacher2, conversation=conversation
    )
    meeting_round.groups.set([group])

    with pytest.raises(booking.GroupTakenOutError):
        booking.round_regroup(meeting_round=meeting_round)

    conversation.refresh_from_db()
    assert conversation.meeting_round == meeting_round


def test_it_gives_a_child_in_two_groups_one_conversation(
    location, group, other_group, teacher, child
):
    Enrolment.objects.create(child=child, group=other_group)

    meeting_round = factories.make_round(location, [group, other_group], teacher)

    (conversation,) = Conversation.objects.filter(meeting_round=meeting_round, child=child)
    assert conversation.owner == teacher


def test_it_hands_a_group_without_a_professional_to_the_rounds_maker(location, coordinator, family):
    empty = factories.make_group(location, name="Groep 8")
    lonely = factories.make_child(family, empty)

    meeting_round = factories.make_round(location, [empty], coordinator)

    assert factories.round_conversation(meeting_round, lonely).owner == coordinator


def test_it_prefers_a_professional_of_the_location_as_owner(location, group, child):
    elsewhere = factories.make_location()
    outsider = factories.make_staff("outsider", elsewhere, groups=(group,))
    factories.make_staff("boss", location, role=StaffMembership.Role.COORDINATOR, groups=(group,))
    teacher = factories.make_staff("late", location, groups=(group,))

    meeting_round = factories.make_round(location, [group], outsider)

    assert factories.round_conversation(meeting_round, child).owner == teacher


# Making slots


AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def _times(slots) -> list[tuple[str, str]]:
    return [
        (f"{timezone.localtime(s.starts_at):%H:%M}", f"{timezone.localtime(s.ends_at):%H:%M}")
        for s in slots
    ]


def test_it_leaves_out_the_breaks(meeting_round, teacher):
    slots = booking.slots_generate(
        meeting_round=meeting_round,
        professional=teacher,
        day=timezone.localdate() + dt.timedelta(days=12),
        start=dt.time(18, 0),
        end=dt.time(19, 0),
        breaks=[(dt.time(18, 25), dt.time(18, 35))],
        place="Lokaal 2",
    )

    assert _times(slots) == [
        ("18:00", "18:10"),
        ("18:10", "18:20"),
        ("18:35", "18:45"),
        ("18:45", "18:55"),
    ]
    assert {slot.place for slot in slots} == {"Lokaal 2"}
    assert Slot.objects.filter(pk__in=[slot.pk for slot in slots]).count() == 4


def test_it_skips_times_the_professional_already_has_in_any_round(
    meeting_round, location, group, teacher
):
    day = timezone.localdate() + dt.timedelta(days=12)
    other = factories.make_round(location, [group], teacher, name="Zorg", slot_minutes=15)
    factories.make_slots(other, teacher, count=1, day=day, start=dt.time(18, 15))

    slots = booking.slots_generate(
        meeting_round=meeting_round,
        professional=teacher,
        day=day,
        start=dt.time(18, 0),
        end=dt.time(19, 0),
    )

    assert _times(slots) == [
        ("18:00", "18:10"),
        ("18:30", "18:40"),
        ("18:40", "18:50"),
        ("18:50", "19:00"),
    ]
    assert (
        booking.slots_generate(
            meeting_round=meeting_round,
            professional=teacher,
            day=day,
            start=dt.time(18, 0),
            end=dt.time(19, 0),
        )
        == []
    )


def test_it_makes_slots_of_the_rounds_length(location, group, teacher):
    meeting_round = factories.make_round(location, [group], teacher, slot_minutes=15)

    slots = factories.make_slots(meeting_round, teacher, count=4)

    assert [slot.minutes for slot in slots] == [15, 15, 15, 15]
    assert _times(slots)[-1] == ("18:45", "19:00")


def test_it_places_slots_in_local_time_around_the_clock_change(meeting_round, teacher):
    # Summer time ends on Sunday 31 October 2027 at 03:00 (back to 02:00).
    saturday, sunday = dt.date(2027, 10, 30), dt.date(2027, 10, 31)

    for day, utc_hour in ((saturday, 16), (sunday, 17)):
        (slot,) = booking.slots_generate(
            meeting_round=meeting_round,
            professional=teacher,
            day=day,
            start=dt.time(18, 0),
            end=dt.time(18, 10),
        )
        assert slot.starts_at.astimezone(dt.UTC).hour == utc_hour
        assert slot.starts_at.astimezone(AMSTERDAM).time() == dt.time(18, 0)


@pytest.mark.parametrize(
    ("day", "real_hours"),
    [(dt.date(2027, 10, 31), 3), (dt.date(2027, 3, 28), 1)],
)
def test_it_counts_real_minutes_across_the_clock_change(meeting_round, teacher, day, real_hours):
    slots = booking.slots_generate(
        meeting_round=meeting_round,
        professional=teacher,
        day=day,
        start=dt.time(1, 30),
        end=dt.time(3, 30),
    )

    assert len(slots) == real_hours * 6
    assert {slot.ends_at - slot.starts_at for slot in slots} == {dt.timedelta(minutes=10)}
    stored = list(Slot.objects.filter(pk__in=[slot.pk for slot in slots]).order_by("starts_at"))
    assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(stored))


def test_it_dates_a_round_without_groups_in_the_current_school_year(location, teacher):
    now = timezone.now()
    meeting_round = booking.round_create(
        location=location,
        name="Leeg",
        kind=Kind.PROGRESS,
        groups=[],
        slot_minutes=10,
        opens_at=now,
        closes_at=now + dt.timedelta(days=1),
        created_by=teacher,
    )

    assert meeting_round.school_year == current_school_year()
    assert not meeting_round.conversations.exists()
