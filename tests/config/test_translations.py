from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_it_translates_every_staff_text_into_dutch():
    # msgfmt reports "N translated messages, M fuzzy translations, K untranslated
    # messages."; only the first part may appear.
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check", "-o", "/dev/null", str(CATALOG)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "translated messages." in result.stderr
    assert "fuzzy" not in result.stderr
    assert "untranslated" not in result.stderr


@pytest.mark.django_db
def test_it_switches_staff_pages_to_english_and_back(teacher):
    client = Client()
    client.force_login(teacher)
    assert "Mijn groepen" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "My groups" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert "Mijn groepen" in client.get(reverse("home")).content.decode()
