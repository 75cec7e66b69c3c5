"""The export for an access request, the parents' own view of a conversation,
and the public privacy page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from conversations import booking
from conversations.models import ConversationText, ParentLink, Slot
from conversations.parent_links import token_of
from conversations.questionnaire import BY_KEY
from families.privacy import EXPORT_FORMAT, PARENT_VIEW_KEY
from tests import factories
from tests.families.privacy_records import make_full_record
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]

MARKER = "ZQX-export-7f3a"


@pytest.fixture
def record(conversation, teacher, coordinator, family):
    family.contact_notes = f"Bel na vijf uur {MARKER}"
    family.save()
    family.guardians.update(phone="06-12345678")
    return make_full_record(conversation, teacher, coordinator, MARKER)


def _export(client, family):
    return client.get(reverse("family_export", args=[family.pk]))


def _export_json(client, family):
    return client.get(reverse("family_export_json", args=[family.pk]))


# Who may export


@pytest.mark.parametrize("name", ["family_export", "family_export_json", "family_erase"])
def test_it_refuses_everyone_but_the_locations_coordinator(
    name, family, child, client, teacher_client, teacher2_client, other_coordinator_client
):
    """Export and erasure are coordinator tasks: even the child's own teacher gets 404."""
    url = reverse(name, args=[family.pk])
    assert teacher_client.get(url).status_code == 404
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", ["family_export", "family_export_json"])
def test_it_refuses_a_post_to_the_export(name, family, coordinator_client):
    assert coordinator_client.post(reverse(name, args=[family.pk])).status_code == 405


def test_it_links_the_export_and_erasure_for_coordinators_only(
    family, child, coordinator_client, teacher_client
):
    export = reverse("family_export", args=[family.pk])
    erase = reverse("family_erase", args=[family.pk])
    coordinator_page = coordinator_client.get(family.get_absolute_url()).content.decode()
    teacher_page = teacher_client.get(family.get_absolute_url()).content.decode()
    assert export in coordinator_page
    assert erase in coordinator_page
    assert export not in teacher_page
    assert erase not in teacher_page


# The readable page


def test_it_shows_every_kind_of_record_on_the_export_page(record, family, coordinator_client):
    response = _export(coordinator_client, family)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    for expected in (
        "Everything we hold about Familie Yilmaz",
        "Bel na vijf uur",  # family contact notes
        "Ayşe",
        "06-12345678",
        "Emre Yilmaz",
        "17 May 2019",
        "Groep 3",
        "Vertelde over de nieuwe puppy",  # contact
        "Bouwt prachtige torens",  # preparation text
        "Vader werkt in ploegendienst",  # meeting notes
        "Speelt vooral met Sem",  # agenda notes
        "Fijn gesprek over Emre",  # summary
        "Meer vragen stellen",  # reflection
        "Wij zien Emre thuis als heel rustig",  # the parents' view
        "How the parents see it",  # its label
        "The summary as the parents saw it",  # the shared copy's label
        "Wat maakt uw kind blij?",  # library question
        "Hoe slaapt Emre?",  # own question
        "Ruzie met de buurjongen",  # parent's own topic
        "Zindelijkheid",  # professional's topic
        "Elke avond samen lezen",  # agreement
        "Over vier weken bellen",
        "Gaat goed",
        "Opa is ziek",  # questionnaire answer
        "Very good",  # a choice's label
        "Arabic",  # the interpreter answer
        "Klopt, dank u",  # reply to the summary
        "Mooi voorbereid",  # coordinator's comment
        "Lokaal 3",
        reverse("family_export_json", args=[family.pk]),
    ):
        assert expected in content, expected
    assert record.link.salt not in content
    assert record.link.token_hash not in content


# The JSON file


def test_it_downloads_the_export_as_a_json_attachment(record, family, coordinator_client):
    response = _export_json(coordinator_client, family)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="samenspraak-gezin-{family.pk}-' in disposition
    assert "Yilmaz" not in disposition
    assert "no-store" in response["Cache-Control"]


def test_it_keeps_the_documented_json_structure(record, family, child, coordinator_client):
    data = json.loads(_export_json(coordinator_client, family).content)

    assert data["format"] == EXPORT_FORMAT
    assert data["version"] == 1
    dt.datetime.fromisoformat(data["exported_at"])
    assert data["location"]["name"] == "Kindcentrum De Linde"
    assert data["family"] == {
        "id": family.pk,
        "name": "Familie Yilmaz",
        "home_language": "tr",
        "home_language_label": "Turks",
        "interpreter_wanted": False,
        "contact_notes": f"Bel na vijf uur {MARKER}",
    }
    [guardian] = data["guardians"]
    assert guardian["first_name"] == "Ayşe"
    assert guardian["phone"] == "06-12345678"
    [exported_child] = data["children"]
    assert exported_child["first_name"] == "Emre"
    assert exported_child["date_of_birth"] == "2019-05-17"
    assert exported_child["left_on"] is None
    assert [e["group"] for e in exported_child["enrolments"]] == ["Groep 3"]
    [contact] = exported_child["contacts"]
    assert contact["tone"] == "positive"
    assert contact["note"].startswith("Vertelde over de nieuwe puppy")
    dt.datetime.fromisoformat(contact["occurred_at"])

    [conversation] = exported_child["conversations"]
    assert conversation["kind"] == "wellbeing"
    assert conversation["status"] == "held"
    assert conversation["date"] == "2026-09-15"
    assert conversation["need_ratings"]["parent"]["relatedness"] == 3
    assert conversation["need_ratings"]["professional"]["competence"] == 2
    texts = {text["key"]: text for text in conversation["texts"]}
    assert set(texts) == {
        "prep_going_well",
        "meeting_notes",
        record.library_topic.notes_key,
        "summary",
        "summary_as_shared",
        "reflection_note",
        PARENT_VIEW_KEY,
    }
    assert texts["summary"]["text"] == f"Fijn gesprek over Emre {MARKER}"
    assert texts["summary"]["updated_by"] == "Teacher"
    dt.datetime.fromisoformat(texts["summary"]["updated_at"])
    assert [q["own_question"] for q in conversation["chosen_questions"]] == [False, True]
    assert [item["raised_by"] for item in conversation["agenda_items"]] == [
        "parent",
        "parent",
        "professional",
    ]
    [agreement] = conversation["agreements"]
    assert agreement["due_on"] == "2026-10-15"
    assert agreement["status"] == "done"
    assert conversation["meeting_round"] is None
    assert conversation["bookings"] == []
    [comment] = conversation["coordinator_comments"]
    assert comment["text"] == f"Mooi voorbereid {MARKER}"

    [link] = conversation["parent_links"]
    assert set(link) == {
        "guardian_id",
        "guardian",
        "language",
        "language_label",
        "created_at",
        "invited_at",
        "booking_asked_at",
        "revoked_at",
        "submitted_at",
        "summary_sent_at",
        "summary_reply",
        "answers",
    }
    assert link["summary_reply"]["comment"] == f"Klopt, dank u {MARKER}"
    answers = {answer["question"]: answer for answer in link["answers"]}
    with translation.override("nl"):
        feeling_label = str(BY_KEY["feeling"].title)
        very_good = str(BY_KEY["feeling"].option("very_good").label)
    assert answers["feeling"]["question_label"] == feeling_label
    assert answers["feeling"]["choices"] == [{"key": "very_good", "label": very_good}]
    assert answers["interpreter"]["choices"] == [{"key": "ar", "label": "Arabisch"}]
    assert answers["anything_else"]["text"] == f"Opa is ziek {MARKER}"
    assert answers["anything_else"]["text_language"] == "tr"


def test_it_never_exports_the_links_secrets(record, family, coordinator_client):
    body = _export_json(coordinator_client, family).content.decode()
    assert record.link.salt not in body
    assert record.link.token_hash not in body
    assert token_of(record.link) not in body


def test_it_exports_only_the_family_asked_for(record, family, other_child, coordinator_client):
    other_family = other_child.family
    body = _export_json(coordinator_client, family).content.decode()
    assert "Noor" not in body
    assert "De Vries" not in body
    other = json.loads(_export_json(coordinator_client, other_family).content)
    assert [c["first_name"] for c in other["children"]] == ["Noor"]
    assert MARKER not in json.dumps(other)


# Queries


def _fill(family, group, teacher, coordinator, conversations: int) -> None:
    """`conversations` full records, spread over two children of the family."""
    children = [
        factories.make_child(family, group, first_name="Emre"),
        factories.make_child(family, group, first_name="Elif"),
    ]
    for number in range(conversations):
        conversation = factories.make_conversation(children[number % 2], teacher)
        make_full_record(conversation, teacher, coordinator, f"{MARKER}-{number}")


def test_it_exports_the_booked_times(
    meeting_round, round_conversation, round_link, family, coordinator_client, english_clients
):
    slot = Slot.objects.filter(meeting_round=meeting_round).free().order_by("starts_at").first()
    booking.booking_make(choice=[(round_conversation.pk, [slot.pk])], link=round_link)
    booking_mail_asked = timezone.now()
    ParentLink.objects.filter(pk=round_link.pk).update(booking_asked_at=booking_mail_asked)

    data = json.loads(_export_json(coordinator_client, family).content)

    [exported] = [
        each for each in data["children"][0]["conversations"] if each["id"] == round_conversation.pk
    ]
    assert exported["meeting_round"] == {"id": meeting_round.pk, "name": meeting_round.name}
    [booked] = exported["bookings"]
    assert dt.datetime.fromisoformat(booked["starts_at"]) == slot.starts_at
    assert booked["guardian_id"] is None
    assert booked["booked_through_link"] is True
    [link] = exported["parent_links"]
    asked = dt.datetime.fromisoformat(link["booking_asked_at"])
    assert abs(asked - booking_mail_asked) < dt.timedelta(seconds=1)
    page = coordinator_client.get(reverse("family_export", args=[family.pk])).content.decode()
    assert "Booked times" in page


@pytest.mark.parametrize("name", ["family_export", "family_export_json"])
def test_it_exports_in_a_fixed_number_of_queries(
    name, location, group, teacher, coordinator, coordinator_client, django_assert_max_num_queries
):
    small = factories.make_family(location, name="Familie Klein")
    factories.make_guardian(small)
    _fill(small, group, teacher, coordinator, conversations=1)
    large = factories.make_family(location, name="Familie Groot")
    for _ in range(3):
        factories.make_guardian(large)
    _fill(large, group, teacher, coordinator, conversations=12)

    coordinator_client.get(reverse(name, args=[small.pk]))  # the session's first request
    with CaptureQueriesContext(connection) as one:
        assert coordinator_client.get(reverse(name, args=[small.pk])).status_code == 200
    # Session and user, the family with everything under it (15 queries), the
    # navigation's locations, and the audit trail's entry for the export.
    with django_assert_max_num_queries(19 + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.get(reverse(name, args=[large.pk]))
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as twelve:
        coordinator_client.get(reverse(name, args=[large.pk]))
    assert len(twelve) == len(one)
    assert response.content.decode().count(f"{MARKER}-11") > 5


# The parents' own view


def _autosave(client, conversation, text: str, version: int):
    return client.post(
        reverse("text_autosave", args=[conversation.pk]),
        {
            "key": PARENT_VIEW_KEY,
            f"text-{PARENT_VIEW_KEY}": text,
            f"version-{PARENT_VIEW_KEY}": version,
        },
        headers={"HX-Request": "true"},
    )


def _parent_view():
    return ConversationText.objects.filter(key=PARENT_VIEW_KEY).first()


def test_it_lets_the_professional_write_down_the_parents_view(
    conversation, teacher, teacher_client
):
    page = teacher_client.get(conversation.get_absolute_url()).content.decode()
    assert "How the parents see it" in page
    assert f'name="text-{PARENT_VIEW_KEY}"' in page
    assert reverse("parent_view_edit", args=[conversation.pk]) in page

    response = _autosave(teacher_client, conversation, "Wij vinden hem thuis rustig.", 0)

    assert response.status_code == 200
    stored = _parent_view()
    assert stored.text == "Wij vinden hem thuis rustig."
    assert stored.updated_by == teacher


def test_it_keeps_the_professionals_texts_as_they_are(conversation, teacher, teacher_client):
    for key in ("summary", "prep_going_well"):
        conversation.texts.create(key=key, text=f"Eigen tekst {key}", version=1)

    _autosave(teacher_client, conversation, "Wij zien het anders.", 0)

    assert dict(conversation.texts.values_list("key", "text")) == {
        "summary": "Eigen tekst summary",
        "prep_going_well": "Eigen tekst prep_going_well",
        PARENT_VIEW_KEY: "Wij zien het anders.",
    }


def test_it_shows_the_parents_view_read_only_to_the_coordinator(
    conversation, teacher, teacher_client, coordinator_client
):
    _autosave(teacher_client, conversation, "Wij zien het anders.", 0)

    page = coordinator_client.get(conversation.get_absolute_url()).content.decode()

    assert "How the parents see it" in page
    assert "Wij zien het anders." in page
    assert "by Teacher" in page
    # The page shows the day in the site's time zone, not UTC's.
    assert f"Written down on {timezone.localtime(_parent_view().updated_at):%-d %B %Y}" in page
    assert f'name="text-{PARENT_VIEW_KEY}"' not in page
    assert _autosave(coordinator_client, conversation, "Anders", 1).status_code == 404
    assert _parent_view().text == "Wij zien het anders."


def test_it_saves_the_parents_view_without_javascript(conversation, teacher_client):
    response = teacher_client.post(
        reverse("parent_view_edit", args=[conversation.pk]),
        {f"text-{PARENT_VIEW_KEY}": "Thuis is hij druk.", f"version-{PARENT_VIEW_KEY}": "0"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{conversation.get_absolute_url()}#parent-view"
    assert _parent_view().text == "Thuis is hij druk."


def test_it_shows_both_texts_when_someone_saved_in_between(conversation, teacher, teacher_client):
    _autosave(teacher_client, conversation, "Eerste versie.", 0)

    response = teacher_client.post(
        reverse("parent_view_edit", args=[conversation.pk]),
        {f"text-{PARENT_VIEW_KEY}": "Mijn versie.", f"version-{PARENT_VIEW_KEY}": "0"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Not saved: someone else changed this text" in content
    assert "Mijn versie." in content
    assert "Eerste versie." in content
    assert _parent_view().text == "Eerste versie."


def test_it_refuses_the_parents_view_to_outsiders(
    conversation, teacher2_client, other_coordinator_client, coordinator_client, client
):
    url = reverse("parent_view_edit", args=[conversation.pk])
    data = {f"text-{PARENT_VIEW_KEY}": "Nee.", f"version-{PARENT_VIEW_KEY}": "0"}
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404
    assert coordinator_client.get(url).status_code == 200
    assert coordinator_client.post(url, data).status_code == 404
    assert teacher2_client.post(url, data).status_code == 404
    assert client.post(url, data).status_code == 302
    assert _parent_view() is None


# The privacy page


def test_it_shows_the_privacy_page_to_anyone(client, settings):
    settings.RETENTION_YEARS = 3
    settings.PARENT_LINK_DAYS = 21
    settings.SESSION_COOKIE_AGE = 45 * 60
    settings.SESSION_MAX_SECONDS = 8 * 60 * 60

    response = client.get(reverse("privacy"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Everything about a child is deleted 3 years after the child left" in content
    assert "Your personal link works until 21 days after the conversation" in content
    assert "nothing for 45 minutes" in content
    assert "After 8 hours" in content
    for heading in ("About your child", "About parents and carers", "About staff", "Your rights"):
        assert heading in content


def test_it_links_the_privacy_page_from_the_login_page_and_every_footer(
    client, teacher_client, child
):
    privacy = reverse("privacy")
    assert f'href="{privacy}"' in client.get(reverse("login")).content.decode()
    assert f'href="{privacy}"' in teacher_client.get(child.get_absolute_url()).content.decode()


def test_it_refuses_a_post_to_the_privacy_page(client):
    assert client.post(reverse("privacy")).status_code == 405
