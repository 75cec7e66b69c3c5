from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class StaffLanguageMiddleware:
    """Dutch unless the user chose otherwise with the language switch.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language:
    staff in Dutch schools often run English browsers yet expect a Dutch app.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class SessionLifetimeMiddleware:
    """Keeps a login alive while it is used, and ends it SESSION_MAX_SECONDS
    after it began, however active it was.

    Idle timeout: a login ends SESSION_COOKIE_AGE after its session was last
    saved. Saving it on every request (SESSION_SAVE_EVERY_REQUEST) would cost
    a write per page, so the session is renewed here instead, at most once per
    SESSION_RENEW_SECONDS: the first response after that time writes the
    renewal moment into the session, which makes Django save it and send the
    cookie again with a fresh SESSION_COOKIE_AGE. A login therefore never
    outlives SESSION_COOKIE_AGE of idleness, and may end up to
    SESSION_RENEW_SECONDS earlier.

    Maximum: the start is stamped into the session on the first response that
    has a logged-in user (the login itself, or the first request of a session
    that predates this middleware). Past the cap the session is flushed, so the
    view sees an anonymous user: a redirect to the login page, or 401 for htmx
    (families.access.staff_login_required).
    """

    KEY = "login_started_at"
    RENEWED_KEY = "renewed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(self.KEY)
            if started is not None and time.time() - started > settings.SESSION_MAX_SECONDS:
                logout(request)
        response = self.get_response(request)
        if request.user.is_authenticated:
            session = request.session
            now = time.time()
            if self.KEY not in session:
                session[self.KEY] = now
            renewed = session.get(self.RENEWED_KEY)
            if renewed is None or not 0 <= now - renewed < settings.SESSION_RENEW_SECONDS:
                session[self.RENEWED_KEY] = now
        return response
