"""The parents and links a booking confirmation reads, from queries compiled
once per process (families.models.compiled_rows), against the ORM queries
they stand for and the emails the ORM's reading gave."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest
from django.contrib.postgres.aggregates import ArrayAgg
from django.core import mail
from django.db.models import Prefetch, Q, Value, prefetch_related_objects

from conversations import booking, booking_mail
from conversations.models import Booking, BookingSlot, ParentLink
from families.models import Guardian
from tests import factories
from tests.booking.helpers import book_for, move_round, slots_of

pytestmark = pytest.mark.django_db

BASE_URL = "https://samenspraak.example.org"


def _orm_details(bookings) -> None:
    """`booking_mail._details` as it read the parents with the ORM."""
    prefetch_related_objects(
        bookings,
        "conversation__child__family__location",
        "conversation__meeting_round",
        "guardian",
        Prefetch(
            "booked_slots",
            BookingSlot.objects.select_related("slot__professional").order_by("slot__starts_at"),
        ),
    )
    conversations = booking_mail._distinct_conversations(each.conversation for each in bookings)
    families = {each.child.family_id: each.child.family for each in conversations}
    ids = [each.pk for each in conversations]
    guardians = list(
        Guardian.objects.filter(family__in=families)
        .order_by("pk")
        .annotate(
            chosen_for=ArrayAgg("conversations", filter=Q(conversations__in=ids), default=Value([]))
        )
    )
    for family_id, family in families.items():
        booking_mail._cache(family, "guardians", [g for g in guardians if g.family_id == family_id])
    for conversation in conversations:
        chosen = [g for g in guardians if conversation.pk in g.chosen_for]
        booking_mail._cache(conversation, "guardians", chosen)


def _orm_links_of(bookings, guardians) -> dict[int, dict[int, ParentLink]]:
    """`booking_mail._links_of` as it read the links with the ORM."""
    found: dict[int, dict[int, ParentLink]] = defaultdict(dict)
    if guardians:
        for link in ParentLink.objects.filter(
            conversation__in={each.conversation_id for each in bookings},
            guardian__in=guardians,
        ).order_by():
            found[link.guardian_id][link.conversation_id] = link
    return found


def _fields(instance) -> dict:
    """What was read of an object (but `chosen_for`, which only says whom a
    conversation chose), and which related objects came with it."""
    return {
        **{
            name: value
            for name, value in vars(instance).items()
            if name not in {"_state", "chosen_for"}
        },
        "read along": sorted(instance._state.fields_cache),
        "adding": instance._state.adding,
        "db": instance._state.db,
    }


def _parents_as_read(bookings) -> list:
    """The parents each booking's family and conversation hold, in order."""
    return [
        [
            [_fields(each) for each in each_booking.conversation.child.family.guardians.all()],
            [_fields(each) for each in each_booking.conversation.guardians.all()],
        ]
        for each_booking in bookings
    ]


@pytest.fixture
def families(location, group, other_group, meeting_round, family, child, other_child, teacher):
    """Emre and his sister Lina, with Ayşe, Mehmet (chosen with Ayşe for
    Emre's talk, no link yet), Kemal (living elsewhere, Lina's link) and
    Derya, without an email address; none chosen for Lina's talk; Noor's
    family; and a round Emre is in but Lina is not (all four chosen). The
    parents' links, Kemal's in English."""
    move_round(meeting_round, separate_bookings=True)
    lina = factories.make_child(family, other_group, first_name="Lina")
    booking.round_enrol(meeting_round=meeting_round)
    mehmet = factories.make_guardian(family, first_name="Mehmet", relation="father")
    kemal = factories.make_guardian(family, first_name="Kemal", lives_with_children=False)
    factories.make_guardian(family, first_name="Derya", email="")
    emre_talk = factories.round_conversation(meeting_round, child)
    emre_talk.guardians.set([family.guardians.get(first_name="Ayşe"), mehmet])
    lina_talk = factories.round_conversation(meeting_round, lina)
    # None chosen: the whole family.
    lina_talk.guardians.clear()
    other_round = factories.make_round(location, [group], factories.make_staff("mentor", location))
    factories.make_slots(other_round, teacher, start=dt.time(9, 0))
    kemal_link = factories.make_parent_link(lina_talk, kemal)
    kemal_link.language = "en"
    kemal_link.save(update_fields=["language"])
    return [
        factories.make_parent_link(emre_talk),
        kemal_link,
        factories.make_parent_link(factories.round_conversation(meeting_round, other_child)),
        factories.make_parent_link(factories.round_conversation(other_round, child)),
    ]


@pytest.fixture
def booked(families, meeting_round, teacher, teacher2):
    """Bookings as they are made at once, each list confirmed in one go:
    Emre and Lina back to back through Ayşe's link; Lina's moved for Kemal
    alone; Noor's by teacher2; Emre's in the other round."""
    emre, lina, noor, emre_later = (link.conversation for link in families)
    mine, theirs = slots_of(meeting_round, teacher), slots_of(meeting_round, teacher2)
    siblings = booking.booking_make(
        choice=[(emre.pk, [mine[0].pk]), (lina.pk, [theirs[1].pk])], link=families[0]
    )
    booking.booking_cancel(booking=siblings[1].booking)
    alone = booking.booking_make(choice=[(lina.pk, [theirs[3].pk])], link=families[1], alone=True)
    later = book_for(teacher, emre_later, slots_of(emre_later.meeting_round)[2])
    return [
        [each.booking for each in siblings[:1]],
        [each.booking for each in alone],
        [book_for(teacher2, noor, theirs[5])],
        [later],
        [siblings[0].booking, alone[0].booking],
    ]


def _fresh(bookings) -> list[Booking]:
    """The bookings read again, as a confirmation gets them after a write."""
    return [
        Booking.objects.select_related("conversation__child").get(pk=each.pk) for each in bookings
    ]


def test_it_gives_the_orm_rows_of_each_family(families):
    for link in [*families, families[0]]:
        family_id = link.conversation.child.family_id
        rows = booking_mail._family_guardians.rows(family_id)
        assert rows == list(booking_mail._family_guardians.rows.build(family_id))
        assert [row["family_id"] for row in rows] == [family_id] * len(rows)
    yilmaz = families[0].conversation.child.family_id
    # Ayşe and Mehmet: Emre's two talks; Kemal and Derya: his later one.
    rows = booking_mail._family_guardians.rows(yilmaz)
    assert [len(row["chosen_for"]) for row in rows] == [2, 2, 1, 1]


def test_it_gives_the_orm_links_of_each_round_and_family(families):
    rounds = {link.conversation.meeting_round_id for link in families}
    family_ids = {link.conversation.child.family_id for link in families}
    seen = []
    for meeting_round_id in sorted(rounds):
        for family_id in sorted(family_ids):
            rows = booking_mail._family_links.rows(meeting_round_id, family_id)
            assert rows == list(booking_mail._family_links.rows.build(meeting_round_id, family_id))
            # Only the links to that family's conversations in that round.
            assert {row["id"] for row in rows} == {
                link.pk
                for link in families
                if (link.conversation.meeting_round_id, link.conversation.child.family_id)
                == (meeting_round_id, family_id)
            }
            seen.append(len(rows))
    assert sorted(seen) == [0, 1, 1, 2]


def test_it_reads_the_parents_and_links_as_the_orm_did(booked):
    for bookings in booked:
        compiled, orm = _fresh(bookings), _fresh(bookings)
        booking_mail._details(compiled)
        _orm_details(orm)
        assert _parents_as_read(compiled) == _parents_as_read(orm)
        for each in compiled:
            guardians = list(each.conversation.child.family.guardians.all())
            found = booking_mail._links_of(compiled, guardians)
            expected = _orm_links_of(orm, guardians)
            assert {
                guardian: {pk: _fields(link) for pk, link in links.items()}
                for guardian, links in found.items()
            } == {
                guardian: {pk: _fields(link) for pk, link in links.items()}
                for guardian, links in expected.items()
            }


def _sent() -> list[dict]:
    """The messages sent, but what differs in every calendar file: the
    stamps of when it was made, and its own random UID."""
    sent = [
        {
            "to": message.to,
            "reply to": message.reply_to,
            "headers": message.extra_headers,
            "subject": message.subject,
            "body": message.body,
            "alternatives": message.alternatives,
            "attachments": [
                (
                    attachment.filename,
                    re.sub(r"DTSTAMP:\S+|UID:[0-9a-f-]{36}\r\n", "", attachment.content),
                    attachment.mimetype,
                )
                for attachment in message.attachments
            ],
        }
        for message in mail.outbox
    ]
    mail.outbox.clear()
    return sent


def test_the_emails_are_the_same_as_from_the_orm(monkeypatch, booked):
    # The first confirmations make the missing links (Mehmet's).
    for bookings in booked:
        booking_mail.booking_confirmations_send(
            booked=[booking.Booked(each) for each in _fresh(bookings)], base_url=BASE_URL
        )
    mail.outbox.clear()
    links = ParentLink.objects.count()
    compiled = []
    for bookings in booked:
        booking_mail.booking_confirmations_send(
            booked=[booking.Booked(each) for each in _fresh(bookings)], base_url=BASE_URL
        )
        compiled.append(_sent())
    monkeypatch.setattr(booking_mail, "_details", _orm_details)
    monkeypatch.setattr(booking_mail, "_links_of", _orm_links_of)
    for bookings, sent in zip(booked, compiled, strict=True):
        booking_mail.booking_confirmations_send(
            booked=[booking.Booked(each) for each in _fresh(bookings)], base_url=BASE_URL
        )
        assert _sent() == sent
    assert ParentLink.objects.count() == links
    # Ayşe and Mehmet; Kemal alone; Sanne; the later talk's three with an
    # email address; Ayşe and Mehmet (Emre) and Kemal (Lina).
    assert [len(sent) for sent in compiled] == [2, 1, 1, 3, 3]
    assert "Lina" in compiled[4][2]["subject"]
