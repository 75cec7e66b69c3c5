from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from families.models import Child, Enrolment, Family, Group, Guardian, Location
from families.school_year import current_school_year, label, school_year_of
from tests import factories

pytestmark = pytest.mark.django_db


def _violates(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_it_requires_a_location_to_offer_something():
    assert _violates(lambda: Location.objects.create(name="Leeg"))


def test_it_keeps_location_names_unique(location):
    assert _violates(lambda: Location.objects.create(name=location.name, has_school=True))


def test_it_keeps_group_names_unique_per_location_and_year(location, group):
    assert _violates(lambda: factories.make_group(location, name=group.name))
    # The same name next school year is a different group.
    next_year = factories.make_group(location, name=group.name, school_year=group.school_year + 1)
    assert next_year.pk != group.pk


def test_it_refuses_an_age_range_upside_down(location):
    assert _violates(lambda: factories.make_group(location, min_age=8, max_age=6))


def test_it_refuses_an_age_above_thirteen(location):
    assert _violates(lambda: factories.make_group(location, min_age=4, max_age=18))


def test_it_refuses_an_implausible_school_year(location):
    assert _violates(lambda: factories.make_group(location, school_year=1999))


def test_it_allows_one_membership_per_user_and_location(teacher, location):
    assert _violates(lambda: teacher.memberships.create(location=location, role="coordinator"))


def test_it_refuses_a_guardian_email_twice_in_one_family(family):
    factories.make_guardian(family, email="ouder@example.org")
    assert _violates(lambda: factories.make_guardian(family, email="OUDER@example.org"))


def test_it_allows_guardians_without_email(family):
    factories.make_guardian(family, email="")
    factories.make_guardian(family, email="")
    assert Guardian.objects.filter(family=family, email="").count() == 2


def test_it_refuses_the_same_group_twice_for_a_child(child, group):
    assert _violates(lambda: Enrolment.objects.create(child=child, group=group))


def test_it_refuses_a_date_of_birth_from_last_century(family):
    assert _violates(lambda: factories.make_child(family, date_of_birth=dt.date(1990, 1, 1)))


def test_it_protects_families_with_children(family, child):
    with pytest.raises(Exception, match="protected"):
        family.delete()


def test_it_keeps_a_childs_history_when_the_child_moves_group(child, location, group):
    next_group = factories.make_group(
        location, name="Groep 4", school_year=group.school_year + 1, min_age=7, max_age=8
    )
    Enrolment.objects.create(child=child, group=next_group)
    years = sorted(child.enrolments.values_list("group__school_year", flat=True))
    assert years == [group.school_year, group.school_year + 1]


def test_it_names_school_years_from_august():
    assert school_year_of(dt.date(2026, 7, 31)) == 2025
    assert school_year_of(dt.date(2026, 8, 1)) == 2026
    assert label(2026) == "2026-2027"


def test_it_computes_a_childs_age(family):
    child = factories.make_child(family, date_of_birth=dt.date(2019, 11, 24))
    assert child.age_on(dt.date(2026, 11, 23)) == 6
    assert child.age_on(dt.date(2026, 11, 24)) == 7


def test_it_scopes_children_per_role(
    teacher, teacher2, coordinator, other_coordinator, child, other_child
):
    assert list(Child.objects.visible_to(teacher)) == [child]
    assert list(Child.objects.visible_to(teacher2)) == [other_child]
    assert set(Child.objects.visible_to(coordinator)) == {child, other_child}
    assert not Child.objects.visible_to(other_coordinator).exists()


def test_it_scopes_families_and_groups_per_role(
    teacher, coordinator, other_coordinator, family, child, other_child, group, other_group
):
    assert list(Family.objects.visible_to(teacher)) == [family]
    assert Family.objects.visible_to(coordinator).count() == 2
    assert not Family.objects.visible_to(other_coordinator).exists()
    assert list(Group.objects.visible_to(teacher)) == [group]
    assert set(Group.objects.visible_to(coordinator)) == {group, other_group}


def test_it_shows_nothing_to_anonymous(child):
    from django.contrib.auth.models import AnonymousUser

    assert not Child.objects.visible_to(AnonymousUser()).exists()
    assert not Family.objects.visible_to(AnonymousUser()).exists()


def test_it_knows_the_current_school_year(group):
    assert group.school_year == current_school_year()
    assert Group.objects.current().get() == group
