"""Calendar files for bookings: the invitation attached to a parent's email,
its cancellation, and a professional's private calendar feed.

Events carry the booking's `calendar_uid` and `sequence`, so a calendar that
already holds the time replaces it when it moves and removes it when it is
cancelled. Times are written in UTC, which every calendar reads and shows in
its own time zone.

The feed (`feed_calendar`) is what a professional subscribes to in Google,
Outlook or Apple Calendar. Its address holds a token, like a parent's link
(conversations.tokens); making a new one stops the old address. It shows the
professional's booked conversations from the last FEED_PAST_DAYS days on, by
the child's first name and group: no family names, nothing from the
conversation itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

import icalendar
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from conversations import tokens
from conversations.models import Booking, BookingSlot, CalendarFeed, Conversation
from families.models import Enrolment

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

PRODID = "-//Samenspraak//Oudergesprekken//NL"
FEED_PURPOSE = "samenspraak.calendar-feed"
# The feed shows bookings that ended at most this many days ago, and all later ones.
FEED_PAST_DAYS = 30
# How often a calendar app is asked to fetch the feed again (not all listen).
FEED_REFRESH = dt.timedelta(hours=1)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One calendar entry: what a calendar shows for one booking."""

    uid: str
    sequence: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    location: str = ""
    description: str = ""
    stamp: dt.datetime | None = None


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def event(
    entry: Entry,
    *,
    cancelled: bool = False,
    organizer: tuple[str, str] | None = None,
    attendee: str = "",
) -> icalendar.Event:
    """The VEVENT for `entry`. `organizer` is (name, email); `attendee` the
    email of the one person the file is for."""
    result = icalendar.Event.new(
        uid=entry.uid,
        sequence=entry.sequence,
        start=_utc(entry.starts_at),
        end=_utc(entry.ends_at),
        stamp=_utc(entry.stamp or timezone.now()),
        summary=entry.summary,
        location=entry.location or None,
        description=entry.description or None,
        status="CANCELLED" if cancelled else "CONFIRMED",
    )
    if organizer is not None:
        name, email = organizer
        result.add("organizer", icalendar.vCalAddress.new(email, cn=name))
    if attendee:
        result.add(
            "attendee",
            icalendar.vCalAddress.new(
                attendee,
                partstat="DECLINED" if cancelled else "ACCEPTED",
                role="REQ-PARTICIPANT",
                rsvp=False,
            ),
        )
    return result


def calendar_file(
    events: Iterable[icalendar.Event],
    *,
    method: str | None = None,
    name: str = "",
    refresh: dt.timedelta | None = None,
    uid: str | None = None,
) -> bytes:
    """A VCALENDAR holding `events`: METHOD:REQUEST for an invitation,
    METHOD:CANCEL to take it back, METHOD:PUBLISH for a subscribed feed."""
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        method=method,
        name=name or None,
        refresh_interval=refresh,
        subcomponents=list(events),
        uid=uid,
    )
    if refresh is not None:
        # RFC 7986 asks to name the value type here.
        calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
        # The same hint in the form Outlook and Apple read.
        calendar.add("x-published-ttl", icalendar.vDuration(refresh))
    return calendar.to_ical()


# The feed's address


def feed_token(feed: CalendarFeed) -> str:
    return tokens.token_from(feed.salt, feed.token_hash, purpose=FEED_PURPOSE)


def feed_path(feed: CalendarFeed) -> str:
    return reverse("calendar_feed", args=[feed_token(feed)])


def _staff_language(language: str) -> str:
    """`language` if the staff pages come in it, else the site's own."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@transaction.atomic
def feed_renew(*, user: AbstractBaseUser, language: str = settings.LANGUAGE_CODE) -> CalendarFeed:
    """Give the user a feed address, its texts in `language` (the staff
    language they use); a new address when there was one already, so the old
    one stops working at once."""
    salt, hashed = tokens.new_secret(purpose=FEED_PURPOSE)
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user,
        defaults={"salt": salt, "token_hash": hashed, "language": _staff_language(language)},
    )
    return feed


def feed_language_set(*, user: AbstractBaseUser, language: str) -> None:
    """Show the user's feed in another staff language; the address stays."""
    CalendarFeed.objects.filter(user=user).update(language=_staff_language(language))


def feed_delete(*, user: AbstractBaseUser) -> None:
    """Turn the feed off: its address stops working."""
    CalendarFeed.objects.filter(user=user).delete()


def feed_find(request: HttpRequest, token: str) -> CalendarFeed | None:
    """The feed this token opens, or None. Raises tokens.TooManyAttemptsError
    when this address guessed wrong too often lately."""
    tokens.check_attempts(request, purpose=FEED_PURPOSE)
    feed = None
    if len(token) == tokens.TOKEN_LENGTH:
        feed = (
            CalendarFeed.objects.select_related("user")
            .filter(token_hash=tokens.token_hash(token), user__is_active=True)
            .first()
        )
    if feed is None:
        tokens.count_miss(request, purpose=FEED_PURPOSE)
    return feed


# The feed's content


def feed_bookings(user: AbstractBaseUser) -> QuerySet[Booking]:
    """The bookings in the user's own slots, from FEED_PAST_DAYS ago on, of
    children the user may still see; with the first slot's `place` and
    `video_link` and the child's `group_name` in the round. One query."""
    since = timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)
    first_slot = BookingSlot.objects.filter(booking=OuterRef("pk")).order_by("slot__starts_at")
    group = (
        Enrolment.objects.filter(
            child=OuterRef("conversation__child"),
            group__meeting_rounds=OuterRef("conversation__meeting_round"),
        )
        .order_by("group__name")
        .values("group__name")[:1]
    )
    return (
        Booking.objects.filter(
            Exists(BookingSlot.objects.filter(booking=OuterRef("pk"), slot__professional=user)),
            ends_at__gte=since,
            conversation__in=Conversation.objects.visible_to(user),
        )
        .annotate(
            place=Subquery(first_slot.values("slot__place")[:1]),
            video_link=Subquery(first_slot.values("slot__video_link")[:1]),
            group_name=Subquery(group),
        )
        .select_related("conversation__child", "guardian")
        .order_by("starts_at", "pk")
    )


def _feed_entry(booking: Booking, *, base_url: str) -> Entry:
    conversation = booking.conversation
    child = conversation.child.first_name
    if booking.group_name:
        summary = _("Parent conversation %(child)s (%(group)s)") % {
            "child": child,
            "group": booking.group_name,
        }
    else:
        summary = _("Parent conversation %(child)s") % {"child": child}
    lines = [
        _("With %(parent)s alone") % {"parent": booking.guardian.first_name}
        if booking.guardian_id
        else _("With both parents")
    ]
    if conversation.interpreter:
        lines.append(
            _("With an interpreter (%(language)s)")
            % {"language": conversation.interpreter_language}
            if conversation.interpreter_language
            else _("With an interpreter")
        )
    if booking.video_link:
        lines.append(_("Video call: %(url)s") % {"url": booking.video_link})
    url = base_url + reverse("conversation_detail", args=[conversation.pk])
    lines.append(_("In Samenspraak: %(url)s") % {"url": url})
    return Entry(
        uid=booking.calendar_uid,
        sequence=booking.sequence,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=summary,
        location=booking.place or booking.video_link,
        description="\n".join(lines),
        stamp=booking.updated_at,
    )


def feed_calendar(feed: CalendarFeed, *, base_url: str) -> bytes:
    """The feed's calendar, in the feed's language (a calendar app asks in none)."""
    user = feed.user
    with translation.override(feed.language):
        entries = [_feed_entry(booking, base_url=base_url) for booking in feed_bookings(user)]
        name = _("Parent conversations (Samenspraak)")
    return calendar_file(
        (event(entry) for entry in entries),
        method="PUBLISH",
        name=name,
        refresh=FEED_REFRESH,
        uid=f"feed-{user.pk}@samenspraak",
    )
