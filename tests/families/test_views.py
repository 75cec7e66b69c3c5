from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from families.models import Child, StaffMembership
from tests import factories
from tests.queries import AUDIT_QUERIES, SESSION_RENEWAL_QUERIES

pytestmark = pytest.mark.django_db


def _login_url(next_url: str) -> str:
    return f"{reverse('login')}?next={next_url}"


# Home


def test_it_shows_a_teacher_their_group_and_children(teacher_client, child, other_child):
    response = teacher_client.get(reverse("home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Groep 3" in content
    assert "Emre Yilmaz" in content
    assert "Noor de Vries" not in content


def test_it_shows_a_coordinator_their_location(coordinator_client, location):
    response = coordinator_client.get(reverse("home"))
    assert response.status_code == 200
    assert location.get_absolute_url() in response.content.decode()


def test_it_lists_each_group_once_with_its_children_by_name(family, group, other_group, child):
    # A coordinator who also teaches two groups: one with children, one without.
    coordinator = factories.make_staff(
        "teaching_coordinator",
        group.location,
        role=StaffMembership.Role.COORDINATOR,
        groups=(group, other_group),
    )
    factories.make_child(family, group, first_name="Anna", last_name="Yilmaz")
    client = Client()
    client.force_login(coordinator)
    content = client.get(reverse("home")).content.decode()
    assert content.count('id="group-') == 2
    assert content.index("Anna Yilmaz") < content.index("Emre Yilmaz")
    assert content.count("Emre Yilmaz") == 1
    assert "Nog geen kinderen in deze groep." in content


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == _login_url(reverse("home"))


def test_it_refuses_post_on_home(teacher_client):
    assert teacher_client.post(reverse("home")).status_code == 405


def test_it_keeps_home_queries_constant(
    teacher_client, teacher, group, location, django_assert_max_num_queries
):
    for n in range(60):
        family = factories.make_family(location)
        factories.make_guardian(family)
        factories.make_child(family, group, first_name=f"Kind{n}")
    with django_assert_max_num_queries(8 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(reverse("home"))
    assert response.content.decode().count('class="child-chip"') == 60


# Search


def test_it_finds_children_of_the_teachers_group(teacher_client, child, other_child):
    response = teacher_client.post(reverse("child_search"), {"q": "yil"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Emre Yilmaz" in content
    assert "<html" in content


def test_it_never_finds_children_outside_the_teachers_groups(teacher_client, child, other_child):
    response = teacher_client.post(reverse("child_search"), {"q": "Noor"})
    assert "Noor de Vries" not in response.content.decode()
    assert "Geen kind of gezin gevonden" in response.content.decode()


def test_it_finds_by_family_name_and_several_words(coordinator_client, child, other_child):
    response = coordinator_client.post(reverse("child_search"), {"q": "noor vries"})
    content = response.content.decode()
    assert "Noor de Vries" in content
    assert "Emre Yilmaz" not in content


def test_it_returns_only_the_results_partial_to_htmx(teacher_client, child):
    response = teacher_client.post(
        reverse("child_search"), {"q": "Emre"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert "Emre Yilmaz" in content
    assert "<html" not in content
    assert content.strip().startswith('<section id="search-results"')
    assert "HX-Request" in response["Vary"]


def test_it_explains_an_empty_search(teacher_client):
    response = teacher_client.post(reverse("child_search"), {"q": "  "})
    assert "Typ een deel van een naam om te zoeken." in response.content.decode()


def test_it_refuses_get_on_search(teacher_client):
    # Names typed into the search never travel in a URL.
    assert teacher_client.get(reverse("child_search"), {"q": "Emre"}).status_code == 405


def test_it_sends_anonymous_search_to_login(client, child):
    response = client.post(reverse("child_search"), {"q": "Emre"})
    assert response.status_code == 302
    assert "Emre" not in response.content.decode()


def test_it_limits_search_results_and_queries(
    coordinator_client, location, group, django_assert_max_num_queries
):
    for n in range(70):
        family = factories.make_family(location, name=f"Familie Bakker{n}")
        factories.make_child(family, group, first_name=f"Sam{n}", last_name="Bakker")
    with django_assert_max_num_queries(6 + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.post(reverse("child_search"), {"q": "bakker"})
    content = response.content.decode()
    assert content.count('class="child-row"') == 50
    assert "typ meer van de naam" in content


# Child page


def test_it_shows_a_child_to_their_teacher(teacher_client, child, family):
    sibling = factories.make_child(family, first_name="Elif", last_name="Yilmaz")
    response = teacher_client.get(child.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Emre Yilmaz" in content
    assert "Ayşe Yilmaz" in content
    assert "Turks" in content
    assert "Elif Yilmaz" in content
    # The sibling is in no group of this teacher: named, but not a link.
    assert sibling.get_absolute_url() not in content


def test_it_shows_a_child_to_the_coordinator(coordinator_client, child):
    assert coordinator_client.get(child.get_absolute_url()).status_code == 200


def test_it_hides_a_child_from_another_groups_teacher(teacher2_client, child):
    assert teacher2_client.get(child.get_absolute_url()).status_code == 404


def test_it_hides_a_child_from_another_locations_coordinator(other_coordinator_client, child):
    assert other_coordinator_client.get(child.get_absolute_url()).status_code == 404


def test_it_sends_anonymous_child_visitors_to_login(client, child):
    url = child.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == _login_url(url)


def test_it_refuses_post_on_child_page(teacher_client, child):
    assert teacher_client.post(child.get_absolute_url()).status_code == 405


def test_it_shows_last_years_group_on_the_child_page(teacher_client, child, location):
    last_year = factories.make_group(
        location,
        name="Groep 2",
        school_year=child.enrolments.get().group.school_year - 1,
        min_age=5,
        max_age=6,
    )
    child.enrolments.create(group=last_year)
    content = teacher_client.get(child.get_absolute_url()).content.decode()
    assert "Groep 2" in content
    assert "Groep 3" in content


def test_it_shows_the_brothers_and_sisters_with_this_years_groups(
    teacher_client, child, family, group, other_group
):
    factories.make_child(family, other_group, first_name="Elif", last_name="Yilmaz")
    factories.make_child(family, first_name="Deniz", last_name="Yilmaz")
    content = teacher_client.get(child.get_absolute_url()).content.decode()
    siblings = content[content.index("Broers en zussen") :]
    assert siblings.index("Deniz Yilmaz") < siblings.index("Elif Yilmaz")
    assert "dit jaar geen groep" in siblings
    assert "Groep 5" in siblings


def test_it_keeps_child_page_queries_constant(
    teacher_client, child, family, group, django_assert_max_num_queries
):
    for n in range(8):
        factories.make_guardian(family)
        factories.make_child(family, group, first_name=f"Broer{n}")
    # 12: two more for the open agreements and the informal contacts.
    with django_assert_max_num_queries(12 + SESSION_RENEWAL_QUERIES + AUDIT_QUERIES):
        assert teacher_client.get(child.get_absolute_url()).status_code == 200


# Family page


def test_it_shows_a_family_to_the_teacher_of_one_of_its_children(teacher_client, family, child):
    response = teacher_client.get(family.get_absolute_url())
    assert response.status_code == 200
    assert "Ayşe Yilmaz" in response.content.decode()


def test_it_hides_a_family_from_another_groups_teacher(teacher2_client, family, child):
    assert teacher2_client.get(family.get_absolute_url()).status_code == 404


def test_it_hides_a_family_from_another_locations_coordinator(other_coordinator_client, family):
    assert other_coordinator_client.get(family.get_absolute_url()).status_code == 404


def test_it_shows_a_family_to_the_coordinator(coordinator_client, family):
    assert coordinator_client.get(family.get_absolute_url()).status_code == 200


def test_it_sends_anonymous_family_visitors_to_login(client, family):
    assert client.get(family.get_absolute_url()).status_code == 302


def test_it_refuses_post_on_family_page(coordinator_client, family):
    assert coordinator_client.post(family.get_absolute_url()).status_code == 405


def test_it_shows_separated_parents_with_their_own_contact_details(coordinator_client, family):
    factories.make_guardian(
        family,
        first_name="Mehmet",
        last_name="Yilmaz",
        relation="father",
        email="mehmet@example.net",
        phone="06-1111 2222",
        lives_with_children=False,
    )
    content = coordinator_client.get(family.get_absolute_url()).content.decode()
    assert "mehmet@example.net" in content
    assert "06-1111 2222" in content
    assert "woont ergens anders" in content


# Group page


def test_it_shows_a_group_to_its_teacher(teacher_client, group, child):
    response = teacher_client.get(group.get_absolute_url())
    assert response.status_code == 200
    assert "Emre Yilmaz" in response.content.decode()


def test_it_hides_a_group_from_another_teacher(teacher2_client, group):
    assert teacher2_client.get(group.get_absolute_url()).status_code == 404


def test_it_hides_a_group_from_another_locations_coordinator(other_coordinator_client, group):
    assert other_coordinator_client.get(group.get_absolute_url()).status_code == 404


def test_it_shows_a_group_to_the_coordinator(coordinator_client, group):
    assert coordinator_client.get(group.get_absolute_url()).status_code == 200


def test_it_sends_anonymous_group_visitors_to_login(client, group):
    assert client.get(group.get_absolute_url()).status_code == 302


def test_it_refuses_post_on_group_page(teacher_client, group):
    assert teacher_client.post(group.get_absolute_url()).status_code == 405


def test_it_keeps_group_page_queries_constant(
    teacher_client, group, location, django_assert_max_num_queries
):
    for _ in range(55):
        family = factories.make_family(location)
        factories.make_guardian(family)
        factories.make_child(family, group)
    with django_assert_max_num_queries(6 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(group.get_absolute_url())
    assert response.content.decode().count("<tr>") == 56


# Location overview


def test_it_shows_the_location_overview_to_its_coordinator(
    coordinator_client, location, group, other_group, child, teacher
):
    response = coordinator_client.get(location.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Groep 3" in content
    assert "Groep 5" in content
    assert "Teacher" in content


def test_it_hides_the_location_overview_from_professionals(teacher_client, location):
    assert teacher_client.get(location.get_absolute_url()).status_code == 404


def test_it_hides_the_location_overview_from_another_coordinator(
    other_coordinator_client, location
):
    assert other_coordinator_client.get(location.get_absolute_url()).status_code == 404


def test_it_sends_anonymous_overview_visitors_to_login(client, location):
    assert client.get(location.get_absolute_url()).status_code == 302


def test_it_refuses_post_on_the_overview(coordinator_client, location):
    assert coordinator_client.post(location.get_absolute_url()).status_code == 405


# Scoping at the QuerySet level


def test_it_never_opens_a_group_through_a_membership_at_another_location(
    other_location, group, child
):
    # A professional of another location wrongly linked to this location's group.
    intruder = factories.make_staff("intruder", other_location, groups=(group,))
    assert not Child.objects.visible_to(intruder).exists()


def test_it_answers_an_expired_htmx_search_with_401(client, child):
    # htmx must not swap the login page into the results; the page says why instead.
    response = client.post(reverse("child_search"), {"q": "Emre"}, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "Emre" not in response.content.decode()
