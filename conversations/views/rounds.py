"""Meeting rounds for professionals and coordinators: the list of rounds,
planning a round, its schedule and a day's schedule on paper.

The slots are managed in conversations.views.round_slots, the bookings and
the families who have not booked yet in conversations.views.round_bookings.
Who may do what is conversations.round_access's; what the schedule shows,
conversations.round_schedule's; the writes are conversations.booking's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from conversations import booking
from conversations.models import MeetingRound, Slot
from conversations.round_access import (
    can_edit_round,
    plannable_groups,
    round_or_404,
    visible_rounds,
    with_counts,
)
from conversations.round_forms import RoundForm, bound_data, new_round_initial
from conversations.round_schedule import (
    day_professionals,
    day_slot_rows,
    round_state,
    schedules,
    slot_rows,
)
from families.access import staff_login_required
from families.models import Group

if TYPE_CHECKING:
    from conversations.round_schedule import SlotRow

DETAIL_TEMPLATE = "conversations/rounds/round_detail.html"


@require_GET
@staff_login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds the user may see, with how many families booked."""
    rounds = list(
        with_counts(visible_rounds(request.user)).prefetch_related(
            Prefetch("groups", queryset=Group.objects.order_by("name"))
        )
    )
    for meeting_round in rounds:
        meeting_round.state = round_state(meeting_round)
    return render(
        request,
        "conversations/rounds/round_list.html",
        {"rounds": rounds, "can_create": plannable_groups(request.user).exists()},
    )


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_create(request: HttpRequest) -> HttpResponse:
    """A new round for one or more groups; every child in them gets a
    conversation in the round."""
    groups = plannable_groups(request.user)
    form = RoundForm(bound_data(request), groups=groups, initial=new_round_initial())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting_round = booking.round_create(
            location=data["groups"][0].location,
            name=data["name"],
            kind=data["kind"],
            groups=data["groups"],
            slot_minutes=data["slot_minutes"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            opens_early_at=data["opens_early_at"],
            separate_bookings=data["separate_bookings"],
            created_by=request.user,
        )
        count = meeting_round.conversations.count()
        messages.success(
            request,
            ngettext(
                "The round is made, with a conversation for %(count)s child. "
                "Now add the times when you can meet.",
                "The round is made, with a conversation for each of %(count)s children. "
                "Now add the times when you can meet.",
                count,
            )
            % {"count": count},
        )
        return redirect("round_detail", meeting_round.pk)
    return render(
        request,
        "conversations/rounds/round_form.html",
        {"form": form, "has_groups": bool(form.fields["groups"].choices)},
    )


@require_GET
@staff_login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """Per professional and day, every slot: free, blocked or booked (by whom)."""
    meeting_round = round_or_404(request.user, round_id, counts=True)
    rows = slot_rows(request.user, meeting_round, Slot.objects.filter(meeting_round=meeting_round))
    meeting_round.state = round_state(meeting_round)
    return render(
        request,
        DETAIL_TEMPLATE,
        {
            "round": meeting_round,
            "groups": list(meeting_round.groups.order_by("name")),
            "schedules": schedules(request.user, meeting_round, rows),
            "can_edit": can_edit_round(request.user, meeting_round),
        },
    )


def _round_update(form: RoundForm, meeting_round: MeetingRound) -> tuple[int, int] | None:
    """Save the changed round (conversations.booking.round_regroup). Returns
    (added, left), or None (with a form error, nothing saved) when a family of
    a group taken out has booked already."""
    try:
        with transaction.atomic():
            form.save()
            return booking.round_regroup(meeting_round=meeting_round)
    except booking.GroupTakenOutError:
        form.add_error(
            "groups",
            _(
                "Families of a group you took out have booked already. Cancel or "
                "move their bookings first, or keep the group."
            ),
        )
        return None


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    meeting_round = round_or_404(request.user, round_id)
    if not can_edit_round(request.user, meeting_round):
        raise Http404
    groups = Group.objects.filter(
        Q(pk__in=plannable_groups(request.user)) | Q(meeting_rounds=meeting_round),
        location=meeting_round.location_id,
    ).distinct()
    form = RoundForm(bound_data(request), instance=meeting_round, groups=groups)
    if request.method == "POST" and form.is_valid():
        changed = _round_update(form, meeting_round)
        if changed is not None:
            added, left = changed
            messages.success(request, _("The round is saved."))
            if added:
                messages.info(
                    request,
                    ngettext(
                        "%(count)s child got a conversation in the round.",
                        "%(count)s children got a conversation in the round.",
                        added,
                    )
                    % {"count": added},
                )
            if left:
                messages.info(
                    request,
                    ngettext(
                        "%(count)s child is no longer in the round.",
                        "%(count)s children are no longer in the round.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect("round_detail", meeting_round.pk)
    return render(
        request,
        "conversations/rounds/round_form.html",
        {"form": form, "round": meeting_round, "has_groups": True},
    )


# The day schedule on paper


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def _professional_for_print(
    request: HttpRequest, meeting_round: MeetingRound, day: dt.date
) -> tuple[Any | None, list[Any]]:
    """Whose day to print, and (for a coordinator) whom to choose from: the
    professionals with slots in the round that day. A professional prints
    their own day; any other choice is 404."""
    wanted = request.GET.get("professional", "")
    if not meeting_round.coordinates:
        if wanted and wanted != str(request.user.pk):
            raise Http404
        return request.user, []
    with_slots = day_professionals(meeting_round, day)
    if not wanted:
        own = next((user for user in with_slots if user.pk == request.user.pk), None)
        return own, with_slots
    chosen = next((user for user in with_slots if str(user.pk) == wanted), None)
    if chosen is None:
        raise Http404
    return chosen, with_slots


@require_GET
@staff_login_required
def round_day_print(request: HttpRequest, round_id: int, day: str) -> HttpResponse:
    """One professional's day on one A4 page: time, child, parents,
    interpreter and room. No notes: it may lie on a table."""
    meeting_round = round_or_404(request.user, round_id)
    date = _day(day)
    professional, choices = _professional_for_print(request, meeting_round, date)
    rows: list[SlotRow] = []
    if professional is not None:
        rows = day_slot_rows(request.user, meeting_round, professional, date)
    return render(
        request,
        "conversations/rounds/day_print.html",
        {
            "round": meeting_round,
            "day": date,
            "professional": professional,
            "choices": choices,
            "rows": rows,
        },
    )
