"""The moment a round opens: many families, each through their own link,
post the same time at the same instant. Exactly one gets it; every other
parent gets the page again with "just taken" and the times still free, and
nobody gets a server error.

Each family posts from its own thread with its own test client, and so its
own database connection, through the whole request cycle (parent_page, the
CSRF check, the view, booking_make); a barrier releases them together.
"""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from conversations import booking
from conversations.models import Booking, BookingSlot, Conversation, Slot
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

FAMILIES = 12


def _value(conversation_id: int, slot: Slot) -> str:
    return f"{conversation_id}:{slot.pk}"


def _post_together(posts: list[tuple[str, dict[str, str]]]) -> list[tuple[int | str, str]]:
    """POST each (url, data) from its own thread, all released at once.
    Returns (status, page) per post, or ("error", repr) when the request
    raised (a server error)."""
    barrier = threading.Barrier(len(posts))
    results: list[tuple[int | str, str]] = [("missing", "")] * len(posts)

    def post(index: int, url: str, data: dict[str, str]) -> None:
        client = Client()
        try:
            barrier.wait(timeout=30)
            response = client.post(url, data)
            results[index] = (response.status_code, response.content.decode())
        except Exception as error:
            results[index] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=(index, url, data))
        for index, (url, data) in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_it_gives_a_slot_to_exactly_one_of_many_parents_clicking_at_once(
    meeting_round, location, group, teacher
):
    for number in range(FAMILIES):
        family = factories.make_family(location, name=f"Gezin {number}")
        factories.make_guardian(family)
        factories.make_child(family, group)
    booking.round_enrol(meeting_round=meeting_round)
    conversations = list(
        Conversation.objects.filter(
            meeting_round=meeting_round, child__family__name__startswith="Gezin "
        ).order_by("pk")
    )
    assert len(conversations) == FAMILIES
    links = []
    for conversation in conversations:
        link = factories.make_parent_link(conversation)
        link.language = "en"
        link.save(update_fields=["language"])
        links.append(link)
    slots = list(
        Slot.objects.filter(meeting_round=meeting_round, professional=teacher).order_by("starts_at")
    )
    wanted = slots[2]

    results = _post_together(
        [
            (
                reverse("parent_booking", args=[link.token]),
                {"choice": _value(link.conversation_id, wanted)},
            )
            for link in links
        ]
    )

    statuses = [status for status, _page in results]
    assert sorted(statuses, key=str) == sorted([302] + [409] * (FAMILIES - 1), key=str), results
    winner = links[statuses.index(302)]
    assert BookingSlot.objects.filter(slot=wanted).count() == 1
    assert Booking.objects.count() == 1
    assert Booking.objects.get().conversation_id == winner.conversation_id
    assert len(mail.outbox) == 1

    for link, (status, page) in zip(links, results, strict=True):
        if status != 409:
            continue
        assert "Just taken." in page
        assert "Please pick another time" in page
        assert f'value="{_value(link.conversation_id, wanted)}"' not in page
        for slot in slots:
            if slot != wanted:
                assert f'value="{_value(link.conversation_id, slot)}"' in page


def test_it_keeps_siblings_chains_whole_when_families_race_for_them(
    meeting_round, location, group, other_group, teacher, teacher2
):
    """Families with a child in each group all take the same back-to-back
    pair: one family gets both times, the others neither."""
    links = []
    for number in range(FAMILIES // 2):
        family = factories.make_family(location, name=f"Gezin {number}")
        factories.make_guardian(family)
        factories.make_child(family, group, first_name=f"Oudste{number}")
        factories.make_child(family, other_group, first_name=f"Jongste{number}")
    booking.round_enrol(meeting_round=meeting_round)
    first, second = (
        Slot.objects.filter(meeting_round=meeting_round, professional=professional).order_by(
            "starts_at"
        )[index]
        for professional, index in ((teacher, 0), (teacher2, 1))
    )
    posts = []
    for number in range(FAMILIES // 2):
        eldest = Conversation.objects.get(
            meeting_round=meeting_round, child__first_name=f"Oudste{number}"
        )
        youngest = Conversation.objects.get(
            meeting_round=meeting_round, child__first_name=f"Jongste{number}"
        )
        link = factories.make_parent_link(eldest)
        links.append(link)
        chain = f"{_value(eldest.pk, first)};{_value(youngest.pk, second)}"
        posts.append((reverse("parent_booking", args=[link.token]), {"choice": chain}))

    results = _post_together(posts)

    statuses = [status for status, _page in results]
    assert sorted(statuses, key=str) == sorted([302] + [409] * (len(posts) - 1), key=str)
    assert Booking.objects.count() == 2
    winner = links[statuses.index(302)]
    family = winner.conversation.child.family_id
    assert set(Booking.objects.values_list("conversation__child__family", flat=True)) == {family}
    assert BookingSlot.objects.filter(slot__in=[first, second]).count() == 2
