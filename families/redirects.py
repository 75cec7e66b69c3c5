"""Where to send the user back to after a form."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_path(request: HttpRequest) -> str:
    """The `next` the form or address asked for, when it is a path on this
    site; empty otherwise. Only a path: redirect() would take a bare word such
    as "home" for a URL name."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""
