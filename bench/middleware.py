"""Counts each request's database queries into an X-Query-Count header.

Only with the BENCH setting (config/settings.py), first in the middleware, so
the count covers everything a request costs: the session, the user, the view,
the audit entry and transaction statements, counted the way the tests count
them (django.test.utils.CaptureQueriesContext).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext

HEADER = "X-Query-Count"


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with CaptureQueriesContext(connection) as queries:
            response = self.get_response(request)
        response[HEADER] = str(len(queries))
        return response
