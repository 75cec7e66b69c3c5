"""The read model of what parents told us: answers as labels in the staff
language, free text with its language, interpreter requests, the suggested
time, and replies to the shared summary."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from conversations import parent_links
from conversations.models import ConversationText, Kind, QuestionnaireAnswer
from conversations.parent_answers import (
    answers_by_link,
    interpreter_advice,
    interpreter_minutes,
    links_of,
    parent_answers,
    summary_replies,
)
from conversations.summary import SHARED_SUMMARY_KEY
from tests import factories

pytestmark = pytest.mark.django_db


def _answer(link, question, choices=(), text="", language="") -> None:
    QuestionnaireAnswer.objects.create(
        link=link, question=question, choices=list(choices), text=text, text_language=language
    )


def _shown(link) -> dict[str, tuple[list[str], str, str]]:
    [answers] = [each for each in parent_answers(link.conversation) if each.link.pk == link.pk]
    return {
        answer.question.key: (
            answer.labels,
            answer.text.text if answer.text else "",
            answer.text.language if answer.text else "",
        )
        for answer in answers.answers
    }


def test_it_gives_labels_in_the_active_language_in_questionnaire_order(parent_link):
    _answer(parent_link, "topics", ["home", "friends"], "Zwemles", "nl")
    _answer(parent_link, "feeling", ["not_so_good"])
    _answer(parent_link, "support", ["nothing"])

    with translation.override("en"):
        shown = _shown(parent_link)

    assert list(shown) == ["feeling", "topics", "support"]
    assert shown["feeling"] == (["Not so good"], "", "")
    assert shown["topics"] == (
        ["How things are going at home", "Friends and playing together"],
        "Zwemles",
        "nl",
    )
    assert shown["support"] == (["Nothing at the moment"], "", "")


def test_it_skips_unknown_options_and_empty_answers(parent_link):
    _answer(parent_link, "feeling", ["retired_option"])
    _answer(parent_link, "happy_safe", [], "   ")
    _answer(parent_link, "at_home", ["drawing", "gone"])

    with translation.override("en"):
        shown = _shown(parent_link)

    assert shown == {"at_home": (["Drawing and making things"], "", "")}


def test_it_marks_free_text_in_another_language_than_the_readers(parent_link):
    _answer(parent_link, "anything_else", [], "Ona bardzo lubi rysować", "pl")
    _answer(parent_link, "happy_safe", [], "He likes the sandpit", "en")
    [answers] = parent_answers(parent_link.conversation)
    by_key = {answer.question.key: answer.text for answer in answers.answers}

    with translation.override("en"):
        assert by_key["anything_else"].marked
        assert by_key["anything_else"].language_name == "Polish"
        assert not by_key["happy_safe"].marked
    with translation.override("nl"):
        assert by_key["happy_safe"].marked


@pytest.mark.parametrize(
    ("choices", "text", "expected"),
    [
        (["no"], "", None),
        ([], "", None),
        (["ar"], "", ("ar", "Arabic")),
        (["other"], "Koerdisch", ("", "Koerdisch")),
    ],
)
def test_it_reads_an_interpreter_request(parent_link, choices, text, expected):
    _answer(parent_link, "interpreter", choices, text, "tr" if text else "")

    with translation.override("en"):
        answers = answers_by_link(links_of(parent_link.conversation))[parent_link.pk]

    if expected is None:
        assert answers.interpreter is None
        shown = [answer.no_interpreter for answer in answers.answers]
        assert shown == ([True] if choices else [])
        return
    language, name = expected
    assert answers.interpreter.language == language
    assert answers.interpreter.name == name
    assert answers.interpreter.guardian == parent_link.guardian
    [shown] = answers.answers
    assert shown.interpreter == answers.interpreter
    assert not shown.no_interpreter
    # The written language is the request itself, not a remark beside it.
    assert shown.text is None
    assert shown.labels == []


def test_it_suggests_half_as_long_again_at_least_45_and_at_most_240_minutes():
    assert interpreter_minutes(10) == 45
    assert interpreter_minutes(30) == 45
    assert interpreter_minutes(45) == 70
    assert interpreter_minutes(60) == 90
    assert interpreter_minutes(200) == 240
    assert interpreter_minutes(240) == 240


def test_it_settles_an_interpreter_request_once_planned_with_enough_time(conversation, parent_link):
    _answer(parent_link, "interpreter", ["tr"])
    with translation.override("en"):
        answers = parent_answers(conversation)

    advice = interpreter_advice(conversation, answers)
    assert (advice.minutes, advice.settled) == (45, False)

    conversation.interpreter = True
    conversation.interpreter_language = "Turks"
    advice = interpreter_advice(conversation, answers)
    assert (advice.minutes, advice.settled) == (45, False)

    conversation.duration_minutes = 45
    advice = interpreter_advice(conversation, answers)
    assert advice.settled
    assert [request.name for request in advice.languages] == ["Turkish"]


def test_it_bases_the_suggestion_on_the_usual_time_of_the_kind(child, teacher):
    concern = factories.make_conversation(child, teacher, kind=Kind.CONCERN, duration_minutes=20)
    link = factories.make_parent_link(concern)
    _answer(link, "interpreter", ["ar"])

    advice = interpreter_advice(concern, parent_answers(concern))

    assert advice.minutes == 70  # the usual 45 minutes of a concern, half as long again


def test_it_gives_no_advice_without_a_request(conversation, parent_link):
    _answer(parent_link, "feeling", ["good"])

    assert interpreter_advice(conversation, parent_answers(conversation)) is None


def test_it_reads_every_parents_answers_in_one_query(
    conversation, family, django_assert_num_queries
):
    for number in range(5):
        link = factories.make_parent_link(
            conversation, factories.make_guardian(family, first_name=f"Ouder{number}")
        )
        for question in ("feeling", "topics", "anything_else"):
            _answer(link, question, ["good", "friends"], "tekst", "nl")

    with django_assert_num_queries(1):
        answers = parent_answers(conversation)
        shown = [(each.guardian.full_name, len(each.answers), each.link.state) for each in answers]

    assert len(shown) == 5
    assert all(count == 3 and state == "active" for _name, count, state in shown)


def test_it_reads_links_with_answers_in_two_queries(
    conversation, family, django_assert_num_queries
):
    for number in range(4):
        link = factories.make_parent_link(
            conversation, factories.make_guardian(family, first_name=f"Ouder{number}")
        )
        _answer(link, "feeling", ["good"])

    with django_assert_num_queries(2):
        links = links_of(conversation)
        answers = answers_by_link(links)
        shown = [(answers[link.pk].answers, link.state) for link in links]

    assert len(shown) == 4


def test_it_tells_which_parent_confirmed_the_latest_shared_summary(conversation, family, teacher):
    conversation.summary_shared_at = timezone.now()
    conversation.save()
    ConversationText.objects.create(
        conversation=conversation, key=SHARED_SUMMARY_KEY, text="Samen lezen.", version=3
    )
    latest = factories.make_parent_link(conversation)
    older = factories.make_parent_link(conversation, factories.make_guardian(family))
    silent = factories.make_parent_link(conversation, factories.make_guardian(family))
    for link, version in ((latest, 3), (older, 2)):
        link.summary_confirmed_at = timezone.now()
        link.summary_confirmed_version = version
        link.save()
    older.summary_comment = "Wij lezen liever op zaterdag."
    older.summary_comment_language = "nl"
    older.save()

    replies = {reply.link.pk: reply for reply in summary_replies(conversation)}

    assert replies[latest.pk].confirms_latest
    assert replies[older.pk].confirmed
    assert not replies[older.pk].confirms_latest
    assert replies[older.pk].comment.text == "Wij lezen liever op zaterdag."
    assert not replies[silent.pk].has_reply


def test_it_has_no_replies_before_the_summary_is_shared(conversation, parent_link):
    assert summary_replies(conversation) == []


def test_it_keeps_the_answers_of_a_revoked_link(conversation, parent_link):
    _answer(parent_link, "feeling", ["good"])
    parent_links.link_revoke(link=parent_link)

    [answers] = parent_answers(conversation)

    assert answers.link.state == "revoked"
    assert answers.answers[0].question.key == "feeling"
