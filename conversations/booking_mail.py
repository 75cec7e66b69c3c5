"""Messages about bookings: the confirmation (with a calendar file), the
notice that a time moved or was cancelled, the reminder the day before, and
the one-click "please book a time" to families who have not booked.

Each parent reads them in their link's language, through their own link
(made when the parent has none yet). A parent whose link was revoked gets
nothing: the professional closed it on purpose. Like every message to
parents, they carry the child's first name, the time and the place, and
nothing from the conversation itself; the calendar file not even the link.

One message per parent: a family's bookings made at once (siblings back to
back) or falling on the same day arrive in one email with one calendar file.

A confirmation or cancellation goes out from the task worker
(`booking_confirmations_later`, `booking_cancelled_later`): the booking is
committed and the parent has their answer before the mail server is asked
anything. The task holds ids and times, never a name or an address.

The reminders (`booking_reminders_send`, run by
`manage.py send_booking_reminders` from cron) go out once per booking even
when two runs overlap: each family's due bookings are locked with SKIP LOCKED
in a transaction that sends and then marks them, so a second run skips what
the first is sending, and sees it marked once the first commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import smtplib
from collections import defaultdict
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from conversations import calendar
from conversations.booking import Booked
from conversations.booking_options import arrays_in_queries
from conversations.invitations import Mailing, last_day
from conversations.models import Booking, BookingSlot, Conversation, ParentLink
from conversations.parent_links import link_create, token_of
from families.models import Guardian, compiled_objects

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from django.contrib.auth.models import AbstractBaseUser

    from conversations.models import MeetingRound

logger = logging.getLogger(__name__)

ICS_NAME = "samenspraak.ics"
MAIL_ERRORS = (smtplib.SMTPException, OSError)


@dataclasses.dataclass(frozen=True)
class _Item:
    """One booking as a message tells it; `previous` is the earlier (start,
    end) when the time moved."""

    booking: Booking
    previous: tuple[dt.datetime, dt.datetime] | None = None


def _with_details(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    return bookings.select_related(
        "conversation__child__family__location", "conversation__meeting_round", "guardian"
    ).prefetch_related(
        Prefetch(
            "booked_slots",
            BookingSlot.objects.select_related("slot__professional").order_by("slot__starts_at"),
        ),
        "conversation__guardians",
        "conversation__child__family__guardians",
    )


def _details(bookings: Sequence[Booking]) -> None:
    """What `_with_details` reads, for bookings in memory (just written):
    only what they do not hold yet, and the family's parents, with whom of
    them each conversation chose, in one query (per family: bookings made at
    once are one family's)."""
    prefetch_related_objects(
        bookings,
        "conversation__child__family__location",
        "conversation__meeting_round",
        "guardian",
        Prefetch(
            "booked_slots",
            BookingSlot.objects.select_related("slot__professional").order_by("slot__starts_at"),
        ),
    )
    conversations = _distinct_conversations(booking.conversation for booking in bookings)
    families = {
        conversation.child.family_id: conversation.child.family for conversation in conversations
    }
    if arrays_in_queries():
        guardians = []
        for family_id in families:
            guardians.extend(_family_guardians(family_id))
    else:
        guardians = list(Guardian.objects.filter(family__in=families).order_by("pk"))
        chosen: dict[int, list[int]] = defaultdict(list)
        for guardian_id, conversation_id in Conversation.guardians.through.objects.filter(
            conversation__in=[conversation.pk for conversation in conversations]
        ).values_list("guardian_id", "conversation_id"):
            chosen[guardian_id].append(conversation_id)
        for guardian in guardians:
            guardian.chosen_for = chosen[guardian.pk]
    for family_id, family in families.items():
        _cache(family, "guardians", [g for g in guardians if g.family_id == family_id])
    for conversation in conversations:
        chosen = [g for g in guardians if conversation.pk in g.chosen_for]
        _cache(conversation, "guardians", chosen)


@compiled_objects(keys=("family",))
def _family_guardians(family_id: int) -> QuerySet[Guardian]:
    """A family's parents, each with the ids of the conversations they were
    chosen for (`chosen_for`). Compiled once per process: building
    and compiling it costs more than running it."""
    # By id: the order within a family that the Meta ordering gives too,
    # without joining the families to sort by their names.
    chosen = Conversation.guardians.through.objects.filter(guardian=OuterRef("pk"))
    return (
        Guardian.objects.filter(family=family_id)
        .annotate(chosen_for=ArraySubquery(chosen.values("conversation_id")))
        .order_by("pk")
    )


def _cache(instance: object, name: str, objects: list) -> None:
    """Keep `objects` as what `instance.<name>.all()` returns, the way
    prefetch_related does."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def _links_of(
    bookings: Sequence[Booking], guardians: Sequence[Guardian]
) -> dict[int, dict[int, ParentLink]]:
    """Each parent's links to the bookings' conversations, by guardian and
    conversation id: one query (per family and round: bookings made at once
    are one family's, in one round)."""
    found: dict[int, dict[int, ParentLink]] = defaultdict(dict)
    if not guardians:
        return found
    conversation_ids = {booking.conversation_id for booking in bookings}
    guardian_ids = {guardian.pk for guardian in guardians}
    round_families = dict.fromkeys(
        (booking.conversation.meeting_round_id, booking.conversation.child.family_id)
        for booking in bookings
    )
    for meeting_round_id, family_id in round_families:
        for link in _family_links(meeting_round_id, family_id):
            if link.conversation_id in conversation_ids and link.guardian_id in guardian_ids:
                found[link.guardian_id][link.conversation_id] = link
    return found


@compiled_objects(keys=("meeting round", "family"))
def _family_links(meeting_round_id: int, family_id: int) -> QuerySet[ParentLink]:
    """The parents' links to a family's conversations in a round. Compiled
    once per process: building and compiling it costs more than running it."""
    # No ordering: the Meta ordering would join and sort for nothing.
    return ParentLink.objects.filter(
        conversation__meeting_round=meeting_round_id,
        conversation__child__family=family_id,
    ).order_by()


def _recipients(booking: Booking) -> list[Guardian]:
    """The parent of a booking alone; for a booking together, the parents
    taking part (the whole family when none were chosen). Only those with an
    email address."""
    if booking.guardian_id is not None:
        chosen = [booking.guardian]
    else:
        conversation = booking.conversation
        chosen = list(conversation.guardians.all()) or list(
            conversation.child.family.guardians.all()
        )
    return [guardian for guardian in chosen if guardian.email]


def _by_guardian(items: Iterable[_Item]) -> list[tuple[Guardian, list[_Item]]]:
    """Each parent concerned, with their bookings in time order."""
    found: dict[int, tuple[Guardian, list[_Item]]] = {}
    for item in sorted(items, key=lambda item: (item.booking.starts_at, item.booking.pk)):
        for guardian in _recipients(item.booking):
            found.setdefault(guardian.pk, (guardian, []))[1].append(item)
    return list(found.values())


def _links(
    conversations: Sequence[Conversation],
    guardian: Guardian,
    found: dict[int, ParentLink] | None = None,
) -> list[ParentLink]:
    """The parent's working links for these conversations of one family, the
    ones they had before first. A missing link is made, in the language of
    the parent's other link (else the family's); a revoked or expired link is
    left out. `found`: the parent's links by conversation id, when read
    already (`_links_of`)."""
    if found is None:
        found = {
            link.conversation_id: link
            for link in ParentLink.objects.filter(conversation__in=conversations, guardian=guardian)
        }
    wanted = {conversation.pk for conversation in conversations}
    existing = {pk: link for pk, link in found.items() if pk in wanted}
    language = next(iter(existing.values())).language if existing else ""
    old, new = [], []
    for conversation in conversations:
        link = existing.get(conversation.pk)
        if link is None:
            link = link_create(conversation=conversation, guardian=guardian, user=None)
            if language and link.language != language:
                link.language = language
                link.save(update_fields=["language"])
            new.append(link)
        else:
            old.append(link)
        link.conversation, link.guardian = conversation, guardian
    return [link for link in old + new if link.state == ParentLink.State.ACTIVE]


def _url(base_url: str, link: ParentLink) -> str:
    return base_url.rstrip("/") + reverse("parent_booking", args=[token_of(link)])


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _professional(booking: Booking) -> AbstractBaseUser:
    slots = list(booking.booked_slots.all())
    return slots[0].slot.professional if slots else booking.conversation.owner


def _place(booking: Booking) -> tuple[str, str]:
    """The room and the video link of the booking's first slot."""
    slots = list(booking.booked_slots.all())
    if not slots:
        return booking.conversation.place, booking.conversation.video_link
    return slots[0].slot.place, slots[0].slot.video_link


def _item_context(item: _Item, *, cancelled: bool = False) -> dict[str, Any]:
    booking = item.booking
    place, video_link = _place(booking)
    return {
        "child_name": booking.conversation.child.first_name,
        "professional_name": _name(_professional(booking)),
        "starts_at": timezone.localtime(booking.starts_at),
        "ends_at": timezone.localtime(booking.ends_at),
        "place": place,
        "video_link": video_link,
        "alone": booking.guardian_id is not None and not cancelled,
        "previous_starts_at": timezone.localtime(item.previous[0]) if item.previous else None,
    }


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


class _Texts:
    """The short texts of the messages of one send (lists of names, the
    calendar entries' summary and description), each rendered once per
    language: parents of one family who read the same language get the same
    words, so the second parent's message reuses the first one's."""

    def __init__(self) -> None:
        self._found: dict[tuple[object, ...], str] = {}

    def render(self, template: str, context: dict[str, Any], *, one_line: bool = True) -> str:
        """The template in the active language, on one line (`_line`) or
        stripped. `context`: plain, hashable values."""
        key = (template, translation.get_language(), one_line, *sorted(context.items()))
        text = self._found.get(key)
        if text is None:
            text = render_to_string(template, context)
            text = " ".join(text.split()) if one_line else text.strip()
            self._found[key] = text
        return text

    def items(self, template: str, items: list[dict[str, Any]]) -> str:
        """The bookings (`_item_context`) as parents/emails/<template> lists
        them in the active language: parents of one family get the same
        list, so the second parent's message reuses the first one's."""
        key = (template, translation.get_language(), *(tuple(sorted(i.items())) for i in items))
        text = self._found.get(key)
        if text is None:
            text = self._found[key] = render_to_string(template, {"items": items})
        return text

    def names(self, names: Iterable[str]) -> str:
        """ "Emre", "Emre and Elif", "Emre, Elif and Sem" in the active language."""
        return self.render("parents/emails/booking_names.txt", {"names": tuple(_distinct(names))})


def _open_to(meeting_round: MeetingRound | None, conversation: Conversation) -> bool:
    """Whether this family can book and change through the link now. The
    family's children are counted only when that makes a difference (while
    the round is open early for families with several children)."""
    if meeting_round is None:
        return False
    now = timezone.now()
    one = meeting_round.is_open_for(several_children=False, now=now)
    if one == meeting_round.is_open_for(several_children=True, now=now):
        return one
    several = (
        Conversation.objects.filter(
            meeting_round=meeting_round, child__family=conversation.child.family_id
        ).count()
        > 1
    )
    return meeting_round.is_open_for(several_children=several)


def _organizer(location_name: str) -> tuple[str, str]:
    """The calendar file's organiser: the location, at the address mail comes
    from (a parent's calendar sends no replies to a person's own inbox)."""
    return location_name, _address(settings.DEFAULT_FROM_EMAIL)


@functools.cache
def _address(sender: str) -> str:
    """The bare address of a "Name <address>" (parseaddr is slow for what it
    does, and the sender rarely changes)."""
    return parseaddr(sender)[1]


def _calendar(
    items: Sequence[_Item],
    *,
    guardian: Guardian,
    location_name: str,
    cancelled: bool = False,
    texts: _Texts,
) -> bytes:
    """The parent's calendar file for these bookings, in the active language."""
    events = []
    for item in items:
        booking = item.booking
        place, video_link = _place(booking)
        context = {
            "child_name": booking.conversation.child.first_name,
            "professional_name": _name(_professional(booking)),
            "location_name": location_name,
            "video_link": video_link,
        }
        entry = calendar.Entry(
            uid=booking.calendar_uid,
            sequence=booking.sequence + 1 if cancelled else booking.sequence,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            summary=texts.render("parents/emails/booking_event_summary.txt", context),
            location=place or video_link,
            description=texts.render(
                "parents/emails/booking_event_description.txt", context, one_line=False
            ),
        )
        events.append(
            calendar.event(
                entry,
                cancelled=cancelled,
                organizer=_organizer(location_name),
                attendee=guardian.email,
            )
        )
    return calendar.calendar_file(events, method="CANCEL" if cancelled else "REQUEST")


def _line(template: str, context: dict[str, Any]) -> str:
    return " ".join(render_to_string(template, context).split())


def _message(
    template: str,
    *,
    link: ParentLink,
    children: Iterable[str],
    senders: Iterable[str],
    context: dict[str, Any],
    reply_to: Iterable[str],
    items: Sequence[_Item] = (),
    ics_method: str = "",
    texts: _Texts | None = None,
) -> EmailMultiAlternatives:
    """The email to the link's parent about these children, in the link's
    language: subject, plain text and HTML from parents/emails/<template>*,
    listing `items`, and with `ics_method` (REQUEST or CANCEL) the calendar
    file for them. `texts`: shared by the messages of one send."""
    texts = texts if texts is not None else _Texts()
    guardian = link.guardian
    location_name = link.conversation.child.family.location.name
    with translation.override(link.language):
        context = {
            "parent_name": guardian.first_name,
            "location_name": location_name,
            "last_day": last_day(link),
            "language": link.language,
            "bidi": translation.get_language_bidi(),
            **context,
        }
        context["children"] = texts.names(children)
        context["sender_name"] = texts.names(senders)
        if items:
            listed = [_item_context(item, cancelled=ics_method == "CANCEL") for item in items]
            context["items_html"] = texts.items("parents/emails/booking_items.html", listed)
            context["items_text"] = texts.items("parents/emails/booking_items.txt", listed)
        context["subject"] = _line(f"parents/emails/{template}_subject.txt", context)
        text = render_to_string(f"parents/emails/{template}.txt", context)
        html = render_to_string(f"parents/emails/{template}.html", context)
        ics = (
            _calendar(
                items,
                guardian=guardian,
                location_name=location_name,
                cancelled=ics_method == "CANCEL",
                texts=texts,
            )
            if ics_method
            else None
        )
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=text,
        to=[guardian.email],
        reply_to=_distinct(reply_to),
        headers={"Content-Language": link.language},
    )
    message.attach_alternative(html, "text/html")
    if ics is not None:
        message.attach(ICS_NAME, ics, f"text/calendar; method={ics_method}; charset=utf-8")
    return message


def _booking_message(
    template: str,
    *,
    guardian: Guardian,
    items: Sequence[_Item],
    base_url: str,
    ics_method: str = "",
    extra: dict[str, Any] | None = None,
    found: dict[int, ParentLink] | None = None,
    texts: _Texts | None = None,
) -> EmailMultiAlternatives | None:
    """A message about these bookings of one family to one parent, or None
    when the parent has no working link. `found` as for `_links`, `texts` as
    for `_message`."""
    conversations = _distinct_conversations(item.booking.conversation for item in items)
    links = _links(conversations, guardian, found)
    if not links:
        return None
    link = links[0]
    first = items[0].booking
    meeting_round = first.conversation.meeting_round
    professionals = [_professional(item.booking) for item in items]
    context = {
        "url": _url(base_url, link),
        "open": _open_to(meeting_round, first.conversation),
        "deadline": timezone.localtime(meeting_round.closes_at) if meeting_round else None,
        **(extra or {}),
    }
    return _message(
        template,
        link=link,
        children=(item.booking.conversation.child.first_name for item in items),
        senders=(_name(user) for user in professionals),
        items=items,
        context=context,
        reply_to=(getattr(user, "email", "") for user in professionals),
        ics_method=ics_method,
        texts=texts,
    )


def _distinct_conversations(conversations: Iterable[Conversation]) -> list[Conversation]:
    return list({conversation.pk: conversation for conversation in conversations}.values())


def _send(message: EmailMultiAlternatives, failure: str, booking_ids: object) -> bool:
    """Send; on a mail server error log `failure` (with the booking ids and
    the kind of error, nothing personal) and say so: the booking stands."""
    try:
        message.send()
    except MAIL_ERRORS as error:
        logger.warning(failure, booking_ids, type(error).__name__)
        return False
    return True


def booking_confirmations_send(*, booked: Sequence[Booked], base_url: str) -> None:
    """Tell the parents concerned (the one parent of a booking alone, or every
    parent of the conversation with an email address) their time, with an
    .ics file; a booking with `previous` set says the time moved. Bookings of
    one family made at once go to each parent in one email. A mail server
    error is logged, not raised: the booking stands."""
    bookings = [each.booking for each in booked]
    _details(bookings)
    items = [_Item(each.booking, each.previous) for each in booked]
    made_by_parent = any(each.booking.made_by_link_id is not None for each in booked)
    recipients = _by_guardian(items)
    links = _links_of(bookings, [guardian for guardian, _ in recipients])
    texts = _Texts()
    for guardian, mine in recipients:
        message = _booking_message(
            "booking_confirmation",
            guardian=guardian,
            items=mine,
            base_url=base_url,
            ics_method="REQUEST",
            extra={
                "moved": any(item.previous for item in mine),
                "made_by_parent": made_by_parent,
            },
            found=links.get(guardian.pk, {}),
            texts=texts,
        )
        if message is not None:
            _send(
                message,
                "A booking confirmation could not be sent (bookings %s): %s",
                [item.booking.pk for item in mine],
            )


def booking_cancelled_send(*, booking: Booking, base_url: str) -> None:
    """Tell the parents concerned the time was cancelled, with an .ics CANCEL
    (the same UID, a higher SEQUENCE). `booking` may already be deleted, and
    its conversation too (nobody is told then)."""
    conversation = (
        Conversation.objects.select_related("child__family__location", "meeting_round", "owner")
        .prefetch_related("guardians", "child__family__guardians")
        .filter(pk=booking.conversation_id)
        .first()
    )
    if conversation is None:
        return  # The family's data was erased meanwhile.
    # The booking's slots went with it: the conversation's owner signs.
    booking.conversation = conversation
    item = _Item(booking)
    texts = _Texts()
    for guardian in _recipients(booking):
        message = _booking_message(
            "booking_cancelled",
            guardian=guardian,
            items=[item],
            base_url=base_url,
            ics_method="CANCEL",
            texts=texts,
        )
        if message is not None:
            _send(message, "A booking cancellation could not be sent (booking %s): %s", booking.pk)


# From the task worker


def booking_confirmations_later(*, booked: Sequence[Booked], base_url: str) -> None:
    """`booking_confirmations_send` from the task worker, once the booking is
    committed."""
    bookings = [
        {"id": each.booking.pk, "previous": [t.isoformat() for t in each.previous or ()]}
        for each in booked
    ]
    transaction.on_commit(
        functools.partial(booking_confirmations_task.enqueue, bookings=bookings, base_url=base_url)
    )


@task
def booking_confirmations_task(*, bookings: list[dict[str, Any]], base_url: str) -> None:
    """The confirmations `booking_confirmations_later` asked for, of the
    bookings that still exist: a time cancelled meanwhile is not confirmed."""
    found = Booking.objects.in_bulk([each["id"] for each in bookings])
    booked = [
        Booked(
            booking=found[each["id"]],
            previous=tuple(map(dt.datetime.fromisoformat, each["previous"])) or None,
        )
        for each in bookings
        if each["id"] in found
    ]
    if booked:
        booking_confirmations_send(booked=booked, base_url=base_url)


# What a cancellation message needs of the booking, which is gone by then.
_CANCELLED_FIELDS = ("id", "conversation_id", "guardian_id", "sequence")
_CANCELLED_TIMES = ("starts_at", "ends_at")


def booking_cancelled_later(*, booking: Booking, base_url: str) -> None:
    """`booking_cancelled_send` from the task worker, once the cancellation
    is committed."""
    fields = {name: getattr(booking, name) for name in _CANCELLED_FIELDS}
    fields.update({name: getattr(booking, name).isoformat() for name in _CANCELLED_TIMES})
    transaction.on_commit(
        functools.partial(booking_cancelled_task.enqueue, booking=fields, base_url=base_url)
    )


@task
def booking_cancelled_task(*, booking: dict[str, Any], base_url: str) -> None:
    """The message `booking_cancelled_later` asked for."""
    times = {name: dt.datetime.fromisoformat(booking[name]) for name in _CANCELLED_TIMES}
    cancelled = Booking(**{name: booking[name] for name in _CANCELLED_FIELDS}, **times)
    booking_cancelled_send(booking=cancelled, base_url=base_url)


# The reminders


def _due_tomorrow() -> QuerySet[Booking]:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(tomorrow, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return Booking.objects.filter(
        reminder_sent_at__isnull=True, starts_at__gte=start, starts_at__lt=end
    )


def booking_reminders_send() -> int:
    """The day-before reminders: every booking starting tomorrow (local date)
    that has no reminder yet gets one, exactly once even when two runs
    overlap. Returns how many bookings were reminded.

    Per family, in its own transaction: lock the family's due bookings,
    skipping rows another run holds; email each parent once about all of
    them; mark the bookings whose message reached at least one parent; commit.
    A booking whose every message failed stays unmarked, for the next run."""
    families = sorted(set(_due_tomorrow().values_list("conversation__child__family", flat=True)))
    reminded = 0
    base_url = settings.SITE_URL
    for family_id in families:
        with transaction.atomic():
            bookings = list(
                _with_details(
                    _due_tomorrow()
                    .filter(conversation__child__family=family_id)
                    .select_for_update(skip_locked=True, of=("self",))
                ).order_by("starts_at", "pk")
            )
            delivered: set[int] = set()
            texts = _Texts()
            for guardian, items in _by_guardian(_Item(booking) for booking in bookings):
                message = _booking_message(
                    "booking_reminder",
                    guardian=guardian,
                    items=items,
                    base_url=base_url,
                    texts=texts,
                )
                if message is not None and _send(
                    message,
                    "A booking reminder could not be sent (bookings %s): %s",
                    [item.booking.pk for item in items],
                ):
                    delivered.update(item.booking.pk for item in items)
            Booking.objects.filter(pk__in=delivered).update(reminder_sent_at=timezone.now())
            reminded += len(delivered)
    return reminded


# Asking families to book


def _covered(conversation: Conversation, guardian: Guardian) -> bool:
    """Whether this parent already has a time: one for both parents, or
    their own."""
    return any(
        booking.guardian_id in (None, guardian.pk) for booking in conversation.bookings.all()
    )


@transaction.atomic
def please_book_send(
    *,
    meeting_round: MeetingRound,
    conversations: Sequence[Conversation],
    sender: AbstractBaseUser,
    base_url: str,
) -> Mailing:
    """Ask the parents of these conversations (those without a booking) to
    book a time, each through their own link (made where missing). One email
    per parent, naming all their children here without a time. A parent with
    a revoked or expired link is skipped. The date is kept on every link
    concerned (`ParentLink.booking_asked_at`), for the list of who was asked."""
    conversations = list(
        Conversation.objects.filter(
            pk__in=[conversation.pk for conversation in conversations],
            meeting_round=meeting_round,
        )
        .select_related("child__family__location")
        .prefetch_related("guardians", "child__family__guardians", "bookings")
        .order_by("child__family", "child__first_name", "pk")
    )
    asked: dict[int, tuple[Guardian, list[Conversation]]] = {}
    without_email: dict[int, Guardian] = {}
    for conversation in conversations:
        chosen = list(conversation.guardians.all()) or list(
            conversation.child.family.guardians.all()
        )
        for guardian in chosen:
            if _covered(conversation, guardian):
                continue
            if not guardian.email:
                without_email[guardian.pk] = guardian
                continue
            asked.setdefault(guardian.pk, (guardian, []))[1].append(conversation)
    now = timezone.now()
    opens = {
        family: meeting_round.opens_for(several_children=count > 1)
        for family, count in _children_in_round(meeting_round, conversations).items()
    }
    sent, failed = [], []
    for guardian, mine in asked.values():
        usable = _links(mine, guardian)
        if not usable:
            continue
        link = usable[0]
        opens_at = opens.get(guardian.family_id, meeting_round.opens_at)
        context = {
            "url": _url(base_url, link),
            "round_name": meeting_round.name,
            "deadline": timezone.localtime(meeting_round.closes_at),
            "opens_at": timezone.localtime(opens_at) if opens_at > now else None,
            "several": len(mine) > 1,
        }
        message = _message(
            "booking_please",
            link=link,
            children=(conversation.child.first_name for conversation in mine),
            senders=[_name(sender)],
            context=context,
            reply_to=[getattr(sender, "email", "")],
        )
        try:
            message.send()
        except MAIL_ERRORS as error:
            logger.warning("A request to book a time could not be sent: %s", type(error).__name__)
            failed.append(guardian)
            continue
        ParentLink.objects.filter(pk__in=[each.pk for each in usable]).update(booking_asked_at=now)
        sent.append(guardian)
    return Mailing(sent=sent, without_email=list(without_email.values()), failed=failed)


def _children_in_round(
    meeting_round: MeetingRound, conversations: Sequence[Conversation]
) -> dict[int, int]:
    """For each family of these conversations, how many children it has in
    the round (families with several may start earlier)."""
    families = {conversation.child.family_id for conversation in conversations}
    counts: dict[int, int] = defaultdict(int)
    for family_id in Conversation.objects.filter(
        Q(child__family__in=families), meeting_round=meeting_round
    ).values_list("child__family", flat=True):
        counts[family_id] += 1
    return counts
