"""The booking page's family conversations and their bookings, read from
queries compiled once per process (families.models.compiled_rows), against the
ORM queries they stand for."""

from __future__ import annotations

import itertools
import re

import pytest
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.urls import reverse

from conversations import booking
from conversations.booking_options import professionals_subquery
from conversations.models import BookingSlot, Conversation, QuestionnaireAnswer
from conversations.views import booking as booking_view
from families.models import Guardian
from tests import factories
from tests.booking.helpers import book_for, move_round, slots_of

pytestmark = pytest.mark.django_db


def _orm_family_conversations(link) -> list[Conversation]:
    """`_family_conversations` as the ORM reads it, with select_related()."""
    conversation = link.conversation
    homes = Guardian.objects.filter(family=OuterRef("child__family")).order_by()
    found = list(
        Conversation.objects.filter(
            meeting_round=conversation.meeting_round_id, child__family=conversation.child.family_id
        )
        .select_related("child__family", "meeting_round", "owner")
        .order_by("child__first_name", "pk")
        .annotate(
            allowed=professionals_subquery(),
            homes=ArraySubquery(homes.values("lives_with_children")),
        )
    )
    for each in found:
        each.allowed = set(each.allowed)
    return found


def _orm_slots(conversations: list[Conversation]):
    """The slots `_held` reads, as the ORM reads them, with select_related()."""
    return (
        BookingSlot.objects.filter(booking__conversation__in=[each.pk for each in conversations])
        .select_related(
            "booking__guardian", "booking__made_by_link__guardian", "slot__professional"
        )
        .order_by("booking__starts_at", "booking_id", "slot__starts_at")
    )


def _orm_held(conversations: list[Conversation]) -> list[booking_view.Held]:
    """`_held` as it read the bookings with the ORM."""
    by_id = {each.pk: each for each in conversations}
    return [
        booking_view.Held(
            booking=held,
            conversation=by_id[held.conversation_id],
            slots=tuple(row.slot for row in group),
        )
        for held, group in itertools.groupby(_orm_slots(conversations), key=lambda r: r.booking)
    ]


def _slot_as_read(row: BookingSlot) -> list[dict]:
    link = row.booking.made_by_link
    read_along = [
        row,
        row.booking,
        row.booking.guardian,
        link,
        link and link.guardian,
        row.slot,
        row.slot.professional,
    ]
    return [_fields(each) if each is not None else None for each in read_along]


def _fields(instance) -> dict:
    """What was read of an object, and which related objects came with it."""
    return {
        **{name: value for name, value in vars(instance).items() if name != "_state"},
        "read along": sorted(instance._state.fields_cache),
        "adding": instance._state.adding,
        "db": instance._state.db,
    }


def _as_read(conversation: Conversation) -> list[dict]:
    """What was read of a conversation and of each object read along."""
    child = conversation.child
    return [
        {**_fields(conversation), "homes": sorted(conversation.homes)},
        _fields(child),
        _fields(child.family),
        _fields(conversation.meeting_round),
        _fields(conversation.owner),
    ]


@pytest.fixture
def families(location, group, other_group, meeting_round, family, child, other_child):
    """Emre and his sister Lina (in teacher2's group), their father living
    elsewhere; Noor's family; and a round Emre is in but Lina is not."""
    lina = factories.make_child(family, other_group, first_name="Lina")
    booking.round_enrol(meeting_round=meeting_round)
    kemal = factories.make_guardian(family, first_name="Kemal", lives_with_children=False)
    other_round = factories.make_round(location, [group], factories.make_staff("mentor", location))
    return [
        factories.make_parent_link(factories.round_conversation(meeting_round, child)),
        factories.make_parent_link(factories.round_conversation(meeting_round, lina), kemal),
        factories.make_parent_link(factories.round_conversation(meeting_round, other_child)),
        factories.make_parent_link(factories.round_conversation(other_round, child)),
    ]


def test_it_gives_the_orm_rows_for_each_round_and_family(families):
    for link in [*families, families[0]]:
        ids = (link.conversation.meeting_round_id, link.conversation.child.family_id)
        rows = booking_view._in_round_with_arrays.rows(*ids)
        assert rows == list(booking_view._in_round_with_arrays.rows.build(*ids))


def test_it_reads_the_conversations_as_the_orm_does(families):
    sizes = []
    for link in [*families, families[2], families[0]]:
        conversations = booking_view._family_conversations(link)
        expected = _orm_family_conversations(link)
        assert [_as_read(each) for each in conversations] == [_as_read(each) for each in expected]
        sizes.append([len(each.allowed) for each in conversations])
    assert sizes == [[1, 1], [1, 1], [1], [1], [1], [1, 1]]


@pytest.fixture
def bookings(families, meeting_round, teacher, teacher2):
    """Emre's two slots booked through Ayşe's link, for both parents; Lina's
    booked by teacher2 for Kemal alone; Noor's booked by teacher2."""
    move_round(meeting_round, separate_bookings=True)
    emre, lina, noor, _ = (link.conversation for link in families)
    first, second = slots_of(meeting_round, teacher)[:2]
    theirs = slots_of(meeting_round, teacher2)
    booking.booking_make(choice=[(emre.pk, [first.pk, second.pk])], link=families[0])
    kemal = families[1].guardian
    book_for(teacher2, lina, theirs[3], guardian=kemal)
    book_for(teacher2, noor, theirs[5])


def test_it_reads_the_bookings_as_the_orm_does(families, bookings):
    seen = []
    for link in [*families, families[1]]:
        conversations = booking_view._family_conversations(link)
        first = conversations[0]
        compiled = [
            _slot_as_read(each)
            for each in booking_view._booking_slots(first.meeting_round_id, first.child.family_id)
        ]
        assert compiled == [_slot_as_read(row) for row in _orm_slots(conversations)]
        held = booking_view._held(conversations)
        seen.append([(each.together, len(each.slots)) for each in held])
    assert seen == [
        [(True, 2), (False, 1)],
        [(True, 2), (False, 1)],
        [(True, 1)],
        [],
        [(True, 2), (False, 1)],
    ]


def _pages(client, links) -> list[tuple[int, str]]:
    """Each link's booking page, and the page that asks to confirm cancelling
    each booking it shows."""
    pages = []
    for link in links:
        url = reverse("parent_booking", args=[link.token])
        pages.append(client.get(url))
        # Every booking of the family: the other parent's own is not found.
        for held in booking_view._held(booking_view._family_conversations(link)):
            cancel = reverse("parent_booking_cancel", args=[link.token, held.booking.pk])
            pages.append(client.post(cancel))
    return [
        (page.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.text))
        for page in pages
    ]


def test_the_pages_are_the_same_as_from_the_orm(client, monkeypatch, families, bookings):
    pages = _pages(client, families)
    monkeypatch.setattr(booking_view, "_family_conversations", _orm_family_conversations)
    monkeypatch.setattr(booking_view, "_held", _orm_held)
    assert _pages(client, families) == pages
    assert [status for status, _ in pages] == [200, 200, 404, 200, 200, 200, 200, 200, 200]
    assert "Lina" in pages[0][1]


def test_it_reads_the_interpreter_answers_as_the_orm_did(families):
    """`_asked_for_interpreter` reads what this parent answered for the
    family's children in the round; the ORM named the conversations one by
    one. Ayşe asked for Emre, not for Lina; Kemal asked in words; Noor's
    parent said no; Ayşe's answer in another round counts only there."""
    emre, lina, noor, elsewhere = families
    for link, question, choices, text in [
        (emre, "interpreter", ["tr"], ""),
        (factories.make_parent_link(lina.conversation, emre.guardian), "interpreter", ["no"], ""),
        (lina, "interpreter", [], "Arabisch graag"),
        (noor, "interpreter", ["no"], ""),
        (elsewhere, "routine", ["yes"], ""),
    ]:
        QuestionnaireAnswer.objects.create(link=link, question=question, choices=choices, text=text)
    seen = []
    for link in [*families, emre]:
        conversations = booking_view._family_conversations(link)
        first = conversations[0]
        compiled = booking_view._interpreter_answers(
            link.guardian_id, first.meeting_round_id, first.child.family_id
        )
        expected = QuestionnaireAnswer.objects.filter(
            link__guardian=link.guardian_id,
            link__conversation__in=[each.pk for each in conversations],
            question="interpreter",
        ).values("choices", "text")
        assert sorted(map(repr, compiled)) == sorted(map(repr, expected))
        seen.append(booking_view._asked_for_interpreter(link, first))
    assert seen == [True, True, False, False, True]
