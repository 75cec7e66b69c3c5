from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse

from conversations.models import AgendaItem, Audience, ChosenPrompt, Conversation, Need
from conversations.services import text_save
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


def _page(conversation):
    return reverse("meeting_mode", args=[conversation.pk])


def _talk(conversation):
    return reverse("talk_time_save", args=[conversation.pk])


def _held(conversation):
    return reverse("meeting_held", args=[conversation.pk])


def _notes(conversation):
    return reverse("meeting_notes_save", args=[conversation.pk])


def _item(conversation, title, position, **kwargs):
    return AgendaItem.objects.create(
        conversation=conversation, title=title, position=position, **kwargs
    )


def _question(conversation, text, need, audience, position=0):
    return ChosenPrompt.objects.create(
        conversation=conversation, text=text, need=need, audience=audience, position=position
    )


def _totals(professional, parent, child):
    return {"professional": str(professional), "parent": str(parent), "child": str(child)}


# The page


def test_it_shows_the_agenda_in_order_with_planned_minutes(teacher_client, conversation):
    _item(conversation, "Afspraken maken", 2, minutes=5)
    _item(conversation, "Wat gaat goed", 0, minutes=10)
    _item(conversation, "Hoe gaat het thuis", 1, minutes=7, source=AgendaItem.Source.PARENT)
    content = teacher_client.get(_page(conversation)).content.decode()
    positions = [content.index(t) for t in ("Wat gaat goed", "Hoe gaat het thuis", "Afspraken")]
    assert positions == sorted(positions)
    assert "10 minutes" in content
    assert "7 minutes" in content
    assert "the parent's topic" in content


def test_it_shows_a_notes_field_per_agenda_item_with_its_stored_text(
    teacher_client, teacher, conversation
):
    item = _item(conversation, "Slapen", 0)
    text_save(
        conversation=conversation,
        key=item.notes_key,
        text="Moe op maandag",
        base_version=0,
        user=teacher,
    )
    text_save(
        conversation=conversation,
        key="meeting_notes",
        text="Oma haalt op",
        base_version=0,
        user=teacher,
    )
    content = teacher_client.get(_page(conversation)).content.decode()
    assert f'name="text-agenda-{item.pk}"' in content
    assert re.search(rf'id="text-agenda-{item.pk}"[^>]*>Moe op maandag</textarea>', content, re.S)
    assert f'id="version-agenda-{item.pk}" name="version-agenda-{item.pk}" value="1"' in content
    assert re.search(r'id="text-meeting_notes"[^>]*>Oma haalt op</textarea>', content, re.S)
    assert 'id="autosave-messages"' in content


def test_it_groups_the_chosen_questions_by_need(teacher_client, conversation):
    _question(conversation, "Wat heb jij nodig?", Need.AUTONOMY, Audience.CHILD, 0)
    _question(conversation, "Hoe kan ik helpen?", Need.COMPETENCE, Audience.PARENT, 1)
    _question(conversation, "Wat maakt uw kind blij?", Need.RELATEDNESS, Audience.PARENT, 2)
    _question(conversation, "Met wie speel je?", Need.RELATEDNESS, Audience.CHILD, 3)
    _question(conversation, "Wat wilt u nog kwijt?", "", Audience.PARENT, 4)
    content = teacher_client.get(_page(conversation)).content.decode()
    order = [
        "Relatedness",
        "Wat maakt uw kind blij?",
        "Met wie speel je?",
        "Competence",
        "Hoe kan ik helpen?",
        "Autonomy",
        "Wat heb jij nodig?",
        "Other questions",
        "Wat wilt u nog kwijt?",
    ]
    start = content.index('id="questions-heading"')
    questions = content[start : content.index("</section>", start)]
    positions = [questions.index(text) for text in order]
    assert positions == sorted(positions)
    # Whose question it is is written out, not left to colour.
    assert questions.count("for the parent") == 3
    assert questions.count("for the child") == 2


def test_it_shows_who_takes_part_with_the_interpreter(teacher_client, conversation):
    conversation.interpreter = True
    conversation.interpreter_language = "Turks"
    conversation.save()
    content = teacher_client.get(_page(conversation)).content.decode()
    assert "Ayşe Yilmaz" in content
    assert "interpreter: Turks" in content
    assert "Emre does not take part" in content


def test_it_offers_the_meter_the_phrases_and_the_finish_button(teacher_client, conversation):
    conversation.talk_professional_seconds = 60
    conversation.talk_parent_seconds = 180
    conversation.save()
    content = teacher_client.get(_page(conversation)).content.decode()
    assert 'data-speaker="professional" aria-pressed="false"' in content
    assert 'data-speaker="parent"' in content
    assert 'data-professional="60"' in content
    assert 'data-parent="180"' in content
    assert f'data-save-url="{_talk(conversation)}"' in content
    assert 'name="csrfmiddlewaretoken"' in content
    # Without JavaScript the stored shares stand in for the meter.
    assert "Stored talk time: professional 25%, parents 75%, child 0%." in content
    for situation in (
        "The parent gets defensive",
        "The parent takes over the conversation",
        "The parent says little",
        "The parent is angry",
        "We are not getting any further",
        "know the answer",
    ):
        assert situation in content
    # The button submits the notes form, so typed notes go along with it.
    assert 'id="meeting-notes"' in content
    assert re.search(
        rf'<button type="submit" form="meeting-notes" formaction="{_held(conversation)}"', content
    )
    assert "Conversation finished" in content
    assert 'src="/static/js/meeting.js"' in content


def test_it_shows_a_hint_when_the_professional_spoke_longer(teacher_client, conversation):
    conversation.talk_professional_seconds = 300
    conversation.talk_parent_seconds = 100
    conversation.save()
    content = teacher_client.get(_page(conversation)).content.decode()
    assert "The professional spoke longer than the parents." in content


def test_it_says_when_there_is_no_agenda_or_question_yet(teacher_client, conversation):
    content = teacher_client.get(_page(conversation)).content.decode()
    assert "There is no agenda for this conversation yet." in content
    assert "No questions chosen for this conversation." in content
    assert "No talk time measured yet." in content


def test_it_shows_a_coordinator_the_meeting_read_only(coordinator_client, teacher, conversation):
    item = _item(conversation, "Slapen", 0)
    text_save(
        conversation=conversation, key=item.notes_key, text="Moe", base_version=0, user=teacher
    )
    response = coordinator_client.get(_page(conversation))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Slapen" in content
    assert "Moe" in content
    assert "You are reading along." in content
    assert "<textarea" not in content
    assert "data-speaker" not in content
    assert _held(conversation) not in content
    assert _notes(conversation) not in content
    assert "meeting.js" not in content
    assert "The parent gets defensive" in content


def test_it_hides_the_meeting_from_outsiders(
    teacher2_client, other_coordinator_client, conversation
):
    assert teacher2_client.get(_page(conversation)).status_code == 404
    assert other_coordinator_client.get(_page(conversation)).status_code == 404


def test_it_sends_anonymous_visitors_to_the_login_page(client, conversation):
    for response in (
        client.get(_page(conversation)),
        client.post(_talk(conversation), _totals(1, 1, 1)),
        client.post(_held(conversation)),
        client.post(_notes(conversation)),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    conversation.refresh_from_db()
    assert conversation.talk_professional_seconds == 0
    assert conversation.status == Conversation.Status.DRAFT


def test_it_refuses_the_wrong_method(teacher_client, conversation):
    assert teacher_client.post(_page(conversation)).status_code == 405
    assert teacher_client.get(_talk(conversation)).status_code == 405
    assert teacher_client.get(_held(conversation)).status_code == 405
    assert teacher_client.get(_notes(conversation)).status_code == 405


def test_it_loads_the_page_in_a_fixed_number_of_queries(
    teacher_client, teacher, conversation, django_assert_max_num_queries
):
    items = [_item(conversation, f"Onderwerp {n}", n) for n in range(15)]
    for item in items:
        text_save(
            conversation=conversation,
            key=item.notes_key,
            text=f"Notitie {item.pk}",
            base_version=0,
            user=teacher,
        )
    needs = [Need.RELATEDNESS, Need.COMPETENCE, Need.AUTONOMY, ""]
    audiences = [Audience.PARENT, Audience.CHILD, Audience.PROFESSIONAL]
    for n in range(20):
        _question(conversation, f"Vraag {n}", needs[n % 4], audiences[n % 3], n)
    with django_assert_max_num_queries(11 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(_page(conversation))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('class="agenda-item"') == 15
    assert content.count('class="question question--') == 20
    assert "Notitie" in content


# Saving the talk time


def test_it_saves_the_talk_time(teacher_client, conversation):
    response = teacher_client.post(_talk(conversation), _totals(90, 150, 12))
    assert response.status_code == 204
    conversation.refresh_from_db()
    assert conversation.talk_professional_seconds == 90
    assert conversation.talk_parent_seconds == 150
    assert conversation.talk_child_seconds == 12


def test_it_accepts_the_same_totals_again(teacher_client, conversation):
    teacher_client.post(_talk(conversation), _totals(90, 150, 12))
    assert teacher_client.post(_talk(conversation), _totals(90, 150, 12)).status_code == 204


@pytest.mark.parametrize(
    "totals",
    [
        _totals(-1, 10, 0),
        _totals("tien", 10, 0),
        _totals(1.5, 10, 0),
        _totals(6 * 60 * 60 + 1, 10, 0),
        {"professional": "10", "parent": "10"},
    ],
)
def test_it_refuses_talk_time_that_is_not_a_plausible_number(teacher_client, conversation, totals):
    response = teacher_client.post(_talk(conversation), totals)
    assert response.status_code == 400
    assert "errors" in response.json()
    conversation.refresh_from_db()
    assert conversation.talk_parent_seconds == 0


def test_it_refuses_totals_lower_than_stored(teacher_client, conversation):
    """A stale second tab must not wipe the record with its smaller totals."""
    teacher_client.post(_talk(conversation), _totals(100, 200, 0))
    response = teacher_client.post(_talk(conversation), _totals(120, 150, 0))
    assert response.status_code == 409
    assert response.json() == {"professional": 100, "parent": 200, "child": 0}
    conversation.refresh_from_db()
    assert (conversation.talk_professional_seconds, conversation.talk_parent_seconds) == (100, 200)


def test_it_lets_another_teacher_of_the_child_save_talk_time(location, group, conversation, client):
    from tests import factories

    duo = factories.make_staff("duo", location, groups=(group,))
    client.force_login(duo)
    assert client.post(_talk(conversation), _totals(5, 5, 0)).status_code == 204


def test_it_refuses_talk_time_from_readers_and_outsiders(
    coordinator_client, teacher2_client, other_coordinator_client, conversation
):
    for c in (coordinator_client, teacher2_client, other_coordinator_client):
        assert c.post(_talk(conversation), _totals(5, 5, 0)).status_code == 404
    conversation.refresh_from_db()
    assert conversation.talk_professional_seconds == 0


# Saving notes without JavaScript


def test_it_saves_notes_posted_without_javascript(teacher_client, conversation):
    item = _item(conversation, "Slapen", 0)
    response = teacher_client.post(
        _notes(conversation),
        {
            f"text-{item.notes_key}": "Vaste bedtijd",
            f"version-{item.notes_key}": "0",
            "text-meeting_notes": "Oma haalt op",
            "version-meeting_notes": "0",
        },
    )
    assert response.status_code == 302
    assert response.url == _page(conversation)
    texts = dict(conversation.texts.values_list("key", "text"))
    assert texts == {item.notes_key: "Vaste bedtijd", "meeting_notes": "Oma haalt op"}


def test_it_saves_the_notes_that_come_with_conversation_finished(teacher_client, conversation):
    item = _item(conversation, "Slapen", 0)
    response = teacher_client.post(
        _held(conversation),
        {
            f"text-{item.notes_key}": "Vaste bedtijd",
            f"version-{item.notes_key}": "0",
            "text-meeting_notes": "Oma haalt op",
            "version-meeting_notes": "0",
        },
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HELD
    texts = dict(conversation.texts.values_list("key", "text"))
    assert texts == {item.notes_key: "Vaste bedtijd", "meeting_notes": "Oma haalt op"}


def _post_over_tab_a(client, teacher, conversation, url):
    """A note saved in tab A, then tab B posts its own text from the same
    version to `url`: the item and the answer."""
    item = _item(conversation, "Slapen", 0)
    text_save(
        conversation=conversation,
        key=item.notes_key,
        text="Van tab A",
        base_version=0,
        user=teacher,
    )
    response = client.post(
        url, {f"text-{item.notes_key}": "Van tab B", f"version-{item.notes_key}": "0"}
    )
    return item, response


def test_it_does_not_finish_when_the_notes_that_come_along_conflict(
    teacher_client, teacher, conversation
):
    _, response = _post_over_tab_a(teacher_client, teacher, conversation, _held(conversation))
    content = response.content.decode()
    assert response.status_code == 409
    assert "Van tab A" in content
    assert "Van tab B" in content
    conversation.refresh_from_db()
    assert conversation.status != Conversation.Status.HELD


def test_it_shows_both_texts_when_notes_changed_in_the_meantime(
    teacher_client, teacher, conversation
):
    item, response = _post_over_tab_a(teacher_client, teacher, conversation, _notes(conversation))
    content = response.content.decode()
    assert response.status_code == 409
    assert "Some notes were not saved" in content
    assert "Van tab A" in content
    assert "Van tab B" in content
    assert conversation.texts.get(key=item.notes_key).text == "Van tab A"


def test_it_refuses_notes_from_readers_and_outsiders(
    coordinator_client, teacher2_client, other_coordinator_client, conversation
):
    post = {"text-meeting_notes": "Nee", "version-meeting_notes": "0"}
    for c in (coordinator_client, teacher2_client, other_coordinator_client):
        assert c.post(_notes(conversation), post).status_code == 404
    assert not conversation.texts.exists()


# Marking the conversation held


def _after_held(conversation) -> str:
    try:
        return reverse("agreement_list", args=[conversation.pk])
    except NoReverseMatch:
        return conversation.get_absolute_url()


def test_it_marks_the_conversation_held(teacher_client, conversation):
    response = teacher_client.post(_held(conversation))
    assert response.status_code == 302
    assert response.url == _after_held(conversation)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HELD
    follow = teacher_client.get(response.url)
    assert "The conversation is marked as held." in follow.content.decode()


def test_it_never_moves_a_followed_up_conversation_back(teacher_client, conversation):
    conversation.status = Conversation.Status.FOLLOWED_UP
    conversation.save()
    teacher_client.post(_held(conversation))
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.FOLLOWED_UP


def test_it_refuses_marking_held_by_readers_and_outsiders(
    coordinator_client, teacher2_client, other_coordinator_client, conversation
):
    for c in (coordinator_client, teacher2_client, other_coordinator_client):
        assert c.post(_held(conversation)).status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.DRAFT
