"""The staff's meeting-round pages: the list of rounds, making and changing a
round, and the schedule of slots per professional and day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from conversations import booking
from conversations.models import Conversation, Kind, MeetingRound, Slot
from conversations.round_forms import DEADLINE_AFTER_OPENING, EARLY_BEFORE_OPENING
from families.models import StaffMembership
from tests import factories
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]

# The pages' own queries, besides the session's renewal (tests.queries).
LIST_QUERIES = 6
DETAIL_QUERIES = 8


def _moment(days: int, hour: int = 9) -> str:
    moment = timezone.localtime() + dt.timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _round_data(*groups, **overrides):
    data = {
        "name": "Voortgangsgesprekken november",
        "kind": Kind.PROGRESS,
        "groups": [group.pk for group in groups],
        "slot_minutes": "15",
        "opens_at": _moment(1),
        "closes_at": _moment(8),
        "opens_early_at": "",
        "separate_bookings": "on",
    }
    return data | overrides


# The list


def test_it_lists_the_rounds_a_teacher_may_see(teacher_client, group_round, other_location):
    elsewhere = factories.make_group(other_location, name="Groep 8 elders")
    factories.make_round(
        other_location, [elsewhere], factories.make_user("elders"), name="Elders rondes"
    )

    response = teacher_client.get(reverse("round_list"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Rapportgesprekken" in content
    assert "Elders rondes" not in content
    assert reverse("round_detail", args=[group_round.pk]) in content
    assert "0 of 1" in content  # families booked
    assert "0 of 6" in content  # slots taken


def test_it_shows_outsiders_an_empty_list(teacher2_client, group_round):
    response = teacher2_client.get(reverse("round_list"))

    assert response.status_code == 200
    assert "Rapportgesprekken" not in response.content.decode()
    assert "No meeting rounds yet." in response.content.decode()


def test_it_counts_bookings_in_the_list(teacher_client, group_round, child, teacher):
    conversation = factories.round_conversation(group_round, child)
    slot = group_round.slots.order_by("starts_at").first()
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=teacher, conversation=conversation
    )

    content = teacher_client.get(reverse("round_list")).content.decode()

    assert "1 of 1" in content
    assert "1 of 6" in content


@pytest.mark.parametrize(
    ("early", "opens", "closes", "shown"),
    [
        (None, 2, 9, "not open yet"),
        (-1, 2, 9, "open to families with several children"),
        (None, -1, 9, "open"),
        (None, -9, -1, "closed"),
    ],
)
def test_it_says_whether_parents_can_book(
    early, opens, closes, shown, teacher_client, location, group, teacher
):
    now = timezone.now()
    factories.make_round(
        location,
        [group],
        teacher,
        opens_early_at=now + dt.timedelta(days=early) if early is not None else None,
        opens_at=now + dt.timedelta(days=opens),
        closes_at=now + dt.timedelta(days=closes),
    )

    content = teacher_client.get(reverse("round_list")).content.decode()

    assert f">{shown}</span>" in content


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("round_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_a_post_to_the_list(teacher_client):
    assert teacher_client.post(reverse("round_list")).status_code == 405


def test_it_links_the_rounds_from_the_navigation(teacher_client):
    content = teacher_client.get(reverse("home")).content.decode()

    assert f'href="{reverse("round_list")}"' in content
    assert "Meeting rounds" in content


@pytest.mark.parametrize("rounds", [2, 20])
def test_it_lists_rounds_in_a_fixed_number_of_queries(
    rounds, coordinator_client, location, group, teacher, child, django_assert_max_num_queries
):
    for number in range(rounds):
        meeting_round = factories.make_round(location, [group], teacher, name=f"Ronde {number}")
        factories.make_slots(meeting_round, teacher, start=dt.time(8 + number % 10, 0), count=1)

    with django_assert_max_num_queries(LIST_QUERIES + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.get(reverse("round_list"))

    assert response.content.decode().count('scope="row"') == rounds


# Making a round


def test_it_offers_a_teacher_only_their_own_groups(teacher_client, group, other_group):
    response = teacher_client.get(reverse("round_create"))

    content = response.content.decode()
    assert response.status_code == 200
    assert f'value="{group.pk}"' in content
    assert f'value="{other_group.pk}"' not in content


def test_it_offers_a_coordinator_every_current_group_of_the_location(
    coordinator_client, location, group, other_group
):
    last_year = factories.make_group(
        location, name="Groep 2 vorig jaar", school_year=group.school_year - 1
    )

    content = coordinator_client.get(reverse("round_create")).content.decode()

    assert f'value="{group.pk}"' in content
    assert f'value="{other_group.pk}"' in content
    assert f'value="{last_year.pk}"' not in content


def test_it_makes_a_round_with_a_conversation_per_child(
    teacher_client, teacher, group, child, location
):
    sibling = factories.make_child(child.family, group, first_name="Elif")

    response = teacher_client.post(reverse("round_create"), _round_data(group))

    meeting_round = MeetingRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("round_detail", args=[meeting_round.pk])
    assert meeting_round.location == location
    assert meeting_round.slot_minutes == 15
    assert meeting_round.created_by == teacher
    assert list(meeting_round.groups.all()) == [group]
    conversations = Conversation.objects.filter(meeting_round=meeting_round)
    assert {each.child for each in conversations} == {child, sibling}
    assert {each.kind for each in conversations} == {Kind.PROGRESS}
    assert {each.owner for each in conversations} == {teacher}
    followed = teacher_client.get(response["Location"])
    assert "with a conversation for each of 2 children" in followed.content.decode()


def test_it_refuses_a_group_the_teacher_does_not_work_with(
    teacher_client, other_group, other_child
):
    response = teacher_client.post(reverse("round_create"), _round_data(other_group))

    assert response.status_code == 200
    assert "field__errors" in response.content.decode()
    assert not MeetingRound.objects.exists()


def test_it_says_the_deadline_must_come_after_the_opening(teacher_client, group):
    response = teacher_client.post(
        reverse("round_create"), _round_data(group, opens_at=_moment(5), closes_at=_moment(2))
    )

    assert response.status_code == 200
    assert "The deadline must be after the opening moment." in response.content.decode()
    assert not MeetingRound.objects.exists()


def test_it_says_so_in_the_staff_default_language(teacher, group):
    client = Client()
    client.force_login(teacher)

    response = client.post(
        reverse("round_create"),
        _round_data(group, opens_at=_moment(5), closes_at=_moment(2), opens_early_at=_moment(6)),
    )

    content = response.content.decode()
    assert 'lang="nl"' in content
    with translation.override("nl"):
        assert gettext(str(DEADLINE_AFTER_OPENING)) in content
        assert gettext(str(EARLY_BEFORE_OPENING)) in content


def test_it_opens_early_for_families_with_several_children(teacher_client, group):
    teacher_client.post(
        reverse("round_create"), _round_data(group, opens_early_at=_moment(0, hour=20))
    )

    meeting_round = MeetingRound.objects.get()
    assert meeting_round.opens_early_at is not None
    assert meeting_round.opens_early_at < meeting_round.opens_at


def test_it_refuses_groups_of_two_locations(coordinator, location, group, other_location):
    other_membership_group = factories.make_group(other_location, name="Groep 4 elders")
    StaffMembership.objects.create(
        user=coordinator, location=other_location, role=StaffMembership.Role.COORDINATOR
    )
    client = Client()
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"

    response = client.post(reverse("round_create"), _round_data(group, other_membership_group))

    assert "Choose groups of one location." in response.content.decode()
    assert not MeetingRound.objects.exists()


def test_it_tells_a_user_without_groups_there_is_nothing_to_plan(other_coordinator_client):
    response = other_coordinator_client.get(reverse("round_create"))

    assert response.status_code == 200
    assert "You have no group this school year to plan a round for." in (response.content.decode())


def test_it_refuses_other_methods_on_the_create_page(teacher_client):
    assert teacher_client.put(reverse("round_create")).status_code == 405


# The schedule


def test_it_shows_the_schedule_with_free_blocked_and_booked_slots(
    teacher_client, group_round, child, teacher
):
    conversation = factories.round_conversation(group_round, child)
    conversation.interpreter, conversation.interpreter_language = True, "Turks"
    conversation.save()
    first, second, *_rest, last = group_round.slots.order_by("starts_at")
    booking.booking_make(
        choice=[(conversation.pk, [first.pk, second.pk])], user=teacher, conversation=conversation
    )
    booking.slot_block(slot=last, blocked=True)

    response = teacher_client.get(reverse("round_detail", args=[group_round.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Your times" in content
    assert "Emre Yilmaz" in content
    assert "Groep 3" in content
    assert "both parents" in content
    assert "interpreter: Turks" in content
    assert "continued: Emre" in content
    assert content.count("slot--free") == 3
    assert content.count("slot--blocked") == 1
    assert reverse("booking_move", args=[group_round.pk, conversation.bookings.get().pk]) in (
        content
    )
    assert reverse("slot_block", args=[group_round.pk, last.pk]) in content


def test_it_names_the_parent_of_a_booking_alone(teacher_client, group_round, child, teacher):
    conversation = factories.round_conversation(group_round, child)
    ayse = child.family.guardians.get()
    slot = group_round.slots.order_by("starts_at").first()
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])],
        user=teacher,
        conversation=conversation,
        guardian=ayse,
    )

    content = teacher_client.get(reverse("round_detail", args=[group_round.pk])).content.decode()

    assert "only Ayşe Yilmaz" in content


def test_it_hides_who_booked_another_groups_slot(
    teacher_client, meeting_round, other_child, teacher2
):
    conversation = factories.round_conversation(meeting_round, other_child)
    slot = meeting_round.slots.filter(professional=teacher2).order_by("starts_at").first()
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=teacher2, conversation=conversation
    )

    content = teacher_client.get(reverse("round_detail", args=[meeting_round.pk])).content.decode()

    assert "Noor" not in content
    assert "booked" in content
    # Nor may the teacher change the other teacher's slots.
    free = meeting_round.slots.filter(professional=teacher2, booking_slot__isnull=True).first()
    assert reverse("slot_block", args=[meeting_round.pk, free.pk]) not in content


def test_it_lets_the_coordinator_manage_every_slot(coordinator_client, meeting_round, teacher2):
    content = coordinator_client.get(
        reverse("round_detail", args=[meeting_round.pk])
    ).content.decode()

    for slot in meeting_round.slots.all():
        assert reverse("slot_block", args=[meeting_round.pk, slot.pk]) in content
    assert "?professional=" in content


def test_it_hides_a_round_from_a_teacher_of_another_group(teacher2_client, group_round):
    response = teacher2_client.get(reverse("round_detail", args=[group_round.pk]))

    assert response.status_code == 404


def test_it_hides_a_round_from_another_location(other_coordinator_client, group_round):
    response = other_coordinator_client.get(reverse("round_detail", args=[group_round.pk]))

    assert response.status_code == 404


def test_it_refuses_a_post_to_the_schedule(teacher_client, group_round):
    response = teacher_client.post(reverse("round_detail", args=[group_round.pk]))

    assert response.status_code == 405


@pytest.mark.parametrize("size", [6, 60])
def test_it_shows_the_schedule_in_a_fixed_number_of_queries(
    size, coordinator_client, location, group, teacher, django_assert_max_num_queries
):
    meeting_round = factories.make_round(location, [group], teacher)
    day = timezone.localdate() + dt.timedelta(days=10)
    slots = factories.make_slots(meeting_round, teacher, count=size, start=dt.time(8, 0))
    for number in range(size // 3):
        family = factories.make_family(location)
        factories.make_guardian(family)
        child = factories.make_child(family, group, first_name=f"Kind{number}")
        booking.round_enrol(meeting_round=meeting_round)
        conversation = factories.round_conversation(meeting_round, child)
        booking.booking_make(
            choice=[(conversation.pk, [slots[number].pk])],
            user=teacher,
            conversation=conversation,
            guardian=family.guardians.get() if number % 2 else None,
        )
    booking.slot_block(slot=slots[-1], blocked=True)
    assert Slot.objects.filter(starts_at__date=day).count() == size

    with django_assert_max_num_queries(DETAIL_QUERIES + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.get(reverse("round_detail", args=[meeting_round.pk]))

    assert response.content.decode().count('class="slot slot--') == size


@pytest.mark.parametrize("size", [6, 60])
def test_it_shows_a_teacher_the_schedule_in_a_fixed_number_of_queries(
    size, teacher_client, location, group, teacher, django_assert_max_num_queries
):
    meeting_round = factories.make_round(location, [group], teacher)
    slots = factories.make_slots(meeting_round, teacher, count=size, start=dt.time(8, 0))
    for number in range(size // 3):
        family = factories.make_family(location)
        child = factories.make_child(family, group, first_name=f"Kind{number}")
        booking.round_enrol(meeting_round=meeting_round)
        conversation = factories.round_conversation(meeting_round, child)
        booking.booking_make(
            choice=[(conversation.pk, [slots[number].pk])], user=teacher, conversation=conversation
        )

    with django_assert_max_num_queries(DETAIL_QUERIES + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(reverse("round_detail", args=[meeting_round.pk]))

    assert response.content.decode().count("slot__who") == size // 3


# Changing a round


def test_it_changes_a_round_and_enrols_an_added_group(
    coordinator_client, group_round, group, other_group, other_child
):
    data = _round_data(group, other_group, name="Rapportgesprekken (nieuw)")
    data.pop("kind")

    response = coordinator_client.post(reverse("round_edit", args=[group_round.pk]), data)

    assert response.status_code == 302
    group_round.refresh_from_db()
    assert group_round.name == "Rapportgesprekken (nieuw)"
    assert set(group_round.groups.all()) == {group, other_group}
    assert Conversation.objects.filter(meeting_round=group_round, child=other_child).exists()
    followed = coordinator_client.get(response["Location"]).content.decode()
    assert "1 child got a conversation in the round." in followed


def test_it_closes_a_round_earlier(teacher_client, group_round, group):
    closes = _moment(2, hour=12)
    data = _round_data(group, opens_at=_moment(-1), closes_at=closes)
    data.pop("kind")

    teacher_client.post(reverse("round_edit", args=[group_round.pk]), data)

    group_round.refresh_from_db()
    assert timezone.localtime(group_round.closes_at).strftime("%Y-%m-%dT%H:%M") == closes


def test_it_takes_a_group_out_of_the_round_while_nobody_booked(
    coordinator_client, meeting_round, group, other_child
):
    data = _round_data(group)
    data.pop("kind")

    coordinator_client.post(reverse("round_edit", args=[meeting_round.pk]), data)

    assert list(meeting_round.groups.all()) == [group]
    assert not Conversation.objects.filter(meeting_round=meeting_round, child=other_child).exists()
    assert Conversation.objects.filter(child=other_child, kind=Kind.PROGRESS).exists()


def test_it_keeps_a_group_whose_families_booked(
    coordinator_client, meeting_round, group, other_child, teacher2
):
    conversation = factories.round_conversation(meeting_round, other_child)
    slot = meeting_round.slots.filter(professional=teacher2).first()
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=teacher2, conversation=conversation
    )
    data = _round_data(group)
    data.pop("kind")

    response = coordinator_client.post(reverse("round_edit", args=[meeting_round.pk]), data)

    assert response.status_code == 200
    assert "Families of a group you took out have booked already." in response.content.decode()
    assert meeting_round.groups.count() == 2


def test_it_shows_constraint_errors_when_changing(teacher_client, group_round, group):
    data = _round_data(group, opens_at=_moment(3), closes_at=_moment(3))
    data.pop("kind")

    response = teacher_client.post(reverse("round_edit", args=[group_round.pk]), data)

    assert response.status_code == 200
    assert "The deadline must be after the opening moment." in response.content.decode()


def test_it_lets_only_who_plans_every_group_change_a_round(teacher_client, meeting_round):
    # The round covers the teacher's group and teacher2's: only a coordinator changes it.
    response = teacher_client.get(reverse("round_edit", args=[meeting_round.pk]))

    assert response.status_code == 404


def test_it_hides_the_edit_page_from_outsiders(teacher2_client, group_round):
    assert teacher2_client.get(reverse("round_edit", args=[group_round.pk])).status_code == 404


def test_it_refuses_other_methods_on_the_edit_page(teacher_client, group_round):
    response = teacher_client.delete(reverse("round_edit", args=[group_round.pk]))

    assert response.status_code == 405
