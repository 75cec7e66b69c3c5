"""A professional adds a day of slots with breaks; slots are blocked, freed
and removed (also through htmx)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from conversations import booking
from conversations.models import Slot
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


@pytest.fixture
def group_round(location, group, teacher, child):
    meeting_round = factories.make_round(location, [group], teacher, slot_minutes=15)
    factories.make_slots(meeting_round, teacher, count=3)
    return meeting_round


@pytest.fixture
def day():
    return timezone.localdate() + dt.timedelta(days=14)


def _day_data(day, **overrides):
    data = {
        "professional": "",
        "day": day.isoformat(),
        "start": "18:00",
        "end": "20:00",
        "breaks": "2",
        "break_1_start": "19:00",
        "break_1_end": "19:15",
        "break_2_start": "",
        "break_2_end": "",
        "place": "Lokaal groep 3",
        "video_link": "",
    }
    return data | overrides


def _times(meeting_round, professional, day):
    return [
        timezone.localtime(slot.starts_at).strftime("%H:%M")
        for slot in Slot.objects.filter(
            meeting_round=meeting_round, professional=professional, starts_at__date=day
        ).order_by("starts_at")
    ]


def test_it_shows_the_form_with_a_break_row(teacher_client, group_round):
    response = teacher_client.get(reverse("round_slots_add", args=[group_round.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="break_1_start"' in content
    assert 'name="break_2_start"' not in content
    assert "Another break" in content


def test_it_adds_a_day_leaving_the_break_out(teacher_client, teacher, group_round, day):
    response = teacher_client.post(
        reverse("round_slots_add", args=[group_round.pk]),
        _day_data(day, professional=teacher.pk),
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#day-{teacher.pk}-{day.isoformat()}")
    assert _times(group_round, teacher, day) == [
        "18:00",
        "18:15",
        "18:30",
        "18:45",
        "19:15",
        "19:30",
        "19:45",
    ]
    slot = Slot.objects.filter(starts_at__date=day).first()
    assert slot.place == "Lokaal groep 3"
    assert slot.minutes == 15
    followed = teacher_client.get(response["Location"]).content.decode()
    assert "7 slots of 15 minutes are added on" in followed


def test_it_leaves_several_breaks_out(teacher_client, teacher, group_round, day):
    data = _day_data(
        day, professional=teacher.pk, breaks="2", break_2_start="18:30", break_2_end="18:45"
    )

    teacher_client.post(reverse("round_slots_add", args=[group_round.pk]), data)

    assert _times(group_round, teacher, day) == [
        "18:00",
        "18:15",
        "18:45",
        "19:15",
        "19:30",
        "19:45",
    ]


def test_it_skips_times_the_teacher_already_has(teacher_client, teacher, group_round, day):
    factories.make_slots(group_round, teacher, day=day, start=dt.time(18, 30), count=2)

    response = teacher_client.post(
        reverse("round_slots_add", args=[group_round.pk]),
        _day_data(day, professional=teacher.pk, break_1_start="", break_1_end=""),
    )

    assert _times(group_round, teacher, day) == [
        "18:00",
        "18:15",
        "18:30",
        "18:45",
        "19:00",
        "19:15",
        "19:30",
        "19:45",
    ]
    followed = teacher_client.get(response["Location"]).content.decode()
    assert "6 slots of 15 minutes are added on" in followed
    assert "Times that overlap slots Teacher already has" in followed


def test_it_adds_a_row_for_another_break_and_keeps_what_was_typed(
    teacher_client, teacher, group_round, day
):
    data = _day_data(day, professional=teacher.pk, breaks="1", add_break="1")

    response = teacher_client.post(reverse("round_slots_add", args=[group_round.pk]), data)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="break_2_start"' in content
    assert 'value="19:15"' in content
    assert "field__errors" not in content
    assert not Slot.objects.filter(starts_at__date=day).exists()


def test_it_says_what_is_wrong_with_the_day(teacher_client, teacher, group_round):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = _day_data(
        yesterday, professional=teacher.pk, start="20:00", end="18:00", place="", breaks="1"
    )
    data["break_1_end"] = ""

    response = teacher_client.post(reverse("round_slots_add", args=[group_round.pk]), data)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Choose a day from today on." in content
    assert "The end must be after the start." in content
    assert "Fill in a room or a video link, so parents know where to go." in content
    assert "Fill in when the break starts and ends." in content
    assert group_round.slots.count() == 3


def test_it_takes_a_video_link_instead_of_a_room(teacher_client, teacher, group_round, day):
    data = _day_data(
        day, professional=teacher.pk, place="", video_link="https://meet.example.org/x"
    )

    teacher_client.post(reverse("round_slots_add", args=[group_round.pk]), data)

    assert Slot.objects.filter(
        starts_at__date=day, video_link="https://meet.example.org/x"
    ).exists()


def test_it_lets_a_coordinator_add_a_day_for_a_professional(
    coordinator_client, meeting_round, teacher2, day
):
    response = coordinator_client.get(reverse("round_slots_add", args=[meeting_round.pk]))
    assert f'value="{teacher2.pk}"' in response.content.decode()

    coordinator_client.post(
        reverse("round_slots_add", args=[meeting_round.pk]),
        _day_data(day, professional=teacher2.pk),
    )

    # 10-minute slots from 18:00 to 20:00 without the break from 19:00 to 19:15.
    assert len(_times(meeting_round, teacher2, day)) == 10


def test_it_adds_a_teachers_day_only_for_themselves(
    teacher_client, teacher, teacher2, meeting_round, day
):
    response = teacher_client.post(
        reverse("round_slots_add", args=[meeting_round.pk]),
        _day_data(day, professional=teacher2.pk),
    )

    assert response.status_code == 200
    assert "You can add times for yourself" in response.content.decode()
    assert not Slot.objects.filter(starts_at__date=day).exists()


def test_it_hides_the_day_form_from_outsiders(
    teacher2_client, other_coordinator_client, group_round
):
    url = reverse("round_slots_add", args=[group_round.pk])

    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.post(url, {}).status_code == 404


def test_it_refuses_other_methods_on_the_day_form(teacher_client, group_round):
    response = teacher_client.put(reverse("round_slots_add", args=[group_round.pk]))

    assert response.status_code == 405


# Blocking, freeing and removing


def _slot(meeting_round, professional=None):
    slots = meeting_round.slots.order_by("starts_at")
    return (slots.filter(professional=professional) if professional else slots).last()


def test_it_blocks_and_frees_a_slot(teacher_client, group_round):
    slot = _slot(group_round)
    url = reverse("slot_block", args=[group_round.pk, slot.pk])

    response = teacher_client.post(url, {"blocked": "true"})

    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.blocked
    assert slot not in Slot.objects.free()

    teacher_client.post(url, {"blocked": "false"})

    slot.refresh_from_db()
    assert not slot.blocked


def test_it_toggles_without_a_wish(teacher_client, group_round):
    slot = _slot(group_round)

    teacher_client.post(reverse("slot_block", args=[group_round.pk, slot.pk]))

    slot.refresh_from_db()
    assert slot.blocked


def test_it_answers_htmx_with_the_slot_row(teacher_client, group_round):
    slot = _slot(group_round)

    response = teacher_client.post(
        reverse("slot_block", args=[group_round.pk, slot.pk]),
        {"blocked": "true"},
        headers={"HX-Request": "true"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith('<li class="slot slot--blocked')
    assert f'id="slot-{slot.pk}"' in content
    assert "is blocked: nobody can book it." in content
    assert "<html" not in content
    assert "HX-Request" in response["Vary"]


def test_it_refuses_to_block_a_booked_slot(teacher_client, teacher, group_round, child):
    conversation = factories.round_conversation(group_round, child)
    slot = _slot(group_round)
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=teacher, conversation=conversation
    )
    url = reverse("slot_block", args=[group_round.pk, slot.pk])

    htmx = teacher_client.post(url, {"blocked": "true"}, headers={"HX-Request": "true"})
    plain = teacher_client.post(url, {"blocked": "true"}, follow=True)

    assert htmx.status_code == 409
    assert "This time is booked. Move or cancel the booking first." in htmx.content.decode()
    assert "This time is booked. Move or cancel the booking first." in plain.content.decode()
    slot.refresh_from_db()
    assert not slot.blocked


def test_it_says_a_slot_is_booked_in_each_users_language(
    teacher_client, teacher, group_round, child
):
    """The refusal follows the language of each request, not the one the
    module happened to be loaded in."""
    conversation = factories.round_conversation(group_round, child)
    slot = _slot(group_round)
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=teacher, conversation=conversation
    )
    url = reverse("slot_block", args=[group_round.pk, slot.pk])
    english = "This time is booked. Move or cancel the booking first."
    with translation.override("nl"):
        dutch = gettext(english)

    in_english = teacher_client.post(url, {"blocked": "true"}, headers={"HX-Request": "true"})
    teacher_client.cookies["django_language"] = "nl"
    in_dutch = teacher_client.post(url, {"blocked": "true"}, headers={"HX-Request": "true"})

    assert dutch != english
    assert english in in_english.content.decode()
    assert escape(dutch) in in_dutch.content.decode()


def test_it_removes_a_free_slot(teacher_client, group_round):
    slot = _slot(group_round)

    response = teacher_client.post(reverse("slot_delete", args=[group_round.pk, slot.pk]))

    assert response.status_code == 302
    assert not Slot.objects.filter(pk=slot.pk).exists()


def test_it_removes_the_row_for_htmx(teacher_client, group_round):
    slot = _slot(group_round)

    response = teacher_client.post(
        reverse("slot_delete", args=[group_round.pk, slot.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.content == b""
    assert not Slot.objects.filter(pk=slot.pk).exists()


def test_it_keeps_a_booked_slot(teacher_client, teacher, group_round, child):
    conversation = factories.round_conversation(group_round, child)
    slot = _slot(group_round)
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=teacher, conversation=conversation
    )

    response = teacher_client.post(
        reverse("slot_delete", args=[group_round.pk, slot.pk]), follow=True
    )

    assert "This time is booked. Move or cancel the booking first." in response.content.decode()
    assert Slot.objects.filter(pk=slot.pk).exists()


def test_it_lets_only_the_slots_professional_or_a_coordinator_change_it(
    teacher_client, coordinator_client, meeting_round, teacher2
):
    theirs = _slot(meeting_round, teacher2)

    assert (
        teacher_client.post(reverse("slot_block", args=[meeting_round.pk, theirs.pk])).status_code
        == 404
    )
    assert (
        teacher_client.post(reverse("slot_delete", args=[meeting_round.pk, theirs.pk])).status_code
        == 404
    )
    assert (
        coordinator_client.post(
            reverse("slot_block", args=[meeting_round.pk, theirs.pk])
        ).status_code
        == 302
    )
    theirs.refresh_from_db()
    assert theirs.blocked


def test_it_hides_slots_from_outsiders(teacher2_client, other_coordinator_client, group_round):
    slot = _slot(group_round)

    for name in ("slot_block", "slot_delete"):
        url = reverse(name, args=[group_round.pk, slot.pk])
        assert teacher2_client.post(url).status_code == 404
        assert other_coordinator_client.post(url).status_code == 404
    slot.refresh_from_db()
    assert not slot.blocked


def test_it_finds_a_slot_only_in_its_own_round(
    teacher_client, teacher, group_round, location, group
):
    other_round = factories.make_round(location, [group], teacher, name="Andere ronde")
    slot = _slot(group_round)

    response = teacher_client.post(reverse("slot_block", args=[other_round.pk, slot.pk]))

    assert response.status_code == 404


def test_it_refuses_a_get_on_slot_actions(teacher_client, group_round):
    slot = _slot(group_round)

    for name in ("slot_block", "slot_delete"):
        assert teacher_client.get(reverse(name, args=[group_round.pk, slot.pk])).status_code == 405
