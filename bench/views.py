"""The floor: what a page costs when it does nothing but render.

The base template, through every middleware, without a database query (an
anonymous request reads no session or user). Every benchmarked page's p95 is
measured against this page's. Served only with the BENCH setting (config/urls.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")
