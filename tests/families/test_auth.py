from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_logs_in_with_a_username(client, teacher):
    response = client.post(reverse("login"), {"username": "teacher", "password": "secret-pw"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_it_logs_in_with_an_email_address_in_any_case(client, teacher):
    response = client.post(
        reverse("login"), {"username": "Teacher@Example.org", "password": "secret-pw"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_password_with_a_clear_message(client, teacher):
    response = client.post(reverse("login"), {"username": "teacher", "password": "nope"})
    assert response.status_code == 200
    assert "wachtwoord" in response.content.decode()
    # What was typed as the username stays in the form.
    assert 'value="teacher"' in response.content.decode()


def test_it_identifies_nobody_by_an_email_two_accounts_share(client, teacher, teacher2):
    teacher2.email = teacher.email
    teacher2.save()
    response = client.post(reverse("login"), {"username": teacher.email, "password": "secret-pw"})
    assert response.status_code == 200


def test_it_logs_out_only_by_post(teacher_client):
    assert teacher_client.get(reverse("logout")).status_code == 405
    response = teacher_client.post(reverse("logout"))
    assert response.status_code == 302
    assert teacher_client.get(reverse("home")).status_code == 302
