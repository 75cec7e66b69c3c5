"""Bookings in a meeting round, by professionals and coordinators: booking a
time on behalf of a family, moving, extending and cancelling a booking, and
the families who have not booked yet, whom one click reminds.

A professional manages the bookings of the conversations they may edit, a
coordinator of the round's location all of them
(conversations.round_access.managed_conversations). The writes are
conversations.booking's; the messages to parents are
conversations.booking_mail's, sent once the write is committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import smtplib
from collections import defaultdict

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conversations import booking, booking_mail, invitations
from conversations.models import Booking, Conversation, MeetingRound
from conversations.round_access import (
    booking_or_404,
    managed_conversations,
    round_or_404,
    unbooked_conversations,
)
from conversations.round_forms import TimeChoiceForm, bound_data
from conversations.round_schedule import unbooked
from families.access import staff_login_required

# The preparation step where a conversation's parent links are made.
PARENT_LINKS_STEP = "ouders-vooraf"

BOOKING_ERRORS = {
    booking.BookingConflictError.TOGETHER_EXISTS: gettext_lazy(
        "There is already a time for both parents together. Choose “both parents” to "
        "change it, or cancel it first."
    ),
    booking.BookingConflictError.OTHER_PARENT_ALONE: gettext_lazy(
        "A parent already has a time alone, so a time for both together does not fit. "
        "Book for the other parent alone, or cancel that time first."
    ),
    booking.BookingConflictError.SEPARATE_NOT_ALLOWED: gettext_lazy(
        "In this round parents book one time together."
    ),
}
SLOT_TAKEN = gettext_lazy(
    "Someone else just booked this time, or it was blocked. Choose another time."
)
INVALID_CHOICE = gettext_lazy(
    "This time does not fit this conversation. Choose one of the times shown."
)


def _moment(value: dt.datetime) -> str:
    """A booking's start as staff read it: "dinsdag 12 november, 18:00"."""
    local = timezone.localtime(value)
    return f"{formats.date_format(local, 'l j F')}, {formats.time_format(local, 'H:i')}"


def _booking_text(booked: booking.Booked) -> str:
    held = booked.booking
    child = held.conversation.child.first_name
    return _("%(child)s: %(moment)s–%(end)s") % {
        "child": child,
        "moment": _moment(held.starts_at),
        "end": formats.time_format(timezone.localtime(held.ends_at), "H:i"),
    }


def _booking_error(error: booking.BookingError) -> str:
    if isinstance(error, booking.BookingConflictError):
        return str(BOOKING_ERRORS.get(error.reason, SLOT_TAKEN))
    if isinstance(error, booking.InvalidChoiceError):
        return str(INVALID_CHOICE)
    return str(SLOT_TAKEN)


def _booking_anchor(meeting_round: MeetingRound, held: Booking) -> str:
    first = held.booked_slots.select_related("slot").order_by("slot__starts_at").first()
    url = reverse("round_detail", args=[meeting_round.pk])
    return f"{url}#slot-{first.slot_id}" if first else url


def _notify_booked(request: HttpRequest, booked: list[booking.Booked]) -> None:
    """Tell the parents their (new) time once the booking is committed."""
    booking_mail.booking_confirmations_later(booked=booked, base_url=invitations.site_url(request))


@dataclasses.dataclass
class OptionDay:
    """The options on one day, each with a unique id for its radio button."""

    day: dt.date
    options: list[tuple[str, booking.Option]]


def _by_day(options: list[booking.Option], prefix: str) -> list[OptionDay]:
    days: dict[dt.date, list[tuple[str, booking.Option]]] = defaultdict(list)
    for number, option in enumerate(options, start=1):
        days[timezone.localdate(option.starts_at)].append((f"{prefix}-{number}", option))
    return [OptionDay(day, day_options) for day, day_options in sorted(days.items())]


def _lengths(conversations: list[Conversation]) -> dict[int, int]:
    return {each.pk: booking.slots_needed(each) for each in conversations}


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_book(request: HttpRequest, round_id: int, conversation_id: int) -> HttpResponse:
    """Book a time for a family, for instance after a phone call: for this
    child alone, or back to back with brothers and sisters in the round who
    have no time yet; for both parents together or, where parents book
    separately, for one of them."""
    meeting_round = round_or_404(request.user, round_id)
    conversation = get_object_or_404(
        managed_conversations(request.user, meeting_round).select_related(
            "child__family", "meeting_round"
        ),
        pk=conversation_id,
    )
    has_booking = Exists(Booking.objects.filter(conversation=OuterRef("pk")))
    siblings = list(
        Conversation.objects.filter(
            meeting_round=meeting_round, child__family=conversation.child.family_id
        )
        .exclude(pk=conversation.pk)
        .filter(~has_booking)
        .select_related("child", "meeting_round")
        .order_by("child__first_name")
    )
    single = booking.booking_options([conversation], lengths=_lengths([conversation]))
    chains = (
        booking.booking_options(
            [conversation, *siblings], lengths=_lengths([conversation, *siblings])
        )
        if siblings
        else []
    )
    guardians = list(conversation.child.family.guardians.all())
    separate = meeting_round.separate_bookings and len(guardians) > 1
    current = list(conversation.bookings.select_related("guardian").order_by("starts_at"))
    form = TimeChoiceForm(
        bound_data(request),
        options=[*chains, *single],
        guardians=guardians if separate else (),
    )
    if request.method == "POST" and form.is_valid():
        try:
            booked = booking.booking_make(
                choice=booking.parse_choice(form.cleaned_data["choice"]),
                user=request.user,
                conversation=conversation,
                guardian=form.guardian(),
            )
        except booking.BookingError as error:
            form.add_error(None, _booking_error(error))
        else:
            _notify_booked(request, booked)
            messages.success(
                request,
                _("Booked. %(times)s. The parents get a confirmation by email.")
                % {"times": "; ".join(_booking_text(each) for each in booked)},
            )
            return redirect(_booking_anchor(meeting_round, booked[0].booking))
    return render(
        request,
        "conversations/rounds/book.html",
        {
            "round": meeting_round,
            "conversation": conversation,
            "child": conversation.child,
            "siblings": siblings,
            "sibling_names": ", ".join(each.child.first_name for each in siblings),
            "single_days": _by_day(single, "single"),
            "chain_days": _by_day(chains, "together"),
            "current": current,
            "form": form,
            "interpreter": booking.slots_needed(conversation) > 1,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_login_required
def booking_move(request: HttpRequest, round_id: int, booking_id: int) -> HttpResponse:
    """Give a booking another free time with one of the conversation's
    professionals; the parents are told the time moved."""
    meeting_round = round_or_404(request.user, round_id)
    held = booking_or_404(request.user, meeting_round, booking_id)
    conversation = held.conversation
    length = held.booked_slots.count() or 1
    options = booking.booking_options([conversation], lengths={conversation.pk: length})
    form = TimeChoiceForm(bound_data(request), options=options)
    if request.method == "POST" and form.is_valid():
        ((_conversation_id, slot_ids),) = booking.parse_choice(form.cleaned_data["choice"])
        try:
            moved = booking.booking_move(booking=held, slot_ids=slot_ids, user=request.user)
        except booking.BookingError as error:
            form.add_error(None, _booking_error(error))
        else:
            _notify_booked(request, [moved])
            messages.success(
                request,
                _("Moved. %(time)s. The parents are told by email.")
                % {"time": _booking_text(moved)},
            )
            return redirect(_booking_anchor(meeting_round, moved.booking))
    return render(
        request,
        "conversations/rounds/move.html",
        {
            "round": meeting_round,
            "held": held,
            "conversation": conversation,
            "child": conversation.child,
            "days": _by_day(options, "time"),
            "form": form,
        },
    )


@require_POST
@staff_login_required
def booking_extend(request: HttpRequest, round_id: int, booking_id: int) -> HttpResponse:
    """Add the professional's next slot to a booking, for a talk that needs
    more time; the parents are told the new end."""
    meeting_round = round_or_404(request.user, round_id)
    held = booking_or_404(request.user, meeting_round, booking_id)
    try:
        extended = booking.booking_extend(booking=held, user=request.user)
    except booking.BookingError:
        messages.error(
            request,
            _(
                "The talk could not be made longer: the next slot is booked, blocked or "
                "not there. Move the booking to a longer free time instead."
            ),
        )
        return redirect(_booking_anchor(meeting_round, held))
    _notify_booked(request, [extended])
    messages.success(
        request,
        _("Longer now. %(time)s. The parents are told by email.")
        % {"time": _booking_text(extended)},
    )
    return redirect(_booking_anchor(meeting_round, extended.booking))


@require_POST
@staff_login_required
def booking_cancel_staff(request: HttpRequest, round_id: int, booking_id: int) -> HttpResponse:
    """Cancel a booking: its slots are free again and the parents are told."""
    meeting_round = round_or_404(request.user, round_id)
    held = booking_or_404(request.user, meeting_round, booking_id)
    anchor = _booking_anchor(meeting_round, held)
    try:
        cancelled = booking.booking_cancel(booking=held)
    except booking.InvalidChoiceError:
        # Cancelled a moment ago, in another tab or by a second click.
        return redirect(anchor)
    booking_mail.booking_cancelled_later(booking=cancelled, base_url=invitations.site_url(request))
    messages.success(
        request,
        _("The time for %(child)s on %(moment)s is cancelled. The parents are told by email.")
        % {"child": held.conversation.child.first_name, "moment": _moment(held.starts_at)},
    )
    return redirect(anchor)


# Families who have not booked yet


@require_GET
@staff_login_required
def round_unbooked(request: HttpRequest, round_id: int) -> HttpResponse:
    """Per group, the families who have not booked yet: whether each parent
    has an email address and a link, and whether they were asked to book."""
    meeting_round = round_or_404(request.user, round_id)
    families = unbooked(request.user, meeting_round)
    return render(
        request,
        "conversations/rounds/unbooked.html",
        {
            "round": meeting_round,
            "sections": families.sections,
            "unbooked_total": families.total,
            "remindable": families.remindable,
            "links_step": PARENT_LINKS_STEP,
        },
    )


@require_POST
@staff_login_required
def round_remind(request: HttpRequest, round_id: int) -> HttpResponse:
    """One click: ask every family that has not booked (of those the user
    manages) to book a time, each parent through their own link."""
    meeting_round = round_or_404(request.user, round_id)
    conversations = list(
        unbooked_conversations(request.user, meeting_round)
        .filter(pk__in=managed_conversations(request.user, meeting_round).values("pk"))
        .select_related("child__family")
    )
    back = reverse("round_unbooked", args=[meeting_round.pk])
    if not conversations:
        messages.info(request, _("Every family has booked a time: nobody to remind."))
        return redirect(back)
    try:
        mailing = booking_mail.please_book_send(
            meeting_round=meeting_round,
            conversations=conversations,
            sender=request.user,
            base_url=invitations.site_url(request),
        )
    except (smtplib.SMTPException, OSError):
        messages.error(
            request, _("The emails could not be sent just now. Nothing changed; try again later.")
        )
        return redirect(back)
    if mailing.sent:
        messages.success(
            request,
            ngettext(
                "%(count)s parent got an email asking to book a time.",
                "%(count)s parents got an email asking to book a time.",
                len(mailing.sent),
            )
            % {"count": len(mailing.sent)},
        )
    if mailing.without_email:
        messages.warning(
            request,
            _(
                "No email address for %(names)s: print the letter for them from the list "
                "below, or call them."
            )
            % {"names": ", ".join(guardian.full_name for guardian in mailing.without_email)},
        )
    if mailing.failed:
        messages.error(
            request,
            _("The email to %(names)s could not be sent. Try again later.")
            % {"names": ", ".join(guardian.full_name for guardian in mailing.failed)},
        )
    return redirect(back)
