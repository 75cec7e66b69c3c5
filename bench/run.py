"""`make bench`: seed a school board into PostgreSQL, serve it with gunicorn
under production settings, measure the key pages from a separate process,
then the booking rush.

    python bench/run.py                  # the board at full scale
    python bench/run.py --scale 0.1     # a tenth of it (its own seed)
    python bench/run.py --seed-only     # seed (when needed) and stop

The database is DATABASE_URL's server with the database samenspraak_benchdata
(BENCH_DATABASE_URL names another). It is seeded when it is new, when the seed
changed (bench.seed.SEED_VERSION), for another scale, or when the seed is a
week old (its rounds, slots and links are dated from the day of seeding).

Prints a table and writes var/bench/latest.json: per endpoint requests/s,
p50 and p95 in milliseconds, database queries per request, and p95 as a
multiple of the floor's (a page rendering the base template without a query).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
DATABASE = "samenspraak_benchdata"
# Limits the issue sets (checked in the table, not asserted).
MAX_FLOOR_MULTIPLE = 2.5
MAX_QUERIES = 12
# A seed older than this is made again: its dates are relative to its day.
SEED_MAX_AGE = dt.timedelta(days=7)

# Production settings, with the few switches a plain-http run on this machine
# needs. Nothing here is a real secret.
BENCH_ENV = {
    "BENCH": "true",
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-" + "5e3f0c9a7b1d2e8f4a6c0b9d7e1f3a5c8b2d4f6e0a1c3e5b",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "SECURE_HSTS_PRELOAD": "false",
    "TRUSTED_PROXY_COUNT": "0",
    "OTP_REQUIRED_FOR_COORDINATORS": "false",
    "LOG_LEVEL": "WARNING",
}


def database_url() -> str:
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    server = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x")
    if not server.scheme.startswith("postgres"):
        server = urlsplit("postgres://postgres@127.0.0.1:5432/x")
    return urlunsplit(server._replace(path=f"/{DATABASE}"))


def _connect_admin(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True)


def database_prepare(url: str, *, fresh: bool) -> None:
    """Create the bench database, or drop and create it when `fresh`."""
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with _connect_admin(url) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and fresh:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if fresh or not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def marker_read() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return {}


def marker_write(marker: dict[str, Any]) -> None:
    """Keep what was seeded with the database itself, as its comment."""
    from django.db import connection

    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    text = json.dumps(marker).replace("'", "''")
    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON DATABASE {name} IS '{text}'")


def plan_path() -> Path:
    """Where the seed of this database keeps its plan (logins, ids, tokens)."""
    from django.db import connection

    return OUT / f"plan-{connection.settings_dict['NAME']}.json"


def needs_seed(marker: dict[str, Any], scale: float) -> str:
    """Why the database must be seeded again, or "" when it need not."""
    from bench.seed import SEED_VERSION
    from families.school_year import current_school_year

    plan_file = plan_path()
    if not marker or not plan_file.exists():
        return "not seeded yet"
    if marker.get("version") != SEED_VERSION:
        return f"seed version {marker.get('version')} → {SEED_VERSION}"
    if marker.get("scale") != scale:
        return f"scale {marker.get('scale')} → {scale}"
    if marker.get("school_year") != current_school_year():
        return "a new school year"
    seeded = dt.date.fromisoformat(marker.get("seeded_on", "2000-01-01"))
    if dt.date.today() - seeded > SEED_MAX_AGE:
        return f"seeded on {seeded}, more than a week ago"
    plan = json.loads(plan_file.read_text())
    if plan.get("seed") != marker:
        return "the plan file belongs to another seed"
    return ""


def django_setup(url: str) -> None:
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def seed_if_needed(url: str, scale: float, *, force: bool) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    call_command("migrate", verbosity=0)
    reason = "asked for" if force else needs_seed(marker_read(), scale)
    if not reason:
        print(f"Bench database {name}: seeded (scale {scale}), reused.")
        return json.loads(plan_path().read_text())
    print(f"Bench database {name}: seeding ({reason}).")
    connection.close()
    database_prepare(url, fresh=True)
    call_command("migrate", verbosity=0)
    from bench import seed

    started = time.monotonic()
    plan = seed.seed(scale=scale)
    marker_write(plan["seed"])
    OUT.mkdir(parents=True, exist_ok=True)
    plan_path().write_text(json.dumps(plan, indent=1))
    # Fresh statistics, so the planner sees the seeded tables as they are.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Seeded in {time.monotonic() - started:.0f} s:")
    for name, count in seed.table_counts().items():
        print(f"  {name:<14} {count:>9,}")
    return plan


# The server


GUNICORN_LOG = OUT / "gunicorn.log"


def gunicorn_start(url: str, port: int, workers: int) -> subprocess.Popen:
    """gunicorn with `workers` sync workers, its log (warnings and errors, no
    access log: paths hold parents' tokens) in var/bench/gunicorn.log."""
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    with GUNICORN_LOG.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting.")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/", timeout=10):
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise RuntimeError("gunicorn did not answer within a minute.")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL after 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


WORKER_LOG = OUT / "worker.log"


def worker_start(url: str) -> subprocess.Popen:
    """The task worker that sends the booking emails, as in production,
    beside gunicorn on the same cores and, as the README advises there, at a
    lower priority; its log in var/bench/worker.log."""
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    command = ["nice", "-n", "10", sys.executable, "manage.py", "db_worker", "--no-reload"]
    OUT.mkdir(parents=True, exist_ok=True)
    with WORKER_LOG.open("w") as log:
        return subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def tasks_done(worker: subprocess.Popen, *, wait: float = 60) -> dict[str, int]:
    """Let the worker finish what the run left it (at most `wait` seconds),
    stop it, and count its tasks by how they ended."""
    from django.db.models import Count
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + wait
    while DBTaskResult.objects.ready().exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    stop(worker)
    counts = dict(DBTaskResult.objects.values_list("status").annotate(Count("id")))
    succeeded = counts.get(TaskResultStatus.SUCCESSFUL, 0)
    failed = counts.get(TaskResultStatus.FAILED, 0)
    return {
        "succeeded": succeeded,
        "failed": failed,
        "left": sum(counts.values()) - succeeded - failed,
    }


# What the driver sends


def load_spec(plan: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    from django.urls import reverse

    workers = args.concurrency
    conversation = plan["conversation_id"]
    autosave = plan["autosave"]
    own = plan["booking_post"]
    for name, needed in (("autosave", autosave), ("booking_post", own)):
        if len(needed) < workers:
            raise SystemExit(
                f"The seed has {len(needed)} {name} entries for {workers} workers: "
                "use a larger scale or fewer --concurrency."
            )

    def get(name: str, visitor: str, paths: list[str]) -> dict[str, Any]:
        return {"name": name, "kind": "get", "visitor": visitor, "paths": paths}

    def questionnaire(token: str) -> str:
        return reverse("parent_question", args=[token, 2])

    def booking(token: str) -> str:
        return reverse("parent_booking", args=[token])

    phases = [
        get("floor", "anonymous", [reverse("bench_floor")]),
        # The same page for a signed-in teacher: the least any staff page costs
        # (her session, her user row and the locations in the menu).
        get("floor, signed in", "teacher", [reverse("bench_floor")]),
        get("professional home", "teacher", [reverse("home")]),
        get("child page", "teacher", [reverse("child_detail", args=[plan["child_id"]])]),
        get(
            "preparation step",
            "teacher",
            [reverse("preparation_step", args=[conversation, "ouders-vooraf"])],
        ),
        get("meeting mode", "teacher", [reverse("meeting_mode", args=[conversation])]),
        get(
            "coordinator overview",
            "coordinator",
            [reverse("location_overview", args=[plan["location_id"]])],
        ),
        get("parent questionnaire", "parent", [questionnaire(t) for t in plan["questionnaire"]]),
        get("parent booking page", "parent", [booking(t) for t in plan["booking_page"]]),
        {
            "name": "autosave POST",
            "kind": "autosave",
            "visitor": "teacher",
            "key": autosave[0]["key"],
            "paths": [reverse("text_autosave", args=[a["conversation_id"]]) for a in autosave],
            "page": [
                reverse("preparation_step", args=[a["conversation_id"], "wat-gaat-goed"])
                for a in autosave
            ],
        },
        {
            "name": "parent autosave POST",
            "kind": "parent_autosave",
            "visitor": "parent",
            "split": True,
            "workers": workers,
            "paths": [questionnaire(t) for t in plan["questionnaire"]],
        },
        {
            "name": "booking POST",
            "kind": "booking",
            "visitor": "parent",
            "paths": [booking(each["token"]) for each in own],
            "page": [booking(each["token"]) for each in own],
            "own": [{"path": booking(each["token"]), "values": each["values"]} for each in own],
        },
        # The floor again at the end: the run's floor is both halves together.
        get("floor", "anonymous", [reverse("bench_floor")]),
    ]
    if args.only:
        phases = [phase for phase in phases if phase["name"] in {"floor", *args.only}]
    return {
        "host": "127.0.0.1",
        "port": args.port,
        "workers": workers,
        "seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "timeout_seconds": args.seconds + args.warmup + 120,
        "login_path": reverse("login"),
        "logins": {
            "teacher": {"username": plan["teacher"], "password": plan["password"]},
            "coordinator": {"username": plan["coordinator"], "password": plan["password"]},
        },
        "phases": phases,
    }


def rush_spec(plan: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    from django.urls import reverse
    from django.utils import translation

    from conversations.models import ParentLink

    rush = plan["rush"]
    language = (
        ParentLink.objects.filter(conversation__meeting_round=rush["round_id"])
        .values_list("language", flat=True)
        .first()
    )
    with translation.override(language):
        taken = translation.gettext("Just taken.")
    return {
        "host": "127.0.0.1",
        "port": args.port,
        "seed": 8,
        "window_seconds": args.rush_window,
        "open_threads": 16,
        "slots": len(rush["slot_ids"]),
        "taken_text": taken,
        "parents": [
            {"path": reverse("parent_booking", args=[parent["token"]])}
            for parent in rush["parents"]
        ],
    }


def rush_check(plan: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """What the database holds after the rush: a slot is never held twice,
    a conversation never has two bookings for both parents."""
    from django.db.models import Count

    from conversations.models import Booking, BookingSlot

    round_id = plan["rush"]["round_id"]
    held = BookingSlot.objects.filter(slot__meeting_round=round_id)
    doubled_slots = held.values("slot").annotate(n=Count("pk")).filter(n__gt=1).count()
    bookings = Booking.objects.filter(conversation__meeting_round=round_id)
    doubled_families = (
        bookings.values("conversation", "guardian").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    return {
        **result,
        "bookings_in_database": bookings.count(),
        "slots_booked": held.count(),
        "double_bookings": doubled_slots + doubled_families,
        "bookings_match_answers": bookings.count() == result["booked"],
    }


def driver(mode: str, spec: dict[str, Any]) -> dict[str, Any]:
    spec_path = OUT / f"{mode}-spec.json"
    result_path = OUT / f"{mode}-result.json"
    spec_path.write_text(json.dumps(spec, indent=1))
    result_path.unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 (our own driver, in its own process)
        [sys.executable, str(ROOT / "bench" / "driver.py"), mode, str(spec_path), str(result_path)],
        check=True,
    )
    return json.loads(result_path.read_text())


# Reporting


def machine() -> dict[str, Any]:
    from django.db import connection

    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = int(line.split()[1]) // 1024 // 1024
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "postgresql": postgres,
    }


def server_errors() -> int:
    """Errors the app logged while measured (Django logs each 500 with a traceback)."""
    if not GUNICORN_LOG.exists():
        return 0
    return GUNICORN_LOG.read_text(errors="replace").count("Internal Server Error")


def with_floor(endpoints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    floor = next(each for each in endpoints if each["name"] == "floor")
    for each in endpoints:
        each["p95_floor_multiple"] = round(each["p95_ms"] / floor["p95_ms"], 2)
        queries = each["queries_per_request"]
        each["within_targets"] = (
            each["p95_floor_multiple"] <= MAX_FLOOR_MULTIPLE
            and queries is not None
            and queries <= MAX_QUERIES
        )
    return endpoints


def table(endpoints: list[dict[str, Any]]) -> str:
    lines = [
        f"{'endpoint':<24} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} "
        f"{'p95/floor':>9}  answers",
        "-" * 86,
    ]
    for each in endpoints:
        queries = each["queries_per_request"]
        shown = "" if queries is None else str(queries)
        if each.get("queries_max") not in (None, queries):
            shown += f" ({each['queries_max']})"
        statuses = ", ".join(f"{count}×{status}" for status, count in each["statuses"].items())
        mark = "" if each["within_targets"] else "  over target"
        lines.append(
            f"{each['name']:<24} {each['requests_per_s']:>7} {each['p50_ms']:>8} "
            f"{each['p95_ms']:>8} {shown:>8} {each['p95_floor_multiple']:>8}×  {statuses}{mark}"
        )
    return "\n".join(lines)


def rush_lines(rush: dict[str, Any]) -> str:
    return (
        f"Booking rush: {rush['parents']} parents, {rush['slots']} slots, POSTs within "
        f"{rush['window_s']} s (done in {rush['elapsed_s']} s): {rush['posts']} POSTs, "
        f"{rush['booked']} booked, {rush['just_taken']} 'just taken', "
        f"{rush['server_errors']} server errors, {rush['unclean_answers']} other answers; "
        f"{rush['double_bookings']} double bookings; p50 {rush['p50_ms']} ms, "
        f"p95 {rush['p95_ms']} ms, max {rush['max_ms']} ms."
    )


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reseed", action="store_true", help="seed again even if not needed")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, default=10, help="measured per endpoint")
    parser.add_argument("--warmup", type=float, default=2, help="dropped, per endpoint")
    parser.add_argument(
        "--gunicorn-workers", type=int, default=2 * cores + 1, help="default 2 × cores + 1"
    )
    parser.add_argument(
        "--concurrency", type=int, default=cores, help="driver workers (default: cores)"
    )
    parser.add_argument("--rush-window", type=float, default=5.0)
    parser.add_argument("--no-rush", action="store_true")
    parser.add_argument("--only", nargs="*", help="endpoint names to measure (and the floor)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    url = database_url()
    database_prepare(url, fresh=False)
    django_setup(url)
    from django.core.cache import cache
    from django.core.management import call_command

    plan = seed_if_needed(url, args.scale, force=args.reseed)
    if args.seed_only:
        return 0
    call_command("collectstatic", interactive=False, verbosity=0)
    # Rate limits, lockouts and cached sessions of earlier runs start from zero.
    cache.clear()
    from bench.seed import rush_reset, table_counts

    rush_reset(plan)
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    connection.close()

    print(
        f"gunicorn: {args.gunicorn_workers} sync workers on 127.0.0.1:{args.port}; "
        f"driver: {args.concurrency} processes, {args.warmup:g} s warm-up and "
        f"{args.seconds:g} s per endpoint."
    )
    load_before = os.getloadavg()
    server = gunicorn_start(url, args.port, args.gunicorn_workers)
    worker = worker_start(url)
    try:
        endpoints = with_floor(driver("load", load_spec(plan, args))["endpoints"])
        print(table(endpoints))
        rush = None
        if not args.no_rush:
            rush = rush_check(plan, driver("rush", rush_spec(plan, args)))
            print(rush_lines(rush))
    finally:
        stop(server)
        tasks = tasks_done(worker)
    load_after = os.getloadavg()
    errors = server_errors()
    print(
        f"Load average (1 min) before {load_before[0]:.1f}, after {load_after[0]:.1f}; "
        f"errors logged by the app: {errors} (var/bench/gunicorn.log). Booking emails "
        f"by the task worker: {tasks['succeeded']} tasks done, {tasks['failed']} failed, "
        f"{tasks['left']} left (var/bench/worker.log)."
    )
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            **machine(),
            # Other work on the machine skews every figure: the load it carried.
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(load_after[0], 2),
        },
        "server_errors_logged": errors,
        "tasks": tasks,
        "dataset": {"scale": args.scale, **table_counts()},
        "setup": {
            "gunicorn_workers": args.gunicorn_workers,
            "driver_processes": args.concurrency,
            "seconds_per_endpoint": args.seconds,
            "warmup_seconds": args.warmup,
        },
        "targets": {"p95_floor_multiple": MAX_FLOOR_MULTIPLE, "queries": MAX_QUERIES},
        "endpoints": endpoints,
        "booking_rush": rush,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"Written to {(OUT / 'latest.json').relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    # Run as a script: import from the project, not from bench/ itself.
    sys.path[0] = str(ROOT)
    sys.exit(main())
