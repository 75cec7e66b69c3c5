from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from conversations.models import ConversationText
from conversations.services import text_save

pytestmark = pytest.mark.django_db


def _save(client, conversation, key, text, version, **headers):
    return client.post(
        reverse("text_autosave", args=[conversation.pk]),
        {"key": key, f"text-{key}": text, f"version-{key}": str(version)},
        headers={"HX-Request": "true", **headers},
    )


def test_it_saves_a_text_and_hands_back_the_next_version(teacher_client, conversation):
    response = _save(teacher_client, conversation, "summary", "Fijn gesprek.", 0)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="status-summary"' in content
    assert 'id="version-summary"' in content
    assert 'value="1"' in content
    stored = ConversationText.objects.get(conversation=conversation, key="summary")
    assert (stored.text, stored.version) == ("Fijn gesprek.", 1)


def test_it_refuses_a_save_from_an_outdated_page(teacher_client, teacher, conversation):
    text_save(conversation=conversation, key="summary", text="Tab A", base_version=0, user=teacher)
    response = _save(teacher_client, conversation, "summary", "Tab B", 0)
    assert response.status_code == 409
    content = response.content.decode()
    # Both texts stay available: the stored one is shown, nothing is overwritten.
    assert "Tab A" in content
    assert ConversationText.objects.get(key="summary").text == "Tab A"


def test_it_names_who_saved_in_between(teacher_client, location, group, conversation):
    from tests import factories

    duo = factories.make_staff("duo", location, groups=(group,))
    duo.first_name, duo.last_name = "Lotte", "Smit"
    duo.save()
    text_save(conversation=conversation, key="summary", text="Van Lotte", base_version=0, user=duo)
    response = _save(teacher_client, conversation, "summary", "Van mij", 0)
    assert "Lotte Smit" in response.content.decode()


def test_it_accepts_a_save_that_changes_nothing(teacher_client, teacher, conversation):
    text_save(conversation=conversation, key="summary", text="Zelfde", base_version=0, user=teacher)
    assert _save(teacher_client, conversation, "summary", "Zelfde", 0).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_two_racing_saves_win(teacher, conversation):
    text_save(conversation=conversation, key="summary", text="start", base_version=0, user=teacher)
    results = []
    barrier = threading.Barrier(2)

    def save(text):
        barrier.wait()
        results.append(
            text_save(
                conversation=conversation, key="summary", text=text, base_version=1, user=teacher
            )
        )
        connection.close()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("een", "twee")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.saved for r in results) == [False, True]
    assert ConversationText.objects.get(key="summary").version == 2


def test_it_refuses_an_unknown_field(teacher_client, conversation):
    response = _save(teacher_client, conversation, "password", "x", 0)
    assert response.status_code == 400
    assert not ConversationText.objects.exists()


def test_it_saves_agenda_notes_only_for_this_conversations_items(
    teacher_client, teacher, conversation, other_child
):
    from tests import factories

    item = conversation.agenda_items.create(title="Hoe gaat het thuis?")
    other = factories.make_conversation(other_child, teacher)
    foreign = other.agenda_items.create(title="Ander gesprek")
    assert _save(teacher_client, conversation, f"agenda-{item.pk}", "Notitie", 0).status_code == 200
    assert _save(teacher_client, conversation, f"agenda-{foreign.pk}", "x", 0).status_code == 400


def test_it_refuses_a_text_that_is_too_long(teacher_client, conversation):
    response = _save(teacher_client, conversation, "summary", "x" * 20_001, 0)
    assert response.status_code == 422
    assert not ConversationText.objects.exists()


def test_it_answers_an_expired_session_with_401_for_htmx(client, conversation):
    response = _save(client, conversation, "summary", "Mijn tekst", 0)
    assert response.status_code == 401
    assert not ConversationText.objects.exists()


def test_it_redirects_an_expired_session_without_htmx(client, conversation):
    response = client.post(reverse("text_autosave", args=[conversation.pk]), {"key": "summary"})
    assert response.status_code == 302


def test_it_refuses_saves_by_outsiders_and_readers(
    teacher2_client, other_coordinator_client, coordinator_client, conversation
):
    for c in (teacher2_client, other_coordinator_client, coordinator_client):
        assert _save(c, conversation, "summary", "x", 0).status_code == 404
    assert not ConversationText.objects.exists()


def test_it_refuses_outsiders_a_change_to_an_existing_text(
    teacher, teacher2_client, other_coordinator_client, coordinator_client, conversation
):
    # The save of an existing text is one scoped UPDATE: it must write nothing
    # for someone who may not edit, even with the right version.
    text_save(conversation=conversation, key="summary", text="Eigen", base_version=0, user=teacher)
    for c in (teacher2_client, other_coordinator_client, coordinator_client):
        assert _save(c, conversation, "summary", "x", 1).status_code == 404
    stored = ConversationText.objects.get(conversation=conversation, key="summary")
    assert (stored.text, stored.version) == ("Eigen", 1)


def test_it_refuses_get_on_autosave(teacher_client, conversation):
    assert teacher_client.get(reverse("text_autosave", args=[conversation.pk])).status_code == 405
