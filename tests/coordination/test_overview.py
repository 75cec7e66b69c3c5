"""The coordinator's overview: the numbers, the filters, and the lists behind
the numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Agreement, Conversation, Kind
from tests import factories
from tests.coordination.helpers import positive_contact

pytestmark = pytest.mark.usefixtures("english_clients")


@pytest.fixture
def world(location, group, other_group, child, other_child, teacher, teacher2, held):
    """In `group`: Emre (held welbevindengesprek, overdue agreement, positive
    contact yesterday) and Liam (nothing yet). In `other_group`: Noor (a
    welbevindengesprek being prepared, a positive contact long ago)."""
    liam = factories.make_child(
        factories.make_family(location, name="Familie Jansen"), group, first_name="Liam"
    )
    planned = factories.make_conversation(
        other_child, teacher2, date=timezone.localdate() + dt.timedelta(days=5)
    )
    positive_contact(child, teacher)
    positive_contact(other_child, teacher2, days_ago=60)
    return {"liam": liam, "planned": planned}


def _overview(client, location, **params):
    return client.get(reverse("location_overview", args=[location.pk]), params)


def _rows(response):
    return {row.group.name: row for row in response.context["rows"]}


def test_it_counts_who_has_been_reached(coordinator_client, location, world):
    response = _overview(coordinator_client, location)

    totals = response.context["totals"]
    assert (totals.children, totals.held, totals.planned, totals.not_yet) == (3, 1, 1, 1)
    rows = _rows(response)
    assert (rows["Groep 3"].children, rows["Groep 3"].held, rows["Groep 3"].not_yet) == (2, 1, 1)
    assert (rows["Groep 5"].planned, rows["Groep 5"].not_yet) == (1, 0)


def test_it_lists_the_families_not_reached_yet_per_group(coordinator_client, location, world):
    response = _overview(coordinator_client, location)

    rows = _rows(response)
    assert [child.family_name for child in rows["Groep 3"].not_reached] == ["Familie Jansen"]
    assert rows["Groep 5"].not_reached == []
    assert "Familie Jansen" in response.text
    assert "Families not reached yet" in response.text


def test_it_counts_families_without_positive_contact_in_the_chosen_weeks(
    coordinator_client, location, world
):
    default = _overview(coordinator_client, location)
    assert default.context["totals"].no_positive == 2  # Liam's family, and Noor's (60 days ago)

    longer = _overview(coordinator_client, location, weeks=10)
    assert longer.context["totals"].no_positive == 1
    assert longer.context["filters"].weeks == 10


def test_it_takes_the_weeks_default_from_the_settings(
    coordinator_client, location, world, settings
):
    settings.NO_POSITIVE_CONTACT_WEEKS = 12
    response = _overview(coordinator_client, location)
    assert response.context["filters"].weeks == 12
    assert response.context["totals"].no_positive == 1


def test_it_counts_open_and_overdue_agreements(coordinator_client, location, world, held):
    Agreement.objects.create(
        conversation=held,
        who=Agreement.Who.PROFESSIONAL,
        what="Terugbellen",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    Agreement.objects.create(
        conversation=held,
        who=Agreement.Who.PROFESSIONAL,
        what="Al gedaan",
        due_on=timezone.localdate() - dt.timedelta(days=9),
        status=Agreement.Status.DONE,
    )
    response = _overview(coordinator_client, location)

    totals = response.context["totals"]
    assert (totals.open_agreements, totals.overdue_agreements) == (2, 1)
    row = _rows(response)["Groep 3"]
    assert (row.open_agreements, row.overdue_agreements) == (2, 1)


def test_it_counts_the_agreements_of_a_child_who_left_but_not_the_child(
    coordinator_client, location, group, world, teacher
):
    leaver = factories.make_child(
        factories.make_family(location, name="Familie Aalbers"), group, first_name="Sem"
    )
    leaver.left_on = timezone.localdate() - dt.timedelta(days=1)
    leaver.save()
    Agreement.objects.create(
        conversation=factories.make_conversation(leaver, teacher),
        who=Agreement.Who.PROFESSIONAL,
        what="Afscheid nemen",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    response = _overview(coordinator_client, location)

    totals = response.context["totals"]
    assert (totals.children, totals.planned, totals.not_yet) == (3, 1, 1)
    assert (totals.open_agreements, totals.overdue_agreements) == (2, 1)
    row = _rows(response)["Groep 3"]
    assert (row.children, row.planned, row.not_yet) == (2, 0, 1)
    assert (row.open_agreements, row.overdue_agreements) == (2, 1)
    assert [child.family_name for child in row.not_reached] == ["Familie Jansen"]


def test_it_filters_by_group_kind_and_period(coordinator_client, location, group, world, held):
    by_group = _overview(coordinator_client, location, group=group.pk)
    assert by_group.context["totals"].children == 2
    assert list(_rows(by_group)) == ["Groep 3"]

    progress = _overview(coordinator_client, location, kind=Kind.PROGRESS)
    assert (progress.context["totals"].held, progress.context["totals"].planned) == (0, 0)

    all_kinds = _overview(coordinator_client, location, kind="")
    assert all_kinds.context["totals"].held == 1

    after = (held.date + dt.timedelta(days=1)).isoformat()
    later = _overview(coordinator_client, location, since=after)
    assert later.context["totals"].held == 0
    assert later.context["totals"].planned == 1


def test_it_counts_agreements_by_their_date_and_reflections_by_the_conversations(
    coordinator_client, location, world, held
):
    """A period keeps the agreements due in it, whenever their conversation was
    held, and the reflections of the conversations held in it."""
    after = (held.date + dt.timedelta(days=1)).isoformat()
    later = _overview(coordinator_client, location, since=after)
    totals = later.context["totals"]
    assert (totals.open_agreements, totals.overdue_agreements) == (1, 1)
    assert (_rows(later)["Groep 3"].open_agreements, _rows(later)["Groep 3"].rated) == (1, False)
    assert later.context["needs"].rated is False

    before = (held.date - dt.timedelta(days=1)).isoformat()
    earlier = _overview(coordinator_client, location, until=before)
    assert earlier.context["totals"].open_agreements == 0
    assert earlier.context["needs"].rated is False

    during = _overview(coordinator_client, location, since=held.date.isoformat())
    assert during.context["totals"].open_agreements == 1
    assert _rows(during)["Groep 3"].ratings["parent_relatedness"] == [0, 0, 0, 1]


def test_it_counts_the_same_with_a_period_or_a_group_that_leaves_nothing_out(
    coordinator_client, location, group, world, held
):
    """The overview as it opens (its counting query compiled once) and with
    a period holding every conversation and agreement, or one group (each
    built for the request), count alike."""
    as_it_opens = _overview(coordinator_client, location)
    whole_year = _overview(coordinator_client, location, since="2000-01-01", until="2099-12-31")
    one_group = _overview(coordinator_client, location, group=group.pk)

    assert whole_year.context["totals"] == as_it_opens.context["totals"]
    assert whole_year.context["needs"] == as_it_opens.context["needs"]
    assert _rows(whole_year) == _rows(as_it_opens)
    assert _rows(one_group)["Groep 3"] == _rows(as_it_opens)["Groep 3"]
    assert (_rows(as_it_opens)["Groep 3"].open_agreements, as_it_opens.context["needs"].rated) == (
        1,
        True,
    )


def test_it_lists_the_staff_of_each_group_by_name(
    coordinator_client, location, other_location, group, other_group, teacher, teacher2
):
    anna = factories.make_staff("anna", location, groups=(group,))
    anna.last_name = "de Wit"
    anna.save()
    nameless = factories.make_staff("invaller", location, groups=(group, other_group))
    nameless.first_name = ""
    nameless.save()
    last_year = factories.make_group(location, school_year=group.school_year - 1)
    factories.make_staff("vorigjaar", location, groups=(last_year,))
    factories.make_staff("elders", other_location, groups=(factories.make_group(other_location),))
    empty = factories.make_group(location, name="Groep 8")

    rows = _rows(_overview(coordinator_client, location))
    in_group = _rows(_overview(coordinator_client, location, group=other_group.pk))

    assert rows["Groep 3"].staff == "invaller, Anna de Wit, Teacher"  # By first name.
    assert rows["Groep 5"].staff == "invaller, Teacher2"
    assert rows[empty.name].staff == ""
    assert in_group["Groep 5"].staff == "invaller, Teacher2"
    assert list(in_group) == ["Groep 5"]


def test_it_ignores_a_group_of_another_location(
    coordinator_client, location, other_location, world
):
    elsewhere = factories.make_group(other_location, name="Groep Elders")
    response = _overview(coordinator_client, location, group=elsewhere.pk)

    assert response.status_code == 200
    assert response.context["filters"].group is None
    assert "Groep Elders" not in response.text
    assert response.context["totals"].children == 3


def test_it_links_every_number_to_its_list(coordinator_client, location, group, world):
    response = _overview(coordinator_client, location)
    children = reverse("coordination_children", args=[location.pk])
    agreements = reverse("coordination_agreements", args=[location.pk])
    conversations = reverse("coordination_conversations", args=[location.pk])

    for status in ("held", "planned", "none", "no_positive"):
        assert f"{children}?year=" in response.text
        assert f"status={status}" in response.text
    assert f"{agreements}?year=" in response.text
    assert f"group={group.pk}" in response.text
    assert f"{conversations}?year=" in response.text
    assert "need=parent_competence&amp;rating=2" in response.text


def test_it_lists_the_children_behind_a_number(coordinator_client, location, child, world):
    url = reverse("coordination_children", args=[location.pk])

    none = coordinator_client.get(url, {"status": "none"})
    assert [c.first_name for c in none.context["page"].object_list] == ["Liam"]
    held = coordinator_client.get(url, {"status": "held"})
    assert [c.pk for c in held.context["page"].object_list] == [child.pk]
    assert held.context["page"].object_list[0].held_on == child.conversations.get().date
    quiet = coordinator_client.get(url, {"status": "no_positive"})
    assert {c.first_name for c in quiet.context["page"].object_list} == {"Liam", "Noor"}
    assert "Children whose family heard nothing positive lately" in quiet.text


def test_it_lists_the_agreements_behind_a_number(coordinator_client, location, world):
    url = reverse("coordination_agreements", args=[location.pk])
    overdue = coordinator_client.get(url, {"status": "overdue"})
    assert [a.what for a in overdue.context["page"].object_list] == [
        "Samen lezen voor het slapengaan"
    ]
    assert "past its date" in overdue.text


def test_it_lists_the_conversations_behind_a_reflection_count(
    coordinator_client, location, held, world
):
    url = reverse("coordination_conversations", args=[location.pk])
    low = coordinator_client.get(url, {"need": "parent_competence", "rating": "2"})
    assert [c.pk for c in low.context["page"].object_list] == [held.pk]
    assert "rated “a little”" in low.text
    high = coordinator_client.get(url, {"need": "parent_competence", "rating": "4"})
    assert list(high.context["page"].object_list) == []


def test_it_paginates_the_lists(coordinator_client, location, group):
    for n in range(55):
        factories.make_child(factories.make_family(location), group, first_name=f"Kind{n:02}")
    url = reverse("coordination_children", args=[location.pk])

    first = coordinator_client.get(url, {"status": "none"})
    assert len(first.context["page"].object_list) == 50
    assert "page=2" in first.text
    assert "status=none" in first.text
    second = coordinator_client.get(url, {"status": "none", "page": 2})
    assert len(second.context["page"].object_list) == 5


# Requests to think along


def test_it_shows_requests_to_think_along_of_any_kind(
    teacher_client, coordinator_client, location, child, teacher
):
    concern = factories.make_conversation(child, teacher, kind=Kind.CONCERN)
    teacher_client.post(reverse("review_request", args=[concern.pk]), {"question": "Help?"})

    response = _overview(coordinator_client, location)  # opens on welbevindengesprekken

    assert response.context["request_total"] == 1
    assert reverse("conversation_review", args=[concern.pk]) in response.text
    listed = coordinator_client.get(
        reverse("coordination_conversations", args=[location.pk]), {"asked": "1"}
    )
    assert [c.pk for c in listed.context["page"].object_list] == [concern.pk]


def test_it_shows_the_longest_waiting_requests_of_the_chosen_group_first(
    coordinator_client, location, group, child, other_child, teacher, teacher2, coordinator
):
    now = timezone.now()
    waiting = []
    for days in range(7, 0, -1):  # Emre's six, then Noor's one, longest waiting first.
        asking_child, owner = (child, teacher) if days > 1 else (other_child, teacher2)
        waiting.append(
            factories.make_conversation(
                asking_child,
                owner,
                kind=Kind.CONCERN,
                review_requested_at=now - dt.timedelta(days=days),
                review_requested_by=coordinator if days == 7 else None,
            )
        )

    everyone = _overview(coordinator_client, location)
    in_group = _overview(coordinator_client, location, group=group.pk)

    assert everyone.context["request_total"] == 7
    assert [c.pk for c in everyone.context["requests"]] == [c.pk for c in waiting[:5]]
    first = everyone.context["requests"][0]
    assert (first.child.full_name, first.review_requested_by, first.owner) == (
        "Emre Yilmaz",
        coordinator,
        teacher,
    )
    assert reverse("conversation_review", args=[waiting[0].pk]) in everyone.text
    assert reverse("conversation_review", args=[waiting[5].pk]) not in everyone.text
    assert in_group.context["request_total"] == 6
    assert [c.pk for c in in_group.context["requests"]] == [c.pk for c in waiting[:5]]
    only_noor = _overview(coordinator_client, location, group=other_child.enrolments.get().group_id)
    assert [c.pk for c in only_noor.context["requests"]] == [waiting[6].pk]
    assert only_noor.context["request_total"] == 1


def test_it_tells_a_coordinator_on_the_home_page_who_asks(
    teacher_client, coordinator_client, conversation
):
    teacher_client.post(reverse("review_request", args=[conversation.pk]))
    response = coordinator_client.get(reverse("home"))
    assert "1 colleague asks you to think along" in response.text


# The reflections, counted


def test_it_counts_the_parents_needs_per_group_and_in_total(
    coordinator_client, location, held, world
):
    response = _overview(coordinator_client, location)

    parents = {need["field"]: need["counts"] for need in response.context["parent_needs"]}
    assert [count for count, _link in parents["parent_competence"]] == [0, 1, 0, 0]
    row = _rows(response)["Groep 3"]
    assert row.ratings["parent_relatedness"] == [0, 0, 0, 1]
    assert _rows(response)["Groep 5"].rated is False


def _rated_by(location, group, username, own: int) -> Conversation:
    professional = factories.make_staff(username, location, groups=(group,))
    child = factories.make_child(factories.make_family(location), group)
    return factories.make_conversation(
        child,
        professional,
        status=Conversation.Status.HELD,
        own_relatedness=own,
        own_competence=own,
        own_autonomy=own,
    )


def test_it_hides_the_professionals_own_needs_until_enough_have_rated(
    coordinator_client, location, group, held
):
    _rated_by(location, group, "pm1", own=4)
    few = _overview(coordinator_client, location)
    assert few.context["own_needs"] is None
    assert "so that no number points at one person" in few.text

    _rated_by(location, group, "pm2", own=4)
    enough = _overview(coordinator_client, location)
    own = {need["field"]: need["counts"] for need in enough.context["own_needs"]}
    # held (teacher): 1, 2, 3; pm1 and pm2: 4 each. Counted, never per person.
    assert [count for count, _link in own["own_relatedness"]] == [1, 0, 0, 2]
    assert enough.context["needs"].professionals == 3


def test_it_hides_the_own_ratings_from_the_coordinator_on_the_reflection_page(
    coordinator_client, teacher_client, held
):
    url = reverse("reflection_edit", args=[held.pk])
    as_coordinator = coordinator_client.get(url).text
    assert "The professional:" not in as_coordinator
    assert "One of your own needs scored low" not in as_coordinator
    assert "The parents" in as_coordinator

    as_teacher = teacher_client.get(url).text
    assert "One of your own needs scored low" in as_teacher


def test_it_shows_the_filters_a_list_counts_with(coordinator_client, location, world, settings):
    settings.NO_POSITIVE_CONTACT_WEEKS = 8
    url = reverse("coordination_children", args=[location.pk])
    response = coordinator_client.get(url, {"status": "none"})

    form = response.context["form"]
    assert form["kind"].value() == Kind.WELLBEING
    assert str(form["weeks"].value()) == "8"
    assert '<option value="wellbeing" selected>' in response.text
    assert '<input type="hidden" name="status" value="none">' in response.text
