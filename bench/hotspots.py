"""Where one benchmarked endpoint spends its time, in this process.

    python bench/hotspots.py "child page"               # ms per request, SQL share
    python bench/hotspots.py "child page" --queries     # ... and each query with its time
    python bench/hotspots.py "child page" --profile tottime
    python bench/hotspots.py "child page" --split     # SQL, templates, the rest

Runs the request through Django's whole handler (every middleware, the real
session and user) against the bench database, with the settings `make bench`
serves: first `python bench/run.py --seed-only`. The figures are for comparing
before and after a change on the same machine, not for the README: the table
there comes from `make bench`, over HTTP through gunicorn.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BENCH_ENV, database_url, plan_path  # noqa: E402

ENDPOINTS = (
    "floor",
    "floor, signed in",
    "professional home",
    "child page",
    "preparation step",
    "meeting mode",
    "coordinator overview",
    "parent questionnaire",
    "parent booking page",
    "autosave POST",
    "parent autosave POST",
    "booking POST",
)


def setup() -> None:
    os.environ.update(BENCH_ENV)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


class Endpoint:
    """One endpoint of the benchmark as a repeatable call on a test client."""

    def __init__(self, name: str, plan: dict[str, Any]) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        self.name = name
        self.client = Client()
        self.calls = 0
        conversation = plan["conversation_id"]
        login = {"coordinator overview": plan["coordinator"]}.get(name, plan["teacher"])
        if name in {
            "floor, signed in",
            "professional home",
            "child page",
            "preparation step",
            "meeting mode",
            "coordinator overview",
            "autosave POST",
        }:
            self.client.force_login(get_user_model().objects.get(username=login))
        question = reverse("parent_question", args=[plan["questionnaire"][0], 2])
        self.path, self.method, self.data = {
            "floor": (reverse("bench_floor"), "get", None),
            "floor, signed in": (reverse("bench_floor"), "get", None),
            "professional home": (reverse("home"), "get", None),
            "child page": (reverse("child_detail", args=[plan["child_id"]]), "get", None),
            "preparation step": (
                reverse("preparation_step", args=[conversation, "ouders-vooraf"]),
                "get",
                None,
            ),
            "meeting mode": (reverse("meeting_mode", args=[conversation]), "get", None),
            "coordinator overview": (
                reverse("location_overview", args=[plan["location_id"]]),
                "get",
                None,
            ),
            "parent questionnaire": (question, "get", None),
            "parent booking page": (
                reverse("parent_booking", args=[plan["booking_page"][0]]),
                "get",
                None,
            ),
            "autosave POST": (
                reverse("text_autosave", args=[plan["autosave"][0]["conversation_id"]]),
                "post",
                None,
            ),
            "parent autosave POST": (question, "post", None),
            "booking POST": (
                reverse("parent_booking", args=[plan["booking_post"][0]["token"]]),
                "post",
                None,
            ),
        }[name]
        if name == "autosave POST":
            self.key = plan["autosave"][0]["key"]
            page = self.client.get(
                reverse(
                    "preparation_step",
                    args=[plan["autosave"][0]["conversation_id"], "wat-gaat-goed"],
                )
            )
            self.version = self._version(page.content.decode())
        self.plan = plan

    def _version(self, body: str) -> int:
        found = re.search(rf'name="version-{self.key}" value="(\d+)"', body)
        if found is None:
            raise SystemExit(f"{self.name}: no version on the page")
        return int(found.group(1))

    def call(self) -> Any:
        n = self.calls
        self.calls += 1
        if self.method == "get":
            return self.client.get(self.path)
        if self.name == "autosave POST":
            key = self.key
            answer = self.client.post(
                self.path,
                {
                    "key": key,
                    f"version-{key}": str(self.version),
                    f"text-{key}": f"Ze speelt graag buiten. Meting {n}.",
                },
                headers={"HX-Request": "true"},
            )
            self.version = self._version(answer.content.decode())
            return answer
        if self.name == "parent autosave POST":
            choices = ["friends", "routine"] if n % 2 else ["familiar_face"]
            return self.client.post(
                self.path,
                {"autosave": "1", "choices": choices, "text": f"Meting {n}"},
                headers={"HX-Request": "true"},
            )
        own = self.plan["booking_post"][0]
        # As bench/driver.py: a browser would show the notice and so spend the
        # message cookie; left alone it grows on every booking.
        self.client.cookies.pop("messages", None)
        return self.client.post(self.path, {"choice": own["values"][n % 2], "party": "together"})


def split(endpoint: Endpoint, requests: int) -> str:
    """Where a request's time goes, in ms per request: waiting for the
    database (each query sent and its rows back), rendering templates (the
    outermost render: the includes and forms within it count there), and the
    rest (the test client, the middleware, the view's own Python)."""
    from django.db import connection
    from django.template.backends.django import Template

    spent = {"sql": 0.0, "templates": 0.0}
    depth = 0
    render = Template.render

    def timed_render(self: Template, *args: Any, **kwargs: Any) -> Any:
        nonlocal depth
        depth += 1
        started = time.perf_counter()
        try:
            return render(self, *args, **kwargs)
        finally:
            depth -= 1
            if not depth:
                spent["templates"] += time.perf_counter() - started

    def timed_query(execute: Any, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            spent["sql"] += time.perf_counter() - started

    Template.render = timed_render  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(timed_query):
            started = time.perf_counter()
            for _ in range(requests):
                endpoint.call()
            total = time.perf_counter() - started
    finally:
        Template.render = render  # type: ignore[method-assign]
    # SQL run while a template renders (a lazy queryset) counts as SQL only.
    ms = {name: value / requests * 1000 for name, value in spent.items()}
    ms["total"] = total / requests * 1000
    rest = ms["total"] - ms["sql"] - ms["templates"]
    return (
        f"  split: {ms['total']:.2f} ms = SQL {ms['sql']:.2f} + templates "
        f"{ms['templates']:.2f} + the rest {rest:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", choices=ENDPOINTS)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--queries", action="store_true", help="list each query")
    parser.add_argument("--profile", choices=["cumulative", "tottime"], help="cProfile, sorted so")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument(
        "--split", action="store_true", help="ms per request in SQL, in templates, and the rest"
    )
    parser.add_argument(
        "--callers", metavar="PATTERN", help="with --profile: who calls the functions matching this"
    )
    args = parser.parse_args(argv)
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = json.loads(plan_path().read_text())
    endpoint = Endpoint(args.endpoint, plan)
    for _ in range(20):
        answer = endpoint.call()
        if answer.status_code >= 400:
            raise SystemExit(f"{args.endpoint}: HTTP {answer.status_code}")
    started = time.perf_counter()
    for _ in range(args.requests):
        endpoint.call()
    per_request = (time.perf_counter() - started) / args.requests * 1000
    sql_ms = []
    for _ in range(50):
        with CaptureQueriesContext(connection) as captured:
            endpoint.call()
        sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    print(
        f"{args.endpoint}: {per_request:.2f} ms per request, "
        f"SQL {sum(sql_ms) / len(sql_ms):.2f} ms in {len(captured)} queries"
    )
    if args.split:
        print(split(endpoint, args.requests))
    if args.queries:
        for query in captured.captured_queries:
            print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:400]}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            endpoint.call()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(args.profile)
        if args.callers:
            stats.print_callers(args.callers)
        else:
            stats.print_stats(args.lines)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
