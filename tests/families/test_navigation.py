"""The menu's locations: read with the signed-in user (families.auth), afresh
on every request (families.context_processors)."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import RequestFactory
from django.urls import reverse

from families.auth import EmailOrUsernameBackend
from families.context_processors import staff_navigation
from families.models import Location, StaffMembership
from tests import factories

pytestmark = pytest.mark.django_db

COORDINATOR = StaffMembership.Role.COORDINATOR


def menu_links(client, location: Location) -> bool:
    response = client.get(reverse("round_list"))
    assert response.status_code == 200
    return f'href="{location.get_absolute_url()}"' in response.content.decode()


def test_it_shows_a_location_coordinated_since_login_on_the_next_page(
    teacher_client, teacher, other_location
):
    assert not menu_links(teacher_client, other_location)
    StaffMembership.objects.create(user=teacher, location=other_location, role=COORDINATOR)
    assert menu_links(teacher_client, other_location)


def test_it_drops_a_location_from_the_menu_once_its_coordinator_is_removed(
    coordinator_client, coordinator, location
):
    assert menu_links(coordinator_client, location)
    StaffMembership.objects.filter(user=coordinator, location=location).update(
        role=StaffMembership.Role.PROFESSIONAL
    )
    response = coordinator_client.get(reverse("round_list"))
    assert response.status_code == 200
    assert f'href="{location.get_absolute_url()}"' not in response.content.decode()


def test_it_lists_only_the_coordinated_locations_by_name(teacher_client, teacher, location):
    zuid = factories.make_location(name="Zuid")
    aa = factories.make_location(name="Aa-school")
    for each in (zuid, aa):
        StaffMembership.objects.create(user=teacher, location=each, role=COORDINATOR)
    page = teacher_client.get(reverse("round_list")).content.decode()
    # The teacher is a professional at `location`: that is no menu entry.
    assert f'href="{location.get_absolute_url()}"' not in page
    assert page.index(">Aa-school</a>") < page.index(">Zuid</a>")
    assert f'href="{zuid.get_absolute_url()}" aria-current' not in page


def test_it_marks_the_open_location_in_the_menu(coordinator_client, location):
    page = coordinator_client.get(location.get_absolute_url()).content.decode()
    assert f'href="{location.get_absolute_url()}" aria-current="page"' in page


def test_it_reads_the_user_and_the_locations_in_one_query(
    django_assert_num_queries, coordinator, location, other_location
):
    StaffMembership.objects.create(user=coordinator, location=other_location, role=COORDINATOR)
    with django_assert_num_queries(1):
        user = EmailOrUsernameBackend().get_user(str(coordinator.pk))
    assert [(each.pk, each.name) for each in user.coordinated_locations] == [
        (other_location.pk, "Basisschool De Regenboog"),
        (location.pk, "Kindcentrum De Linde"),
    ]


def test_it_gives_the_same_user_as_django(teacher):
    ours = EmailOrUsernameBackend().get_user(str(teacher.pk))
    django = ModelBackend().get_user(str(teacher.pk))
    assert ours == django
    assert ours.coordinated_locations == []
    for field in type(teacher)._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(django, field.attname)


def test_it_gives_no_user_for_an_inactive_unknown_or_malformed_id(teacher):
    teacher.is_active = False
    teacher.save()
    backend = EmailOrUsernameBackend()
    assert backend.get_user(str(teacher.pk)) is None
    assert backend.get_user("999999") is None
    assert backend.get_user("not-a-number") is None


def test_it_ends_the_login_when_the_password_changes(teacher_client, teacher):
    assert teacher_client.get(reverse("round_list")).status_code == 200
    teacher.set_password("another-secret-pw")
    teacher.save()
    assert teacher_client.get(reverse("round_list")).status_code == 302


def test_it_asks_for_the_locations_of_a_user_the_backend_did_not_load(
    django_assert_num_queries, coordinator, location
):
    request = RequestFactory().get("/")
    request.user = coordinator
    with django_assert_num_queries(0):
        navigation = staff_navigation(request)["nav_locations"]
    with django_assert_num_queries(1):
        assert list(navigation) == [location]
