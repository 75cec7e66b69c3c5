"""The bench's two additions to the app, on only with BENCH (config/settings.py):
the query count in every response, and the floor page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from bench.middleware import HEADER, QueryCountMiddleware
from bench.views import floor
from families.models import Location

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_it_counts_every_query_of_a_request_into_a_header():
    def view(request):
        list(Location.objects.all())
        Location.objects.count()
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(RequestFactory().get("/"))
    assert response[HEADER] == "2"


@pytest.mark.django_db
def test_it_renders_the_floor_from_the_base_template_without_a_query(
    django_assert_num_queries,
):
    request = RequestFactory().get("/bench/floor/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        response = floor(request)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<main id="main"' in page
    assert "Samenspraak" in page


def test_it_is_off_unless_switched_on():
    assert settings.BENCH is False
    assert "bench.middleware.QueryCountMiddleware" not in settings.MIDDLEWARE
    with pytest.raises(NoReverseMatch):
        reverse("bench_floor")


def test_it_switches_both_on_for_the_bench():
    script = (
        "from django.conf import settings; from django.urls import reverse; "
        "print(settings.MIDDLEWARE[0], reverse('bench_floor'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "BENCH": "true",
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + "q" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["bench.middleware.QueryCountMiddleware", "/bench/floor/"]
