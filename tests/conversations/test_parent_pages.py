"""The parent pages behind a valid link: the start page, the questions, the
overview and the summary, in the parent's language.

The link reads English (`english`), so that the tests assert on the source
texts; the language tests switch it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from conversations.models import AgendaItem, ConversationText, QuestionnaireAnswer
from conversations.parent_forms import MAX_ANSWER_LENGTH, MAX_COMMENT_LENGTH
from conversations.questionnaire import QUESTIONS
from conversations.summary import SHARED_SUMMARY_KEY
from conversations.views import parents as parent_views

pytestmark = pytest.mark.django_db

# One query finds the link (with its conversation, child, family, location and
# guardian); then at most the professional's name, the answers and the summary.
PAGE_QUERIES = 4


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _en(text) -> str:
    """A lazy text as the English pages show it (a request leaves the staff
    language active in the test's thread, so str() alone may give Dutch)."""
    with translation.override("en"):
        return str(text)


@pytest.fixture
def link(parent_link):
    parent_link.language = "en"
    parent_link.save(update_fields=["language"])
    return parent_link


def _url(name: str, link, **kwargs) -> str:
    return reverse(name, kwargs={"token": link.token, **kwargs})


def _question(link, number: int) -> str:
    return _url("parent_question", link, number=number)


def _answer(link, key: str) -> QuestionnaireAnswer | None:
    return QuestionnaireAnswer.objects.filter(link=link, question=key).first()


def _share_summary(conversation, text: str, version: int = 1) -> None:
    ConversationText.objects.update_or_create(
        conversation=conversation,
        key=SHARED_SUMMARY_KEY,
        defaults={"text": text, "version": version},
    )
    conversation.summary_shared_at = timezone.now()
    conversation.status = conversation.Status.HELD
    conversation.save()


def _close_questionnaire(conversation) -> None:
    conversation.status = conversation.Status.HELD
    conversation.save()


# The start page


def test_it_greets_the_parent_and_names_the_child_the_place_and_the_professional(
    client, link, conversation, teacher
):
    teacher.first_name, teacher.last_name = "Anna", "de Boer"
    teacher.save()
    conversation.date = timezone.localdate() + dt.timedelta(days=3)
    conversation.start_time = dt.time(15, 30)
    conversation.place = "Room 3"
    conversation.save()
    response = client.get(_url("parent_home", link))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Conversation about Emre" in content
    assert "Hello Ayşe," in content
    assert "Anna de Boer" in content
    assert "Kindcentrum De Linde, Room 3" in content
    assert f"{conversation.date.year} at 15:30" in content
    assert "Start the questions" in content
    assert _question(link, 1) in content
    assert "Summary of the conversation" not in content


def test_it_says_the_date_follows_while_the_meeting_has_none(client, link, teacher):
    content = client.get(_url("parent_home", link)).content.decode()
    assert "will let you know the date" in content


def test_it_continues_where_the_parent_stopped(client, link):
    for number, data in ((1, {"choice": "good"}), (2, {"choices": ["quiet"]})):
        client.post(_question(link, number), {**data, "go": "next"})
    content = client.get(_url("parent_home", link)).content.decode()
    assert "You answered 2 of 8 questions" in content
    assert f'href="{_question(link, 3)}"' in content
    assert "Continue" in content


def test_it_thanks_the_parent_after_sending(client, link):
    client.post(_question(link, 1), {"choice": "good"})
    client.post(_url("parent_review", link))
    content = client.get(_url("parent_home", link)).content.decode()
    assert "Thank you! You sent your answers on" in content
    assert "You can change your answers until the conversation" in content


def test_it_explains_that_answers_are_read_only_after_the_meeting(client, link, conversation):
    client.post(_question(link, 1), {"choice": "good"})
    _close_questionnaire(conversation)
    content = client.get(_url("parent_home", link)).content.decode()
    assert "you can no longer change your answers" in content
    assert "Read your answers" in content
    assert "Start the questions" not in content
    assert "Continue" not in content


def test_it_offers_the_summary_once_shared(client, link, conversation):
    _share_summary(conversation, "Emre reads well.")
    content = client.get(_url("parent_home", link)).content.decode()
    assert "Summary of the conversation" in content
    assert _url("parent_summary", link) in content


def test_it_keeps_the_start_page_to_a_few_queries(client, link, django_assert_max_num_queries):
    for number, question in enumerate(QUESTIONS, 1):
        if question.kind == "scale":
            client.post(_question(link, number), {"choice": question.options[0].key})
    _share_summary(link.conversation, "Shared.")
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(_url("parent_home", link)).status_code == 200


# Language


def test_it_renders_the_page_in_the_link_language(client, parent_link):
    parent_link.language = "ar"
    parent_link.save()
    response = client.get(_url("parent_home", parent_link))
    assert response["Content-Language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in response.content.decode()
    parent_link.language = "pl"
    parent_link.save()
    response = client.get(_url("parent_home", parent_link))
    assert response["Content-Language"] == "pl"
    assert '<html lang="pl" dir="ltr">' in response.content.decode()


def test_it_opens_in_the_family_language_by_default(client, parent_link):
    # The Yilmaz family speaks Turkish at home.
    assert parent_link.language == "tr"
    assert client.get(_url("parent_home", parent_link))["Content-Language"] == "tr"


def test_it_switches_the_language_and_returns_to_the_same_page(client, link):
    page = _question(link, 3)
    response = client.post(_url("parent_language", link), {"language": "uk", "next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    link.refresh_from_db()
    assert link.language == "uk"
    response = client.get(page)
    assert '<html lang="uk" dir="ltr">' in response.content.decode()
    assert 'value="uk" lang="uk" selected' in response.content.decode()


@pytest.mark.parametrize(
    "next_page",
    ["https://evil.example/", "//evil.example/ouder/", "/inloggen/", "", "javascript:alert(1)"],
)
def test_it_only_returns_to_this_link_pages(client, link, next_page):
    response = client.post(_url("parent_language", link), {"language": "nl", "next": next_page})
    assert response.status_code == 302
    assert response["Location"] == _url("parent_home", link)


def test_it_refuses_a_language_the_parent_pages_do_not_speak(client, link):
    response = client.post(_url("parent_language", link), {"language": "de"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.language == "en"


def test_it_switches_the_language_only_by_post(client, link):
    assert client.get(_url("parent_language", link)).status_code == 405


def test_it_keeps_free_text_marked_with_the_language_it_was_written_in(client, link):
    client.post(_language := _url("parent_language", link), {"language": "tr"})
    client.post(_question(link, 8), {"text": "Emre yüzmeyi çok seviyor."})
    answer = _answer(link, "anything_else")
    assert answer.text == "Emre yüzmeyi çok seviyor."
    assert answer.text_language == "tr"
    content = client.get(_url("parent_review", link)).content.decode()
    assert 'dir="auto" lang="tr">Emre yüzmeyi çok seviyor.' in content


# One question per screen


def test_it_shows_one_question_with_its_place_in_the_list(client, link):
    response = client.get(_question(link, 3))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Question 3 of 8" in content
    assert _en(QUESTIONS[2].title) in content
    assert _en(QUESTIONS[3].title) not in content
    assert 'name="go" value="next"' in content
    assert 'name="go" value="back"' in content
    assert f'hx-post="{_question(link, 3)}"' in content
    assert f'action="{_question(link, 3)}"' in content


@pytest.mark.parametrize("number", [0, 9, 99])
def test_it_answers_a_question_number_out_of_range_with_404(client, link, number):
    response = client.get(_question(link, number))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_it_saves_and_moves_on(client, link):
    response = client.post(_question(link, 1), {"choice": "very_good", "go": "next"})
    assert response.status_code == 302
    assert response["Location"] == _question(link, 2)
    answer = _answer(link, "feeling")
    assert answer.choices == ["very_good"]
    assert answer.text == ""


def test_it_saves_and_goes_back(client, link):
    response = client.post(_question(link, 2), {"choices": ["quiet"], "go": "back"})
    assert response["Location"] == _question(link, 1)
    assert _answer(link, "happy_safe").choices == ["quiet"]
    response = client.post(_question(link, 1), {"choice": "good", "go": "back"})
    assert response["Location"] == _url("parent_home", link)


def test_it_goes_from_the_last_question_to_the_overview(client, link):
    response = client.post(_question(link, 8), {"text": "Nothing else.", "go": "next"})
    assert response["Location"] == _url("parent_review", link)


def test_it_returns_to_the_overview_after_a_change_made_from_there(client, link):
    content = client.get(_question(link, 2) + "?from=review").content.decode()
    assert 'name="return" value="review"' in content
    assert "Save and go to the overview" in content
    response = client.post(_question(link, 2), {"choices": ["quiet"], "return": "review"})
    assert response["Location"] == _url("parent_review", link)


def test_it_keeps_partial_answers_for_when_the_parent_comes_back(client, link):
    client.post(_question(link, 1), {"choice": "not_so_good", "go": "next"})
    client.post(
        _question(link, 2), {"choices": ["quiet", "routine"], "text": "A hug", "go": "next"}
    )
    client.post(_question(link, 3), {"choices": ["drawing"], "go": "next"})
    assert QuestionnaireAnswer.objects.filter(link=link).count() == 3
    later = client.get(_question(link, 2)).content.decode()
    assert 'value="quiet" id="id_choices_4" checked' in later
    assert 'value="routine" id="id_choices_1" checked' in later
    assert 'value="friends" id="id_choices_3" checked' not in later
    assert ">\nA hug</textarea>" in later
    assert (
        'value="not_so_good" id="id_choice_2" checked'
        in client.get(_question(link, 1)).content.decode()
    )


def test_it_lets_the_parent_change_an_answer_until_the_meeting(client, link):
    client.post(_question(link, 1), {"choice": "good"})
    client.post(_question(link, 1), {"choice": "very_good"})
    assert _answer(link, "feeling").choices == ["very_good"]
    assert QuestionnaireAnswer.objects.filter(link=link).count() == 1


def test_it_keeps_an_emptied_answer_empty(client, link):
    client.post(_question(link, 2), {"choices": ["quiet"], "text": "Hugs"})
    client.post(_question(link, 2), {})
    answer = _answer(link, "happy_safe")
    assert answer.choices == []
    assert answer.text == ""


def test_it_keeps_each_question_to_a_few_queries(client, link, django_assert_max_num_queries):
    for number in range(1, 9):
        client.post(_question(link, number), {})
        with django_assert_max_num_queries(PAGE_QUERIES):
            assert client.get(_question(link, number)).status_code == 200


# Autosave


def test_it_autosaves_without_moving_on(client, link):
    response = client.post(
        _question(link, 2),
        {"choices": ["time"], "text": "Half a sent", "autosave": "1"},
        headers={"hx-request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Saved at" in content
    assert "<html" not in content
    answer = _answer(link, "happy_safe")
    assert answer.choices == ["time"]
    assert answer.text == "Half a sent"


def test_it_says_why_an_autosave_is_refused(client, link):
    response = client.post(
        _question(link, 5),
        {"choices": ["nothing", "tips"], "autosave": "1"},
        headers={"hx-request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 422
    assert "Not saved yet." in content
    assert "“Nothing at the moment”" in content
    assert _answer(link, "support") is None


def test_it_writes_an_autosave_only_when_the_answer_changed(client, link):
    # The review page's "changed after sending" reads updated_at.
    posted = {"choices": ["time", "quiet"], "text": "Rust", "autosave": "1"}
    client.post(_question(link, 2), posted, headers={"hx-request": "true"})
    first = _answer(link, "happy_safe").updated_at
    response = client.post(_question(link, 2), posted, headers={"hx-request": "true"})
    assert response.status_code == 200
    assert _answer(link, "happy_safe").updated_at == first
    client.post(_question(link, 2), {**posted, "text": "Rust."}, headers={"hx-request": "true"})
    answer = _answer(link, "happy_safe")
    assert answer.updated_at > first
    assert (answer.choices, answer.text) == (["time", "quiet"], "Rust.")


def test_it_autosaves_in_few_queries(client, link, django_assert_max_num_queries):
    client.post(_question(link, 3), {"choices": ["books"], "autosave": "1"})
    with django_assert_max_num_queries(10):
        client.post(_question(link, 3), {"choices": ["books", "music"], "autosave": "1"})


# Validation, explained in the parent's language; what was typed stays


def test_it_refuses_nothing_at_the_moment_with_other_answers(client, link):
    response = client.post(_question(link, 5), {"choices": ["nothing", "tips"], "go": "next"})
    content = response.content.decode()
    assert response.status_code == 422
    assert "You chose “Nothing at the moment” and other answers too." in content
    assert 'role="alert"' in content
    assert re.search(r'value="tips" id="id_choices_1"[^>]* checked', content)
    assert _answer(link, "support") is None


def test_it_refuses_the_same_topic_ranked_twice(client, link):
    response = client.post(
        _question(link, 4),
        {"rank_1": "behaviour", "rank_2": "behaviour", "text": "Swimming lessons"},
    )
    content = response.content.decode()
    assert response.status_code == 422
    assert "You chose “Behaviour” twice. Choose each topic only once." in content
    assert 'value="Swimming lessons"' in content
    assert _answer(link, "topics") is None


def test_it_refuses_free_text_over_the_maximum_and_keeps_it_on_screen(client, link):
    text = "Long story. " * (MAX_ANSWER_LENGTH // 10)
    response = client.post(_question(link, 8), {"text": text})
    content = response.content.decode()
    assert response.status_code == 422
    assert f"at most {MAX_ANSWER_LENGTH} characters" in content
    assert text.strip() in content
    # A screen reader reads the message with the field: every id the field
    # names in aria-describedby is on the page.
    described = re.search(r'name="text"[^>]*aria-describedby="([^"]+)"', content)
    assert described is not None
    for target in described.group(1).split():
        assert f'id="{target}"' in content
    assert 'maxlength="' not in content
    assert _answer(link, "anything_else") is None


def test_it_refuses_an_option_that_is_not_offered(client, link):
    response = client.post(_question(link, 1), {"choice": "excellent"})
    assert response.status_code == 422
    assert "Please choose an answer from the list." in response.content.decode()


def test_it_asks_which_language_the_interpreter_should_speak(client, link):
    response = client.post(_question(link, 7), {"need": "yes"})
    assert response.status_code == 422
    assert "Choose the language the interpreter should speak." in response.content.decode()
    response = client.post(_question(link, 7), {"need": "yes", "language": "other"})
    assert response.status_code == 422
    assert "Write which language the interpreter should speak." in response.content.decode()
    assert _answer(link, "interpreter") is None


@pytest.mark.parametrize(
    ("data", "choices", "text"),
    [
        ({"need": "no", "language": "ar"}, ["no"], ""),
        ({"need": "yes", "language": "ar"}, ["ar"], ""),
        ({"language": "tr"}, ["tr"], ""),
        ({"need": "yes", "language": "other", "text": "Dari"}, ["other"], "Dari"),
        ({"need": "yes", "language": "ti", "text": "ignored"}, ["ti"], ""),
    ],
)
def test_it_stores_the_interpreter_answer(client, link, data, choices, text):
    assert client.post(_question(link, 7), data).status_code == 302
    answer = _answer(link, "interpreter")
    assert answer.choices == choices
    assert answer.text == text


def test_it_offers_every_interpreter_language_but_dutch(client, link):
    content = client.get(_question(link, 7)).content.decode()
    assert '<option value="ar">' in content
    assert '<option value="nl">' not in content


# Ranked topics set the agenda


def test_it_puts_the_ranked_topics_first_on_the_agenda(client, link, conversation):
    AgendaItem.objects.create(conversation=conversation, title="Reading progress", position=0)
    response = client.post(
        _question(link, 4),
        {"rank_1": "language", "rank_2": "", "rank_3": "friends", "text": "Swimming lessons"},
    )
    assert response.status_code == 302
    answer = _answer(link, "topics")
    assert answer.choices == ["language", "friends"]
    assert answer.text == "Swimming lessons"
    items = list(conversation.agenda_items.order_by("position"))
    assert [item.topic for item in items] == ["language", "friends", f"own-{link.pk}", ""]
    assert items[2].title == "Swimming lessons"
    assert items[3].title == "Reading progress"
    assert all(item.source == AgendaItem.Source.PARENT for item in items[:3])


def test_it_reorders_the_agenda_when_the_parent_changes_the_ranking(client, link, conversation):
    client.post(_question(link, 4), {"rank_1": "language", "rank_2": "friends"})
    client.post(_question(link, 4), {"rank_1": "health", "rank_2": "language"})
    topics = list(conversation.agenda_items.order_by("position").values_list("topic", flat=True))
    assert topics == ["health", "language"]


def test_it_shows_the_ranked_topics_back_in_order(client, link):
    client.post(_question(link, 4), {"rank_1": "health", "rank_2": "friends"})
    content = client.get(_question(link, 4)).content.decode()
    assert '<option value="health" selected>' in content
    assert '<option value="friends" selected>' in content
    review = client.get(_url("parent_review", link)).content.decode()
    assert review.index("Health or care") < review.index("Friends and playing together")


# After the meeting: read only


def test_it_shows_answers_read_only_once_the_meeting_has_started(client, link, conversation):
    client.post(_question(link, 2), {"choices": ["quiet"], "text": "Hugs"})
    # Date and time from one moment: just after midnight, five minutes ago was yesterday.
    started = timezone.localtime() - dt.timedelta(minutes=5)
    conversation.date, conversation.start_time = started.date(), started.time()
    conversation.save()
    content = client.get(_question(link, 2)).content.decode()
    assert "you can no longer change your answers" in content
    assert "A quiet place to rest" in content
    assert "Hugs" in content
    assert '<form class="question"' not in content
    response = client.post(_question(link, 2), {"choices": ["friends"]})
    assert response.status_code == 409
    response = client.post(_question(link, 2), {"choices": ["friends"], "autosave": "1"})
    assert response.status_code == 409
    assert "Not saved: the conversation has started" in response.content.decode()
    assert _answer(link, "happy_safe").choices == ["quiet"]


def test_it_closes_the_questions_once_the_meeting_is_held(client, link, conversation):
    _close_questionnaire(conversation)
    assert client.post(_question(link, 1), {"choice": "good"}).status_code == 409
    assert client.post(_url("parent_review", link)).status_code == 409
    link.refresh_from_db()
    assert link.submitted_at is None
    assert _answer(link, "feeling") is None
    review = client.get(_url("parent_review", link)).content.decode()
    assert "?from=review" not in review
    assert "Send to" not in review


# The overview and sending


def test_it_lists_every_answer_with_a_way_to_change_it(client, link):
    client.post(_question(link, 1), {"choice": "good"})
    client.post(_question(link, 7), {"need": "yes", "language": "ar"})
    response = client.get(_url("parent_review", link))
    content = response.content.decode()
    assert response.status_code == 200
    for number, question in enumerate(QUESTIONS, 1):
        assert _en(question.title) in content
        assert f"{_question(link, number)}?from=review" in content
    assert "Good" in content
    assert "Yes, in this language: Arabic" in content
    assert content.count("Not answered") == 6
    assert "You answered 2 of 8 questions" in content


def test_it_names_the_professional_on_the_send_button(client, link, teacher):
    teacher.first_name, teacher.last_name = "Anna", "de Boer"
    teacher.save()
    client.post(_question(link, 1), {"choice": "good"})
    content = client.get(_url("parent_review", link)).content.decode()
    assert "Send to Anna de Boer" in content


def test_it_sends_the_answers_and_can_send_again_after_a_change(client, link):
    client.post(_question(link, 1), {"choice": "good"})
    response = client.post(_url("parent_review", link))
    assert response.status_code == 302
    assert response["Location"] == _url("parent_review", link) + "#sent"
    link.refresh_from_db()
    first = link.submitted_at
    assert first is not None
    assert "Thank you!" in client.get(_url("parent_review", link)).content.decode()

    client.post(_question(link, 1), {"choice": "very_good"})
    content = client.get(_url("parent_review", link)).content.decode()
    assert "You changed something after sending." in content
    assert "Send again" in content
    client.post(_url("parent_review", link))
    link.refresh_from_db()
    assert link.submitted_at > first


def test_it_keeps_the_overview_to_a_few_queries(client, link, django_assert_max_num_queries):
    for number in range(1, 9):
        client.post(_question(link, number), {})
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(_url("parent_review", link)).status_code == 200


# The summary


def test_it_says_the_summary_is_not_ready_yet(client, link):
    response = client.get(_url("parent_summary", link))
    content = response.content.decode()
    assert response.status_code == 404
    assert "The summary is not ready yet" in content
    assert client.post(_url("parent_summary", link), {"action": "confirm"}).status_code == 404


def test_it_shows_the_summary_exactly_as_written_marked_as_dutch(client, link, conversation):
    _share_summary(conversation, "Emre leest graag.\n\nWe spraken af: <samen> lezen & tekenen.")
    response = client.get(_url("parent_summary", link))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Summary of the conversation about Emre" in content
    assert 'lang="nl" dir="auto"' in content
    assert "<p>Emre leest graag.</p>" in content
    assert "We spraken af: &lt;samen&gt; lezen &amp; tekenen." in content
    assert "wrote the summary in Dutch" in content


def test_it_records_the_confirmation_of_the_version_read(client, link, conversation):
    _share_summary(conversation, "Emre reads well.", version=3)
    response = client.post(_url("parent_summary", link), {"action": "confirm", "version": "3"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.summary_confirmed_at is not None
    assert link.summary_confirmed_version == 3
    content = client.get(_url("parent_summary", link)).content.decode()
    assert "You confirmed on" in content
    assert "Yes, this is right" not in content


def test_it_refuses_to_confirm_a_version_the_parent_did_not_read(client, link, conversation):
    _share_summary(conversation, "Emre reads well. Changed.", version=4)
    response = client.post(_url("parent_summary", link), {"action": "confirm", "version": "3"})
    assert response.status_code == 409
    assert "changed the summary just now" in response.content.decode()
    link.refresh_from_db()
    assert link.summary_confirmed_at is None


def test_it_asks_to_read_again_after_the_summary_changed(client, link, conversation):
    _share_summary(conversation, "First.", version=1)
    client.post(_url("parent_summary", link), {"action": "confirm", "version": "1"})
    _share_summary(conversation, "Second.", version=2)
    content = client.get(_url("parent_summary", link)).content.decode()
    assert "changed the summary after you confirmed it" in content
    assert 'name="version" value="2"' in content


def test_it_keeps_the_parent_comment_with_its_language(client, link, conversation):
    _share_summary(conversation, "Emre reads well.")
    response = client.post(
        _url("parent_summary", link), {"action": "comment", "comment": "Also: he loves maps."}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.summary_comment == "Also: he loves maps."
    assert link.summary_comment_language == "en"
    assert link.summary_comment_at is not None
    assert link.summary_confirmed_at is None
    content = client.get(_url("parent_summary", link)).content.decode()
    assert ">\nAlso: he loves maps.</textarea>" in content
    assert "Your comment was sent on" in content

    client.post(_url("parent_summary", link), {"action": "comment", "comment": ""})
    link.refresh_from_db()
    assert link.summary_comment == ""
    assert link.summary_comment_at is None


def test_it_refuses_a_comment_over_the_maximum_and_keeps_it(client, link, conversation):
    _share_summary(conversation, "Emre reads well.")
    comment = "x" * (MAX_COMMENT_LENGTH + 1)
    response = client.post(_url("parent_summary", link), {"action": "comment", "comment": comment})
    assert response.status_code == 422
    assert comment in response.content.decode()
    link.refresh_from_db()
    assert link.summary_comment == ""


def test_it_keeps_the_summary_page_to_a_few_queries(
    client, link, conversation, django_assert_max_num_queries
):
    _share_summary(conversation, "Emre reads well.")
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(_url("parent_summary", link)).status_code == 200


def test_it_links_every_page_to_the_privacy_page(client, link):
    response = client.get(_url("parent_home", link))
    assert f'href="{reverse("privacy")}?taal=en"' in response.content.decode()
    assert "How we handle your information" in response.content.decode()


def _read(answer) -> dict | None:
    """What was read of an answer: its fields and where it came from."""
    if answer is None:
        return None
    fields = {name: value for name, value in vars(answer).items() if name != "_state"}
    return {**fields, "db": answer._state.db, "adding": answer._state.adding}


def test_the_question_page_reads_the_links_own_answer_as_the_orm_does(
    parent_link, other_family_link
):
    # conversations.views.parents._answer, from a query compiled once per process.
    for link, key, choices, text in [
        (parent_link, "feeling", ["good"], ""),
        (parent_link, "anything_else", [], "Slaap"),
        (other_family_link, "at_home", [], "Theirs"),
    ]:
        QuestionnaireAnswer.objects.create(link=link, question=key, choices=choices, text=text)
    found = []
    for link in (parent_link, other_family_link):
        for question in QUESTIONS:
            answer = parent_views._answer(link, question)
            expected = QuestionnaireAnswer.objects.filter(link=link, question=question.key).first()
            assert _read(answer) == _read(expected)
            found += [(link, question.key)] if answer else []
    assert found == [
        (parent_link, "feeling"),
        (parent_link, "anything_else"),
        (other_family_link, "at_home"),
    ]
