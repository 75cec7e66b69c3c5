"""Meeting rounds for professionals and coordinators: planning the round and
its slots, booking on behalf of a parent, moving, extending and cancelling
bookings, the families who have not booked yet, and the day schedule.

Every view fetches the round through `MeetingRound.objects.visible_to`, so an
outsider gets 404. Inside a round, a professional manages their own slots
and the bookings of the conversations they may edit
(`Conversation.objects.editable_by`); a coordinator of the round's location
manages all of it: planning is logistics, not conversation content. Who
booked a slot is shown only to those who may see that child.

The writes are conversations.booking's; the messages to parents are
conversations.booking_mail's, sent once the write is committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import smtplib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations import booking, booking_mail
from conversations.models import Booking, Conversation, Kind, MeetingRound, ParentLink, Slot
from conversations.round_forms import RoundForm, SlotsForm, TimeChoiceForm
from families.access import staff_login_required
from families.models import (
    Enrolment,
    Group,
    Guardian,
    Location,
    StaffMembership,
    coordinated_locations,
    taught_by,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from families.models import AnyUser

DETAIL_TEMPLATE = "conversations/rounds/round_detail.html"
# The preparation step where a conversation's parent links are made.
PARENT_LINKS_STEP = "ouders-vooraf"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _posted(request: HttpRequest) -> Any:
    """The posted data, also when empty (then the form says what is missing)."""
    return request.POST if request.method == "POST" else None


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def _moment(value: dt.datetime) -> str:
    """A booking's start as staff read it: "dinsdag 12 november, 18:00"."""
    local = timezone.localtime(value)
    return f"{formats.date_format(local, 'l j F')}, {formats.time_format(local, 'H:i')}"


# Who may do what


def plannable_groups(user: AnyUser) -> QuerySet[Group]:
    """This school year's groups the user may plan a round for: every group of
    the locations they coordinate, and the groups they work with."""
    taught = Group.objects.filter(taught_by(user, group_prefix=""))
    return Group.objects.current().filter(
        Q(location__in=coordinated_locations(user)) | Q(pk__in=taught)
    )


def _rounds(user: AnyUser) -> QuerySet[MeetingRound]:
    """The rounds the user may see, each with `coordinates`: whether the user
    coordinates its location."""
    coordinated = Location.objects.coordinated_by(user).filter(pk=OuterRef("location_id"))
    return (
        MeetingRound.objects.visible_to(user)
        .select_related("location")
        .annotate(coordinates=Exists(coordinated))
    )


def _count(queryset: QuerySet) -> Coalesce:
    """How many rows of `queryset` belong to the outer round (a subquery)."""
    rows = (
        queryset.filter(meeting_round=OuterRef("pk"))
        .order_by()
        .values("meeting_round")
        .annotate(number=Count("pk"))
        .values("number")
    )
    return Coalesce(Subquery(rows), 0)


def _with_counts(rounds: QuerySet[MeetingRound]) -> QuerySet[MeetingRound]:
    """Families in the round and how many booked, slots and how many are taken."""
    has_booking = Exists(Booking.objects.filter(conversation=OuterRef("pk")))
    return rounds.annotate(
        family_count=_count(Conversation.objects.all()),
        booked_count=_count(Conversation.objects.filter(has_booking)),
        slot_count=_count(Slot.objects.all()),
        taken_count=_count(Slot.objects.filter(booking_slot__isnull=False)),
    )


def _round(request: HttpRequest, round_id: int, *, counts: bool = False) -> MeetingRound:
    rounds = _rounds(request.user)
    return get_object_or_404(_with_counts(rounds) if counts else rounds, pk=round_id)


def _can_edit_round(user: AnyUser, meeting_round: MeetingRound) -> bool:
    """A coordinator of the location, or a professional who may plan every
    group of the round."""
    if meeting_round.coordinates:
        return True
    return not meeting_round.groups.exclude(pk__in=plannable_groups(user)).exists()


def _editable(user: AnyUser) -> ExpressionWrapper:
    """Annotation: whether the user may edit the conversation (as `editable_by`,
    on a queryset already limited to what the user may see)."""
    teaches = Enrolment.objects.filter(taught_by(user), child=OuterRef("child"))
    return ExpressionWrapper(Q(owner=user) | Exists(teaches), output_field=BooleanField())


def _managed_conversations(user: AnyUser, meeting_round: MeetingRound) -> QuerySet[Conversation]:
    """The round's conversations whose bookings the user manages."""
    conversations = Conversation.objects.filter(meeting_round=meeting_round)
    if meeting_round.coordinates:
        return conversations
    return conversations.filter(pk__in=Conversation.objects.editable_by(user).values("pk"))


def _slot(request: HttpRequest, meeting_round: MeetingRound, slot_id: int) -> Slot:
    """A slot of the round the user manages: their own, or any for a coordinator."""
    slots = Slot.objects.filter(meeting_round=meeting_round).select_related("professional")
    if not meeting_round.coordinates:
        slots = slots.filter(professional=request.user)
    return get_object_or_404(slots, pk=slot_id)


def _booking(request: HttpRequest, meeting_round: MeetingRound, booking_id: int) -> Booking:
    conversations = _managed_conversations(request.user, meeting_round)
    return get_object_or_404(
        Booking.objects.filter(conversation__in=conversations.values("pk")).select_related(
            "conversation__child__family", "conversation__meeting_round", "guardian"
        ),
        pk=booking_id,
    )


def _round_professionals(meeting_round: MeetingRound) -> list[AbstractBaseUser]:
    """The professionals who work with the round's groups."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__location=meeting_round.location_id,
            memberships__role=StaffMembership.Role.PROFESSIONAL,
            memberships__groups__meeting_rounds=meeting_round,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# The schedule: slots per professional and day


@dataclasses.dataclass
class SlotRow:
    """One slot as the schedule shows it to this user."""

    slot: Slot
    booking: Booking | None
    # The booking's first slot; later slots of a longer booking say "continued".
    first: bool
    # Whether the user may see who booked.
    visible: bool
    can_manage_slot: bool
    can_manage_booking: bool
    group_name: str = ""
    notice: str = ""
    error: str = ""

    @property
    def state(self) -> str:
        if self.booking is not None:
            return "booked"
        return "blocked" if self.slot.blocked else "free"

    @property
    def begun(self) -> bool:
        return self.slot.starts_at <= timezone.now()


@dataclasses.dataclass
class DaySchedule:
    professional: Any
    day: dt.date
    rows: list[SlotRow]
    can_print: bool

    @property
    def booked(self) -> int:
        return sum(1 for row in self.rows if row.state == "booked")

    @property
    def free(self) -> int:
        return sum(1 for row in self.rows if row.state == "free" and not row.begun)


def _access(user: AnyUser, meeting_round: MeetingRound) -> dict[int, bool] | None:
    """For a professional: the round's conversations they may see, mapped to
    whether they may edit them. None for a coordinator, who manages all."""
    if meeting_round.coordinates:
        return None
    return dict(
        Conversation.objects.visible_to(user)
        .filter(meeting_round=meeting_round)
        .annotate(editable=_editable(user))
        .values_list("pk", "editable")
    )


def _group_names(meeting_round: MeetingRound) -> dict[int, str]:
    """Each child in the round's groups, with (one of) their groups' names."""
    return dict(
        Enrolment.objects.filter(group__meeting_rounds=meeting_round)
        .order_by("group__name")
        .values_list("child_id", "group__name")
    )


def _slot_rows(
    request: HttpRequest, meeting_round: MeetingRound, slots: QuerySet[Slot]
) -> list[SlotRow]:
    """The slots as rows, in time order per professional. Three queries."""
    access = _access(request.user, meeting_round)
    groups = _group_names(meeting_round)
    slots = slots.select_related(
        "professional",
        "booking_slot__booking__conversation__child",
        "booking_slot__booking__guardian",
    ).order_by("professional__first_name", "professional_id", "starts_at")
    rows, seen = [], set()
    for slot in slots:
        held = getattr(slot, "booking_slot", None)
        held_by = held.booking if held is not None else None
        visible = editable = True
        if held_by is not None and access is not None:
            visible = held_by.conversation_id in access
            editable = access.get(held_by.conversation_id, False)
        rows.append(
            SlotRow(
                slot=slot,
                booking=held_by,
                first=held_by is None or held_by.pk not in seen,
                visible=visible,
                can_manage_slot=access is None or slot.professional_id == request.user.pk,
                can_manage_booking=held_by is not None and editable,
                group_name=groups.get(held_by.conversation.child_id, "") if held_by else "",
            )
        )
        if held_by is not None:
            seen.add(held_by.pk)
    return rows


def _schedules(
    request: HttpRequest, meeting_round: MeetingRound, rows: list[SlotRow]
) -> list[list[DaySchedule]]:
    """The rows per professional (the user's own first), then per day."""
    by_person: dict[int, dict[dt.date, list[SlotRow]]] = defaultdict(lambda: defaultdict(list))
    people = {}
    for row in rows:
        person = row.slot.professional
        people[person.pk] = person
        by_person[person.pk][timezone.localdate(row.slot.starts_at)].append(row)
    order = sorted(people, key=lambda pk: pk != request.user.pk)
    return [
        [
            DaySchedule(
                professional=people[pk],
                day=day,
                rows=day_rows,
                can_print=meeting_round.coordinates or pk == request.user.pk,
            )
            for day, day_rows in sorted(by_person[pk].items())
        ]
        for pk in order
    ]


def _state(meeting_round: MeetingRound) -> str:
    """upcoming, early (open to families with several children only), open or closed."""
    now = timezone.now()
    if now < meeting_round.opens_for(several_children=True):
        return "upcoming"
    if now < meeting_round.opens_at:
        return "early"
    if now < meeting_round.closes_at:
        return "open"
    return "closed"


# Pages


@require_GET
@staff_login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds the user may see, with how many families booked."""
    rounds = list(
        _with_counts(_rounds(request.user)).prefetch_related(
            Prefetch("groups", queryset=Group.objects.order_by("name"))
        )
    )
    for meeting_round in rounds:
        meeting_round.state = _state(meeting_round)
    return render(
        request,
        "conversations/rounds/round_list.html",
        {"rounds": rounds, "can_create": plannable_groups(request.user).exists()},
    )


def _round_defaults() -> dict[str, Any]:
    opens_at = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    opens_at += dt.timedelta(hours=1)
    return {
        "kind": Kind.PROGRESS,
        "slot_minutes": 10,
        "opens_at": opens_at,
        "closes_at": opens_at + dt.timedelta(days=14),
    }


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_create(request: HttpRequest) -> HttpResponse:
    """A new round for one or more groups; every child in them gets a
    conversation in the round."""
    groups = plannable_groups(request.user)
    form = RoundForm(_posted(request), groups=groups, initial=_round_defaults())
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
    meeting_round = _round(request, round_id, counts=True)
    rows = _slot_rows(request, meeting_round, Slot.objects.filter(meeting_round=meeting_round))
    meeting_round.state = _state(meeting_round)
    return render(
        request,
        DETAIL_TEMPLATE,
        {
            "round": meeting_round,
            "groups": list(meeting_round.groups.order_by("name")),
            "schedules": _schedules(request, meeting_round, rows),
            "can_edit": _can_edit_round(request.user, meeting_round),
        },
    )


def _round_update(form: RoundForm, meeting_round: MeetingRound) -> tuple[int, int] | None:
    """Save the changed round: children of added groups get a conversation;
    those of groups taken out leave the round (their conversations stay, as
    drafts of the child). Returns (added, left), or None (with a form error)
    when a family of a group taken out has booked already."""
    remaining = form.cleaned_data["groups"]
    leaving = Conversation.objects.filter(meeting_round=meeting_round).exclude(
        child__enrolments__group__in=remaining
    )
    with transaction.atomic():
        if leaving.filter(bookings__isnull=False).exists():
            form.add_error(
                "groups",
                _(
                    "Families of a group you took out have booked already. Cancel or "
                    "move their bookings first, or keep the group."
                ),
            )
            return None
        left = leaving.update(meeting_round=None)
        form.save()
        added = booking.round_enrol(meeting_round=meeting_round)
    return added, left


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    meeting_round = _round(request, round_id)
    if not _can_edit_round(request.user, meeting_round):
        raise Http404
    groups = Group.objects.filter(
        Q(pk__in=plannable_groups(request.user)) | Q(meeting_rounds=meeting_round),
        location=meeting_round.location_id,
    ).distinct()
    form = RoundForm(_posted(request), instance=meeting_round, groups=groups)
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


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_slots_add(request: HttpRequest, round_id: int) -> HttpResponse:
    """A day of slots from a start to an end, without the breaks. A
    professional adds their own; a coordinator adds for any professional of
    the round's groups."""
    meeting_round = _round(request, round_id)
    if meeting_round.coordinates:
        professionals = _round_professionals(meeting_round)
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
        _posted(request),
        professionals=professionals,
        initial={"professional": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        professional = next(user for user in professionals if user.pk == data["professional"])
        zone = timezone.get_current_timezone()
        begin = dt.datetime.combine(data["day"], data["start"], tzinfo=zone)
        end = dt.datetime.combine(data["day"], data["end"], tzinfo=zone)
        had = Slot.objects.filter(
            professional=professional, starts_at__lt=end, ends_at__gt=begin
        ).exists()
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
                % {"name": _name(professional)},
            )
        url = reverse("round_detail", args=[meeting_round.pk])
        return redirect(f"{url}#day-{professional.pk}-{data['day'].isoformat()}")
    return render(request, "conversations/rounds/slots_add.html", context | {"form": form})


def _slot_response(
    request: HttpRequest, meeting_round: MeetingRound, slot: Slot, **extra: str
) -> HttpResponse:
    """The slot's row again, for htmx; otherwise back to the schedule."""
    if request.htmx:
        (row,) = _slot_rows(request, meeting_round, Slot.objects.filter(pk=slot.pk))
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


def _slot_anchor(meeting_round: MeetingRound, slot: Slot) -> str:
    url = reverse("round_detail", args=[meeting_round.pk])
    day = timezone.localdate(slot.starts_at).isoformat()
    return f"{url}#day-{slot.professional_id}-{day}"


SLOT_BOOKED = _("This time is booked. Move or cancel the booking first.")


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def slot_block(request: HttpRequest, round_id: int, slot_id: int) -> HttpResponse:
    """Block a free slot so nobody can book it, or free a blocked one."""
    meeting_round = _round(request, round_id)
    slot = _slot(request, meeting_round, slot_id)
    wanted = request.POST.get("blocked")
    blocked = {"true": True, "false": False}.get(wanted or "", not slot.blocked)
    try:
        slot = booking.slot_block(slot=slot, blocked=blocked)
    except booking.BookingConflictError:
        return _slot_response(request, meeting_round, slot, error=str(SLOT_BOOKED))
    time = formats.time_format(timezone.localtime(slot.starts_at), "H:i")
    notice = (
        _("%(time)s is blocked: nobody can book it.")
        if blocked
        else _("%(time)s is free to book again.")
    ) % {"time": time}
    return _slot_response(request, meeting_round, slot, notice=notice)


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def slot_delete(request: HttpRequest, round_id: int, slot_id: int) -> HttpResponse:
    """Remove a slot nobody booked."""
    meeting_round = _round(request, round_id)
    slot = _slot(request, meeting_round, slot_id)
    try:
        booking.slot_delete(slot=slot)
    except booking.BookingConflictError:
        return _slot_response(request, meeting_round, slot, error=str(SLOT_BOOKED))
    if request.htmx:
        # The row goes; the page's live region says so.
        return HttpResponse("")
    time = formats.time_format(timezone.localtime(slot.starts_at), "H:i")
    messages.success(request, _("The slot at %(time)s is removed.") % {"time": time})
    return redirect(_slot_anchor(meeting_round, slot))


# Booking on behalf of a parent, moving, extending, cancelling


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


def _notify_booked(request: HttpRequest, booked: list[booking.Booked]) -> None:
    """Tell the parents their (new) time once the booking is committed."""
    base_url = _base_url(request)
    transaction.on_commit(
        lambda: booking_mail.booking_confirmations_send(booked=booked, base_url=base_url)
    )


def _booking_text(booked: booking.Booked) -> str:
    held = booked.booking
    child = held.conversation.child.first_name
    return _("%(child)s: %(moment)s–%(end)s") % {
        "child": child,
        "moment": _moment(held.starts_at),
        "end": formats.time_format(timezone.localtime(held.ends_at), "H:i"),
    }


BOOKING_ERRORS = {
    booking.BookingConflictError.TOGETHER_EXISTS: _(
        "There is already a time for both parents together. Choose “both parents” to "
        "change it, or cancel it first."
    ),
    booking.BookingConflictError.OTHER_PARENT_ALONE: _(
        "A parent already has a time alone, so a time for both together does not fit. "
        "Book for the other parent alone, or cancel that time first."
    ),
    booking.BookingConflictError.SEPARATE_NOT_ALLOWED: _(
        "In this round parents book one time together."
    ),
}
SLOT_TAKEN = _("Someone else just booked this time, or it was blocked. Choose another time.")
INVALID_CHOICE = _("This time does not fit this conversation. Choose one of the times shown.")


def _booking_error(error: booking.BookingError) -> str:
    if isinstance(error, booking.BookingConflictError):
        return str(BOOKING_ERRORS.get(error.reason, SLOT_TAKEN))
    if isinstance(error, booking.InvalidChoiceError):
        return str(INVALID_CHOICE)
    return str(SLOT_TAKEN)


@require_http_methods(["GET", "POST"])
@staff_login_required
def round_book(request: HttpRequest, round_id: int, conversation_id: int) -> HttpResponse:
    """Book a time for a family, for instance after a phone call: for this
    child alone, or back to back with brothers and sisters in the round who
    have no time yet; for both parents together or, where parents book
    separately, for one of them."""
    meeting_round = _round(request, round_id)
    conversation = get_object_or_404(
        _managed_conversations(request.user, meeting_round).select_related(
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
        _posted(request),
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


def _booking_anchor(meeting_round: MeetingRound, held: Booking) -> str:
    first = held.booked_slots.select_related("slot").order_by("slot__starts_at").first()
    url = reverse("round_detail", args=[meeting_round.pk])
    return f"{url}#slot-{first.slot_id}" if first else url


@require_http_methods(["GET", "POST"])
@staff_login_required
def booking_move(request: HttpRequest, round_id: int, booking_id: int) -> HttpResponse:
    """Give a booking another free time with one of the conversation's
    professionals; the parents are told the time moved."""
    meeting_round = _round(request, round_id)
    held = _booking(request, meeting_round, booking_id)
    conversation = held.conversation
    length = held.booked_slots.count() or 1
    options = booking.booking_options([conversation], lengths={conversation.pk: length})
    form = TimeChoiceForm(_posted(request), options=options)
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
    meeting_round = _round(request, round_id)
    held = _booking(request, meeting_round, booking_id)
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
    meeting_round = _round(request, round_id)
    held = _booking(request, meeting_round, booking_id)
    anchor = _booking_anchor(meeting_round, held)
    try:
        cancelled = booking.booking_cancel(booking=held)
    except booking.InvalidChoiceError:
        # Cancelled a moment ago, in another tab or by a second click.
        return redirect(anchor)
    base_url = _base_url(request)
    transaction.on_commit(
        lambda: booking_mail.booking_cancelled_send(booking=cancelled, base_url=base_url)
    )
    messages.success(
        request,
        _("The time for %(child)s on %(moment)s is cancelled. The parents are told by email.")
        % {"child": held.conversation.child.first_name, "moment": _moment(held.starts_at)},
    )
    return redirect(anchor)


# Families who have not booked yet


def _unbooked(user: AnyUser, meeting_round: MeetingRound) -> QuerySet[Conversation]:
    """The round's conversations without any booking that the user may see,
    with `editable` (may the user edit them)."""
    conversations = Conversation.objects.filter(meeting_round=meeting_round)
    if not meeting_round.coordinates:
        conversations = conversations.filter(pk__in=Conversation.objects.visible_to(user))
    return conversations.filter(
        ~Exists(Booking.objects.filter(conversation=OuterRef("pk")))
    ).annotate(editable=_editable(user))


@dataclasses.dataclass
class GuardianState:
    guardian: Guardian
    link: ParentLink | None

    @property
    def reminded_at(self) -> dt.datetime | None:
        return self.link.booking_asked_at if self.link is not None else None

    @property
    def link_state(self) -> str:
        return self.link.state if self.link is not None else "none"


@dataclasses.dataclass
class UnbookedRow:
    conversation: Conversation
    guardians: list[GuardianState]
    can_book: bool
    can_print: bool


@require_GET
@staff_login_required
def round_unbooked(request: HttpRequest, round_id: int) -> HttpResponse:
    """Per group, the families who have not booked yet: whether each parent
    has an email address and a link, and whether they were asked to book."""
    meeting_round = _round(request, round_id)
    conversations = list(
        _unbooked(request.user, meeting_round)
        .select_related("child__family")
        .prefetch_related(
            Prefetch("child__family__guardians", queryset=Guardian.objects.order_by("pk")),
            "parent_links",
        )
        .order_by("child__first_name", "child__last_name", "pk")
    )
    # A professional sees the groups they work with; a coordinator all of them.
    groups = list(
        meeting_round.groups.filter(pk__in=Group.objects.visible_to(request.user)).order_by("name")
    )
    group_names = _group_names(meeting_round)
    by_group: dict[str, list[UnbookedRow]] = defaultdict(list)
    for conversation in conversations:
        links = {link.guardian_id: link for link in conversation.parent_links.all()}
        for link in links.values():
            link.conversation = conversation
        by_group[group_names.get(conversation.child_id, "")].append(
            UnbookedRow(
                conversation=conversation,
                guardians=[
                    GuardianState(guardian, links.get(guardian.pk))
                    for guardian in conversation.child.family.guardians.all()
                ],
                can_book=meeting_round.coordinates or conversation.editable,
                can_print=conversation.editable,
            )
        )
    sections = [(group, by_group.get(group.name, [])) for group in groups]
    return render(
        request,
        "conversations/rounds/unbooked.html",
        {
            "round": meeting_round,
            "sections": sections,
            "unbooked_total": len(conversations),
            "remindable": sum(
                1
                for conversation in conversations
                if meeting_round.coordinates or conversation.editable
            ),
            "links_step": PARENT_LINKS_STEP,
        },
    )


@require_POST
@staff_login_required
def round_remind(request: HttpRequest, round_id: int) -> HttpResponse:
    """One click: ask every family that has not booked (of those the user
    manages) to book a time, each parent through their own link."""
    meeting_round = _round(request, round_id)
    conversations = list(
        _unbooked(request.user, meeting_round)
        .filter(pk__in=_managed_conversations(request.user, meeting_round).values("pk"))
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
            base_url=_base_url(request),
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
    zone = timezone.get_current_timezone()
    begin = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    with_slots = list(
        get_user_model()
        .objects.filter(
            slots__meeting_round=meeting_round,
            slots__starts_at__gte=begin,
            slots__starts_at__lt=begin + dt.timedelta(days=1),
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
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
    meeting_round = _round(request, round_id)
    date = _day(day)
    professional, choices = _professional_for_print(request, meeting_round, date)
    rows: list[SlotRow] = []
    if professional is not None:
        zone = timezone.get_current_timezone()
        begin = dt.datetime.combine(date, dt.time.min, tzinfo=zone)
        slots = Slot.objects.filter(
            meeting_round=meeting_round,
            professional=professional,
            starts_at__gte=begin,
            starts_at__lt=begin + dt.timedelta(days=1),
        ).prefetch_related(
            Prefetch(
                "booking_slot__booking__conversation__guardians",
                queryset=Guardian.objects.order_by("pk"),
            )
        )
        rows = _slot_rows(request, meeting_round, slots)
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
