"""A parent books, changes or cancels the time of a conversation in a meeting
round, through their own link (behind conversations.parent_access.parent_page).

The page offers only the free slots of the child's own professionals
(conversations.booking.booking_options): for a family with several children
in the round, back-to-back times for all of them, or each child's times on
their own. Every write goes through the booking services, which lock the
slots, so a parent who loses the race for a slot gets the page again with the
times still free and a "just taken" notice (409), never an error page.

Notices are short codes (BOOKED, TAKEN, ..., and BookingConflictError's
reasons); their words are in templates/parents/booking_notice.html, with the
other texts parents read, so that they are translated into every parent
language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_http_methods, require_POST

from conversations import booking_mail, invitations
from conversations.booking import (
    MAX_CHAINED_CHILDREN,
    BookingClosedError,
    BookingConflictError,
    InvalidChoiceError,
    Option,
    Part,
    SlotTakenError,
    booking_cancel,
    booking_make,
    booking_options,
    parse_choice,
    slots_needed,
)
from conversations.booking_options import (
    arrays_in_queries,
    professional_ids,
    professionals_subquery,
)
from conversations.models import Booking, BookingSlot, Conversation, QuestionnaireAnswer
from conversations.parent_access import page_context, parent_page
from conversations.parent_answers import asks_for_interpreter
from conversations.parent_forms import BookingInterpreterForm
from conversations.parent_services import interpreter_wish_save
from conversations.questionnaire import INTERPRETER_QUESTION
from families.models import Guardian, compiled_objects, compiled_rows

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import QuerySet

    from conversations.models import MeetingRound, ParentLink

GET_OR_POST = ["GET", "HEAD", "POST"]

# What the page offers, as query parameters of the page and fields of its form.
FOR_CHILD = "voor"  # a conversation id: that child's times on their own
WITH_INTERPRETER = "tolk"  # "1": the parent would like an interpreter: longer times
# The booking form's id; the interpreter's language (BookingInterpreterForm) belongs to it.
FORM_ID = "choose"

# For whom a time is: both parents together, or only the parent of this link.
TOGETHER = "together"
ALONE = "alone"

# When parents can book.
BEFORE, OPEN, CLOSED = "before", "open", "closed"

# Notices (their words: templates/parents/booking_notice.html).
BOOKED = "booked"
CHANGED = "changed"
CANCELLED = "cancelled"
TAKEN = "taken"
NOT_OPEN = "closed"
INVALID = "invalid"
CHOOSE = "choose"


def _name(user: AbstractBaseUser) -> str:
    """A professional as parents know them (as on the other parent pages)."""
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class Held(Part):
    """One of the family's bookings in the round: its conversation and its
    slots in order (a Part, with the professional, place and video link),
    and the booking itself."""

    booking: Booking

    @property
    def together(self) -> bool:
        return self.booking.guardian_id is None

    @property
    def professional_name(self) -> str:
        return _name(self.professional)

    @property
    def made_by_guardian(self) -> Guardian | None:
        link = self.booking.made_by_link
        return link.guardian if link is not None else None


# One choice of the list of free times, with the markup and the whitespace the
# template's loop had. A page can list hundreds of choices: filled in here, each
# takes one string format instead of some twenty template lookups.
CHOICE_HTML = (
    '\n                <label class="choice slot" for="{id}">'
    '\n                  <input type="radio" name="choice" id="{id}" value="{value}"{checked}>'
    '\n                  <span class="slot__body">'
    '\n                    <span class="slot__time">{times}</span>'
    "\n                    {parts}"
    "\n                  </span>"
    "\n                </label>"
    "\n              "
)
# A part of a choice: the professional and the place; in a choice for several
# children also the start and the child (PART_CHILD_HTML).
PART_HTML = (
    '\n                      <span class="slot__part">'
    "{child}<bdi>{professional}</bdi>{place}</span>"
    "\n                    "
)
PART_CHILD_HTML = '<span class="slot__part-time">{time}</span> <bdi>{child}</bdi>: '


@dataclasses.dataclass
class Shown:
    """A choice as the page lists it: the radio's id, the value it posts
    (Option.value), its start and end ("09:00 – 09:20") and the markup of its
    parts, all escaped; and whether it is the one chosen before (set by
    `_render`)."""

    id: str
    value: str
    times: str
    parts: str
    checked: bool = False

    def html(self) -> str:
        return CHOICE_HTML.format(
            id=self.id,
            value=self.value,
            checked=" checked" if self.checked else "",
            times=self.times,
            parts=self.parts,
        )


@dataclasses.dataclass(frozen=True)
class Day:
    date: dt.date
    options: list[Shown]

    @property
    def choices(self) -> SafeString:
        """The day's choices, as one piece of the page."""
        return SafeString("".join(option.html() for option in self.options))


@dataclasses.dataclass
class Page:
    """Everything the booking page shows for one parent."""

    meeting_round: MeetingRound
    conversations: list[Conversation]
    phase: str
    opens_at: dt.datetime
    # The bookings this parent may see and change: for both parents, or their own.
    held: list[Held]
    # Another parent's bookings of their own: only that they exist, never the time.
    other_parent: list[Held]
    parties: list[str]
    # Whether to say for whom each time is (parents who live apart, or a
    # booking for one parent alone).
    parties_matter: bool
    # Planned: by the professional, or the family's record says so.
    interpreter_planned: bool
    # Planned, or asked for in the parent's answers.
    interpreter_needed: bool
    # Chosen on this page.
    interpreter_chosen: bool
    for_child: Conversation | None
    days: list[Day]

    @property
    def is_open(self) -> bool:
        return self.phase == OPEN

    @property
    def alone_only(self) -> bool:
        return self.parties == [ALONE]

    @property
    def offered(self) -> list[Conversation]:
        """The conversations whose times the page offers."""
        return [self.for_child] if self.for_child is not None else self.conversations

    @property
    def changing(self) -> bool:
        """Booking an offered time moves a booking this parent already has."""
        offered = {conversation.pk for conversation in self.offered}
        return any(held.conversation.pk in offered for held in self.held)

    @property
    def several(self) -> bool:
        return len(self.conversations) > 1

    @property
    def interpreter(self) -> bool:
        return self.interpreter_needed or self.interpreter_chosen

    @property
    def chains_possible(self) -> bool:
        return self.several and len(self.conversations) <= MAX_CHAINED_CHILDREN

    @property
    def contacts(self) -> list[str]:
        """Whom to ask once parents can no longer change anything themselves."""
        names = [held.professional_name for held in self.held]
        names = names or [_name(conversation.owner) for conversation in self.conversations]
        return list(dict.fromkeys(names))


def _held(conversations: list[Conversation]) -> list[Held]:
    """The family's bookings in the round (of `conversations`, all the
    family's conversations in it), with their slots and professionals: one
    query."""
    by_id = {conversation.pk: conversation for conversation in conversations}
    first = conversations[0]
    rows = _booking_slots(first.meeting_round_id, first.child.family_id)
    return [
        Held(
            booking=booking,
            conversation=by_id[booking.conversation_id],
            slots=tuple(row.slot for row in group),
        )
        for booking, group in itertools.groupby(rows, key=lambda row: row.booking)
    ]


@compiled_objects(keys=("meeting round", "family"))
def _booking_slots(meeting_round_id: int, family_id: int) -> QuerySet[BookingSlot]:
    """The slots of the family's bookings in a round, in order, with what
    `_held` reads along. Compiled once per process: building and compiling it
    costs more than running it."""
    return (
        BookingSlot.objects.filter(
            booking__conversation__meeting_round=meeting_round_id,
            booking__conversation__child__family=family_id,
        )
        .select_related(
            "booking__guardian", "booking__made_by_link__guardian", "slot__professional"
        )
        .order_by("booking__starts_at", "booking_id", "slot__starts_at")
    )


def _asked_for_interpreter(link: ParentLink, conversation: Conversation) -> bool:
    """This parent asked for an interpreter in the questions beforehand, for
    any of the family's children in the round of `conversation`: one query."""
    answers = _interpreter_answers(
        link.guardian_id, conversation.meeting_round_id, conversation.child.family_id
    )
    return any(asks_for_interpreter(answer["choices"], answer["text"]) for answer in answers)


@compiled_rows(keys=("guardian", "meeting round", "family"))
def _interpreter_answers(
    guardian_id: int, meeting_round_id: int, family_id: int
) -> QuerySet[QuestionnaireAnswer]:
    """A parent's answers to the interpreter question for the family's
    children in a round. Compiled once per process: building it cost more
    than running it."""
    # Whether any says so, so no ordering (the Meta ordering joins the links' tables).
    return (
        QuestionnaireAnswer.objects.filter(
            link__guardian=guardian_id,
            link__conversation__meeting_round=meeting_round_id,
            link__conversation__child__family=family_id,
            question=INTERPRETER_QUESTION.key,
        )
        .order_by()
        .values("choices", "text")
    )


def _family_conversations(link: ParentLink) -> list[Conversation]:
    """The family's conversations in the link's round, each with its child,
    family, round and owner, the professionals whose slots it may book
    (`allowed`, as `professional_ids` finds them) and whether each of the
    family's parents lives with the children (`homes`): one query (three
    where the database has no arrays, see `arrays_in_queries`)."""
    conversation = link.conversation
    ids = (conversation.meeting_round_id, conversation.child.family_id)
    if arrays_in_queries():
        found = _in_round_with_arrays(*ids)
        for each in found:
            each.allowed = set(each.allowed)
        return found
    found = list(_in_round(*ids))
    allowed = professional_ids(found)
    homes = list(
        Guardian.objects.filter(family=conversation.child.family_id).values_list(
            "lives_with_children", flat=True
        )
    )
    for each in found:
        each.allowed, each.homes = allowed[each.pk], homes
    return found


def _in_round(meeting_round_id: int, family_id: int) -> QuerySet[Conversation]:
    """The family's conversations in a round, with what the page shows of them."""
    return (
        Conversation.objects.filter(meeting_round=meeting_round_id, child__family=family_id)
        .select_related("child__family", "meeting_round", "owner")
        .order_by("child__first_name", "pk")
    )


@compiled_objects(keys=("meeting round", "family"))
def _in_round_with_arrays(meeting_round_id: int, family_id: int) -> QuerySet[Conversation]:
    """`_in_round` with `allowed` and `homes` (see `_family_conversations`), for
    a database with arrays. Compiled once per process: building and compiling
    it costs several times what running it does."""
    homes = Guardian.objects.filter(family=OuterRef("child__family")).order_by()
    return _in_round(meeting_round_id, family_id).annotate(
        allowed=professionals_subquery(),
        homes=ArraySubquery(homes.values("lives_with_children")),
    )


def _lives_apart(homes: list[bool]) -> bool:
    """The family has more than one parent and not all of them live with the
    children (separated parents)."""
    return len(homes) > 1 and not all(homes)


def _parties(
    meeting_round: MeetingRound, *, apart: bool, held: list[Held], others: list[Held]
) -> list[str]:
    """For whom this parent can book now, the one to propose first. A time
    for both parents and a time for one parent alone do not go together
    (conversations.booking), so once either exists, that decides."""
    mine_alone = any(not each.together for each in held)
    if not meeting_round.separate_bookings or not (apart or mine_alone or others):
        return [TOGETHER]
    if any(each.together for each in held):
        return [TOGETHER]
    if mine_alone or others:
        return [ALONE]
    return [TOGETHER, ALONE]


def _days(options: list[Option]) -> list[Day]:
    """The choices by day, their words made once for each time, name and
    place that recurs in them rather than once for each choice."""
    zone = timezone.get_current_timezone()
    video_call = escape(gettext("Video call"))

    @functools.cache
    def time(moment: dt.datetime) -> str:
        """As the template filter `time:"H:i"` shows it."""
        return moment.astimezone(zone).strftime("%H:%M")

    parts: dict[tuple[str, bool], str] = {}

    def part_html(part: Part, several: bool) -> str:
        """A part's markup, made once for each part however many choices
        share it (one child's time in many chains)."""
        key = (part.value, several)
        html = parts.get(key)
        if html is None:
            child = (
                PART_CHILD_HTML.format(
                    time=time(part.starts_at), child=escape(part.conversation.child.first_name)
                )
                if several
                else ""
            )
            where = ""
            if part.place:
                where = f" · <bdi>{escape(part.place)}</bdi>"
            elif part.video_link:
                where = f" · {video_call}"
            html = parts[key] = PART_HTML.format(
                child=child, professional=escape(_name(part.professional)), place=where
            )
        return html

    def shown(option: Option, html_id: str) -> Shown:
        several = len(option.parts) > 1
        return Shown(
            id=html_id,
            value=escape(option.value),
            times=escape(f"{time(option.starts_at)} – {time(option.ends_at)}"),
            parts="".join(part_html(part, several) for part in option.parts),
        )

    return [
        Day(
            date=date,
            options=[
                shown(option, f"slot-{day}-{number}") for number, option in enumerate(group, 1)
            ],
        )
        for day, (date, group) in enumerate(
            itertools.groupby(options, key=lambda option: option.starts_at.astimezone(zone).date()),
            1,
        )
    ]


def _page(link: ParentLink, params: Mapping[str, str]) -> Page:
    """The page's state for this parent, read fresh. `params`: FOR_CHILD and
    WITH_INTERPRETER, from the address or the posted form."""
    conversations = _family_conversations(link)
    meeting_round = conversations[0].meeting_round
    several = len(conversations) > 1
    opens_at = meeting_round.opens_for(several_children=several)
    now = timezone.now()
    if now < opens_at:
        phase = BEFORE
    elif now >= meeting_round.closes_at:
        phase = CLOSED
    else:
        phase = OPEN

    every = _held(conversations)
    held = [each for each in every if each.booking.guardian_id in (None, link.guardian_id)]
    others = [each for each in every if each.booking.guardian_id not in (None, link.guardian_id)]

    apart = _lives_apart(conversations[0].homes)
    family = conversations[0].child.family
    interpreter_planned = family.interpreter_wanted or any(
        conversation.interpreter for conversation in conversations
    )
    interpreter_needed = interpreter_planned or _asked_for_interpreter(link, conversations[0])
    interpreter_chosen = params.get(WITH_INTERPRETER) == "1"

    for_child = next(
        (each for each in conversations if str(each.pk) == params.get(FOR_CHILD)), None
    )
    if for_child is None and len(conversations) > MAX_CHAINED_CHILDREN:
        for_child = next(each for each in conversations if each.pk == link.conversation_id)
    if not several:
        for_child = None

    page = Page(
        meeting_round=meeting_round,
        conversations=conversations,
        phase=phase,
        opens_at=opens_at,
        held=held,
        other_parent=others,
        parties=_parties(meeting_round, apart=apart, held=held, others=others)
        if phase == OPEN
        else [TOGETHER],
        parties_matter=apart or bool(others) or any(not each.together for each in held),
        interpreter_planned=interpreter_planned,
        interpreter_needed=interpreter_needed,
        interpreter_chosen=interpreter_chosen,
        for_child=for_child,
        days=[],
    )
    if phase == OPEN:
        lengths = {
            each.pk: slots_needed(each, interpreter=page.interpreter) for each in conversations
        }
        allowed = {each.pk: each.allowed for each in conversations}
        page.days = _days(booking_options(page.offered, lengths=lengths, allowed=allowed))
    return page


def _page_url(link: ParentLink) -> str:
    return reverse("parent_booking", args=[link.token])


def _interpreter_form(
    request: HttpRequest, link: ParentLink, page: Page
) -> BookingInterpreterForm | None:
    """Which language, asked once the parent chose an interpreter on this page
    and nothing says so yet: it becomes their answer to the interpreter
    question, so only while the questionnaire is open. Filled in as posted
    when the page comes back after a POST."""
    if not page.interpreter_chosen or page.interpreter_needed or not link.questionnaire_open:
        return None
    data = request.POST if request.method == "POST" else None
    return BookingInterpreterForm(data, form_id=FORM_ID, page_language=get_language() or "")


def _render(
    request: HttpRequest,
    link: ParentLink,
    page: Page,
    *,
    notice: str = "",
    selected: str = "",
    party: str = "",
    status: int = 200,
) -> HttpResponse:
    if selected:
        for day in page.days:
            for option in day.options:
                option.checked = option.value == selected
    context = {
        **page_context(link),
        "page": page,
        "notice": notice,
        "party": party if party in page.parties else page.parties[0],
        "interpreter_form": _interpreter_form(request, link, page),
        "FORM_ID": FORM_ID,
        "FOR_CHILD": FOR_CHILD,
        "WITH_INTERPRETER": WITH_INTERPRETER,
    }
    return render(request, "parents/booking.html", context, status=status)


def _missing(request: HttpRequest, link: ParentLink) -> HttpResponse:
    return render(
        request, "parents/missing.html", {**page_context(link), "what": "booking"}, status=404
    )


@parent_page(related=("conversation__child", "guardian"))
@require_http_methods(GET_OR_POST)
def parent_booking(request: HttpRequest, link: ParentLink) -> HttpResponse:
    """The free times to choose from, and the family's current booking. A POST
    books the chosen option (`choice`, an Option.value) for both parents or
    for this parent alone (`party`), moving a booking this party already has.

    An empty choice re-renders the page asking to choose (422); a choice the
    page never offered (a tampered or garbled form) gets 400; a slot taken
    meanwhile, a round that closed, or a choice that clashes with the other
    parent's booking get 409; each with the page and the times still free.

    With an interpreter chosen on the page, the posted language (see
    `_interpreter_form`; empty when the parent does not know yet) becomes the
    parent's answer to the interpreter question once the time is booked."""
    if link.conversation.meeting_round_id is None:
        return _missing(request, link)
    if request.method != "POST":
        return _render(request, link, _page(link, request.GET))

    value = request.POST.get("choice", "")
    party = request.POST.get("party", TOGETHER)
    if party not in (TOGETHER, ALONE):
        return _render(request, link, _page(link, request.POST), notice=INVALID, status=400)
    if not value:
        page = _page(link, request.POST)
        return _render(request, link, page, notice=CHOOSE, party=party, status=422)
    wish = None
    if request.POST.get(WITH_INTERPRETER) == "1" and "interpreter_language" in request.POST:
        form = BookingInterpreterForm(request.POST, form_id=FORM_ID)
        if not form.is_valid():
            return _render(request, link, _page(link, request.POST), notice=INVALID, status=400)
        wish = form.cleaned_data["interpreter_language"]
    try:
        booked = booking_make(choice=parse_choice(value), link=link, alone=party == ALONE)
    except SlotTakenError:
        notice, status = TAKEN, 409
    except BookingClosedError:
        notice, status = NOT_OPEN, 409
    except InvalidChoiceError:
        notice, status = INVALID, 400
    except BookingConflictError as error:
        notice, status = error.reason, 409
    else:
        if wish is not None:
            interpreter_wish_save(
                guardian_id=link.guardian_id,
                conversations=[each.booking.conversation for each in booked],
                language=wish,
            )
        booking_mail.booking_confirmations_later(
            booked=booked, base_url=invitations.site_url(request)
        )
        moved = any(each.previous is not None for each in booked)
        messages.success(request, CHANGED if moved else BOOKED)
        return redirect(_page_url(link))
    page = _page(link, request.POST)
    selected = value if status == 409 and notice != TAKEN else ""
    return _render(
        request, link, page, notice=notice, selected=selected, party=party, status=status
    )


@parent_page(related=("conversation__child", "guardian"))
@require_POST
def parent_booking_cancel(request: HttpRequest, link: ParentLink, booking_id: int) -> HttpResponse:
    """Cancel a booking for both parents or this parent's own, in two steps:
    a POST without `confirm` shows what will be cancelled and asks to confirm
    (nothing changes), a POST with `confirm=1` cancels. Another family's
    booking, or the other parent's own, is not found (404)."""
    conversation = link.conversation
    if conversation.meeting_round_id is None:
        return _missing(request, link)
    booking = (
        Booking.objects.filter(
            Q(guardian__isnull=True) | Q(guardian=link.guardian_id),
            pk=booking_id,
            conversation__meeting_round=conversation.meeting_round_id,
            conversation__child__family=conversation.child.family_id,
        )
        .select_related("conversation__child", "conversation__meeting_round")
        .first()
    )
    if booking is None:
        return _missing(request, link)
    page = _page(link, {})
    if page.phase != OPEN:
        return _render(request, link, page, notice=NOT_OPEN, status=409)
    if request.POST.get("confirm") != "1":
        held = next((each for each in page.held if each.booking.pk == booking.pk), None)
        if held is None:
            return _missing(request, link)
        return render(
            request,
            "parents/booking_cancel.html",
            {**page_context(link), "page": page, "held": held},
        )
    try:
        booking = booking_cancel(booking=booking, link=link)
    except BookingClosedError:
        return _render(request, link, _page(link, {}), notice=NOT_OPEN, status=409)
    except InvalidChoiceError:
        # A second click while the first was cancelling: it is gone already.
        return redirect(_page_url(link))
    booking_mail.booking_cancelled_later(booking=booking, base_url=invitations.site_url(request))
    messages.success(request, CANCELLED)
    return redirect(_page_url(link))
