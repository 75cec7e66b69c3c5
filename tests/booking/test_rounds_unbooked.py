"""Who has not booked yet and the one-click request to book; the printed day
schedule; and the demo round."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conversations import booking, demo_rounds, parent_links
from conversations.models import Booking, ConversationText, MeetingRound, ParentLink, Slot
from families import demo
from families.management.commands.seed_demo import SEED
from families.school_year import current_school_year
from tests import factories
from tests.booking.helpers import book_for
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]

UNBOOKED_QUERIES = 9
PRINT_QUERIES = 9


@pytest.fixture
def kemal(family):
    """Emre's father, without an email address."""
    return factories.make_guardian(
        family, first_name="Kemal", last_name="Yilmaz", relation="father", email=""
    )


def _family(location, group, name: str, *, email: bool = True):
    family = factories.make_family(location, name=f"Familie {name}")
    extra = {} if email else {"email": ""}
    factories.make_guardian(family, first_name=f"Ouder {name}", **extra)
    return factories.make_child(family, group, first_name=name)


def _book(user, meeting_round, child, slot, guardian=None):
    conversation = factories.round_conversation(meeting_round, child)
    return book_for(user, conversation, slot, guardian=guardian)


# Not booked yet


def test_it_lists_the_families_without_a_time(
    teacher_client, teacher, group_round, location, group, child, kemal
):
    booked_child = factories.make_child(factories.make_family(location), group, first_name="Lotte")
    booking.round_enrol(meeting_round=group_round)
    _book(teacher, group_round, booked_child, group_round.slots.first())
    conversation = factories.round_conversation(group_round, child)

    response = teacher_client.get(reverse("round_unbooked", args=[group_round.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Emre Yilmaz" in content
    assert "Lotte" not in content
    assert "1 family has no time yet" in content
    assert "Groep 3" in content
    assert "Ayşe Yilmaz" in content
    assert "Kemal Yilmaz" in content
    assert "no email" in content
    assert "no link yet" in content
    assert reverse("round_book", args=[group_round.pk, conversation.pk]) in content
    # Kemal has no link yet: the page sends the teacher to make one first.
    step = reverse("preparation_step", args=[conversation.pk, "ouders-vooraf"])
    assert f"{step}#guardian-{kemal.pk}" in content


def test_it_links_the_letter_for_a_parent_without_email(
    teacher_client, teacher, group_round, child, kemal
):
    conversation = factories.round_conversation(group_round, child)
    parent_links.link_create(conversation=conversation, guardian=kemal, user=teacher)

    content = teacher_client.get(reverse("round_unbooked", args=[group_round.pk])).content.decode()

    assert reverse("parent_link_letter", args=[conversation.pk, kemal.pk]) in content
    assert "Print the letter for Kemal" in content


def test_it_shows_who_was_asked_to_book(teacher_client, teacher, group_round, child, family):
    conversation = factories.round_conversation(group_round, child)
    link = parent_links.link_create(
        conversation=conversation, guardian=family.guardians.get(), user=teacher
    )
    ParentLink.objects.filter(pk=link.pk).update(booking_asked_at=timezone.now())

    content = teacher_client.get(reverse("round_unbooked", args=[group_round.pk])).content.decode()

    assert "emailed " in content


def test_it_shows_a_teacher_only_their_own_groups(teacher_client, meeting_round):
    content = teacher_client.get(
        reverse("round_unbooked", args=[meeting_round.pk])
    ).content.decode()

    assert "Emre" in content
    assert "Noor" not in content
    assert "Groep 5" not in content


def test_it_shows_the_coordinator_every_group(
    coordinator_client, teacher, kemal, meeting_round, child
):
    conversation = factories.round_conversation(meeting_round, child)
    parent_links.link_create(conversation=conversation, guardian=kemal, user=teacher)

    content = coordinator_client.get(
        reverse("round_unbooked", args=[meeting_round.pk])
    ).content.decode()

    assert "Emre" in content
    assert "Noor" in content
    assert "Ask 2 families to book" in content
    assert reverse("round_book", args=[meeting_round.pk, conversation.pk]) in content
    # A coordinator books for a family, but the letter is the professional's.
    assert reverse("parent_link_letter", args=[conversation.pk, kemal.pk]) not in content


def test_it_hides_the_list_from_outsiders(teacher2_client, other_coordinator_client, group_round):
    url = reverse("round_unbooked", args=[group_round.pk])

    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404


def test_it_refuses_a_post_to_the_list(teacher_client, group_round):
    assert teacher_client.post(reverse("round_unbooked", args=[group_round.pk])).status_code == 405


@pytest.mark.parametrize("size", [2, 20])
def test_it_lists_the_families_in_a_fixed_number_of_queries(
    size, coordinator_client, location, group, teacher, django_assert_max_num_queries
):
    for number in range(size):
        child = _family(location, group, f"Kind{number}", email=bool(number % 2))
    meeting_round = factories.make_round(location, [group], teacher)
    conversation = factories.round_conversation(meeting_round, child)
    parent_links.link_create(
        conversation=conversation, guardian=child.family.guardians.get(), user=teacher
    )

    with django_assert_max_num_queries(UNBOOKED_QUERIES + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.get(reverse("round_unbooked", args=[meeting_round.pk]))

    assert response.content.decode().count('class="unbooked"') == size


# One click: please book


def test_it_asks_every_family_without_a_time_to_book(
    teacher_client, teacher, kemal, group_round, location, group, child, family
):
    lotte = _family(location, group, "Lotte")
    booking.round_enrol(meeting_round=group_round)
    booked = _family(location, group, "Bram")
    booking.round_enrol(meeting_round=group_round)
    _book(teacher, group_round, booked, group_round.slots.first())
    ayse = family.guardians.get(first_name="Ayşe")

    response = teacher_client.post(reverse("round_remind", args=[group_round.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("round_unbooked", args=[group_round.pk])
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [ayse.email, lotte.family.guardians.get().email]
    )
    followed = teacher_client.get(response["Location"]).content.decode()
    assert "2 parents got an email asking to book a time." in followed
    assert "No email address for Kemal Yilmaz" in followed
    conversation = factories.round_conversation(group_round, child)
    assert ParentLink.objects.get(conversation=conversation, guardian=ayse).booking_asked_at


def test_it_says_when_everybody_has_booked(teacher_client, teacher, group_round, child):
    _book(teacher, group_round, child, group_round.slots.first())

    response = teacher_client.post(reverse("round_remind", args=[group_round.pk]), follow=True)

    assert "Every family has booked a time: nobody to remind." in response.content.decode()
    assert not mail.outbox


def test_it_lets_a_teacher_remind_only_their_own_families(
    teacher_client, meeting_round, family, other_child
):
    teacher_client.post(reverse("round_remind", args=[meeting_round.pk]))

    recipients = [address for message in mail.outbox for address in message.to]
    assert recipients == [family.guardians.get().email]
    assert other_child.family.guardians.get().email not in recipients


def test_it_lets_the_coordinator_remind_every_family(coordinator_client, meeting_round):
    coordinator_client.post(reverse("round_remind", args=[meeting_round.pk]))

    assert len({address for message in mail.outbox for address in message.to}) == 2


def test_it_hides_reminding_from_outsiders(teacher2_client, other_coordinator_client, group_round):
    url = reverse("round_remind", args=[group_round.pk])

    assert teacher2_client.post(url).status_code == 404
    assert other_coordinator_client.post(url).status_code == 404
    assert teacher2_client.get(url).status_code == 405
    assert not mail.outbox


# The day schedule


def test_it_prints_the_teachers_day(teacher_client, teacher, kemal, group_round, child):
    conversation = factories.round_conversation(group_round, child)
    conversation.interpreter, conversation.interpreter_language = True, "Turks"
    conversation.save()
    ConversationText.objects.create(
        conversation=conversation, key="prep_going_well", text="Geheime notitie"
    )
    first, second, *_ = group_round.slots.order_by("starts_at")
    Slot.objects.filter(pk=first.pk).update(place="Lokaal 3")
    _book(teacher, group_round, child, first)
    booking.slot_block(slot=second, blocked=True)
    day = timezone.localdate(first.starts_at)

    response = teacher_client.get(reverse("round_day_print", args=[group_round.pk, day]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Emre Yilmaz" in content
    assert "Ayşe Yilmaz" in content
    assert "Kemal Yilmaz" in content
    assert "Turks" in content
    assert "Lokaal 3" in content
    assert "blocked" in content
    assert content.count("day-table__row--free") == 4
    assert "Geheime notitie" not in content
    assert 'media="print"' in content


def test_it_names_the_parent_alone_on_the_day(teacher_client, teacher, kemal, group_round, child):
    first = group_round.slots.order_by("starts_at").first()
    _book(teacher, group_round, child, first, guardian=kemal)

    content = teacher_client.get(
        reverse("round_day_print", args=[group_round.pk, timezone.localdate(first.starts_at)])
    ).content.decode()

    assert "Kemal Yilmaz" in content
    assert "Ayşe" not in content


def test_it_lets_the_coordinator_choose_whose_day(coordinator_client, meeting_round, teacher2):
    slot = meeting_round.slots.filter(professional=teacher2).first()
    url = reverse("round_day_print", args=[meeting_round.pk, timezone.localdate(slot.starts_at)])

    choosing = coordinator_client.get(url)
    chosen = coordinator_client.get(url, {"professional": teacher2.pk})

    assert choosing.status_code == 200
    assert "Choose whose day schedule to print." in choosing.content.decode()
    assert f'<option value="{teacher2.pk}"' in choosing.content.decode()
    assert chosen.status_code == 200
    assert chosen.content.decode().count("day-table__row--free") == 6


def test_it_refuses_a_professional_outside_the_round(
    coordinator_client, teacher_client, coordinator, meeting_round, teacher2
):
    slot = meeting_round.slots.first()
    url = reverse("round_day_print", args=[meeting_round.pk, timezone.localdate(slot.starts_at)])

    assert coordinator_client.get(url, {"professional": coordinator.pk}).status_code == 404
    assert coordinator_client.get(url, {"professional": "x"}).status_code == 404
    assert teacher_client.get(url, {"professional": teacher2.pk}).status_code == 404


def test_it_refuses_a_day_that_is_no_date(teacher_client, group_round):
    response = teacher_client.get(reverse("round_day_print", args=[group_round.pk, "2026-02-30"]))

    assert response.status_code == 404


def test_it_says_when_there_are_no_times_that_day(teacher_client, group_round):
    response = teacher_client.get(
        reverse("round_day_print", args=[group_round.pk, timezone.localdate().isoformat()])
    )

    assert response.status_code == 200
    assert "No times on this day." in response.content.decode()


def test_it_hides_the_day_from_outsiders(teacher2_client, other_coordinator_client, group_round):
    day = timezone.localdate(group_round.slots.first().starts_at).isoformat()
    url = reverse("round_day_print", args=[group_round.pk, day])

    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404


def test_it_refuses_a_post_to_the_day(teacher_client, group_round):
    day = timezone.localdate(group_round.slots.first().starts_at).isoformat()

    response = teacher_client.post(reverse("round_day_print", args=[group_round.pk, day]))

    assert response.status_code == 405


@pytest.mark.parametrize("size", [6, 60])
def test_it_prints_the_day_in_a_fixed_number_of_queries(
    size, teacher_client, location, group, teacher, django_assert_max_num_queries
):
    meeting_round = factories.make_round(location, [group], teacher)
    slots = factories.make_slots(meeting_round, teacher, count=size, start=dt.time(8, 0))
    for number in range(size // 3):
        child = _family(location, group, f"Kind{number}")
        booking.round_enrol(meeting_round=meeting_round)
        _book(teacher, meeting_round, child, slots[number])
    day = timezone.localdate(slots[0].starts_at)

    with django_assert_max_num_queries(PRINT_QUERIES + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(reverse("round_day_print", args=[meeting_round.pk, day]))

    assert response.content.decode().count("day-table__row--booked") == size // 3


# The demo


def test_it_seeds_a_demo_round_and_leaves_it_on_a_second_run(db):
    year, today = current_school_year(), timezone.localdate()
    summary = demo.demo_seed(rng=random.Random(SEED), year=year, with_users=True, today=today)

    meeting_round = demo_rounds.seed_rounds(location=summary.location, year=year, today=today)

    assert {group.name for group in meeting_round.groups.all()} == {"Groep 3", "Groep 5/6"}
    bookings = Booking.objects.filter(conversation__meeting_round=meeting_round)
    assert {held.conversation.child.first_name for held in bookings} == {
        "Selam",
        "Tess",
        "Daan",
        "Sem",
        "Maksym",
    }
    selam = bookings.get(conversation__child__first_name="Selam")
    assert selam.minutes == 20
    tess = bookings.get(conversation__child__first_name="Tess")
    daan = bookings.get(conversation__child__first_name="Daan")
    assert daan.starts_at == tess.ends_at
    assert bookings.get(conversation__child__first_name="Maksym").guardian.first_name == "Olena"
    assert meeting_round.slots.filter(blocked=True).count() == 1
    days = {timezone.localdate(slot.starts_at) for slot in meeting_round.slots.all()}
    assert len(days) == 2
    assert min(days).weekday() == 1
    assert meeting_round.is_open_for(several_children=False)
    # Fatima's two evenings break from 19:30 to 19:45.
    assert not meeting_round.slots.filter(starts_at__time=dt.time(19, 30)).exists()

    again = demo_rounds.seed_rounds(location=summary.location, year=year, today=today)

    assert again.pk == meeting_round.pk
    assert MeetingRound.objects.count() == 1
    assert bookings.count() == 5


def test_it_makes_the_demo_round_afresh_when_its_evenings_have_passed(db):
    year, today = current_school_year(), timezone.localdate()
    summary = demo.demo_seed(rng=random.Random(SEED), year=year, with_users=True, today=today)
    old = demo_rounds.seed_rounds(location=summary.location, year=year, today=today)
    # Three weeks later, as far as the round can tell.
    weeks = dt.timedelta(days=21)
    Slot.objects.update(starts_at=F("starts_at") - weeks, ends_at=F("ends_at") - weeks)

    new = demo_rounds.seed_rounds(location=summary.location, year=year, today=today)

    assert new.pk != old.pk
    assert MeetingRound.objects.count() == 1
    assert Booking.objects.count() == 5
    first = new.slots.order_by("starts_at").first()
    assert timezone.localdate(first.starts_at) == demo_rounds.first_evening(today)


def test_it_shows_the_demo_round_to_the_demo_teacher(db):
    year, today = current_school_year(), timezone.localdate()
    summary = demo.demo_seed(rng=random.Random(SEED), year=year, with_users=True, today=today)
    meeting_round = demo_rounds.seed_rounds(location=summary.location, year=year, today=today)
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo-teacher"))

    content = client.get(reverse("round_detail", args=[meeting_round.pk])).content.decode()

    assert "Selam Tesfay" in content
    assert "Tess Bakker" in content
