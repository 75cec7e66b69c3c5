"""A parent books, changes and cancels a time through their own link.

`english_link` (tests/booking/conftest.py) is Ayşe's link to Emre's
conversation in `meeting_round` (teacher's and teacher2's six 10-minute
slots from 18:00, ten days from now), reading English so that the tests
assert on the source texts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations import booking
from conversations.models import Booking, BookingSlot, QuestionnaireAnswer, Slot
from tests import factories
from tests.booking.helpers import (
    booked_slot_ids,
    choice_value,
    move_round,
    run_queued_tasks,
    slots_of,
)
from tests.queries import PAGE_QUERY_BUDGET

pytestmark = pytest.mark.django_db

# The link (with conversation, child, family and guardian), the family's
# conversations in the round, their bookings with slots, the parents, the
# interpreter answers, the professionals, the free slots: however many slots
# and children.
BOOKING_PAGE_QUERIES = 7
# The start page's own queries (tests/conversations/test_parent_pages.py),
# and the parent's booked time.
HOME_QUERIES = 4


@pytest.fixture
def sibling(family, other_group, meeting_round):
    """Emre's sister Lina in teacher2's group, enrolled in the round."""
    lina = factories.make_child(family, other_group, first_name="Lina")
    booking.round_enrol(meeting_round=meeting_round)
    return factories.round_conversation(meeting_round, lina)


@pytest.fixture
def kemal(family):
    """Emre's father, who lives elsewhere."""
    return factories.make_guardian(
        family, first_name="Kemal", relation="father", lives_with_children=False
    )


@pytest.fixture
def kemal_link(kemal, round_conversation):
    kemal_link = factories.make_parent_link(round_conversation, kemal)
    kemal_link.language = "en"
    kemal_link.save(update_fields=["language"])
    return kemal_link


def _url(link) -> str:
    return reverse("parent_booking", args=[link.token])


def _cancel_url(link, held: Booking) -> str:
    return reverse("parent_booking_cancel", args=[link.token, held.pk])


def _span(slot_or_booking) -> str:
    start = timezone.localtime(slot_or_booking.starts_at)
    end = timezone.localtime(slot_or_booking.ends_at)
    return f"{start:%H:%M} – {end:%H:%M}"


def _text(response) -> str:
    """What the page says, without its tags."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


# The page


def test_it_offers_only_the_free_slots_of_the_childs_own_professional(
    client, english_link, meeting_round, round_conversation, teacher, teacher2
):
    response = client.get(_url(english_link))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose a time" in content
    for slot in slots_of(meeting_round, teacher):
        assert f'value="{choice_value(round_conversation, slot)}"' in content
    for slot in slots_of(meeting_round, teacher2):
        assert f':{slot.pk}"' not in content
    assert "Teacher2" not in content
    assert content.count('name="choice"') == 6


def test_it_leaves_out_taken_and_blocked_slots(
    client, english_link, meeting_round, round_conversation, other_child, teacher
):
    slots = slots_of(meeting_round, teacher)
    booking.slot_block(slot=slots[1], blocked=True)
    other = factories.make_child(other_child.family, round_conversation.child.groups.get())
    booking.round_enrol(meeting_round=meeting_round)
    booking.booking_make(
        choice=[(factories.round_conversation(meeting_round, other).pk, [slots[2].pk])],
        link=factories.make_parent_link(factories.round_conversation(meeting_round, other)),
    )
    content = client.get(_url(english_link)).content.decode()
    assert content.count('name="choice"') == 4
    assert f'value="{choice_value(round_conversation, slots[1])}"' not in content
    assert f'value="{choice_value(round_conversation, slots[2])}"' not in content


def test_it_shows_room_and_video_of_each_option(
    client, english_link, meeting_round, round_conversation, teacher
):
    slots = slots_of(meeting_round, teacher)
    Slot.objects.filter(pk=slots[0].pk).update(place="Lokaal 12")
    Slot.objects.filter(pk=slots[1].pk).update(video_link="https://meet.example.org/abc")
    content = _text(client.get(_url(english_link)))
    assert "Teacher · Lokaal 12" in content
    assert "Teacher · Video call" in content
    day = timezone.localtime(slots[0].starts_at)
    assert day.strftime("%A") in content


def test_it_is_not_found_for_a_conversation_outside_a_round(client, parent_link):
    parent_link.language = "en"
    parent_link.save(update_fields=["language"])
    response = client.get(_url(parent_link))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_it_does_not_open_for_a_wrong_token(client, english_link):
    response = client.get(reverse("parent_booking", args=["A" * len(english_link.token)]))
    assert response.status_code == 404
    assert 'name="choice"' not in response.content.decode()


def test_it_refuses_other_methods(client, english_link, round_conversation, meeting_round, teacher):
    assert client.put(_url(english_link)).status_code == 405
    (booked,) = booking.booking_make(
        choice=[(round_conversation.pk, [slots_of(meeting_round, teacher)[0].pk])],
        link=english_link,
    )
    assert client.get(_cancel_url(english_link, booked.booking)).status_code == 405


# Booking, changing, cancelling


def test_it_books_a_time(
    client,
    english_link,
    meeting_round,
    round_conversation,
    teacher,
    django_capture_on_commit_callbacks,
):
    slot = slots_of(meeting_round, teacher)[2]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(english_link), {"choice": choice_value(round_conversation, slot)}
        )
    assert response.status_code == 302
    assert response["Location"] == _url(english_link)
    held = Booking.objects.get(conversation=round_conversation)
    assert held.guardian is None
    assert held.made_by_link == english_link
    assert booked_slot_ids(round_conversation) == [slot.pk]
    assert [message.to for message in mail.outbox] == [[english_link.guardian.email]]

    content = client.get(_url(english_link)).content.decode()
    assert "Thank you! Your time is booked." in content
    assert "We are sending you an email with the time." in content
    assert "<h1>Your time</h1>" in content
    assert f"{_span(slot).replace(' – ', ' to ')}" in content
    assert _cancel_url(english_link, held) in content
    # The booked slot is no longer offered; the message shows once.
    assert f'value="{choice_value(round_conversation, slot)}"' not in content
    assert "Your time is booked" not in client.get(_url(english_link)).content.decode()


def test_it_moves_the_booking_to_another_time(
    client,
    english_link,
    meeting_round,
    round_conversation,
    teacher,
    django_capture_on_commit_callbacks,
):
    slots = slots_of(meeting_round, teacher)
    client.post(_url(english_link), {"choice": choice_value(round_conversation, slots[0])})
    first = Booking.objects.get(conversation=round_conversation)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(english_link), {"choice": choice_value(round_conversation, slots[3])}
        )
    assert response.status_code == 302
    moved = Booking.objects.get(conversation=round_conversation)
    assert moved.pk == first.pk
    assert moved.sequence == 1
    assert booked_slot_ids(round_conversation) == [slots[3].pk]
    assert len(mail.outbox) == 1
    content = client.get(_url(english_link)).content.decode()
    assert "Your time is changed." in content
    assert "Book this time instead" in content
    # The time given up is free again.
    assert f'value="{choice_value(round_conversation, slots[0])}"' in content
    round_conversation.refresh_from_db()
    assert round_conversation.start_time == timezone.localtime(slots[3].starts_at).time()


def test_it_cancels_after_asking_to_confirm(
    client,
    english_link,
    meeting_round,
    round_conversation,
    teacher,
    django_capture_on_commit_callbacks,
):
    slot = slots_of(meeting_round, teacher)[1]
    client.post(_url(english_link), {"choice": choice_value(round_conversation, slot)})
    held = Booking.objects.get(conversation=round_conversation)

    asked = client.post(_cancel_url(english_link, held))
    assert asked.status_code == 200
    content = asked.content.decode()
    assert "Cancel this time?" in content
    assert 'name="confirm" value="1"' in content
    assert "No, keep this time" in content
    assert Booking.objects.filter(pk=held.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_cancel_url(english_link, held), {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == _url(english_link)
    assert not Booking.objects.filter(pk=held.pk).exists()
    assert not BookingSlot.objects.filter(slot=slot).exists()
    assert [message.to for message in mail.outbox] == [[english_link.guardian.email]]
    content = client.get(_url(english_link)).content.decode()
    assert "Your time is cancelled." in content
    assert f'value="{choice_value(round_conversation, slot)}"' in content
    round_conversation.refresh_from_db()
    assert round_conversation.date is None


def test_it_does_not_cancel_another_familys_booking(
    client, english_link, meeting_round, other_child, teacher2
):
    other_conversation = factories.round_conversation(meeting_round, other_child)
    other_link = factories.make_parent_link(other_conversation)
    (theirs,) = booking.booking_make(
        choice=[(other_conversation.pk, [slots_of(meeting_round, teacher2)[0].pk])],
        link=other_link,
    )
    for data in ({}, {"confirm": "1"}):
        response = client.post(_cancel_url(english_link, theirs.booking), data)
        assert response.status_code == 404
        assert "This page does not exist" in response.content.decode()
    assert Booking.objects.filter(pk=theirs.booking.pk).exists()


def test_it_does_not_cancel_the_other_parents_own_time(
    client, english_link, kemal_link, meeting_round, round_conversation, teacher
):
    (kemals,) = booking.booking_make(
        choice=[(round_conversation.pk, [slots_of(meeting_round, teacher)[0].pk])],
        link=kemal_link,
        alone=True,
    )
    response = client.post(_cancel_url(english_link, kemals.booking), {"confirm": "1"})
    assert response.status_code == 404
    assert Booking.objects.filter(pk=kemals.booking.pk).exists()


# A slot someone else just took


def test_it_says_just_taken_and_shows_the_times_still_free(
    client, english_link, meeting_round, round_conversation, other_child, teacher, group
):
    slots = slots_of(meeting_round, teacher)
    neighbour = factories.make_child(other_child.family, group, first_name="Daan")
    booking.round_enrol(meeting_round=meeting_round)
    neighbour_conversation = factories.round_conversation(meeting_round, neighbour)
    page = client.get(_url(english_link)).content.decode()
    assert choice_value(round_conversation, slots[0]) in page
    # Between showing the page and choosing, another family takes the time.
    booking.booking_make(
        choice=[(neighbour_conversation.pk, [slots[0].pk])],
        link=factories.make_parent_link(neighbour_conversation),
    )
    response = client.post(
        _url(english_link), {"choice": choice_value(round_conversation, slots[0])}
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "Just taken." in content
    assert "Please pick another time" in content
    assert f'value="{choice_value(round_conversation, slots[0])}"' not in content
    for slot in slots[1:]:
        assert f'value="{choice_value(round_conversation, slot)}"' in content
    assert not Booking.objects.filter(conversation=round_conversation).exists()


# Tampered and empty forms


@pytest.mark.parametrize(
    "data",
    [
        {"choice": "abc"},
        {"choice": "1:2:3"},
        {"choice": "0:0"},
        {"choice": "99999999999:1"},
        {"choice": "OWN:FOREIGN"},
        {"choice": "OTHER:FOREIGN"},
        {"choice": "OWN:FIRST-THIRD"},
        {"choice": "OWN:FIRST", "party": "everyone"},
    ],
)
def test_it_refuses_a_tampered_choice_and_writes_nothing(
    client, english_link, meeting_round, round_conversation, other_child, teacher, teacher2, data
):
    own, foreign = slots_of(meeting_round, teacher), slots_of(meeting_round, teacher2)
    other = factories.round_conversation(meeting_round, other_child)
    data["choice"] = (
        data["choice"]
        .replace("OWN", str(round_conversation.pk))
        .replace("OTHER", str(other.pk))
        .replace("FOREIGN", str(foreign[0].pk))
        .replace("FIRST", str(own[0].pk))
        .replace("THIRD", str(own[2].pk))
    )
    response = client.post(_url(english_link), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "This choice cannot be booked. Please choose one of the times below." in content
    assert f'value="{choice_value(round_conversation, own[0])}"' in content
    assert not Booking.objects.exists()


def test_it_asks_to_choose_when_nothing_is_chosen(client, english_link, round_conversation):
    response = client.post(_url(english_link), {})
    assert response.status_code == 422
    assert "Please choose a time first." in response.content.decode()
    assert not Booking.objects.exists()


# Opening and closing


def test_it_says_when_booking_opens(
    client, english_link, meeting_round, round_conversation, teacher
):
    opens = timezone.now() + dt.timedelta(days=2)
    move_round(meeting_round, opens_at=opens, closes_at=opens + dt.timedelta(days=5))
    response = client.get(_url(english_link))
    content = response.content.decode()
    assert "Booking is not open yet" in content
    assert f"at {timezone.localtime(opens):%H:%M}" in content
    assert 'name="choice"' not in content
    assert "you can choose earlier" not in content

    slot = slots_of(meeting_round, teacher)[0]
    response = client.post(_url(english_link), {"choice": choice_value(round_conversation, slot)})
    assert response.status_code == 409
    assert "Not saved: booking is not open at this moment." in response.content.decode()
    assert not Booking.objects.exists()


def test_it_opens_early_for_a_family_with_several_children(
    client, english_link, meeting_round, round_conversation, sibling, other_child, teacher
):
    now = timezone.now()
    move_round(
        meeting_round,
        opens_early_at=now - dt.timedelta(hours=1),
        opens_at=now + dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=5),
    )
    content = client.get(_url(english_link)).content.decode()
    assert "Booking is not open yet" not in content
    assert 'name="choice"' in content
    slot = slots_of(meeting_round, teacher)[0]
    response = client.post(
        _url(english_link) + f"?voor={round_conversation.pk}",
        {"choice": choice_value(round_conversation, slot), "voor": round_conversation.pk},
    )
    assert response.status_code == 302
    assert booked_slot_ids(round_conversation) == [slot.pk]

    # A family with one child in the round waits for the usual opening.
    other_link = factories.make_parent_link(
        factories.round_conversation(meeting_round, other_child)
    )
    other_link.language = "en"
    other_link.save(update_fields=["language"])
    content = client.get(_url(other_link)).content.decode()
    assert "Booking is not open yet" in content
    assert 'name="choice"' not in content


def test_it_says_before_opening_that_several_children_open_early(
    client, english_link, meeting_round, sibling
):
    now = timezone.now()
    move_round(
        meeting_round,
        opens_early_at=now + dt.timedelta(days=1),
        opens_at=now + dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=5),
    )
    content = client.get(_url(english_link)).content.decode()
    assert "Booking is not open yet" in content
    assert "you can choose earlier than other parents" in content
    assert f"at {timezone.localtime(meeting_round.opens_early_at):%H:%M}" in content


def test_it_shows_the_booking_read_only_after_the_deadline(
    client, english_link, meeting_round, round_conversation, teacher
):
    slot = slots_of(meeting_round, teacher)[4]
    client.post(_url(english_link), {"choice": choice_value(round_conversation, slot)})
    held = Booking.objects.get(conversation=round_conversation)
    now = timezone.now()
    move_round(
        meeting_round, opens_at=now - dt.timedelta(days=3), closes_at=now - dt.timedelta(hours=1)
    )
    content = client.get(_url(english_link)).content.decode()
    assert "Booking has closed" in content
    assert "Please contact Teacher." in content
    assert _span(slot).replace(" – ", " to ") in content
    assert _cancel_url(english_link, held) not in content
    assert 'name="choice"' not in content

    response = client.post(_cancel_url(english_link, held), {"confirm": "1"})
    assert response.status_code == 409
    assert Booking.objects.filter(pk=held.pk).exists()
    other = slots_of(meeting_round, teacher)[0]
    response = client.post(_url(english_link), {"choice": choice_value(round_conversation, other)})
    assert response.status_code == 409
    assert booked_slot_ids(round_conversation) == [slot.pk]


# Siblings


def test_it_offers_siblings_back_to_back_and_books_both_in_one_go(
    client, english_link, meeting_round, round_conversation, sibling, teacher, teacher2
):
    response = client.get(_url(english_link))
    content = response.content.decode()
    assert "All children, one after the other" in content
    emre, lina = slots_of(meeting_round, teacher), slots_of(meeting_round, teacher2)
    chain = f"{choice_value(round_conversation, emre[0])};{choice_value(sibling, lina[1])}"
    assert f'value="{chain}"' in content
    assert "Emre: Teacher" in _text(response)
    assert "Lina: Teacher2" in _text(response)

    response = client.post(_url(english_link), {"choice": chain})
    assert response.status_code == 302
    assert booked_slot_ids(round_conversation) == [emre[0].pk]
    assert booked_slot_ids(sibling) == [lina[1].pk]
    content = client.get(_url(english_link)).content.decode()
    assert "Conversation about Emre" in content
    assert "Conversation about Lina" in content


def test_it_books_neither_sibling_when_one_part_was_taken(
    client, english_link, meeting_round, round_conversation, sibling, other_child, teacher, teacher2
):
    emre, lina = slots_of(meeting_round, teacher), slots_of(meeting_round, teacher2)
    other_conversation = factories.round_conversation(meeting_round, other_child)
    booking.booking_make(
        choice=[(other_conversation.pk, [lina[1].pk])],
        link=factories.make_parent_link(other_conversation),
    )
    chain = f"{choice_value(round_conversation, emre[0])};{choice_value(sibling, lina[1])}"
    response = client.post(_url(english_link), {"choice": chain})
    assert response.status_code == 409
    assert "Just taken." in response.content.decode()
    assert booked_slot_ids(round_conversation) == []
    assert booked_slot_ids(sibling) == []


def test_it_lets_siblings_book_each_child_separately(
    client, english_link, meeting_round, round_conversation, sibling, teacher, teacher2
):
    response = client.get(_url(english_link), {"voor": sibling.pk})
    content = response.content.decode()
    assert 'aria-current="page">Only Lina' in content
    assert content.count('name="choice"') == 6
    for slot in slots_of(meeting_round, teacher2):
        assert f'value="{choice_value(sibling, slot)}"' in content
    assert (
        f'value="{choice_value(round_conversation, slots_of(meeting_round, teacher)[0])}"'
        not in content
    )
    assert f'name="voor" value="{sibling.pk}"' in content

    slot = slots_of(meeting_round, teacher2)[5]
    response = client.post(
        _url(english_link), {"choice": choice_value(sibling, slot), "voor": sibling.pk}
    )
    assert response.status_code == 302
    assert booked_slot_ids(sibling) == [slot.pk]
    assert booked_slot_ids(round_conversation) == []


# Parents who live apart


def test_it_lets_a_parent_who_lives_apart_book_only_for_themselves(
    client, english_link, kemal_link, meeting_round, round_conversation, teacher
):
    content = client.get(_url(kemal_link)).content.decode()
    assert "For whom is this time?" in content
    assert 'value="together" checked' in content
    slot = slots_of(meeting_round, teacher)[3]
    Slot.objects.filter(pk=slot.pk).update(video_link="https://meet.example.org/kemal")
    response = client.post(
        _url(kemal_link), {"choice": choice_value(round_conversation, slot), "party": "alone"}
    )
    assert response.status_code == 302
    kemals = Booking.objects.get(conversation=round_conversation)
    assert kemals.guardian == kemal_link.guardian

    # Ayşe sees that Kemal booked, never when.
    content = client.get(_url(english_link)).content.decode()
    assert "Kemal already has their own time." in content
    assert "The time you choose here is only for you." in content
    assert _span(slot) not in content
    assert _span(slot).replace(" – ", " to ") not in content
    assert _cancel_url(english_link, kemals) not in content
    home = client.get(reverse("parent_home", args=[english_link.token])).content.decode()
    assert "You have not chosen a time yet." in home
    assert f"{timezone.localtime(slot.starts_at):%H:%M}" not in home
    assert "meet.example.org/kemal" not in home

    # She can only book a time of her own now.
    assert "For whom is this time?" not in content
    assert 'name="party" value="alone"' in content
    own = slots_of(meeting_round, teacher)[0]
    response = client.post(
        _url(english_link), {"choice": choice_value(round_conversation, own), "party": "alone"}
    )
    assert response.status_code == 302
    assert Booking.objects.get(conversation=round_conversation, guardian=english_link.guardian)
    assert Booking.objects.filter(conversation=round_conversation).count() == 2


def test_it_refuses_a_time_for_both_once_the_other_parent_booked_alone(
    client, english_link, kemal_link, meeting_round, round_conversation, teacher
):
    booking.booking_make(
        choice=[(round_conversation.pk, [slots_of(meeting_round, teacher)[3].pk])],
        link=kemal_link,
        alone=True,
    )
    own = slots_of(meeting_round, teacher)[0]
    response = client.post(
        _url(english_link), {"choice": choice_value(round_conversation, own), "party": "together"}
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "The other parent has booked a time of their own" in content
    assert f'value="{choice_value(round_conversation, own)}" checked' in content
    assert Booking.objects.filter(conversation=round_conversation).count() == 1


def test_it_books_for_both_parents_together(
    client, english_link, kemal_link, meeting_round, round_conversation, teacher
):
    slot = slots_of(meeting_round, teacher)[2]
    response = client.post(
        _url(kemal_link), {"choice": choice_value(round_conversation, slot), "party": "together"}
    )
    assert response.status_code == 302
    together = Booking.objects.get(conversation=round_conversation)
    assert together.guardian is None
    content = client.get(_url(english_link)).content.decode()
    assert _span(slot).replace(" – ", " to ") in content
    assert "Booked by: Kemal" in content
    assert "Both parents" in content
    assert _cancel_url(english_link, together) in content
    # Alone is no longer offered while the time for both stands.
    assert "For whom is this time?" not in content
    response = client.post(
        _url(english_link),
        {
            "choice": choice_value(round_conversation, slots_of(meeting_round, teacher)[0]),
            "party": "alone",
        },
    )
    assert response.status_code == 409
    assert "There is already a time for both parents." in response.content.decode()
    assert Booking.objects.filter(conversation=round_conversation).count() == 1


def test_it_books_only_together_when_the_round_does_not_allow_separate_times(
    client, english_link, kemal_link, meeting_round, round_conversation, teacher
):
    move_round(meeting_round, separate_bookings=False)
    content = client.get(_url(kemal_link)).content.decode()
    assert "For whom is this time?" not in content
    assert 'name="party" value="together"' in content
    slot = slots_of(meeting_round, teacher)[2]
    response = client.post(
        _url(kemal_link), {"choice": choice_value(round_conversation, slot), "party": "alone"}
    )
    assert response.status_code == 409
    assert "parents book one time together" in response.content.decode()
    assert not Booking.objects.exists()
    response = client.post(
        _url(kemal_link), {"choice": choice_value(round_conversation, slot), "party": "together"}
    )
    assert response.status_code == 302
    assert Booking.objects.get().guardian is None


def test_it_does_not_ask_for_whom_when_the_parents_live_together(
    client, english_link, family, meeting_round, round_conversation
):
    factories.make_guardian(family, first_name="Mehmet")
    content = client.get(_url(english_link)).content.decode()
    assert "For whom is this time?" not in content
    assert "Both parents" not in content


# Interpreter


def _run_values(conversation, slots) -> list[str]:
    return [choice_value(conversation, a, b) for a, b in itertools.pairwise(slots)]


def test_it_offers_longer_times_when_an_interpreter_is_planned(
    client, english_link, meeting_round, round_conversation, teacher
):
    round_conversation.interpreter = True
    round_conversation.save(update_fields=["interpreter"])
    slots = slots_of(meeting_round, teacher)
    content = client.get(_url(english_link)).content.decode()
    assert "An interpreter will be there." in content
    assert content.count('name="choice"') == 5
    for value in _run_values(round_conversation, slots):
        assert f'value="{value}"' in content
    response = client.post(
        _url(english_link), {"choice": choice_value(round_conversation, *slots[1:3])}
    )
    assert response.status_code == 302
    assert Booking.objects.get().minutes == 20


def test_it_offers_longer_times_when_the_parent_asked_for_an_interpreter(
    client, english_link, meeting_round, round_conversation, teacher
):
    QuestionnaireAnswer.objects.create(link=english_link, question="interpreter", choices=["tr"])
    content = client.get(_url(english_link)).content.decode()
    # Asked, not planned yet: the page promises no more than the questionnaire.
    assert "You asked for an interpreter. We will try to arrange one" in content
    assert "An interpreter will be there." not in content
    slots = slots_of(meeting_round, teacher)
    assert f'value="{choice_value(round_conversation, *slots[:2])}"' in content


def test_it_offers_normal_times_when_the_parent_said_no_interpreter(
    client, english_link, meeting_round, round_conversation, teacher
):
    QuestionnaireAnswer.objects.create(link=english_link, question="interpreter", choices=["no"])
    content = client.get(_url(english_link)).content.decode()
    assert "Would you like an interpreter at the conversation?" in content
    assert content.count('name="choice"') == 6


def test_it_lets_the_parent_choose_an_interpreter_on_the_page(
    client, english_link, meeting_round, round_conversation, teacher
):
    slots = slots_of(meeting_round, teacher)
    content = client.get(_url(english_link)).content.decode()
    assert "We would like an interpreter" in content
    assert "?tolk=1#choose" in content

    content = client.get(_url(english_link), {"tolk": "1"}).content.decode()
    assert "You would like an interpreter." in content
    assert content.count('name="choice"') == 5
    assert 'name="tolk" value="1"' in content
    assert 'name="interpreter_language"' in content
    response = client.post(
        _url(english_link), {"choice": choice_value(round_conversation, *slots[4:6]), "tolk": "1"}
    )
    assert response.status_code == 302
    held = Booking.objects.get()
    assert held.minutes == 20
    assert booked_slot_ids(round_conversation) == [slots[4].pk, slots[5].pk]


# The start page


def test_it_leads_from_the_start_page_to_the_booking_page(
    client, english_link, meeting_round, round_conversation, teacher, django_assert_max_num_queries
):
    home = reverse("parent_home", args=[english_link.token])
    content = client.get(home).content.decode()
    assert "You have not chosen a time yet." in content
    assert f'href="{_url(english_link)}">Choose a time' in content

    slot = slots_of(meeting_round, teacher)[1]
    Slot.objects.filter(pk=slot.pk).update(place="Lokaal 12")
    client.post(_url(english_link), {"choice": choice_value(round_conversation, slot)})
    with django_assert_max_num_queries(HOME_QUERIES):
        content = client.get(home).content.decode()
    assert f"at {timezone.localtime(slot.starts_at):%H:%M}" in content
    assert "Lokaal 12" in content
    assert "See or change your time" in content


# Queries


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_reads_the_page_in_as_many_queries_however_many_slots_and_children(
    client,
    english_link,
    meeting_round,
    family,
    group,
    other_group,
    teacher,
    teacher2,
    location,
    django_assert_max_num_queries,
):
    small = _page_queries(client, _url(english_link))

    big_round = factories.make_round(location, [group, other_group], teacher, name="Groot")
    day = timezone.localdate() + dt.timedelta(days=20)
    for professional in (teacher, teacher2):
        factories.make_slots(big_round, professional, count=60, day=day, start=dt.time(8, 0))
    factories.make_child(family, group, first_name="Can")
    factories.make_child(family, other_group, first_name="Lina")
    booking.round_enrol(meeting_round=big_round)
    emre = factories.round_conversation(big_round, english_link.conversation.child)
    big_link = factories.make_parent_link(emre, english_link.guardian)
    # One child already booked, so the bookings are read too.
    booking.booking_make(
        choice=[(emre.pk, [slots_of(big_round, teacher)[30].pk])], link=big_link, alone=False
    )
    big_url = _url(big_link)
    with django_assert_max_num_queries(BOOKING_PAGE_QUERIES):
        response = client.get(big_url)
    assert response.content.decode().count('name="choice"') > 60
    assert _page_queries(client, big_url) == small
    assert _page_queries(client, big_url + f"?voor={emre.pk}") == small


# The booking, everything the parent's request does (the link, the
# transaction, the writes, the task for the worker), whether for one child or
# for three back to back. Moving a time adds the release of the old slots and
# the booking's update. Then the worker's confirmation email (the family's
# parents and their links, the bookings read again), also the same for one
# child or three.
BOOKING_POST_QUERIES = 10
BOOKING_MOVE_QUERIES = BOOKING_POST_QUERIES + 1
CONFIRMATION_QUERIES = 11


def _post_queries(client, link, value, capture) -> int:
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post(_url(link), {"choice": value})
    assert response.status_code == 302
    assert not mail.outbox  # The worker sends it.
    return len(queries)


def _task_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        assert run_queued_tasks() == 1
    return len(queries)


@pytest.mark.parametrize("children", [1, 3])
def test_it_books_in_as_many_queries_however_many_children(
    children,
    client,
    english_link,
    meeting_round,
    round_conversation,
    family,
    group,
    other_group,
    teacher,
    teacher2,
    task_worker,
    django_capture_on_commit_callbacks,
):
    conversations = [(round_conversation, teacher)]
    for name, where, professional in [("Lina", other_group, teacher2), ("Can", group, teacher)][
        : children - 1
    ]:
        child = factories.make_child(family, where, first_name=name)
        booking.round_enrol(meeting_round=meeting_round)
        sibling = factories.round_conversation(meeting_round, child)
        # The parent's links to every child (the first booking makes the
        # missing ones, once: see booking_mail._links).
        factories.make_parent_link(sibling, english_link.guardian)
        conversations.append((sibling, professional))
    value = ";".join(
        choice_value(each, slots_of(meeting_round, professional)[n])
        for n, (each, professional) in enumerate(conversations)
    )

    queries = _post_queries(client, english_link, value, django_capture_on_commit_callbacks)

    assert queries == BOOKING_POST_QUERIES <= PAGE_QUERY_BUDGET
    assert all(Booking.objects.filter(conversation=each).exists() for each, _ in conversations)
    assert _task_queries() == CONFIRMATION_QUERIES
    assert [message.to for message in mail.outbox] == [[english_link.guardian.email]]
    assert "Emre" in mail.outbox[0].body


def test_it_moves_a_time_within_the_query_budget(
    client,
    english_link,
    meeting_round,
    round_conversation,
    teacher,
    task_worker,
    django_capture_on_commit_callbacks,
):
    first, second = slots_of(meeting_round, teacher)[1:3]
    _post_queries(
        client,
        english_link,
        choice_value(round_conversation, first),
        django_capture_on_commit_callbacks,
    )
    run_queued_tasks()
    mail.outbox.clear()

    queries = _post_queries(
        client,
        english_link,
        choice_value(round_conversation, second),
        django_capture_on_commit_callbacks,
    )

    assert queries == BOOKING_MOVE_QUERIES <= PAGE_QUERY_BUDGET
    assert booked_slot_ids(round_conversation) == [second.pk]
    assert _task_queries() == CONFIRMATION_QUERIES
    [message] = mail.outbox
    assert f"{timezone.localtime(second.starts_at):%H:%M}" in message.body
