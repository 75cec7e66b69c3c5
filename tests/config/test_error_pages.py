"""Django's error pages are ours: plain words, the site's look, nothing leaked."""

from __future__ import annotations

from django.test import RequestFactory
from django.views.defaults import server_error


def test_it_answers_a_missing_page_in_the_sites_frame(teacher_client, other_child):
    teacher_client.cookies["django_language"] = "en"
    # Another group's child: the same page as for something that does not exist.
    hidden = teacher_client.get(other_child.get_absolute_url())
    missing = teacher_client.get("/bestaat-niet/")

    for response in (hidden, missing):
        content = response.content.decode()
        assert response.status_code == 404
        assert "<main" in content
        assert "This page does not exist, or it is not open to you." in content
    assert other_child.first_name not in hidden.content.decode()


def test_it_explains_a_server_error_without_needing_the_request(db):
    response = server_error(RequestFactory().get("/"))

    content = response.content.decode()
    assert response.status_code == 500
    assert "Er ging iets mis" in content
    assert "What was already saved is kept." in content
