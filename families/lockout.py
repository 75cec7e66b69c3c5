"""Login lockout: django-axes, counting failed logins in the shared cache.

Two counters per failed login, both in the default cache (Redis in production,
so every app process sees the same counts):

- the username as typed (an email address or a username, case-insensitive) at
  this address: past AXES_FAILURE_LIMIT that username is refused from there;
- the address alone: past the higher AXES_IP_FAILURE_LIMIT every login from
  there is refused, which stops one address trying many usernames.

Each counter ends AXES_COOLOFF_TIME after its last failure. A successful login
clears the username's counter at that address, not the address's own: one
known password must not let an address keep guessing other accounts.

The refusal is the same whether the account exists or not.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache, get_cache_timeout, get_client_username, make_cache_key_list
from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import BaseCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)

USERNAME_FIELD = "username"


def typed_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """What the person typed as their username, trimmed and case-folded.

    The login form's own field comes first: after a successful login axes hands
    over the account's username, but the failures were counted under what was
    typed (perhaps an email address), and that is the counter to clear.
    """
    typed = None
    if request is not None and request.method == "POST":
        typed = request.POST.get(USERNAME_FIELD)
    if not typed and credentials:
        typed = credentials.get(USERNAME_FIELD)
    normalised = (typed or "").strip().casefold()
    return normalised or None


def client_address(request: HttpRequest) -> str | None:
    """The address of whoever sent the request.

    Behind AXES_IPWARE_PROXY_COUNT trusted proxies (the TLS-terminating proxy
    in production) the address is the one the outermost of them saw: each
    proxy appends the address it received the request from to X-Forwarded-For,
    so anything a client wrote into that header itself stands further left and
    is ignored.
    """
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page shown instead of the login form while locked out (429).

    It names neither the account nor whether it exists: an unknown username
    is locked out the same way and gets the same page.
    """
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": lockout_minutes()},
        status=429,
    )


class LockoutBackend(AxesStandaloneBackend):
    """axes' check, first in AUTHENTICATION_BACKENDS: a locked-out username or
    address is refused before any password is compared.

    A sign-in without a request (Client.login in tests, a shell) comes from no
    address and has no login form, so there is nothing to count or lock; axes
    itself would raise for it. Every login page passes its request.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutCacheHandler(AxesCacheHandler):
    """axes' cache handler with a limit per counter (see the module docstring).

    axes itself compares the largest of its counters with one AXES_FAILURE_LIMIT,
    so with an address counter in the mix the address limit would be the
    username limit. The counters, their cache keys (those axes derives from
    AXES_LOCKOUT_PARAMETERS, so axes' reset commands still find them) and the
    cache are axes' own.
    """

    def __init__(self) -> None:
        """No cache object is kept: `cache` looks up the configured cache per
        use, as Django's cache handler expects (one connection per thread)."""

    @property
    def cache(self) -> BaseCache:
        return get_cache()

    def counters(
        self, request: HttpRequest, credentials: dict[str, Any] | None
    ) -> list[tuple[str, int]]:
        """(cache key, limit) for each counter this attempt adds to."""
        address = request.axes_ip_address
        (by_address,) = make_cache_key_list([{"ip_address": address}])
        counters = [(by_address, settings.AXES_IP_FAILURE_LIMIT)]
        username = get_client_username(request, credentials)
        if username:
            # Without a username this key would be the address key again.
            (by_username,) = make_cache_key_list([{"username": username, "ip_address": address}])
            counters.insert(0, (by_username, settings.AXES_FAILURE_LIMIT))
        return counters

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return any(
            self.cache.get(key, 0) >= limit for key, limit in self.counters(request, credentials)
        )

    def _count(self, key: str, timeout: int | None) -> int:
        if self.cache.add(key, 1, timeout=timeout):
            return 1
        try:
            failures = self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.add(key, 1, timeout=timeout)
            return 1
        self.cache.touch(key, timeout=timeout)
        return failures

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return
        timeout = get_cache_timeout(request)
        locked = False
        for key, limit in self.counters(request, credentials):
            locked |= self._count(key, timeout) >= limit
        if locked:
            log.warning("Login locked out after repeated failures from %s", request.axes_ip_address)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        if not settings.AXES_RESET_ON_SUCCESS:
            return
        # Every counter but the last, the address's own.
        for key, _limit in self.counters(request, None)[:-1]:
            self.cache.delete(key)
