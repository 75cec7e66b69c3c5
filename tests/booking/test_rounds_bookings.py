"""A professional books a time on behalf of a parent, moves it, makes it
longer and cancels it; the parents are told by email (the mail's content is
tested with conversations.booking_mail)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from conversations import booking
from conversations.models import Booking, Slot
from tests import factories
from tests.booking.helpers import book_for, choice_value, slots_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


@pytest.fixture
def emre(group_round, child):
    return factories.round_conversation(group_round, child)


@pytest.fixture
def ayse(family):
    return family.guardians.get(first_name="Ayşe")


@pytest.fixture
def kemal(family):
    """Emre's father, who lives elsewhere."""
    return factories.make_guardian(
        family, first_name="Kemal", last_name="Yilmaz", relation="father", email="kemal@example.org"
    )


def _recipients():
    return sorted(address for message in mail.outbox for address in message.to)


# Booking on behalf of a parent


def test_it_offers_the_free_times(teacher_client, group_round, emre):
    first, second, *_ = slots_of(group_round)
    booking.slot_block(slot=second, blocked=True)

    response = teacher_client.get(reverse("round_book", args=[group_round.pk, emre.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Book a time for Emre Yilmaz" in content
    assert f'value="{choice_value(emre, first)}"' in content
    assert f'value="{choice_value(emre, second)}"' not in content
    assert content.count('name="choice"') == 5
    assert 'name="party"' not in content


def test_it_books_for_both_parents_and_tells_them(
    teacher_client, teacher, group_round, emre, ayse, django_capture_on_commit_callbacks
):
    slot = slots_of(group_round)[2]

    with django_capture_on_commit_callbacks(execute=True):
        response = teacher_client.post(
            reverse("round_book", args=[group_round.pk, emre.pk]),
            {"choice": choice_value(emre, slot)},
        )

    held = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("round_detail", args=[group_round.pk]) + f"#slot-{slot.pk}"
    )
    assert held.conversation == emre
    assert held.guardian is None
    assert held.made_by == teacher
    assert held.made_by_link is None
    assert list(held.booked_slots.values_list("slot", flat=True)) == [slot.pk]
    assert _recipients() == [ayse.email]
    followed = teacher_client.get(response["Location"]).content.decode()
    assert "Booked. Emre:" in followed


def test_it_books_for_one_parent_of_a_separated_family(
    teacher_client, group_round, emre, kemal, django_capture_on_commit_callbacks
):
    slot = slots_of(group_round)[0]
    page = teacher_client.get(reverse("round_book", args=[group_round.pk, emre.pk]))
    assert 'name="party"' in page.content.decode()
    assert "Kemal Yilmaz (father)" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        teacher_client.post(
            reverse("round_book", args=[group_round.pk, emre.pk]),
            {"choice": choice_value(emre, slot), "party": kemal.pk},
        )

    assert Booking.objects.get().guardian == kemal
    assert _recipients() == [kemal.email]


def test_it_offers_no_choice_of_parent_when_they_book_together(
    teacher_client, location, group, teacher, child, kemal
):
    meeting_round = factories.make_round(location, [group], teacher, separate_bookings=False)
    factories.make_slots(meeting_round, teacher)
    conversation = factories.round_conversation(meeting_round, child)

    response = teacher_client.get(reverse("round_book", args=[meeting_round.pk, conversation.pk]))

    assert 'name="party"' not in response.content.decode()


def test_it_says_when_a_parent_alone_already_has_a_time(
    teacher_client, teacher, group_round, emre, kemal
):
    first, second, *_ = slots_of(group_round)
    book_for(teacher, emre, first, guardian=kemal)

    response = teacher_client.post(
        reverse("round_book", args=[group_round.pk, emre.pk]),
        {"choice": choice_value(emre, second), "party": "both"},
    )

    assert response.status_code == 200
    assert "A parent already has a time alone" in response.content.decode()
    assert Booking.objects.count() == 1


def test_it_books_two_slots_for_a_talk_with_an_interpreter(
    teacher_client, group_round, emre, django_capture_on_commit_callbacks
):
    emre.interpreter = True
    emre.save()
    first, second, *_ = slots_of(group_round)
    page = teacher_client.get(reverse("round_book", args=[group_round.pk, emre.pk]))
    assert f'value="{choice_value(emre, first, second)}"' in page.content.decode()
    assert "each time below takes two slots in a row" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        teacher_client.post(
            reverse("round_book", args=[group_round.pk, emre.pk]),
            {"choice": choice_value(emre, first, second)},
        )

    held = Booking.objects.get()
    assert held.minutes == 20
    assert held.booked_slots.count() == 2


def test_it_books_brothers_and_sisters_back_to_back(
    teacher_client,
    teacher,
    teacher2,
    meeting_round,
    family,
    other_group,
    django_capture_on_commit_callbacks,
):
    child = family.children.get()
    sister = factories.make_child(family, other_group, first_name="Elif")
    booking.round_enrol(meeting_round=meeting_round)
    emre = factories.round_conversation(meeting_round, child)
    elif_ = factories.round_conversation(meeting_round, sister)
    mine, theirs = slots_of(meeting_round, teacher), slots_of(meeting_round, teacher2)
    chain = f"{choice_value(emre, mine[0])};{choice_value(elif_, theirs[1])}"

    page = teacher_client.get(reverse("round_book", args=[meeting_round.pk, emre.pk]))

    content = page.content.decode()
    assert "Back to back with a brother or sister" in content
    assert "Elif has no time yet either." in content
    assert f'value="{chain}"' in content

    with django_capture_on_commit_callbacks(execute=True):
        teacher_client.post(
            reverse("round_book", args=[meeting_round.pk, emre.pk]), {"choice": chain}
        )

    assert {(held.conversation, held.starts_at) for held in Booking.objects.all()} == {
        (emre, mine[0].starts_at),
        (elif_, theirs[1].starts_at),
    }


def test_it_refuses_a_time_taken_since_the_page_was_opened(
    teacher_client, group_round, emre, teacher
):
    slot = slots_of(group_round)[0]
    booking.slot_block(slot=slot, blocked=True)

    response = teacher_client.post(
        reverse("round_book", args=[group_round.pk, emre.pk]), {"choice": choice_value(emre, slot)}
    )

    assert response.status_code == 200
    assert "This time is not free any more. Choose another time." in response.content.decode()
    assert not Booking.objects.exists()


def test_it_asks_for_a_time(teacher_client, group_round, emre):
    response = teacher_client.post(reverse("round_book", args=[group_round.pk, emre.pk]), {})

    assert response.status_code == 200
    assert "Choose a time." in response.content.decode()


def test_it_changes_the_time_a_family_has(
    teacher_client, teacher, group_round, emre, ayse, django_capture_on_commit_callbacks
):
    first, second, *_ = slots_of(group_round)
    held = book_for(teacher, emre, first)

    with django_capture_on_commit_callbacks(execute=True):
        teacher_client.post(
            reverse("round_book", args=[group_round.pk, emre.pk]),
            {"choice": choice_value(emre, second)},
        )

    held.refresh_from_db()
    assert held.starts_at == second.starts_at
    assert Booking.objects.count() == 1
    assert _recipients() == [ayse.email]


def test_it_lets_the_coordinator_book_for_any_family(
    coordinator_client, meeting_round, other_child, teacher2
):
    conversation = factories.round_conversation(meeting_round, other_child)
    slot = slots_of(meeting_round, teacher2)[0]

    response = coordinator_client.post(
        reverse("round_book", args=[meeting_round.pk, conversation.pk]),
        {"choice": choice_value(conversation, slot)},
    )

    assert response.status_code == 302
    assert Booking.objects.get().conversation == conversation


def test_it_keeps_a_teacher_to_the_families_of_their_group(
    teacher_client, meeting_round, other_child
):
    conversation = factories.round_conversation(meeting_round, other_child)

    response = teacher_client.get(reverse("round_book", args=[meeting_round.pk, conversation.pk]))

    assert response.status_code == 404


def test_it_hides_booking_from_outsiders(
    teacher2_client, other_coordinator_client, group_round, emre
):
    url = reverse("round_book", args=[group_round.pk, emre.pk])

    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.post(url, {}).status_code == 404


def test_it_finds_the_conversation_only_in_its_round(
    teacher_client, teacher, group_round, location, group, conversation
):
    response = teacher_client.get(reverse("round_book", args=[group_round.pk, conversation.pk]))

    assert response.status_code == 404


def test_it_refuses_other_methods_on_booking(teacher_client, group_round, emre):
    response = teacher_client.put(reverse("round_book", args=[group_round.pk, emre.pk]))

    assert response.status_code == 405


# Moving


def test_it_moves_a_booking_and_tells_the_parents(
    teacher_client, teacher, group_round, emre, ayse, django_capture_on_commit_callbacks
):
    first, _, third, *_ = slots_of(group_round)
    held = book_for(teacher, emre, first)
    url = reverse("booking_move", args=[group_round.pk, held.pk])
    page = teacher_client.get(url)
    assert page.status_code == 200
    assert f'value="{choice_value(emre, third)}"' in page.content.decode()
    assert f'value="{choice_value(emre, first)}"' not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = teacher_client.post(url, {"choice": choice_value(emre, third)})

    held.refresh_from_db()
    assert response.status_code == 302
    assert held.starts_at == third.starts_at
    assert held.sequence == 1
    assert Slot.objects.free().filter(pk=first.pk).exists()
    assert _recipients() == [ayse.email]
    assert "Moved. Emre:" in teacher_client.get(response["Location"]).content.decode()


def test_it_moves_only_to_a_time_offered(teacher_client, teacher, group_round, emre):
    first = slots_of(group_round)[0]
    held = book_for(teacher, emre, first)

    response = teacher_client.post(
        reverse("booking_move", args=[group_round.pk, held.pk]),
        {"choice": choice_value(emre, first)},
    )

    assert response.status_code == 200
    assert "This time is not free any more." in response.content.decode()
    held.refresh_from_db()
    assert held.starts_at == first.starts_at


def test_it_lets_the_coordinator_move_a_booking(
    coordinator_client, teacher, group_round, emre, django_capture_on_commit_callbacks
):
    first, second, *_ = slots_of(group_round)
    held = book_for(teacher, emre, first)

    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(
            reverse("booking_move", args=[group_round.pk, held.pk]),
            {"choice": choice_value(emre, second)},
        )

    held.refresh_from_db()
    assert held.starts_at == second.starts_at


def test_it_hides_moving_from_outsiders(
    teacher2_client, other_coordinator_client, teacher, group_round, emre
):
    held = book_for(teacher, emre, slots_of(group_round)[0])
    url = reverse("booking_move", args=[group_round.pk, held.pk])

    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.post(url, {}).status_code == 404
    assert teacher2_client.delete(url).status_code == 405


# Making longer


def test_it_makes_a_talk_longer_and_tells_the_parents(
    teacher_client, teacher, group_round, emre, ayse, django_capture_on_commit_callbacks
):
    first, second, *_ = slots_of(group_round)
    held = book_for(teacher, emre, first)

    with django_capture_on_commit_callbacks(execute=True):
        response = teacher_client.post(reverse("booking_extend", args=[group_round.pk, held.pk]))

    held.refresh_from_db()
    assert response.status_code == 302
    assert held.ends_at == second.ends_at
    assert held.booked_slots.count() == 2
    assert _recipients() == [ayse.email]


def test_it_says_when_the_next_slot_is_not_free(teacher_client, teacher, group_round, emre):
    first, second, *_ = slots_of(group_round)
    held = book_for(teacher, emre, first)
    booking.slot_block(slot=second, blocked=True)

    response = teacher_client.post(
        reverse("booking_extend", args=[group_round.pk, held.pk]), follow=True
    )

    assert "The talk could not be made longer" in response.content.decode()
    held.refresh_from_db()
    assert held.ends_at == first.ends_at
    assert not mail.outbox


def test_it_refuses_a_get_on_extend_and_cancel(teacher_client, teacher, group_round, emre):
    held = book_for(teacher, emre, slots_of(group_round)[0])

    for name in ("booking_extend", "booking_cancel_staff"):
        assert teacher_client.get(reverse(name, args=[group_round.pk, held.pk])).status_code == 405


# Cancelling


def test_it_cancels_a_booking_and_tells_the_parents(
    teacher_client, teacher, group_round, emre, ayse, django_capture_on_commit_callbacks
):
    slot = slots_of(group_round)[0]
    held = book_for(teacher, emre, slot)

    with django_capture_on_commit_callbacks(execute=True):
        response = teacher_client.post(
            reverse("booking_cancel_staff", args=[group_round.pk, held.pk])
        )

    assert response.status_code == 302
    assert not Booking.objects.exists()
    assert Slot.objects.free().filter(pk=slot.pk).exists()
    emre.refresh_from_db()
    assert emre.date is None
    assert _recipients() == [ayse.email]
    assert "is cancelled" in teacher_client.get(response["Location"]).content.decode()


def test_it_tells_only_the_parent_whose_time_is_cancelled(
    teacher_client, teacher, group_round, emre, kemal, django_capture_on_commit_callbacks
):
    held = book_for(teacher, emre, slots_of(group_round)[0], guardian=kemal)

    with django_capture_on_commit_callbacks(execute=True):
        teacher_client.post(reverse("booking_cancel_staff", args=[group_round.pk, held.pk]))

    assert _recipients() == [kemal.email]


def test_it_hides_bookings_of_other_groups_from_a_teacher(
    teacher_client, coordinator_client, meeting_round, other_child, teacher2
):
    conversation = factories.round_conversation(meeting_round, other_child)
    held = book_for(teacher2, conversation, slots_of(meeting_round, teacher2)[0])

    for name in ("booking_extend", "booking_cancel_staff"):
        url = reverse(name, args=[meeting_round.pk, held.pk])
        assert teacher_client.post(url).status_code == 404
    assert Booking.objects.filter(pk=held.pk).exists()
    assert (
        coordinator_client.post(
            reverse("booking_cancel_staff", args=[meeting_round.pk, held.pk])
        ).status_code
        == 302
    )
    assert not Booking.objects.filter(pk=held.pk).exists()


def test_it_hides_cancelling_from_outsiders(
    teacher2_client, other_coordinator_client, teacher, group_round, emre
):
    held = book_for(teacher, emre, slots_of(group_round)[0])

    for client in (teacher2_client, other_coordinator_client):
        for name in ("booking_extend", "booking_cancel_staff"):
            assert client.post(reverse(name, args=[group_round.pk, held.pk])).status_code == 404
    assert Booking.objects.filter(pk=held.pk).exists()
