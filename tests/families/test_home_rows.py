"""The home page's groups, from a query compiled once per process, school year
and kind of user (families.views._home_group_rows), against the ORM query it
stands for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from families.models import Enrolment, Group, StaffMembership
from families.school_year import current_school_year
from families.views import _home_group_rows, _home_groups
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


@pytest.fixture
def world(location, group, other_group, child, other_child, family):
    """Children in both groups, an empty group, last year's group and a group
    at another location."""
    factories.make_child(family, group, first_name="Aya")
    factories.make_group(location, name="Groep 8")
    last_year = factories.make_group(
        location, name="Groep 2", school_year=current_school_year() - 1
    )
    Enrolment.objects.create(child=child, group=last_year)
    elsewhere = factories.make_location(name="Elders")
    factories.make_child(factories.make_family(elsewhere), factories.make_group(elsewhere))


@pytest.fixture
def users(teacher, teacher2, coordinator, other_coordinator, location, group):
    # A coordinator who is also a member of a group.
    member = factories.make_staff(
        "member", location, role=StaffMembership.Role.COORDINATOR, groups=(group,)
    )
    return [teacher, teacher2, coordinator, other_coordinator, member]


def _orm_rows(user, *, coordinated: bool) -> list[dict]:
    """As the home page read them before the query was compiled."""
    groups = Group.objects.visible_to(user).current()
    if coordinated:
        groups = groups.filter(staff_memberships__user=user).distinct()
    return list(groups.values("pk", "name", "setting", "location__name"))


@pytest.mark.parametrize("coordinated", [False, True])
def test_it_gives_the_orm_rows_to_each_user(world, users, coordinated):
    year = current_school_year()
    sizes = []
    for user in users:
        listed = _orm_rows(user, coordinated=coordinated)
        assert _home_group_rows(user, school_year=year, coordinated=coordinated) == listed
        groups = _home_groups(user, coordinated=coordinated)
        assert [group["pk"] for group in groups] == [group["pk"] for group in listed]
        sizes.append((user.username, len(groups), sum(len(g["children"]) for g in groups)))
    expected = {
        False: [
            ("teacher", 1, 2),
            ("teacher2", 1, 1),
            ("coordinator", 3, 3),
            ("other_coordinator", 0, 0),
            ("member", 3, 3),
        ],
        True: [
            ("teacher", 1, 2),
            ("teacher2", 1, 1),
            ("coordinator", 0, 0),
            ("other_coordinator", 0, 0),
            ("member", 1, 2),
        ],
    }
    assert sizes == expected[coordinated]


def test_a_coordinator_sees_the_children_of_their_own_group(world, users, client):
    client.force_login(users[-1])
    content = client.get(reverse("home")).content.decode()
    assert content.count('class="child-chip"') == 2
    assert "Groep 5" not in content
