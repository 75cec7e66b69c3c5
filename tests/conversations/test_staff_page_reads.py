"""What the staff pages read and show more cheaply than the ORM and Django's
own helpers would: the child page's recent contacts from a compiled query, and
choice labels translated once per language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Q, Window
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from conversations.models import Agreement, Contact, Conversation, Kind
from conversations.queries import _recent_contact_query, recent_contacts_with_summary
from families.models import Guardian
from families.school_year import current_school_year
from tests import factories

pytestmark = pytest.mark.django_db

THIS_YEAR = current_school_year()


@pytest.fixture
def contacts(child, other_child, teacher, coordinator):
    """Seven contacts of `child` over two school years, and one of another child."""
    made = []
    for n, (tone, year) in enumerate(
        [
            ("positive", THIS_YEAR),
            ("concern", THIS_YEAR),
            ("positive", THIS_YEAR - 1),
            ("neutral", THIS_YEAR),
            ("positive", THIS_YEAR),
            ("positive", THIS_YEAR - 1),
            ("concern", THIS_YEAR),
        ]
    ):
        made.append(
            Contact.objects.create(
                child=child,
                author=teacher if n % 2 else coordinator,
                channel=Contact.Channel.PHONE,
                tone=tone,
                note=f"Contact {n}",
                occurred_at=timezone.now() - dt.timedelta(days=n),
                school_year=year,
            )
        )
    Contact.objects.create(
        child=other_child, author=teacher, channel="message", tone="positive", school_year=THIS_YEAR
    )
    return made


def _fields(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_it_reads_the_recent_contacts_as_the_orm_does(contacts, child, other_child):
    for each in (child, other_child):
        for year in (THIS_YEAR, THIS_YEAR - 1):
            rows = _recent_contact_query.rows(each.pk, school_year=year)
            assert rows == list(_recent_contact_query.rows.build(each.pk, school_year=year))
    this_year = Q(school_year=THIS_YEAR)
    found = list(
        child.contacts.select_related("author")
        .annotate(
            year_total=Window(Count("pk", filter=this_year)),
            year_positive=Window(Count("pk", filter=this_year & Q(tone="positive"))),
        )
        .order_by("-occurred_at", "-pk")[:5]
    )
    recent = recent_contacts_with_summary(child)
    assert [_fields(c) for c in recent] == [_fields(c) for c in found]
    assert [_fields(c.author) for c in recent] == [_fields(c.author) for c in found]
    assert [(c.year_total, c.year_positive) for c in recent] == [(5, 2)] * 5
    assert all(c.child is child for c in recent)
    assert (child.contacts_this_year, child.positive_this_year) == (5, 2)
    assert (child.last_contact_at, child.last_contact_tone) == (
        contacts[0].occurred_at,
        "positive",
    )


def test_it_sums_up_a_child_without_contacts(child):
    assert recent_contacts_with_summary(child) == []
    assert (child.contacts_this_year, child.positive_this_year) == (0, 0)
    assert (child.last_contact_at, child.last_contact_tone) == (None, None)


def test_it_counts_the_school_year_of_the_day(contacts, child):
    """A process that runs into a new school year counts that year's contacts."""
    recent_contacts_with_summary(child)
    next_year = dt.date(THIS_YEAR + 1, 8, 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args: next_year)
        recent_contacts_with_summary(child)
    assert (child.contacts_this_year, child.positive_this_year) == (0, 0)


# Choice labels


@pytest.mark.parametrize("language", ["nl", "en"])
def test_choice_label_gives_what_get_display_gives(child, teacher, family, language):
    conversation = factories.make_conversation(child, teacher)
    guardian = family.guardians.get()
    agreement = Agreement(conversation=conversation, who="parent", status="done")
    contact = Contact(child=child, author=teacher, channel="phone", tone="concern")
    objects = {
        "kind": [Conversation(kind=kind) for kind in Kind.values] + [Conversation(kind="gone")],
        "status": [conversation, agreement],
        "who": [agreement],
        "channel": [contact],
        "tone": [contact],
        "relation": [guardian, Guardian(relation="")],
        "preferred_language": [guardian],
        "home_language": [family],
    }
    template = engines["django"].from_string(
        "{% load choice_labels %}{{ object|choice_label:field }}"
    )
    with translation.override(language):
        for field, instances in objects.items():
            for instance in instances:
                shown = template.render({"object": instance, "field": field})
                assert shown == escape(getattr(instance, f"get_{field}_display")())


# Labels in the language of the page


def test_meeting_mode_shows_the_labels_in_the_language_of_the_page(teacher_client, teacher, child):
    conversation = factories.make_conversation(child, teacher, status="prepared")
    mother = conversation.guardians.get()
    url = reverse("meeting_mode", args=[conversation.pk])
    shown = {}
    for language in ("en", "nl", "en"):
        teacher_client.cookies["django_language"] = language
        content = teacher_client.get(url).content.decode()
        with translation.override(language):
            labels = (
                conversation.get_kind_display(),
                conversation.get_status_display(),
                mother.get_relation_display(),
            )
        assert all(escape(label) in content for label in labels)
        shown[language] = labels
    assert shown["en"] == ("Welbevindengesprek (getting to know each other)", "Prepared", "mother")
    assert shown["nl"] != shown["en"]
