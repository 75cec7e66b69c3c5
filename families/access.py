"""Access decorators shared by both apps."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from families import two_factor


def staff_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required, but an htmx request from an expired session gets a
    401 instead of a redirect: the page keeps what was typed and says why the
    save failed, rather than swapping the login form into a text field.

    A login that still owes its second step (families.two_factor: a code, or
    setting up two-step verification where that is required) is sent there
    first, and its htmx requests get 401 too."""
    redirecting = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        htmx = getattr(request, "htmx", False)
        if htmx and not request.user.is_authenticated:
            return HttpResponse(status=401)
        step = two_factor.next_step(request)
        if step is not None:
            return HttpResponse(status=401) if htmx else two_factor.redirect_to_step(request, step)
        return redirecting(request, *args, **kwargs)

    return wrapper
