"""The one door to every parent page: the token in the address.

`parent_page` turns the token into the parent's link, or into a friendly
refusal that gives nothing away: a wrong token (404), a revoked or expired link
(410), or too many wrong tokens from this address (429). On a valid link the
whole response is in the parent's language. Every response, refusals
included, is kept out of caches, search engines and Referer headers, because
its address is the parent's key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from conversations.models import ParentLink
from conversations.parent_forms import language_name
from conversations.parent_links import LINK_RELATED, TooManyAttemptsError, link_find

if TYPE_CHECKING:
    from django.http import HttpRequest

ParentView = Callable[..., HttpResponse]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def protect(response: HttpResponse) -> HttpResponse:
    """The headers every parent response carries. SecurityMiddleware only sets
    its Referrer-Policy where none is set, so this one wins."""
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def browser_language(request: HttpRequest) -> str:
    """The first language the browser asks for that the parent pages speak,
    else Dutch. Only for pages without a link to take the language from."""
    available = set(settings.PARENT_LANGUAGES)
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        code = code.lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in available:
                return candidate
    return settings.LANGUAGE_CODE


def page_context(link: ParentLink) -> dict[str, Any]:
    """What every page behind a link shows: whose conversation it is, and the
    language switch."""
    conversation = link.conversation
    return {
        "link": link,
        "conversation": conversation,
        "child": conversation.child,
        "languages": _languages(tuple(settings.PARENT_LANGUAGES)),
    }


@functools.cache
def _languages(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The language switch's choices: each name in its own language, so the
    same whatever language is active."""
    return tuple((code, language_name(code)) for code in codes)


def page_language(link: ParentLink) -> str:
    if link.language in settings.PARENT_LANGUAGES:
        return link.language
    return settings.LANGUAGE_CODE


def _refusal(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    language = browser_language(request)
    with translation.override(language):
        response = render(
            request,
            "parents/link_problem.html",
            {"problem": problem, "minutes": max(1, settings.PARENT_LINK_LOOKUP_WINDOW // 60)},
            status=status,
        )
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    if status == 429:
        response["Retry-After"] = str(settings.PARENT_LINK_LOOKUP_WINDOW)
    return protect(response)


def _csrf_refused(request: HttpRequest) -> bool:
    """Django's CSRF check, with one allowance for parent pages.

    Under Referrer-Policy: no-referrer a browser posts a form with
    `Origin: null` and no Referer, which Django refuses as a foreign origin.
    When the browser says the post comes from this same site (Sec-Fetch-Site,
    which no script can set), or is too old to say, its origin is taken to be
    this site's. The CSRF token must match all the same (its cookie is
    SameSite=Lax, and __Host- in production), and a post that a browser marks
    as coming from another site is still refused."""
    if request.META.get("HTTP_ORIGIN") == "null" and (
        request.headers.get("Sec-Fetch-Site", "same-origin") == "same-origin"
    ):
        request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    return check.process_view(request, None, (), {}) is not None


def parent_page(view: ParentView | None = None, *, related: Sequence[str] = LINK_RELATED) -> Any:
    """Call `view(request, link, **kwargs)` for a valid token; refuse otherwise.

    The view gets the ParentLink (with the presented token as `link.token`,
    for building the page's links) and runs, renders included, in the link's
    language. `related`: what to read along with the link, for a view that
    needs less than the default (as `@parent_page(related=...)`); at least
    the conversation's child, which every page names."""
    if view is None:
        return functools.partial(parent_page, related=related)

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
        try:
            link = link_find(request, token, related=related)
        except TooManyAttemptsError:
            return _refusal(request, "too_many", 429)
        if link is None:
            return _refusal(request, "unknown", 404)
        if link.state != ParentLink.State.ACTIVE:
            return _refusal(request, "ended", 410)
        link.token = token
        language = page_language(link)
        with translation.override(language):
            if request.method not in SAFE_METHODS and _csrf_refused(request):
                response = render(
                    request,
                    "parents/missing.html",
                    {**page_context(link), "what": "form"},
                    status=403,
                )
            else:
                response = view(request, link, **kwargs)
        response["Content-Language"] = language
        return protect(response)

    # The CSRF check runs in the wrapper, after the link is known (see _csrf_refused).
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper
