"""The access scopes compiled once per process (families.models.compiled_per_user)."""

from __future__ import annotations

import datetime as dt

import pytest

from families.models import Child, Enrolment, compiled_per_user, visible_child_ids


def test_one_compiled_scope_gives_each_user_their_own_children(
    teacher, teacher2, coordinator, other_coordinator, child, other_child
):
    def seen(user):
        return set(Child.objects.filter(pk__in=visible_child_ids(user)))

    assert seen(teacher) == {child}
    assert seen(teacher2) == {other_child}
    assert seen(coordinator) == {child, other_child}
    assert seen(other_coordinator) == set()
    # Asked again in another order, from the same compiled SQL.
    assert seen(teacher2) == {other_child}
    assert seen(teacher) == {child}


@pytest.mark.django_db
def test_it_refuses_a_scope_that_does_not_depend_on_the_user():
    @compiled_per_user
    def everyone(user_id):
        return Enrolment.objects.values("child_id")

    with pytest.raises(ValueError, match="does not depend on the user"):
        everyone(type("User", (), {"pk": 1})())


@pytest.mark.django_db
def test_it_refuses_a_scope_with_a_date_that_would_freeze():
    @compiled_per_user
    def this_year(user_id):
        return Enrolment.objects.filter(
            group__staff_memberships__user=user_id, child__date_of_birth__gte=dt.date.today()
        ).values("child_id")

    with pytest.raises(ValueError, match="depends on a date"):
        this_year(type("User", (), {"pk": 1})())
