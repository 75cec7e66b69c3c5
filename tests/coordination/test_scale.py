"""Every coordinator page holds a fixed number of queries: the same with a
location of 1,000 children and 10,000 conversations as with a tenth of that,
and within a budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import Agreement, Contact, Conversation, Kind, ReviewComment
from families.models import (
    AuditEntry,
    Child,
    Enrolment,
    Family,
    Group,
    StaffMembership,
)
from families.school_year import current_school_year
from tests.queries import SESSION_RENEWAL_QUERIES

GROUPS = 20
KINDS = [Kind.WELLBEING, Kind.PROGRESS, Kind.CONCERN, Kind.WELLBEING, Kind.SUPPORT_PLAN]
STATUSES = list(Conversation.Status)

# The most queries each page may take (the session renewal comes on top).
BUDGETS = {
    "location_overview": 13,
    "coordination_children": 9,
    "coordination_agreements": 8,
    "coordination_conversations": 8,
    "coordination_coverage_csv": 8,
    "coordination_agreements_csv": 7,
    "conversation_review": 13,
    "child_audit_log": 7,
    "home": 7,
}


def _grow(location, groups, staff, *, children: int, conversations: int, start: int) -> None:
    """Add `children` children (one family each) spread over the groups, and
    `conversations` conversations spread over them, with ratings, agreements,
    contacts, requests to think along and comments."""
    year = current_school_year()
    today = timezone.localdate()
    families = Family.objects.bulk_create(
        Family(location=location, name=f"Familie {start + n:05}") for n in range(children)
    )
    kids = Child.objects.bulk_create(
        Child(
            family=family,
            first_name=f"Kind{start + n}",
            last_name="Test",
            date_of_birth=dt.date(2018, 1, 1),
        )
        for n, family in enumerate(families)
    )
    Enrolment.objects.bulk_create(
        Enrolment(child=kid, group=groups[n % GROUPS]) for n, kid in enumerate(kids)
    )
    # One child in ten has no conversation yet.
    reached = children * 9 // 10
    made = Conversation.objects.bulk_create(
        Conversation(
            child=kids[n % reached],
            owner=staff[(n % reached) % GROUPS],
            kind=KINDS[n % len(KINDS)],
            status=STATUSES[n % len(STATUSES)],
            school_year=year,
            date=today - dt.timedelta(days=n % 90),
            parent_relatedness=(n % 4) + 1 if n % 3 else None,
            parent_competence=((n + 1) % 4) + 1 if n % 3 else None,
            own_autonomy=((n + 2) % 4) + 1 if n % 3 else None,
            review_requested_at=timezone.now() if n % 97 == 0 else None,
            review_requested_by=staff[0] if n % 97 == 0 else None,
        )
        for n in range(conversations)
    )
    Agreement.objects.bulk_create(
        Agreement(
            conversation=conversation,
            who=Agreement.Who.PARENT,
            what=f"Afspraak {n}",
            due_on=today + dt.timedelta(days=(n % 30) - 15),
        )
        for n, conversation in enumerate(made[::5])
    )
    Contact.objects.bulk_create(
        Contact(
            child=kid,
            author=staff[n % GROUPS],
            channel=Contact.Channel.PHONE,
            tone=Contact.Tone.POSITIVE if n % 2 else Contact.Tone.NEUTRAL,
            occurred_at=timezone.now() - dt.timedelta(days=n % 80),
            school_year=year,
        )
        for n, kid in enumerate(kids)
    )
    ReviewComment.objects.bulk_create(
        ReviewComment(conversation=conversation, author=staff[1], body=f"Tip {n}")
        for n, conversation in enumerate(made[::50])
    )


@pytest.fixture
def busy_location(location, coordinator):
    year = current_school_year()
    groups = Group.objects.bulk_create(
        Group(
            location=location,
            name=f"Groep {n:02}",
            setting=Group.Setting.SCHOOL,
            school_year=year,
            min_age=4,
            max_age=12,
        )
        for n in range(GROUPS)
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"pm{n}", first_name=f"Pm{n}", password="!")
        for n in range(GROUPS)
    )
    memberships = StaffMembership.objects.bulk_create(
        StaffMembership(user=user, location=location, role=StaffMembership.Role.PROFESSIONAL)
        for user in users
    )
    StaffMembership.groups.through.objects.bulk_create(
        StaffMembership.groups.through(staffmembership_id=m.pk, group_id=g.pk)
        for m, g in zip(memberships, groups, strict=True)
    )
    return location, groups, users


def _pages(location, conversation, child) -> dict[str, str]:
    overview = reverse("location_overview", args=[location.pk])
    pages = {
        "location_overview": overview,
        "coordination_children": reverse("coordination_children", args=[location.pk])
        + "?status=none&kind=",
        "coordination_agreements": reverse("coordination_agreements", args=[location.pk])
        + "?status=overdue&kind=",
        "coordination_conversations": reverse("coordination_conversations", args=[location.pk])
        + "?need=parent_competence&rating=2&kind=",
        "coordination_coverage_csv": reverse("coordination_coverage_csv", args=[location.pk]),
        "coordination_agreements_csv": reverse("coordination_agreements_csv", args=[location.pk])
        + "?kind=",
        "conversation_review": reverse("conversation_review", args=[conversation.pk]),
        "child_audit_log": reverse("child_audit_log", args=[child.pk]),
        "home": reverse("home"),
    }
    return pages


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def _trail(user, child, n: int) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(
            user=user,
            action=AuditEntry.Action.VIEW,
            record=AuditEntry.Record.CHILD,
            object_id=child.pk,
            url_name="child_detail",
            path=f"/kinderen/{child.pk}/",
        )
        for _ in range(n)
    )


def test_it_keeps_every_coordinator_page_constant_from_a_tenth_to_the_full_location(
    coordinator_client, coordinator, busy_location, django_assert_max_num_queries
):
    location, groups, staff = busy_location
    today = timezone.localdate()
    _grow(location, groups, staff, children=100, conversations=1_000, start=0)
    conversation = Conversation.objects.filter(child__family__location=location).first()
    child = conversation.child
    _trail(coordinator, child, 100)

    small = {}
    for name, url in _pages(location, conversation, child).items():
        coordinator_client.get(url)  # the first read marks new comments seen
        small[name] = _count(coordinator_client, url)
        assert small[name] <= BUDGETS[name] + SESSION_RENEWAL_QUERIES, (name, small[name])

    _grow(location, groups, staff, children=900, conversations=9_000, start=100)
    _trail(coordinator, child, 900)
    # And the reviewed record itself grows: comments answering each other, agreements.
    previous = None
    for n in range(20):
        previous = ReviewComment.objects.create(
            conversation=conversation, author=staff[n % 3], body=f"Reactie {n}", reply_to=previous
        )
    Agreement.objects.bulk_create(
        Agreement(
            conversation=conversation, who=Agreement.Who.CHILD, what=f"Doel {n}", due_on=today
        )
        for n in range(10)
    )
    assert Child.objects.filter(family__location=location).count() == 1_000
    assert Conversation.objects.filter(child__family__location=location).count() == 10_000

    for name, url in _pages(location, conversation, child).items():
        # As above: the first read marks the new comments seen (one write).
        coordinator_client.get(url)
        with django_assert_max_num_queries(small[name]):
            response = coordinator_client.get(url)
        assert response.status_code == 200, name
    # The lists are paginated, whatever their length.
    pages = _pages(location, conversation, child)
    children = coordinator_client.get(pages["coordination_children"])
    assert children.context["page"].paginator.count == 100
    assert len(children.context["page"].object_list) == 50
    log = coordinator_client.get(pages["child_audit_log"])
    assert len(log.context["page"].object_list) == 50
