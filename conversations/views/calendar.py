"""A professional's private calendar feed: the address a calendar app
subscribes to (`calendar_feed`, no login: the token in it is the key), and
the page to make, renew or turn off that address (`calendar_feed_settings`).

The feed shows only the professional's own booked conversations, by the
child's first name and group (conversations.calendar.feed_calendar). A wrong
token gets 404 and is counted per client address, with the limit of wrong
parent tokens but a count of its own (429 with Retry-After once reached).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from conversations import calendar, invitations, tokens
from conversations.models import CalendarFeed
from families.access import staff_login_required


def _plain(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


def _private(response: HttpResponse) -> HttpResponse:
    """The feed's address is its key: keep it out of Referer headers and
    search engines; only the subscriber's own client may cache the answer."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    try:
        feed = calendar.feed_find(request, token)
    except tokens.TooManyAttemptsError:
        response = _plain("Too many wrong addresses; try again later.\n", 429)
        response["Retry-After"] = str(settings.PARENT_LINK_LOOKUP_WINDOW)
        return _private(response)
    if feed is None:
        return _private(_plain("Not found.\n", 404))
    base_url = invitations.site_url(request)
    response = HttpResponse(
        calendar.feed_calendar(feed, base_url=base_url),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="samenspraak.ics"'
    response["Cache-Control"] = "private"
    return _private(response)


class FeedActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("make", "make"), ("renew", "renew"), ("off", "off"), ("language", "language")]
    )


def _settings_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    context: dict[str, object] = {
        "feed": feed,
        "error": error,
        "past_days": calendar.FEED_PAST_DAYS,
    }
    if feed is not None:
        url = request.build_absolute_uri(calendar.feed_path(feed))
        languages = dict(settings.LANGUAGES)
        page = get_language()
        context |= {
            "feed_url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1],
            "feed_language": languages.get(feed.language, feed.language),
            # Offered when the feed comes in another language than this page.
            "page_language": languages[page]
            if page in languages and page != feed.language
            else None,
        }
    return render(request, "account/calendar_feed.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@staff_login_required
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    """Show the user's feed address to copy, with how to add it to a calendar
    app; POST `action` make (or renew: a new address, the old one stops), off
    (the address stops) or language (the feed in this page's language)."""
    if request.method == "GET":
        return _settings_page(request)
    form = FeedActionForm(request.POST)
    if not form.is_valid():
        return _settings_page(
            request, status=400, error=_("That did not work. Please choose one of the buttons.")
        )
    action = form.cleaned_data["action"]
    if action == "language":
        calendar.feed_language_set(user=request.user, language=get_language())
        messages.success(
            request, _("Your calendar shows the conversations in this language from now on.")
        )
    elif action == "off":
        calendar.feed_delete(user=request.user)
        messages.success(
            request, _("Your calendar address is turned off. It no longer shows anything.")
        )
    else:
        renewing = CalendarFeed.objects.filter(user=request.user).exists()
        calendar.feed_renew(user=request.user, language=get_language())
        messages.success(
            request,
            _("You have a new calendar address. The old one no longer works.")
            if renewing
            else _("Your calendar address is ready. Add it to your calendar app."),
        )
    return redirect(reverse("calendar_feed_settings"))
