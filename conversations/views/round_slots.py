"""The slots of a meeting round: adding a day of them, blocking and freeing
one, removing one nobody booked.

A professional manages their own slots, a coordinator of the round's
location everyone's (conversations.round_access.slot_or_404). Blocking and
removing answer htmx with the slot's row of the round's schedule.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations import booking
from conversations.models import MeetingRound, Slot
from conversations.round_access import group_professionals, round_or_404, slot_or_404
from conversations.round_forms import SlotsForm, bound_data
from conversations.round_schedule import has_slots_between, slot_rows
from conversations.views.rounds import DETAIL_TEMPLATE
from families.access import staff_login_required

SLOT_BOOKED = gettext_lazy("This time is booked. Move or cancel the booking first.")


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_slots_add(request: HttpRequest, round_id: int) -> HttpResponse:
    """A day of slots from a start to an end, without the breaks. A
    professional adds their own; a coordinator adds for any professional of
    the round's groups."""
    meeting_round = round_or_404(request.user, round_id)
    if meeting_round.coordinates:
        professionals = group_professionals(meeting_round)
    else:
        professionals = [request.user]
    context = {"round": meeting_round, "professionals": professionals}
    if request.method == "POST" and "add_break" in request.POST:
        # Another break row, without checking the form yet (works without JavaScript).
        count = SlotsForm.posted_break_count(request.POST) + 1
        form = SlotsForm(
            initial=request.POST.dict(), professionals=professionals, break_count=count
        )
        return render(request, "conversations/rounds/slots_add.html", context | {"form": form})
    form = SlotsForm(
        bound_data(request),
        professionals=professionals,
        initial={"professional": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        professional = next(user for user in professionals if user.pk == data["professional"])
        zone = timezone.get_current_timezone()
        had = has_slots_between(
            professional,
            dt.datetime.combine(data["day"], data["start"], tzinfo=zone),
            dt.datetime.combine(data["day"], data["end"], tzinfo=zone),
        )
        made = booking.slots_generate(
            meeting_round=meeting_round,
            professional=professional,
            day=data["day"],
            start=data["start"],
            end=data["end"],
            breaks=data["break_times"],
            place=data["place"],
            video_link=data["video_link"],
        )
        day = formats.date_format(data["day"], "l j F")
        if made:
            messages.success(
                request,
                ngettext(
                    "%(count)s slot of %(minutes)s minutes is added on %(day)s.",
                    "%(count)s slots of %(minutes)s minutes are added on %(day)s.",
                    len(made),
                )
                % {"count": len(made), "minutes": meeting_round.slot_minutes, "day": day},
            )
        else:
            messages.warning(
                request,
                _(
                    "No slots were added on %(day)s: no slot fits between the start, "
                    "the end and the breaks."
                )
                % {"day": day},
            )
        if had:
            messages.info(
                request,
                _(
                    "Times that overlap slots %(name)s already has (in this or another "
                    "round) were skipped."
                )
                % {"name": professional.get_full_name() or professional.get_username()},
            )
        url = reverse("round_detail", args=[meeting_round.pk])
        return redirect(f"{url}#day-{professional.pk}-{data['day'].isoformat()}")
    return render(request, "conversations/rounds/slots_add.html", context | {"form": form})


def _slot_anchor(meeting_round: MeetingRound, slot: Slot) -> str:
    url = reverse("round_detail", args=[meeting_round.pk])
    day = timezone.localdate(slot.starts_at).isoformat()
    return f"{url}#day-{slot.professional_id}-{day}"


def _slot_response(
    request: HttpRequest, meeting_round: MeetingRound, slot: Slot, **extra: str
) -> HttpResponse:
    """The slot's row again, for htmx; otherwise back to the schedule."""
    if request.htmx:
        (row,) = slot_rows(request.user, meeting_round, Slot.objects.filter(pk=slot.pk))
        row.notice, row.error = extra.get("notice", ""), extra.get("error", "")
        return render(
            request,
            f"{DETAIL_TEMPLATE}#slot",
            {"round": meeting_round, "row": row},
            status=409 if row.error else 200,
        )
    if extra.get("error"):
        messages.error(request, extra["error"])
    elif extra.get("notice"):
        messages.success(request, extra["notice"])
    return redirect(_slot_anchor(meeting_round, slot))


def _time(slot: Slot) -> str:
    return formats.time_format(timezone.localtime(slot.starts_at), "H:i")


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def slot_block(request: HttpRequest, round_id: int, slot_id: int) -> HttpResponse:
    """Block a free slot so nobody can book it, or free a blocked one."""
    meeting_round = round_or_404(request.user, round_id)
    slot = slot_or_404(request.user, meeting_round, slot_id)
    wanted = request.POST.get("blocked")
    blocked = {"true": True, "false": False}.get(wanted or "", not slot.blocked)
    try:
        slot = booking.slot_block(slot=slot, blocked=blocked)
    except booking.BookingConflictError:
        return _slot_response(request, meeting_round, slot, error=str(SLOT_BOOKED))
    notice = (
        _("%(time)s is blocked: nobody can book it.")
        if blocked
        else _("%(time)s is free to book again.")
    ) % {"time": _time(slot)}
    return _slot_response(request, meeting_round, slot, notice=notice)


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def slot_delete(request: HttpRequest, round_id: int, slot_id: int) -> HttpResponse:
    """Remove a slot nobody booked."""
    meeting_round = round_or_404(request.user, round_id)
    slot = slot_or_404(request.user, meeting_round, slot_id)
    try:
        booking.slot_delete(slot=slot)
    except booking.BookingConflictError:
        return _slot_response(request, meeting_round, slot, error=str(SLOT_BOOKED))
    if request.htmx:
        # The row goes; the page's live region says so.
        return HttpResponse("")
    messages.success(request, _("The slot at %(time)s is removed.") % {"time": _time(slot)})
    return redirect(_slot_anchor(meeting_round, slot))
