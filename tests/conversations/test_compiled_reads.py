"""The preparation step's and meeting mode's reads of a conversation, its
parents, links, answers, agenda and chosen questions, from queries compiled
once per process (families.models.compiled_rows), against the ORM queries
they stand for; and who gets nothing from them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse

from conversations import parent_answers
from conversations.models import (
    AgendaItem,
    ChosenPrompt,
    Conversation,
    Kind,
    ParentLink,
    QuestionnaireAnswer,
)
from conversations.services import text_save
from conversations.steps import steps_for
from conversations.summary import SHARED_SUMMARY_KEY
from conversations.views import invitations, meeting, preparation
from tests import factories

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    """What was read of an object, and which related objects came with it."""
    return {
        **{name: value for name, value in vars(instance).items() if name != "_state"},
        "read along": sorted(instance._state.fields_cache),
        "adding": instance._state.adding,
        "db": instance._state.db,
    }


@pytest.fixture
def users(teacher, teacher2, coordinator, other_coordinator):
    return [teacher, teacher2, coordinator, other_coordinator]


@pytest.fixture
def conversations(conversation, child, other_child, teacher, teacher2, other_location):
    """Emre's conversation (teacher's group), with his mother and father taking
    part, three agenda topics, two chosen questions and answers from both
    parents; Noor's (teacher2's group), prepared by teacher; and a child's at
    another location."""
    father = factories.make_guardian(child.family, first_name="Mehmet", relation="father")
    conversation.guardians.set(child.family.guardians.all())
    for position, title in enumerate(["Thuis", "In de groep", "Afspraken"]):
        AgendaItem.objects.create(conversation=conversation, title=title, position=2 - position)
    for position, text in enumerate(["Hoe gaat het?", "Wat helpt?"]):
        ChosenPrompt.objects.create(
            conversation=conversation, text=text, need="relatedness", audience="parent",
            position=position,
        )  # fmt: skip
    mother = child.family.guardians.get(first_name="Ayşe")
    for guardian, feeling in [(father, "good"), (mother, "not_so_good")]:
        link = factories.make_parent_link(conversation, guardian)
        QuestionnaireAnswer.objects.create(link=link, question="feeling", choices=[feeling])
        QuestionnaireAnswer.objects.create(
            link=link, question="topics", choices=["home"], text="Zwemles", text_language="nl"
        )
    noor = factories.make_conversation(other_child, teacher)
    factories.make_parent_link(noor)
    elsewhere = factories.make_child(
        factories.make_family(other_location, name="Familie Bakker"),
        factories.make_group(other_location, name="Groep 4"),
        first_name="Daan",
    )
    return [conversation, noor, factories.make_conversation(elsewhere, teacher2)]


def _orm_readable(user, conversation_id: int) -> Conversation | None:
    """The preparation step's conversation as the ORM reads it."""
    return preparation._readable_conversations(user).filter(pk=conversation_id).first()


def _orm_meeting(user, conversation_id: int) -> Conversation | None:
    """Meeting mode's conversation as the ORM reads it."""
    found = Conversation.objects.visible_with_can_edit(user).select_related("child")
    return found.filter(pk=conversation_id).first()


def _request(user):
    return type("Request", (), {"user": user})()


def _preparation_as_read(conversation: Conversation) -> list[dict]:
    return [
        _fields(conversation),
        _fields(conversation.child),
        _fields(conversation.child.family),
    ]


def _meeting_as_read(conversation: Conversation) -> list[dict]:
    return [_fields(conversation), _fields(conversation.child)]


def test_it_reads_the_preparation_conversation_as_the_orm_does(users, conversations):
    seen = []
    for user in users:
        for each in conversations:
            rows = preparation._readable_conversation.rows(user.pk, each.pk)
            assert rows == list(preparation._readable_conversation.rows.build(user.pk, each.pk))
            expected = _orm_readable(user, each.pk)
            if expected is None:
                assert rows == []
                with pytest.raises(Http404):
                    preparation._readable(_request(user), each.pk)
                seen.append(None)
                continue
            found = preparation._readable(_request(user), each.pk)
            assert _preparation_as_read(found) == _preparation_as_read(expected)
            seen.append(found.can_edit)
    # Whether teacher, teacher2, coordinator and other_coordinator may edit
    # each conversation (None: they may not see it).
    assert seen == [True, None, None, None, True, None, False, False, None, None, None, False]


def test_it_reads_the_meeting_conversation_as_the_orm_does(users, conversations):
    seen = []
    for user in users:
        for each in conversations:
            rows = meeting._readable_conversation.rows(user.pk, each.pk)
            assert rows == list(meeting._readable_conversation.rows.build(user.pk, each.pk))
            expected = _orm_meeting(user, each.pk)
            if expected is None:
                assert rows == []
                with pytest.raises(Http404):
                    meeting._readable(user.pk, each.pk)
                seen.append(None)
                continue
            found = meeting._readable(user.pk, each.pk)
            assert _meeting_as_read(found) == _meeting_as_read(expected)
            seen.append(found.can_edit)
    assert seen == [True, None, None, None, True, None, False, False, None, None, None, False]


def test_it_gives_nothing_to_whoever_may_not_see_the_conversation(
    conversations, teacher2, other_coordinator
):
    emre, _noor, elsewhere = conversations
    nobody = get_user_model().objects.create_user("nobody")
    for user, conversation in [
        (teacher2, emre),
        (other_coordinator, emre),
        (nobody, emre),
        (nobody, elsewhere),
        (other_coordinator, _noor),
    ]:
        assert preparation._readable_conversation.rows(user.pk, conversation.pk) == []
        assert meeting._readable_conversation.rows(user.pk, conversation.pk) == []
    # An id no conversation has.
    assert preparation._readable_conversation.rows(teacher2.pk, elsewhere.pk + 1000) == []


def test_it_reads_the_family_guardians_as_the_orm_does(conversations):
    for each in [*conversations, conversations[0]]:
        family = each.child.family
        chosen = Conversation.guardians.through.objects.filter(
            conversation=each, guardian=OuterRef("pk")
        )
        expected = family.guardians.annotate(taking_part=Exists(chosen)).order_by("pk")
        rows = invitations._family_guardians.rows(family.pk, each.pk)
        assert rows == list(invitations._family_guardians.rows.build(family.pk, each.pk))
        assert [(row["first_name"], row["taking_part"]) for row in rows] == [
            (guardian.first_name, guardian.taking_part) for guardian in expected
        ]
    rows = invitations._family_guardians.rows(conversations[0].child.family_id, conversations[0].pk)
    assert [row["taking_part"] for row in rows] == [True, True]
    # Another family's id gives none of this family's guardians.
    assert invitations._family_guardians.rows(
        conversations[1].child.family_id, conversations[0].pk
    ) == [
        row | {"taking_part": False}
        for row in invitations._family_guardians.rows(
            conversations[1].child.family_id, conversations[1].pk
        )
    ]


def test_it_reads_links_and_answers_as_the_orm_does(conversations):
    for each in conversations:
        expected = sorted(
            ParentLink.objects.filter(conversation=each).select_related("guardian").order_by(),
            key=lambda link: link.guardian_id,
        )
        for link in expected:
            link.conversation = each
        assert [
            [_fields(link), _fields(link.guardian)] for link in parent_answers.links_of(each)
        ] == [[_fields(link), _fields(link.guardian)] for link in expected]
        answers = parent_answers._answers.rows(each.pk)
        assert answers == list(parent_answers._answers.rows.build(each.pk))
        orm = QuestionnaireAnswer.objects.filter(link__conversation=each)
        assert sorted(row["id"] for row in answers) == sorted(orm.values_list("pk", flat=True))
    shown = parent_answers.parent_answers(conversations[0])
    assert [(len(each.answers), each.guardian.first_name) for each in shown] == [
        (2, "Ayşe"),
        (2, "Mehmet"),
    ]


def test_it_reads_each_links_answers_as_the_orm_does(conversations):
    for each in conversations:
        links = parent_answers.links_of(each)
        expected = QuestionnaireAnswer.objects.filter(link_id__in=[link.pk for link in links])
        assert sorted(
            (_fields(answer) for answer in parent_answers._stored_answers(each.pk)),
            key=lambda fields: fields["id"],
        ) == [_fields(answer) for answer in expected.order_by("pk")]
        by_link = parent_answers.answers_by_link(links)
        assert sorted(by_link) == sorted(link.pk for link in links)
    shown = parent_answers.answers_by_link(parent_answers.links_of(conversations[0]))
    assert sorted(
        (each.guardian.first_name, [answer.question.key for answer in each.answers])
        for each in shown.values()
    ) == [("Ayşe", ["feeling", "topics"]), ("Mehmet", ["feeling", "topics"])]


def test_it_reads_agenda_questions_and_parents_as_the_related_managers_do(conversations):
    for each in conversations:
        assert [_fields(item) for item in meeting._agenda(each)] == [
            _fields(item) for item in each.agenda_items.all()
        ]
        assert [_fields(prompt) for prompt in meeting._chosen_prompts(each)] == [
            _fields(prompt) for prompt in each.chosen_prompts.all()
        ]
        assert [_fields(guardian) for guardian in meeting._guardians(each)] == [
            _fields(guardian) for guardian in each.guardians.all()
        ]
    agenda = meeting._agenda(conversations[0])
    assert [item.title for item in agenda] == ["Afspraken", "In de groep", "Thuis"]


def test_outsiders_still_get_404(conversations, teacher2_client, other_coordinator_client):
    emre = conversations[0]
    for client in (teacher2_client, other_coordinator_client):
        for url in (
            reverse("meeting_mode", args=[emre.pk]),
            reverse("preparation_step", args=[emre.pk, invitations.STEP_SLUG]),
        ):
            assert client.get(url).status_code == 404


def test_it_reads_the_stored_texts_of_the_steps_as_the_orm_does(conversations, teacher):
    emre = conversations[0]
    concern = factories.make_conversation(emre.child, teacher, kind=Kind.CONCERN)
    for each in (emre, concern):
        keys = [key for step in steps_for(each.kind) for key in step.keys]
        for number, key in enumerate([*keys[:3], "meeting_notes", SHARED_SUMMARY_KEY]):
            text_save(
                conversation=each, key=key, text=f"Tekst {number}", base_version=0, user=teacher
            )
    for each in (emre, concern, conversations[1]):
        keys = {key for step in steps_for(each.kind) for key in step.keys}
        expected = {text.key: text for text in each.texts.filter(key__in=keys)}
        stored = preparation._stored_texts(each)
        assert {key: _fields(text) for key, text in stored.items()} == {
            key: _fields(text) for key, text in expected.items()
        }
    assert len(preparation._stored_texts(emre)) == 3
