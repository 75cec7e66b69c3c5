"""Parents clicking at the same moment, against PostgreSQL.

Each request runs in its own thread with its own database connection, and a
barrier releases them together. Whatever the timing: a slot is booked once, a
family holds at most one booking per child, a family's chain of siblings is
booked whole or not at all, and a parent who loses gets SlotTakenError (the
page says "just taken, pick another"), never a server error.

`meeting_round` has six 10-minute slots from 18:00 for `teacher` (`group`) and
for `teacher2` (`other_group`), ten days from now.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from conversations import booking
from conversations.booking import BookingError, SlotTakenError
from conversations.models import Booking, BookingSlot, Conversation, ParentLink, Slot
from families.models import Child, Enrolment, Family, Guardian
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="races need PostgreSQL's row locks"
    ),
]

# PostgreSQL allows 100 connections by default, and other test runs share them.
WORKERS = 30
# Parents racing for the 60 slots of two professionals: two per slot. More
# only makes the test slower (the threads share one interpreter lock), not
# the races fiercer.
PARENTS = 120


def _run_together(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread, all released at the same moment, and
    return what each returned or raised."""
    return _run_pool(calls, workers=len(calls))


def _run_pool(calls: Sequence[Callable[[], Any]], *, workers: int = WORKERS) -> list[Any]:
    """Run the calls on `workers` threads, each with its own connection, which
    start together and take the next call when done. Returns what each call
    returned or raised, in order."""
    pending: queue.SimpleQueue[tuple[int, Callable[[], Any]]] = queue.SimpleQueue()
    for each in enumerate(calls):
        pending.put(each)
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(workers)

    def work() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            while True:
                try:
                    index, call = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[index] = call()
                except Exception as error:
                    results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _families(location, groups, count: int) -> list[tuple[Guardian, Child]]:
    """`count` families with one parent and one child each, the n-th child in
    `groups[n % len(groups)]`. In bulk: there may be hundreds."""
    families = Family.objects.bulk_create(
        Family(location=location, name=f"Familie {n}") for n in range(count)
    )
    guardians = Guardian.objects.bulk_create(
        Guardian(family=family, first_name="Ouder", last_name=family.name, relation="parent")
        for family in families
    )
    children = Child.objects.bulk_create(
        Child(
            family=family,
            first_name="Kind",
            last_name=family.name,
            date_of_birth=dt.date(2019, 5, 17),
        )
        for family in families
    )
    Enrolment.objects.bulk_create(
        Enrolment(child=child, group=groups[n % len(groups)]) for n, child in enumerate(children)
    )
    return [(guardian, child) for guardian, child in zip(guardians, children, strict=True)]


def _links(meeting_round, pairs) -> list[ParentLink]:
    """Each parent's link to their child's conversation in the round."""
    conversations = {
        conversation.child_id: conversation
        for conversation in Conversation.objects.filter(meeting_round=meeting_round)
    }
    return ParentLink.objects.bulk_create(
        ParentLink(
            conversation=conversations[child.pk],
            guardian=guardian,
            salt=secrets.token_hex(16),
            token_hash=secrets.token_hex(32),
            language="nl",
        )
        for guardian, child in pairs
    )


def _unexpected(results) -> list[Any]:
    return [
        result
        for result in results
        if isinstance(result, BaseException) and not isinstance(result, BookingError)
    ]


def _double_booked_slots() -> list[int]:
    return list(
        BookingSlot.objects.values("slot").annotate(n=Count("pk")).filter(n__gt=1).values("slot")
    )


def test_it_gives_one_slot_to_exactly_one_of_twenty_families(
    meeting_round, location, group, teacher
):
    pairs = _families(location, [group], 20)
    booking.round_enrol(meeting_round=meeting_round)
    links = _links(meeting_round, pairs)
    wanted = Slot.objects.filter(meeting_round=meeting_round, professional=teacher).earliest(
        "starts_at"
    )

    results = _run_together(
        [
            partial(booking.booking_make, choice=[(link.conversation_id, [wanted.pk])], link=link)
            for link in links
        ]
    )

    winners = [result for result in results if isinstance(result, list)]
    assert len(winners) == 1
    assert Counter(type(result) for result in results) == {list: 1, SlotTakenError: 19}
    assert BookingSlot.objects.filter(slot=wanted).count() == 1
    assert Booking.objects.count() == 1
    (booked,) = winners[0]
    assert BookingSlot.objects.get(slot=wanted).booking == booked.booking
    # A loser is offered the slots that are still free.
    loser = links[results.index(next(r for r in results if isinstance(r, SlotTakenError)))]
    offered = booking.booking_options([loser.conversation])
    assert [option.parts[0].slots[0].starts_at for option in offered] == [
        wanted.starts_at + dt.timedelta(minutes=10 * n) for n in range(1, 6)
    ]


def test_it_never_double_books_when_many_parents_book_at_once(
    location, group, other_group, teacher, teacher2
):
    meeting_round = factories.make_round(location, [group, other_group], teacher)
    for professional in (teacher, teacher2):
        factories.make_slots(meeting_round, professional, count=30, start=dt.time(14, 0))
    pairs = _families(location, [group, other_group], PARENTS)
    booking.round_enrol(meeting_round=meeting_round)
    links = _links(meeting_round, pairs)
    first_slots = {
        professional.pk: list(
            Slot.objects.filter(meeting_round=meeting_round, professional=professional)
            .order_by("starts_at")
            .values_list("pk", flat=True)[:5]
        )
        for professional in (teacher, teacher2)
    }

    def parent(link: ParentLink, n: int) -> int | None:
        """Try a favourite among the first slots; when it is taken, one of the
        first slots the page then offers; give up when none is left. The n-th
        child is in `group` when n is even (see _families)."""
        chooser = random.Random(n)
        conversation = link.conversation
        wanted = chooser.choice(first_slots[(teacher, teacher2)[n % 2].pk])
        while True:
            try:
                booking.booking_make(choice=[(conversation.pk, [wanted])], link=link)
            except SlotTakenError:
                offered = booking.booking_options([conversation])
                if not offered:
                    return None
                wanted = chooser.choice(offered[:3]).parts[0].slots[0].pk
            else:
                return wanted

    results = _run_pool([partial(parent, link, n) for n, link in enumerate(links)])

    assert [r for r in results if r is not None and not isinstance(r, int)] == []
    assert _double_booked_slots() == []
    assert BookingSlot.objects.count() == Booking.objects.count() == 60
    per_conversation = Booking.objects.values("conversation").annotate(n=Count("pk"))
    assert {row["n"] for row in per_conversation} == {1}
    booked = [result for result in results if result is not None]
    assert sorted(booked) == sorted(BookingSlot.objects.values_list("slot", flat=True))
    assert not Slot.objects.free().filter(meeting_round=meeting_round).exists()


def test_it_leaves_a_family_one_booking_when_two_tabs_book_at_once(
    meeting_round, round_link, round_conversation, teacher
):
    slots = list(Slot.objects.filter(meeting_round=meeting_round, professional=teacher))

    for attempt in range(6):
        same_slot = attempt % 2 == 1
        first, second = slots[attempt], slots[attempt if same_slot else attempt + 1]
        results = _run_together(
            [
                partial(
                    booking.booking_make,
                    choice=[(round_conversation.pk, [slot.pk])],
                    link=round_link,
                )
                for slot in (first, second)
            ]
        )

        assert _unexpected(results) == []
        (kept,) = Booking.objects.filter(conversation=round_conversation)
        ((made, made_slot), (later, later_slot)) = sorted(
            ((result[0], slot) for result, slot in zip(results, (first, second), strict=True)),
            key=lambda each: each[0].previous is not None,
        )
        # One tab made the booking, the other (waiting for the lock on the
        # conversation) found it and gave it its own time: the same booking.
        assert made.booking.pk == later.booking.pk == kept.pk
        assert made.previous is None
        if same_slot:
            assert later.previous is None
        else:
            assert later.previous == (made_slot.starts_at, made_slot.ends_at)
        assert list(kept.booked_slots.values_list("slot", flat=True)) == [later_slot.pk]
        assert _double_booked_slots() == []
        booking.booking_cancel(booking=kept)


def test_it_books_a_siblings_chain_whole_or_not_at_all_against_a_stranger(
    meeting_round, location, group, other_group, teacher, teacher2
):
    t = list(Slot.objects.filter(meeting_round=meeting_round, professional=teacher))
    u = list(Slot.objects.filter(meeting_round=meeting_round, professional=teacher2))
    races = []
    for n in range(1, 6):
        family = factories.make_family(location)
        factories.make_guardian(family)
        older = factories.make_child(family, group)
        younger = factories.make_child(family, other_group)
        stranger_family = factories.make_family(location)
        factories.make_guardian(stranger_family)
        stranger = factories.make_child(stranger_family, other_group)
        races.append((n, older, younger, stranger))
    booking.round_enrol(meeting_round=meeting_round)

    for n, older, younger, stranger in races:
        a, b, s = (
            factories.round_conversation(meeting_round, c) for c in (older, younger, stranger)
        )
        family_link = factories.make_parent_link(a)
        stranger_link = factories.make_parent_link(s)
        results = _run_together(
            [
                partial(
                    booking.booking_make,
                    choice=[(a.pk, [t[n - 1].pk]), (b.pk, [u[n].pk])],
                    link=family_link,
                ),
                partial(booking.booking_make, choice=[(s.pk, [u[n].pk])], link=stranger_link),
            ]
        )

        assert _unexpected(results) == []
        family_won = isinstance(results[0], list)
        assert family_won != isinstance(results[1], list)
        assert isinstance(results[1 if family_won else 0], SlotTakenError)
        family_bookings = Booking.objects.filter(conversation__in=[a, b]).count()
        assert family_bookings == (2 if family_won else 0)
        assert Booking.objects.filter(conversation=s).count() == (0 if family_won else 1)
        assert BookingSlot.objects.filter(slot=u[n]).count() == 1
        assert BookingSlot.objects.filter(slot=t[n - 1]).exists() == family_won
    assert _double_booked_slots() == []


def test_it_never_deadlocks_on_chains_named_in_opposite_orders(
    meeting_round, location, group, other_group, teacher, teacher2
):
    # A professional's page may name siblings in any order; two such requests
    # for the same two slots must not each wait for the other's slot.
    t = list(Slot.objects.filter(meeting_round=meeting_round, professional=teacher))
    u = list(Slot.objects.filter(meeting_round=meeting_round, professional=teacher2))
    pairs = []
    for _ in range(2 * 5):
        family = factories.make_family(location)
        pairs.append(
            (factories.make_child(family, group), factories.make_child(family, other_group))
        )
    booking.round_enrol(meeting_round=meeting_round)
    conversations = [
        tuple(factories.round_conversation(meeting_round, child) for child in pair)
        for pair in pairs
    ]

    for n in range(5):
        (a1, b1), (a2, b2) = conversations[2 * n : 2 * n + 2]
        results = _run_together(
            [
                partial(
                    booking.booking_make,
                    choice=[(b1.pk, [u[n + 1].pk]), (a1.pk, [t[n].pk])],
                    user=teacher,
                    conversation=a1,
                ),
                partial(
                    booking.booking_make,
                    choice=[(a2.pk, [t[n].pk]), (b2.pk, [u[n + 1].pk])],
                    user=teacher,
                    conversation=a2,
                ),
            ]
        )

        assert _unexpected(results) == []
        assert sorted(type(result).__name__ for result in results) == ["SlotTakenError", "list"]
        held = Counter(
            Booking.objects.filter(conversation__in=[a1, b1, a2, b2]).values_list(
                "conversation__child__family", flat=True
            )
        )
        assert sorted(held.values()) == [2]
    assert _double_booked_slots() == []


def test_it_lets_a_parent_cancel_while_a_professional_moves_the_same_booking(
    meeting_round, round_link, round_conversation, teacher
):
    slots = list(Slot.objects.filter(meeting_round=meeting_round, professional=teacher))

    for n in range(3):
        (made,) = booking.booking_make(
            choice=[(round_conversation.pk, [slots[n].pk])], link=round_link
        )
        results = _run_together(
            [
                partial(booking.booking_cancel, booking=made.booking, link=round_link),
                partial(
                    booking.booking_move,
                    booking=made.booking,
                    slot_ids=[slots[5].pk],
                    user=teacher,
                ),
            ]
        )

        assert _unexpected(results) == []
        assert isinstance(results[0], Booking)
        moved = isinstance(results[1], booking.Booked)
        # Cancelled last: nothing left. Cancelled first: the move finds no
        # booking (a stale page), and nothing is left either.
        assert not Booking.objects.exists()
        assert not BookingSlot.objects.exists()
        assert moved or isinstance(results[1], booking.InvalidChoiceError)
        round_conversation.refresh_from_db()
        assert round_conversation.date is None


def test_it_enrols_each_child_once_when_two_requests_enrol_at_once(meeting_round, location, group):
    _families(location, [group], 30)

    results = _run_together([partial(booking.round_enrol, meeting_round=meeting_round)] * 2)

    assert _unexpected(results) == []
    assert sorted(results) == [0, 30]
    per_child = Conversation.objects.filter(meeting_round=meeting_round).values("child")
    assert {row["n"] for row in per_child.annotate(n=Count("pk"))} == {1}
    assert per_child.count() == 32


def test_it_makes_each_slot_once_when_two_requests_make_slots_at_once(meeting_round, teacher):
    day = timezone.localdate() + dt.timedelta(days=12)
    make = partial(
        booking.slots_generate,
        meeting_round=meeting_round,
        professional=teacher,
        day=day,
        start=dt.time(9, 0),
        end=dt.time(12, 0),
    )

    results = _run_together([make, make])

    assert _unexpected(results) == []
    assert sorted(len(result) for result in results) == [0, 18]
    assert Slot.objects.filter(professional=teacher, starts_at__date=day).count() == 18
