"""Erasure: a family and its children are anonymised, the counted rows stay."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.urls import reverse

from conversations.models import (
    AgendaItem,
    Agreement,
    ChosenPrompt,
    Contact,
    Conversation,
    ConversationText,
    ParentLink,
    QuestionnaireAnswer,
    ReviewComment,
)
from families.models import AuditEntry, Child, Enrolment, Family, Guardian
from families.privacy import ERASED_FAMILY_NAME, Erasure, family_erase
from tests import factories
from tests.families.privacy_records import library_topic_title, make_full_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]

MARKER = "ZQX-erase-51c9"
# Everything personal the record holds besides the marker.
PERSONAL = ("Yilmaz", "Emre", "Elif", "Ayşe", "Mehmet", "06-12345678", "@example.org", "2019-05-17")


@pytest.fixture
def record(conversation, child, group, teacher, coordinator, family):
    family.contact_notes = f"Bel na vijf uur {MARKER}"
    family.interpreter_wanted = True
    family.save()
    family.guardians.update(phone="06-12345678")
    factories.make_guardian(family, first_name="Mehmet", last_name="Yilmaz", relation="father")
    sibling = factories.make_child(
        family, group, first_name="Elif", last_name="Yilmaz", date_of_birth=dt.date(2021, 8, 30)
    )
    factories.make_conversation(sibling, teacher, kind="progress", status="prepared")
    return make_full_record(conversation, teacher, coordinator, MARKER)


def _counts() -> dict[str, object]:
    """What coordinators count, and must still count after an erasure."""
    return {
        "families": Family.objects.count(),
        "children": Child.objects.count(),
        "guardians": Guardian.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "conversations": sorted(
            Conversation.objects.values_list(
                "kind", "status", "date", "school_year", "parent_relatedness", "own_competence"
            )
        ),
        "agreements": sorted(Agreement.objects.values_list("status", "due_on", "who")),
        "contacts": sorted(Contact.objects.values_list("channel", "tone", "school_year")),
        "library_questions": ChosenPrompt.objects.filter(prompt__isnull=False).count(),
        "agenda_items": AgendaItem.objects.count(),
    }


def _erase(client, family, name: str):
    return client.post(reverse("family_erase", args=[family.pk]), {"family_name": name})


# The confirmation page


def test_it_says_exactly_what_will_happen_before_erasing(record, family, coordinator_client):
    response = coordinator_client.get(reverse("family_erase", args=[family.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Erase the family's data</h1>" in content
    assert "The names of 2 children become" in content
    assert "The names of 2 parents and carers become" in content
    assert "7 texts of the conversations are deleted" in content
    assert "2 conversations, with their kind, date, status" in content
    assert "This cannot be undone." in content
    assert "Type it as it is written here: Familie Yilmaz" in content
    assert reverse("family_export", args=[family.pk]) in content
    assert 'action="{}"'.format(reverse("family_erase", args=[family.pk])) in content


def test_it_erases_nothing_without_the_family_name(record, family, coordinator_client):
    before = _counts()

    response = _erase(coordinator_client, family, "Familie Jansen")

    assert response.status_code == 200
    assert "This is not the family&#x27;s name as shown above" in response.content.decode()
    family.refresh_from_db()
    assert family.name == "Familie Yilmaz"
    assert ConversationText.objects.count() == 7
    assert _counts() == before


@pytest.mark.parametrize("role", ["teacher_client", "teacher2_client", "other_coordinator_client"])
def test_it_lets_only_the_locations_coordinator_erase(record, family, role, request):
    client = request.getfixturevalue(role)
    assert _erase(client, family, "Familie Yilmaz").status_code == 404
    family.refresh_from_db()
    assert family.name == "Familie Yilmaz"


def test_it_sends_anonymous_visitors_to_login(record, family, client):
    response = _erase(client, family, "Familie Yilmaz")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    family.refresh_from_db()
    assert family.name == "Familie Yilmaz"


# What is gone and what stays


def test_it_anonymises_names_contact_details_and_birth_dates(record, family, coordinator_client):
    response = _erase(coordinator_client, family, "  familie yilmaz ")

    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    family.refresh_from_db()
    assert (family.name, family.contact_notes) == (ERASED_FAMILY_NAME, "")
    assert family.interpreter_wanted is True
    assert family.home_language == "tr"
    children = list(family.children.order_by("pk").values_list("first_name", "last_name"))
    assert children == [("Kind", "1"), ("Kind", "2")]
    assert sorted(family.children.values_list("date_of_birth", flat=True)) == [
        dt.date(2019, 1, 1),
        dt.date(2021, 1, 1),
    ]
    assert list(
        family.guardians.order_by("pk").values_list("first_name", "last_name", "email", "phone")
    ) == [("Ouder", "1", "", ""), ("Ouder", "2", "", "")]
    assert list(family.guardians.values_list("relation", flat=True).order_by("pk")) == [
        "mother",
        "father",
    ]


def test_it_deletes_every_free_text_about_them(record, family, coordinator, coordinator_client):
    _erase(coordinator_client, family, "Familie Yilmaz")

    assert not ConversationText.objects.exists()
    assert not ParentLink.objects.exists()
    assert not QuestionnaireAnswer.objects.exists()
    assert not ReviewComment.objects.exists()
    assert list(ChosenPrompt.objects.values_list("text", flat=True)) == ["Wat maakt uw kind blij?"]
    titles = dict(AgendaItem.objects.values_list("pk", "title"))
    assert titles == {
        record.library_topic.pk: library_topic_title("friends"),
        record.own_topic.pk: "—",
        record.professional_topic.pk: "—",
    }
    agreement = Agreement.objects.get()
    assert (agreement.what, agreement.who_name, agreement.check_how, agreement.status_note) == (
        "—",
        "",
        "",
        "",
    )
    assert (agreement.status, agreement.due_on) == (Agreement.Status.DONE, dt.date(2026, 10, 15))
    assert Contact.objects.get().note == ""
    conversation = Conversation.objects.get(pk=record.conversation.pk)
    assert (conversation.place, conversation.other_participants) == ("", "")
    # Nothing of it can be read anywhere any more: the export is the whole record.
    export = coordinator_client.get(reverse("family_export_json", args=[family.pk]))
    body = export.content.decode()
    assert MARKER not in body
    for personal in PERSONAL:
        assert personal.lower() not in body.lower(), personal
    assert len(json.loads(body)["children"]) == 2


def test_it_keeps_what_coordinators_count(record, family, coordinator_client, other_child):
    before = _counts()
    child = family.children.order_by("pk").first()
    child.left_on = dt.date(2026, 7, 10)
    child.save()

    _erase(coordinator_client, family, "Familie Yilmaz")

    assert _counts() == before
    assert family.children.order_by("pk").first().left_on == dt.date(2026, 7, 10)


def test_it_leaves_other_families_alone(record, family, other_child, teacher2, coordinator):
    other_conversation = factories.make_conversation(other_child, teacher2)
    make_full_record(other_conversation, teacher2, coordinator, "ZQX-other-family")

    family_erase(family=family, user=coordinator)

    other_child.refresh_from_db()
    assert other_child.full_name == "Noor de Vries"
    assert other_child.family.name == "Familie De Vries"
    assert ConversationText.objects.filter(conversation=other_conversation).count() == 7
    assert ParentLink.objects.filter(conversation=other_conversation).count() == 1
    assert ReviewComment.objects.filter(conversation=other_conversation).count() == 1
    assert Agreement.objects.get(conversation=other_conversation).what.startswith("Elke avond")
    assert Contact.objects.get(child=other_child).note.startswith("Vertelde")


def test_it_can_run_twice_and_the_second_run_changes_nothing(record, family, coordinator):
    first = family_erase(family=family, user=coordinator)
    after_first = (_counts(), list(Child.objects.values_list("first_name", "last_name")))

    second = family_erase(family=family, user=coordinator)

    assert first.children == 2
    assert first.guardians == 2
    assert first.texts == 7
    assert first.questionnaire_answers == 4
    assert first.parent_links == 1
    assert second == Erasure(family_id=family.pk)
    assert (_counts(), list(Child.objects.values_list("first_name", "last_name"))) == after_first


def test_it_logs_ids_and_counts_but_no_names(record, family, coordinator, caplog):
    with caplog.at_level(logging.INFO, logger="families.privacy"):
        family_erase(family=family, user=coordinator)

    [line] = [r.getMessage() for r in caplog.records if r.name == "families.privacy"]
    assert f"family={family.pk}" in line
    assert f"by_user={coordinator.pk}" in line
    assert "texts=7" in line
    assert MARKER not in line
    for personal in PERSONAL:
        assert personal.lower() not in line.lower()


def test_it_puts_who_erased_the_family_into_each_childs_audit_trail(
    record, family, coordinator, coordinator_client
):
    coordinator.first_name, coordinator.last_name = "Ilse", "Bakker"
    coordinator.save()

    _erase(coordinator_client, family, "Familie Yilmaz")

    [erased] = AuditEntry.objects.filter(action=AuditEntry.Action.ERASE)
    assert (erased.user, erased.record, erased.object_id) == (
        coordinator,
        AuditEntry.Record.FAMILY,
        family.pk,
    )
    assert erased.path == reverse("family_erase", args=[family.pk])
    for child in family.children.all():
        page = coordinator_client.get(reverse("child_audit_log", args=[child.pk]))
        row = next(
            row
            for row in page.content.decode().split("<tr>")
            if '<span class="badge badge--attention">erased</span>' in row
        )
        assert "Ilse Bakker" in row
        assert "Erasing the family&#x27;s data" in row
