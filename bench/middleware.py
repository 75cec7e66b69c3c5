"""Counts each request's database queries into an X-Query-Count header.

Only with the BENCH setting (config/settings.py), first in the middleware, so
the count covers everything a request costs: the session, the user, the view,
the audit entry and savepoints. It counts every statement sent, as the tests'
django.test.utils.CaptureQueriesContext does, but through an execute wrapper:
the capture context would switch on Django's debug cursor, which times and
logs every query and so makes the pages it measures slower than production's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

HEADER = "X-Query-Count"


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _Counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[HEADER] = str(counter.count)
        return response
