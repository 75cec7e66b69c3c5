"""The round's staff pages say when parents asked for an interpreter in the
questionnaire (or while booking) and nobody planned one yet: the schedule,
a day on paper and the families without a time. One query for the page,
however many families asked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations import booking
from conversations.models import QuestionnaireAnswer
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


def _ask(conversation, *choices, text=""):
    """Each of the family's parents answers the interpreter question."""
    for guardian in conversation.child.family.guardians.all():
        link = factories.make_parent_link(conversation, guardian)
        QuestionnaireAnswer.objects.create(
            link=link, question="interpreter", choices=list(choices), text=text
        )


def _book(teacher, conversation, slot):
    booking.booking_make(
        choice=[(conversation.pk, [slot.pk])], user=teacher, conversation=conversation
    )


def _round_with_families(location, group, teacher, size, *, ask=True, days=10):
    """`size` families in a round for `group`, each with a conversation; every
    other one booked; each parent asked for a Polish interpreter."""
    meeting_round = factories.make_round(location, [group], teacher)
    day = timezone.localdate() + dt.timedelta(days=days)
    slots = factories.make_slots(meeting_round, teacher, count=size, day=day, start=dt.time(8, 0))
    conversations = []
    for number in range(size):
        family = factories.make_family(location)
        factories.make_guardian(family, first_name=f"Ouder{number}")
        child = factories.make_child(family, group, first_name=f"Kind{number}")
        booking.round_enrol(meeting_round=meeting_round)
        conversation = factories.round_conversation(meeting_round, child)
        if ask:
            _ask(conversation, "pl")
        if number % 2 == 0:
            _book(teacher, conversation, slots[number])
        conversations.append(conversation)
    return meeting_round, slots, conversations


def _pages(meeting_round, slots):
    day = timezone.localdate(slots[0].starts_at)
    return [
        reverse("round_detail", args=[meeting_round.pk]),
        reverse("round_day_print", args=[meeting_round.pk, day]),
        reverse("round_unbooked", args=[meeting_round.pk]),
    ]


def test_it_shows_the_interpreter_asked_with_its_language(teacher_client, location, group, teacher):
    meeting_round, slots, _ = _round_with_families(location, group, teacher, 2)
    detail, day_print, unbooked = _pages(meeting_round, slots)

    assert "interpreter asked: Polish" in teacher_client.get(detail).content.decode()
    assert "asked, not planned yet: Polish" in teacher_client.get(day_print).content.decode()
    assert "interpreter asked: Polish" in teacher_client.get(unbooked).content.decode()


def test_it_names_a_written_language_and_each_language_once(
    teacher_client, location, group, teacher
):
    meeting_round, slots, [first, *_] = _round_with_families(location, group, teacher, 1, ask=False)
    factories.make_guardian(first.child.family, first_name="Kemal")
    _ask(first, "other", text="Dari")
    content = teacher_client.get(_pages(meeting_round, slots)[0]).content.decode()
    assert content.count("interpreter asked: Dari") == 1
    assert "Dari, Dari" not in content


def test_it_says_nothing_when_the_parent_said_no_or_one_is_planned(
    teacher_client, location, group, teacher
):
    meeting_round, slots, [said_no, planned] = _round_with_families(
        location, group, teacher, 2, ask=False
    )
    _ask(said_no, "no")
    _ask(planned, "tr")
    planned.interpreter, planned.interpreter_language = True, "Turks"
    planned.save()

    for url in _pages(meeting_round, slots):
        content = teacher_client.get(url).content.decode()
        assert "interpreter asked" not in content
        assert "not planned yet" not in content


def _queries(client, url) -> int:
    client.get(url)  # Renews the session once, for a fair count.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_reads_the_requests_in_one_query_however_many_families(
    teacher_client, location, group, teacher
):
    small_round, small_slots, _ = _round_with_families(location, group, teacher, 2)
    big_round, big_slots, _ = _round_with_families(location, group, teacher, 12, days=11)
    for small, big in zip(
        _pages(small_round, small_slots), _pages(big_round, big_slots), strict=True
    ):
        assert _queries(teacher_client, small) == _queries(teacher_client, big)
        assert teacher_client.get(big).content.decode().count("asked") >= 6
