"""Who may open the coordinator's pages: the location's coordinators only.

Anonymous visitors go to the login page (htmx gets 401), a professional and
another location's coordinator get 404, and a wrong method 405."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conversations.models import ReviewComment
from tests import factories

LOCATION_PAGES = (
    "location_overview",
    "coordination_children",
    "coordination_agreements",
    "coordination_conversations",
    "coordination_coverage_csv",
    "coordination_agreements_csv",
)


@pytest.fixture
def coordinator_urls(location, child, conversation):
    urls = [reverse(name, args=[location.pk]) for name in LOCATION_PAGES]
    urls.append(reverse("conversation_review", args=[conversation.pk]))
    urls.append(reverse("child_audit_log", args=[child.pk]))
    return urls


def test_it_opens_every_coordinator_page_for_the_locations_coordinator(
    coordinator_client, coordinator_urls
):
    for url in coordinator_urls:
        assert coordinator_client.get(url).status_code == 200, url


def test_it_hides_every_coordinator_page_from_professionals(
    teacher_client, teacher2_client, coordinator_urls
):
    # The teacher owns the conversation and teaches the child: still no coordinator pages.
    for url in coordinator_urls:
        assert teacher_client.get(url).status_code == 404, url
        assert teacher2_client.get(url).status_code == 404, url


def test_it_hides_every_coordinator_page_from_another_locations_coordinator(
    other_coordinator_client, coordinator_urls
):
    for url in coordinator_urls:
        assert other_coordinator_client.get(url).status_code == 404, url


def test_it_sends_anonymous_visitors_to_the_login_page(client, coordinator_urls):
    for url in coordinator_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 401, url


def test_it_refuses_posts_to_the_coordinator_pages(coordinator_client, coordinator_urls):
    for url in coordinator_urls:
        assert coordinator_client.post(url).status_code == 405, url


def test_it_refuses_gets_of_the_comment_and_request_actions(coordinator_client, conversation):
    for name in ("review_comment_add", "review_request", "review_request_close"):
        url = reverse(name, args=[conversation.pk])
        assert coordinator_client.get(url).status_code == 405, name


def test_it_lets_the_conversations_professionals_and_coordinators_comment(
    teacher_client, coordinator_client, teacher2_client, other_coordinator_client, conversation
):
    url = reverse("review_comment_add", args=[conversation.pk])
    assert teacher_client.post(url, {"body": "Van de leerkracht"}).status_code == 302
    assert coordinator_client.post(url, {"body": "Van de ib'er"}).status_code == 302
    assert teacher2_client.post(url, {"body": "Van een collega"}).status_code == 404
    assert other_coordinator_client.post(url, {"body": "Van elders"}).status_code == 404
    assert sorted(ReviewComment.objects.values_list("body", flat=True)) == [
        "Van de ib'er",
        "Van de leerkracht",
    ]


def test_it_lets_only_the_professionals_ask_to_think_along(
    teacher_client, coordinator_client, teacher2_client, client, conversation
):
    url = reverse("review_request", args=[conversation.pk])
    assert coordinator_client.post(url).status_code == 404
    assert teacher2_client.post(url).status_code == 404
    assert client.post(url).status_code == 302
    conversation.refresh_from_db()
    assert conversation.review_requested_at is None

    assert teacher_client.post(url).status_code == 302
    conversation.refresh_from_db()
    assert conversation.review_requested_at is not None


def test_it_lets_only_the_coordinators_close_a_request(
    teacher_client, coordinator_client, other_coordinator_client, teacher, conversation
):
    teacher_client.post(reverse("review_request", args=[conversation.pk]))
    url = reverse("review_request_close", args=[conversation.pk])
    assert teacher_client.post(url).status_code == 404
    assert other_coordinator_client.post(url).status_code == 404
    conversation.refresh_from_db()
    assert conversation.review_requested_by == teacher

    assert coordinator_client.post(url).status_code == 302
    conversation.refresh_from_db()
    assert conversation.review_requested_at is None
    assert conversation.review_requested_by is None


def test_it_shows_no_audit_log_of_a_child_elsewhere(coordinator_client, other_location):
    elsewhere = factories.make_child(
        factories.make_family(other_location), factories.make_group(other_location)
    )
    url = reverse("child_audit_log", args=[elsewhere.pk])
    assert coordinator_client.get(url).status_code == 404
