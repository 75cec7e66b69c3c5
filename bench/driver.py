"""The load driver: plain HTTP from processes of its own, standard library only.

bench/run.py writes a spec (the server's address, the endpoints with their
addresses, logins and parents' tokens) and starts this as a separate process:

    python bench/driver.py load SPEC.json RESULT.json
    python bench/driver.py rush SPEC.json RESULT.json

`load` measures one endpoint at a time: every worker process (a closed loop:
send, wait for the whole answer, send again) hammers the same endpoint for a
warm-up, whose samples are dropped, then for the measured seconds; a barrier
starts every phase in all workers at once. Each worker is its own visitor: it
logs in through the real login form and keeps its cookies, over one
keep-alive connection (which gunicorn's sync workers close after each answer,
so each request also pays for a new connection, as behind a proxy that does
not pool). Percentiles are computed from every sample of every worker.

`rush` opens the booking page for every parent first (as parents waiting for
booking to open would have it on screen), then fires each parent's POST at its
own moment within the window, each parent in a thread of its own. A parent
who hears "just taken" picks another time from the page they got back and
tries again, up to MAX_TRIES times.

The server names the queries each answer took in X-Query-Count
(bench.middleware).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import multiprocessing
import random
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

TIMEOUT = 60
MAX_TRIES = 3
CHOICE = re.compile(r'name="choice"[^>]*value="([^"]+)"')


@dataclasses.dataclass
class Answer:
    status: int
    body: str
    seconds: float
    queries: int | None
    headers: http.client.HTTPMessage


class Visitor:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        self.connection.close()

    def csrf_token(self) -> str:
        """The CSRF secret from the cookie (production names it __Host-csrftoken);
        Django accepts the secret itself as the form's token."""
        for name, value in self.cookies.items():
            if name.endswith("csrftoken"):
                return value
        return ""

    def request(
        self,
        method: str,
        path: str,
        fields: dict[str, Any] | list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"Host": f"{self.connection.host}:{self.connection.port}"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                # The server closed the kept-alive connection between requests.
                self.connection.close()
                if attempt == 2:
                    raise
                started = time.perf_counter()
        seconds = time.perf_counter() - started
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower() or not value.strip('"'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        count = response.headers.get("X-Query-Count")
        return Answer(
            response.status,
            data.decode("utf-8", "replace"),
            seconds,
            int(count) if count is not None else None,
            response.headers,
        )

    def login(self, path: str, username: str, password: str) -> None:
        self.request("GET", path)
        fields = {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": self.csrf_token(),
        }
        answer = self.request("POST", path, fields)
        if answer.status != 302 or not any(name.endswith("sessionid") for name in self.cookies):
            raise RuntimeError(f"Login as {username} failed: HTTP {answer.status}")


# Load


class Endpoint:
    """What one worker sends for one endpoint. `kind` picks the request:
    a plain GET, or one of the three POSTs, which keep state between calls."""

    def __init__(self, spec: dict[str, Any], worker: int, visitors: dict[str, Visitor]) -> None:
        self.name = spec["name"]
        self.kind = spec["kind"]
        self.visitor = visitors[spec["visitor"]]
        paths = spec["paths"]
        if spec.get("split"):
            # Writes: each worker its own share, so no two write the same row.
            self.paths = paths[worker :: spec["workers"]] or paths[worker % len(paths) :][:1]
        else:
            # Reads: each worker starts elsewhere in the list, to spread over it.
            self.paths = paths[worker % len(paths) :] + paths[: worker % len(paths)]
        self.calls = 0
        self.spec = spec
        self.worker = worker
        self.version = 0
        if self.kind == "autosave":
            self.version = self._stored_version()

    def _stored_version(self) -> int:
        key = self.spec["key"]
        answer = self.visitor.request("GET", self.spec["page"][self.worker])
        found = re.search(rf'name="version-{key}" value="(\d+)"', answer.body)
        if found is None:
            raise RuntimeError(f"{self.name}: no version on the page (HTTP {answer.status})")
        return int(found.group(1))

    def call(self) -> Answer:
        n = self.calls
        self.calls += 1
        visitor = self.visitor
        if self.kind == "get":
            return visitor.request("GET", self.paths[n % len(self.paths)])
        if self.kind == "autosave":
            key = self.spec["key"]
            answer = visitor.request(
                "POST",
                self.spec["paths"][self.worker],
                {
                    "key": key,
                    f"version-{key}": str(self.version),
                    f"text-{key}": f"Ze speelt graag buiten. Meting {n}.",
                },
                {"HX-Request": "true", "X-CSRFToken": visitor.csrf_token()},
            )
            found = re.search(rf'name="version-{key}" value="(\d+)"', answer.body)
            if found is not None:
                self.version = int(found.group(1))
            return answer
        if self.kind == "parent_autosave":
            choices = ["friends", "routine"] if n % 2 else ["familiar_face"]
            return visitor.request(
                "POST",
                self.paths[n % len(self.paths)],
                [
                    ("autosave", "1"),
                    ("csrfmiddlewaretoken", visitor.csrf_token()),
                    *(("choices", choice) for choice in choices),
                    ("text", f"Meting {n}"),
                ],
                {"HX-Request": "true"},
            )
        if self.kind == "booking":
            own = self.spec["own"][self.worker]
            # A browser follows the redirect and shows the notice, which spends
            # the message cookie; the driver drops it instead.
            visitor.cookies.pop("messages", None)
            return visitor.request(
                "POST",
                own["path"],
                {
                    "choice": own["values"][n % 2],
                    "party": "together",
                    "csrfmiddlewaretoken": visitor.csrf_token(),
                },
            )
        raise ValueError(self.kind)

    def prepare(self) -> None:
        """Pick up the cookies a parent's browser would have (the CSRF cookie)."""
        if self.kind in {"parent_autosave", "booking"} and not self.visitor.csrf_token():
            page = self.spec.get("page")
            self.visitor.request("GET", page[self.worker] if page else self.paths[0])


def _worker(spec: dict[str, Any], worker: int, barrier: Any, results: Any) -> None:
    try:
        results.put((worker, _measure(spec, worker, barrier)))
    except BaseException as error:
        barrier.abort()
        results.put((worker, f"{type(error).__name__}: {error}"))
        raise


def _measure(
    spec: dict[str, Any], worker: int, barrier: Any
) -> list[tuple[str, float, int, int | None]]:
    host, port = spec["host"], spec["port"]
    visitors = {"anonymous": Visitor(host, port), "parent": Visitor(host, port)}
    for role, login in spec["logins"].items():
        visitors[role] = Visitor(host, port)
        visitors[role].login(spec["login_path"], login["username"], login["password"])
    samples: list[tuple[str, float, int, int | None]] = []
    for phase in spec["phases"]:
        endpoint = Endpoint(phase, worker, visitors)
        endpoint.prepare()
        barrier.wait(timeout=spec["timeout_seconds"])
        start = time.perf_counter()
        measure_from = start + spec["warmup_seconds"]
        stop = measure_from + spec["seconds"]
        while (now := time.perf_counter()) < stop:
            answer = endpoint.call()
            if now >= measure_from:
                samples.append((phase["name"], answer.seconds, answer.status, answer.queries))
    for visitor in visitors.values():
        visitor.close()
    return samples


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of the values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def summarize(name: str, samples: list[tuple[float, int, int | None]], seconds: float) -> dict:
    times = [s for s, _status, _queries in samples]
    statuses = Counter(status for _s, status, _queries in samples)
    queries = Counter(q for _s, _status, q in samples if q is not None)
    return {
        "name": name,
        "requests": len(samples),
        "requests_per_s": round(len(samples) / seconds, 1),
        "p50_ms": round(percentile(times, 0.50) * 1000, 2),
        "p95_ms": round(percentile(times, 0.95) * 1000, 2),
        "p99_ms": round(percentile(times, 0.99) * 1000, 2),
        "max_ms": round(max(times) * 1000, 2) if times else None,
        # The usual count; a session renewal (once a minute per login) adds a write.
        "queries_per_request": queries.most_common(1)[0][0] if queries else None,
        "queries_max": max(queries) if queries else None,
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
    }


def load(spec: dict[str, Any]) -> dict[str, Any]:
    workers = spec["workers"]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(target=_worker, args=(spec, n, barrier, results), daemon=True)
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    by_endpoint: dict[str, list[tuple[float, int, int | None]]] = {}
    failures = []
    for _ in processes:
        worker, samples = results.get(timeout=spec["timeout_seconds"] * len(spec["phases"]))
        if isinstance(samples, str):
            failures.append(f"worker {worker}: {samples}")
            continue
        for name, seconds, status, queries in samples:
            by_endpoint.setdefault(name, []).append((seconds, status, queries))
    for process in processes:
        process.join(timeout=10)
    if failures:
        raise RuntimeError("The driver failed: " + "; ".join(failures))
    names = list(dict.fromkeys(phase["name"] for phase in spec["phases"]))
    repeats = Counter(phase["name"] for phase in spec["phases"])
    return {
        "endpoints": [
            summarize(name, by_endpoint.get(name, []), spec["seconds"] * repeats[name])
            for name in names
        ]
    }


# The booking rush


def rush(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    parents = spec["parents"]
    window = spec["window_seconds"]
    rng = random.Random(spec["seed"])  # noqa: S311 (who picks which time, no secrets)
    visitors = [Visitor(host, port) for _ in parents]
    pages: list[str] = [""] * len(parents)

    def open_page(n: int) -> None:
        answer = visitors[n].request("GET", parents[n]["path"])
        if answer.status != 200:
            raise RuntimeError(f"Booking page answered HTTP {answer.status}")
        pages[n] = answer.body

    _in_threads(open_page, range(len(parents)), spec["open_threads"])
    offered = [CHOICE.findall(page) for page in pages]
    if not all(offered):
        raise RuntimeError("A parent's booking page offers no times.")
    moments = sorted(rng.uniform(0, window) for _ in parents)
    picks = [rng.choice(choices) for choices in offered]
    posts: list[tuple[float, int, str, int | None]] = []
    lock = threading.Lock()
    outcome = Counter()
    begin = time.perf_counter() + 0.5

    def book(n: int) -> None:
        visitor = visitors[n]
        choice = picks[n]
        time.sleep(max(0.0, begin + moments[n] - time.perf_counter()))
        for _ in range(MAX_TRIES):
            answer = visitor.request(
                "POST",
                parents[n]["path"],
                {
                    "choice": choice,
                    "party": "together",
                    "csrfmiddlewaretoken": visitor.csrf_token(),
                },
            )
            taken = answer.status == 409 and spec["taken_text"] in answer.body
            with lock:
                posts.append((answer.seconds, answer.status, "taken" if taken else "", n))
            if answer.status == 302:
                with lock:
                    outcome["booked"] += 1
                return
            if not taken:
                return
            left = CHOICE.findall(answer.body)
            if not left:
                with lock:
                    outcome["no_time_left"] += 1
                return
            choice = rng.choice(left)
        with lock:
            outcome["gave_up"] += 1

    started = time.perf_counter()
    _in_threads(book, range(len(parents)), len(parents))
    elapsed = time.perf_counter() - started
    for visitor in visitors:
        visitor.close()
    times = [seconds for seconds, *_rest in posts]
    statuses = Counter(status for _s, status, _t, _n in posts)
    return {
        "parents": len(parents),
        "slots": spec["slots"],
        "window_s": window,
        "elapsed_s": round(elapsed, 2),
        "posts": len(posts),
        "booked": outcome["booked"],
        "just_taken": sum(1 for _s, _status, taken, _n in posts if taken),
        "no_time_left": outcome["no_time_left"],
        "gave_up": outcome["gave_up"],
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "server_errors": sum(count for status, count in statuses.items() if status >= 500),
        "unclean_answers": sum(1 for _s, status, taken, _n in posts if status != 302 and not taken),
        "p50_ms": round(percentile(times, 0.50) * 1000, 2),
        "p95_ms": round(percentile(times, 0.95) * 1000, 2),
        "max_ms": round(max(times) * 1000, 2) if times else None,
    }


def _in_threads(function: Any, items: Any, count: int) -> None:
    items = list(items)
    errors: list[BaseException] = []

    def run(chunk: list[int]) -> None:
        try:
            for item in chunk:
                function(item)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(items[n::count],), daemon=True)
        for n in range(min(count, len(items)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def main(argv: list[str]) -> int:
    mode, spec_path, result_path = argv
    spec = json.loads(Path(spec_path).read_text())
    result = load(spec) if mode == "load" else rush(spec)
    Path(result_path).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
