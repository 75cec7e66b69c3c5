"""The child page's queries, compiled once per process (families.models.compiled_rows),
against the ORM queries they stand for, and what they let each user see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Agreement, Conversation
from families.models import Child, Enrolment, Guardian, StaffMembership
from families.views import (
    _child_agreements,
    _child_query,
    _conversation_rows,
    _family_guardians,
    _family_rows,
)
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world(family, child, other_child, group, other_group, teacher, teacher2, coordinator):
    """`child` with a sister in `other_group` and a brother without a group,
    last year's group, a guardian living elsewhere, conversations by two owners
    with open and closed agreements; and a family at another location."""
    sister = factories.make_child(family, other_group, first_name="Elif")
    factories.make_child(family, first_name="Can")
    last_year = factories.make_group(
        group.location, name="Groep 2", school_year=group.school_year - 1
    )
    Enrolment.objects.create(child=child, group=last_year)
    factories.make_guardian(family, first_name="Mehmet", lives_with_children=False, email="")
    own = factories.make_conversation(child, teacher, date=TODAY)
    theirs = factories.make_conversation(
        child, coordinator, school_year=group.school_year - 1, status=Conversation.Status.HELD
    )
    factories.make_conversation(sister, teacher2)
    for conversation, due_in, status in [
        (own, 3, Agreement.Status.OPEN),
        (own, -2, Agreement.Status.OPEN),
        (theirs, 1, Agreement.Status.OPEN),
        (own, 1, Agreement.Status.DONE),
    ]:
        Agreement.objects.create(
            conversation=conversation,
            who=Agreement.Who.PARENT,
            what=f"Due in {due_in} days",
            due_on=TODAY + dt.timedelta(days=due_in),
            status=status,
        )
    elsewhere = factories.make_location(name="Elders")
    far = factories.make_family(elsewhere, name="Familie Elders")
    factories.make_guardian(far)
    factories.make_child(far, factories.make_group(elsewhere))
    return sister


@pytest.fixture
def users(teacher, teacher2, coordinator, other_coordinator, location, group, other_group):
    # Works with both groups, through a membership at the groups' own location.
    both = factories.make_staff("both", location, groups=(group, other_group))
    # A membership elsewhere never opens a group.
    elsewhere = factories.make_staff("elsewhere", factories.make_location())
    StaffMembership.objects.get(user=elsewhere).groups.add(group)
    return [teacher, teacher2, coordinator, other_coordinator, both, elsewhere]


def test_it_gives_the_orm_rows_of_the_child_to_each_user(world, users):
    seen = []
    for user in users:
        for each in Child.objects.order_by("pk"):
            rows = _child_query.rows(user.pk, each.pk)
            assert rows == list(_child_query.rows.build(user.pk, each.pk))
            seen.extend((user.username, each.first_name, row["is_taught"]) for row in rows)
    assert ("teacher", "Emre", True) in seen
    assert ("coordinator", "Emre", False) in seen
    assert ("both", "Elif", True) in seen
    assert not [name for name, *_ in seen if name in {"other_coordinator", "elsewhere"}]


def test_it_gives_no_row_of_a_child_to_an_outsider(world, child, teacher2, other_coordinator):
    assert _child_query(teacher2.pk, child.pk) == []
    assert _child_query(other_coordinator.pk, child.pk) == []
    assert _child_query(teacher2.pk, world.pk) != []


def test_it_reads_the_child_as_the_orm_does(world, child, teacher):
    [child_read] = _child_query(teacher.pk, child.pk)
    found = Child.objects.select_related("family__location").get(pk=child.pk)
    assert _fields(child_read) == _fields(found)
    assert _fields(child_read.family) == _fields(found.family)
    assert _fields(child_read.family.location) == _fields(found.family.location)


def test_it_gives_the_orm_rows_of_the_family_to_each_user(world, users, family, other_child):
    for user in users:
        for each in (family, other_child.family):
            assert _family_rows(user.pk, each.pk) == list(_family_rows.build(user.pk, each.pk))
    # A brother or sister another teacher works with cannot be opened.
    visible = {row["first_name"]: row["is_visible"] for row in _family_rows(users[0].pk, family.pk)}
    assert visible == {"Can": False, "Elif": False, "Emre": True}


def test_it_gives_the_orm_rows_of_conversations_agreements_and_guardians(world, family):
    sizes = []
    for each in Child.objects.order_by("pk"):
        conversations = _conversation_rows(each.pk)
        assert conversations == list(_conversation_rows.build(each.pk))
        agreements = _child_agreements.rows(each.pk)
        assert agreements == list(_child_agreements.rows.build(each.pk))
        guardians = _family_guardians.rows(each.family_id)
        assert guardians == list(_family_guardians.rows.build(each.family_id))
        sizes.append((len(conversations), len(agreements), len(guardians)))
    assert (2, 3, 2) in sizes


def test_it_reads_agreements_and_guardians_as_the_orm_does(world, child, family):
    agreements = _child_agreements(child.pk)
    found = list(
        Agreement.objects.open()
        .filter(conversation__child=child)
        .select_related("conversation")
        .order_by("due_on", "pk")
    )
    assert [_fields(a) for a in agreements] == [_fields(a) for a in found]
    assert [_fields(a.conversation) for a in agreements] == [_fields(a.conversation) for a in found]
    guardians = _family_guardians(family.pk)
    assert [_fields(g) for g in guardians] == [_fields(g) for g in family.guardians.all()]
    assert all(isinstance(g, Guardian) for g in guardians)


def test_the_child_page_shows_what_the_rows_hold(teacher_client, world, child):
    page = teacher_client.get(reverse("child_detail", args=[child.pk])).text
    assert "Elif" in page
    assert "Groep 2" in page
    assert "Mehmet" in page
    assert "Due in -2 days" in page
    assert "Due in 3 days" in page
    assert page.count('<li class="agreement') == 3


@pytest.mark.parametrize("child_id", [999_999, 2**63 - 1, 2**63, 10**25])
def test_it_answers_404_for_an_id_no_child_has(teacher_client, child, child_id):
    assert teacher_client.get(f"/kinderen/{child_id}/").status_code == 404


def _fields(instance) -> dict[str, object]:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }
