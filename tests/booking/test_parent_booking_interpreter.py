"""A parent who chooses "We would like an interpreter" on the booking page
says in which language, and that wish becomes their answer to the
questionnaire's interpreter question, so the professional reads it.

`english_link` (tests/booking/conftest.py) is Ayşe's link to Emre's
conversation in `meeting_round` (teacher's six 10-minute slots from 18:00,
ten days from now), reading English.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations import booking
from conversations.models import Booking, Conversation, QuestionnaireAnswer
from conversations.parent_answers import interpreter_advice, parent_answers
from conversations.parent_forms import interpreter_languages
from tests import factories
from tests.booking.helpers import choice_value, slots_of
from tests.booking.test_parent_booking import BOOKING_POST_QUERIES

pytestmark = pytest.mark.django_db

# A booking with the wish: the booking's own queries (BOOKING_POST_QUERIES),
# the parent's links to the booked conversations (1), the new answers (an
# INSERT that leaves stored ones alone) and the empty ones filled in (an
# UPDATE): the same for one child as for siblings booked back to back.
INTERPRETER_BOOKING_POST_QUERIES = BOOKING_POST_QUERIES + 3


def _url(link) -> str:
    return reverse("parent_booking", args=[link.token])


def _answers(link) -> list[QuestionnaireAnswer]:
    return list(QuestionnaireAnswer.objects.filter(link=link, question="interpreter"))


def _book_with_interpreter(client, link, conversation, slots, language="tr"):
    return client.post(
        _url(link),
        {
            "choice": choice_value(conversation, *slots),
            "tolk": "1",
            "interpreter_language": language,
        },
    )


def _options(content: str) -> list[tuple[str, bool]]:
    """The select's options: (value, selected)."""
    select = re.search(r'<select name="interpreter_language"[^>]*>(.*?)</select>', content, re.S)
    assert select is not None
    return [
        (value, bool(selected))
        for value, selected in re.findall(r'<option value="([^"]*)"( selected)?>', select.group(1))
    ]


# The page


def test_it_asks_which_language_once_the_parent_chose_an_interpreter(client, english_link):
    assert 'name="interpreter_language"' not in client.get(_url(english_link)).content.decode()

    content = client.get(_url(english_link), {"tolk": "1"}).content.decode()

    label = re.search(r'<label for="([^"]+)">In which language\?</label>', content)
    assert label is not None
    assert f'id="{label.group(1)}"' in content
    assert re.search(r'<select name="interpreter_language"[^>]* form="choose"', content)
    assert '<form id="choose"' in content
    assert '<option value="">I don&#x27;t know yet</option>' in content
    options = _options(content)
    assert [value for value, _ in options] == ["", *(code for code, _ in interpreter_languages())]
    # The page reads English, so English is proposed.
    assert [value for value, selected in options if selected] == ["en"]


@pytest.mark.parametrize(("language", "proposed"), [("tr", ["tr"]), ("nl", [""])])
def test_it_proposes_the_pages_language_unless_dutch(client, round_link, language, proposed):
    round_link.language = language
    round_link.save(update_fields=["language"])
    content = client.get(_url(round_link), {"tolk": "1"}).content.decode()
    assert [value for value, selected in _options(content) if selected] == proposed


def test_it_does_not_ask_the_language_when_an_interpreter_is_wanted_already(client, english_link):
    QuestionnaireAnswer.objects.create(link=english_link, question="interpreter", choices=["ar"])
    content = client.get(_url(english_link), {"tolk": "1"}).content.decode()
    assert "You asked for an interpreter. We will try to arrange one" in content
    assert 'name="interpreter_language"' not in content


# The booking


def test_it_keeps_the_wish_as_the_parents_answer(
    client, english_link, meeting_round, round_conversation, teacher
):
    slots = slots_of(meeting_round, teacher)

    response = _book_with_interpreter(client, english_link, round_conversation, slots[2:4])

    assert response.status_code == 302
    assert Booking.objects.get().minutes == 20
    [answer] = _answers(english_link)
    assert (answer.choices, answer.text) == (["tr"], "")

    # The page then offers times with an interpreter, without being asked.
    content = client.get(_url(english_link)).content.decode()
    assert "You asked for an interpreter. We will try to arrange one" in content
    assert "Would you like an interpreter" not in content
    free = [slots[0], slots[1]]
    assert f'value="{choice_value(round_conversation, *free)}"' in content
    assert f'value="{choice_value(round_conversation, slots[0])}"' not in content

    # The professional reads it as any answer to the interpreter question.
    conversation = Conversation.objects.get(pk=round_conversation.pk)
    advice = interpreter_advice(conversation, parent_answers(conversation))
    assert advice is not None
    assert [(each.guardian, each.language) for each in advice.requests] == [
        (english_link.guardian, "tr")
    ]


def test_it_keeps_a_wish_without_a_language_as_another_language(
    client, english_link, meeting_round, round_conversation, teacher
):
    slots = slots_of(meeting_round, teacher)
    response = _book_with_interpreter(client, english_link, round_conversation, slots[:2], "")
    assert response.status_code == 302
    [answer] = _answers(english_link)
    assert answer.choices == ["other"]
    content = client.get(_url(english_link)).content.decode()
    assert "You asked for an interpreter. We will try to arrange one" in content


def test_it_never_replaces_an_answer_the_parent_gave(
    client, english_link, meeting_round, round_conversation, teacher
):
    QuestionnaireAnswer.objects.create(link=english_link, question="interpreter", choices=["no"])
    slots = slots_of(meeting_round, teacher)

    response = _book_with_interpreter(client, english_link, round_conversation, slots[:2])

    assert response.status_code == 302
    assert Booking.objects.get().minutes == 20
    [answer] = _answers(english_link)
    assert answer.choices == ["no"]


def test_it_fills_in_an_empty_answer(
    client, english_link, meeting_round, round_conversation, teacher
):
    QuestionnaireAnswer.objects.create(link=english_link, question="interpreter", choices=[])
    slots = slots_of(meeting_round, teacher)
    assert _book_with_interpreter(client, english_link, round_conversation, slots[:2]).status_code
    [answer] = _answers(english_link)
    assert answer.choices == ["tr"]


def test_it_stores_nothing_once_the_questionnaire_is_closed(
    client, english_link, meeting_round, round_conversation, teacher
):
    Conversation.objects.filter(pk=round_conversation.pk).update(status=Conversation.Status.HELD)
    content = client.get(_url(english_link), {"tolk": "1"}).content.decode()
    assert "You would like an interpreter." in content
    assert 'name="interpreter_language"' not in content
    slots = slots_of(meeting_round, teacher)

    response = _book_with_interpreter(client, english_link, round_conversation, slots[:2])

    assert response.status_code == 302
    assert Booking.objects.get().minutes == 20
    assert not QuestionnaireAnswer.objects.exists()


def test_it_stores_nothing_without_the_wish(
    client, english_link, meeting_round, round_conversation, teacher
):
    slots = slots_of(meeting_round, teacher)
    response = client.post(
        _url(english_link), {"choice": choice_value(round_conversation, slots[0])}
    )
    assert response.status_code == 302
    # An interpreter chosen on a page that did not ask the language: longer
    # times only, as before.
    client.post(
        _url(english_link), {"choice": choice_value(round_conversation, *slots[2:4]), "tolk": "1"}
    )
    assert Booking.objects.get().minutes == 20
    assert not QuestionnaireAnswer.objects.exists()


def test_it_refuses_a_language_not_in_the_list_and_books_nothing(
    client, english_link, meeting_round, round_conversation, teacher
):
    slots = slots_of(meeting_round, teacher)
    response = _book_with_interpreter(client, english_link, round_conversation, slots[:2], "nl")
    assert response.status_code == 400
    assert not Booking.objects.exists()
    assert not QuestionnaireAnswer.objects.exists()


def test_it_keeps_the_language_chosen_when_no_time_was_chosen(client, english_link):
    response = client.post(
        _url(english_link), {"choice": "", "tolk": "1", "interpreter_language": "uk"}
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert [value for value, selected in _options(content) if selected] == ["uk"]
    assert not QuestionnaireAnswer.objects.exists()


def test_it_keeps_the_wish_for_each_child_booked(
    client, english_link, meeting_round, round_conversation, family, other_group, teacher, teacher2
):
    lina = factories.make_child(family, other_group, first_name="Lina")
    booking.round_enrol(meeting_round=meeting_round)
    sister = factories.round_conversation(meeting_round, lina)
    sister_link = factories.make_parent_link(sister, english_link.guardian)
    QuestionnaireAnswer.objects.create(link=sister_link, question="interpreter", choices=["ar"])
    # Kemal, the father, has his own links; his answers are his own.
    kemal = factories.make_guardian(family, first_name="Kemal", relation="father")
    kemal_link = factories.make_parent_link(round_conversation, kemal)
    ours, theirs = slots_of(meeting_round, teacher), slots_of(meeting_round, teacher2)
    value = f"{choice_value(round_conversation, *ours[:2])};{choice_value(sister, *theirs[2:4])}"

    response = client.post(
        _url(english_link), {"choice": value, "tolk": "1", "interpreter_language": "tr"}
    )

    assert response.status_code == 302
    assert Booking.objects.count() == 2
    assert [answer.choices for answer in _answers(english_link)] == [["tr"]]
    assert [answer.choices for answer in _answers(sister_link)] == [["ar"]]
    assert _answers(kemal_link) == []


# Queries


def _post_queries(client, link, data, capture) -> int:
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post(_url(link), data)
    assert response.status_code == 302
    return len(queries)


def test_it_books_with_the_wish_in_a_few_more_queries(
    client,
    english_link,
    meeting_round,
    round_conversation,
    teacher,
    task_worker,
    django_capture_on_commit_callbacks,
):
    slots = slots_of(meeting_round, teacher)
    without = _post_queries(
        client,
        english_link,
        {"choice": choice_value(round_conversation, slots[0])},
        django_capture_on_commit_callbacks,
    )
    Booking.objects.all().delete()
    with_wish = _post_queries(
        client,
        english_link,
        {
            "choice": choice_value(round_conversation, *slots[2:4]),
            "tolk": "1",
            "interpreter_language": "pl",
        },
        django_capture_on_commit_callbacks,
    )
    assert without == BOOKING_POST_QUERIES
    assert with_wish == INTERPRETER_BOOKING_POST_QUERIES
    assert [answer.choices for answer in _answers(english_link)] == [["pl"]]


def test_it_keeps_the_wish_for_siblings_in_as_many_queries_as_for_one(
    client,
    english_link,
    meeting_round,
    round_conversation,
    family,
    other_group,
    teacher,
    teacher2,
    task_worker,
    django_capture_on_commit_callbacks,
):
    lina = factories.make_child(family, other_group, first_name="Lina")
    booking.round_enrol(meeting_round=meeting_round)
    sister = factories.round_conversation(meeting_round, lina)
    sister_link = factories.make_parent_link(sister, english_link.guardian)
    # An answer left empty (the question opened, nothing chosen) is filled in.
    QuestionnaireAnswer.objects.create(link=sister_link, question="interpreter")
    ours, theirs = slots_of(meeting_round, teacher), slots_of(meeting_round, teacher2)
    value = f"{choice_value(round_conversation, *ours[:2])};{choice_value(sister, *theirs[2:4])}"

    queries = _post_queries(
        client,
        english_link,
        {"choice": value, "tolk": "1", "interpreter_language": "uk"},
        django_capture_on_commit_callbacks,
    )

    assert queries == INTERPRETER_BOOKING_POST_QUERIES
    assert [answer.choices for answer in _answers(english_link)] == [["uk"]]
    assert [answer.choices for answer in _answers(sister_link)] == [["uk"]]
