"""Meeting mode: agenda, chosen questions and notes on one screen, with a
talk-time balance meter and phrases for hard moments."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from conversations import fields
from conversations.forms import TalkTimeForm
from conversations.models import AgendaItem, ChosenPrompt, Conversation, Need
from conversations.parent_answers import parent_answers
from conversations.services import conversation_talk_time_save
from families.access import staff_login_required
from families.models import Guardian, compiled_objects

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.utils.functional import Promise


MEETING_NOTES = fields.TextField(
    "meeting_notes",
    gettext_lazy("Other notes"),
    gettext_lazy("What came up outside the agenda."),
    rows=5,
)
fields.register(MEETING_NOTES)


@dataclasses.dataclass(frozen=True)
class TalkTime:
    """Who spoke how long, in seconds, and each one's share in whole percent."""

    professional: int
    parent: int
    child: int

    @classmethod
    def of(cls, conversation: Conversation) -> TalkTime:
        return cls(
            conversation.talk_professional_seconds,
            conversation.talk_parent_seconds,
            conversation.talk_child_seconds,
        )

    @property
    def total(self) -> int:
        return self.professional + self.parent + self.child

    def _share(self, seconds: int) -> int:
        return round(100 * seconds / self.total) if self.total else 0

    @property
    def professional_share(self) -> int:
        return self._share(self.professional)

    @property
    def parent_share(self) -> int:
        return self._share(self.parent)

    @property
    def child_share(self) -> int:
        return self._share(self.child)

    @property
    def total_minutes(self) -> int:
        return self.total // 60

    @property
    def parent_has_room(self) -> bool:
        """The aim: the parent speaks at least as long as the professional."""
        return self.parent >= self.professional


@dataclasses.dataclass(frozen=True)
class HardMoment:
    key: str
    title: str | Promise
    approach: str | Promise
    phrases: tuple[str | Promise, ...]


# Written for this product from the domain brief: compassion, describe then
# ask, say when you don't know, anger is fine but aggression is not.
HARD_MOMENTS = (
    HardMoment(
        "defensive",
        gettext_lazy("The parent gets defensive"),
        gettext_lazy(
            "That is a normal reaction: it is their child. Show that you understand, "
            "then describe what you see and ask how they see it."
        ),
        (
            gettext_lazy("I can tell this touches you. That makes sense: it is about your child."),
            gettext_lazy(
                "I am not blaming anyone. I am telling you what I see in the group, "
                "and I would like to hear how you see it."
            ),
            gettext_lazy("You know your child at home better than anyone. Do you recognise this?"),
        ),
    ),
    HardMoment(
        "dominant",
        gettext_lazy("The parent takes over the conversation"),
        gettext_lazy(
            "Lead firmly and kindly. Say back what you heard, then bring the conversation "
            "back to the agenda."
        ),
        (
            gettext_lazy(
                "I hear that this really matters to you. I am writing it down, "
                "so we can come back to it."
            ),
            gettext_lazy(
                "We still have a few topics to go. Shall we finish this one first, "
                "and then come to your point?"
            ),
            gettext_lazy(
                "May I stop you for a moment? I want to be sure I understand you. You mean that …"
            ),
        ),
    ),
    HardMoment(
        "shy",
        gettext_lazy("The parent says little"),
        gettext_lazy(
            "Give room: ask an open question, wait, and let a silence be. "
            "Small questions about home are easy to answer."
        ),
        (
            gettext_lazy("What does your child tell you at home about the group?"),
            gettext_lazy("What does a good day look like for your child at home?"),
            gettext_lazy("Take your time. Your view matters to me: you know your child best."),
        ),
    ),
    HardMoment(
        "angry",
        gettext_lazy("The parent is angry"),
        gettext_lazy(
            "Anger is allowed; aggression and intimidation are not. Stay calm, let the "
            "parent finish and name what you see."
        ),
        (
            gettext_lazy("I can see that you are angry. Tell me what bothers you most."),
            gettext_lazy(
                "I want to listen to you. And I want us to look for a way forward together."
            ),
            gettext_lazy(
                "You may be angry, but I will not be shouted at. If that goes on, "
                "I will stop the conversation."
            ),
        ),
    ),
    HardMoment(
        "stuck",
        gettext_lazy("We are not getting any further"),
        gettext_lazy(
            "You may end a conversation calmly and plan a new one. Say what you agree on so far."
        ),
        (
            gettext_lazy(
                "I notice we are not getting any further today. I suggest we stop here "
                "and talk again soon."
            ),
            gettext_lazy(
                "We both want things to go well for your child. That is where we start next time."
            ),
            gettext_lazy(
                "Shall we plan the next conversation right away? Is there someone "
                "you would like to be there?"
            ),
        ),
    ),
    HardMoment(
        "unknown",
        gettext_lazy("I don't know the answer"),
        gettext_lazy(
            "Saying so is fine, and it builds trust. Say when you will come back to it, "
            "and write that down as an agreement."
        ),
        (
            gettext_lazy("That is a good question. I don't know the answer right now."),
            gettext_lazy(
                "I will find out and come back to you. Shall I let you know "
                "before the end of the week?"
            ),
            gettext_lazy("I would rather find out properly than guess."),
        ),
    ),
)


@dataclasses.dataclass(frozen=True)
class QuestionGroup:
    label: str | Promise
    questions: list[ChosenPrompt]


def _question_groups(prompts: list[ChosenPrompt]) -> list[QuestionGroup]:
    """The chosen questions by need, in the order of the needs; questions
    without a need come last."""
    groups = [
        QuestionGroup(label, [p for p in prompts if p.need == need]) for need, label in Need.choices
    ]
    known = {need for need, _label in Need.choices}
    groups.append(
        QuestionGroup(gettext_lazy("Other questions"), [p for p in prompts if p.need not in known])
    )
    return [group for group in groups if group.questions]


def _next_url(conversation: Conversation) -> str:
    """The agreements page once it exists, else the conversation page."""
    try:
        return reverse("agreement_list", args=[conversation.pk])
    except NoReverseMatch:
        return conversation.get_absolute_url()


def _note_fields(agenda: list[AgendaItem]) -> list[fields.TextField]:
    """A notes field per agenda item, in order, then the general notes."""
    return [*(fields.agenda_field(item.pk, item.title) for item in agenda), MEETING_NOTES]


# The conversation's agenda, chosen questions and the parents taking part, as
# its related managers read them, each compiled once per process: building and
# compiling these small queries costs several times what running them does.


@compiled_objects(keys=("conversation",))
def _agenda_items(conversation_id: int) -> QuerySet[AgendaItem]:
    return Conversation(pk=conversation_id).agenda_items.all()


@compiled_objects(keys=("conversation",))
def _chosen_prompt_items(conversation_id: int) -> QuerySet[ChosenPrompt]:
    return Conversation(pk=conversation_id).chosen_prompts.all()


@compiled_objects(keys=("conversation",))
def _guardian_items(conversation_id: int) -> QuerySet[Guardian]:
    return Conversation(pk=conversation_id).guardians.all()


def _agenda(conversation: Conversation) -> list[AgendaItem]:
    """`conversation.agenda_items.all()`."""
    items = _agenda_items(conversation.pk)
    for item in items:
        item.conversation = conversation
    return items


def _chosen_prompts(conversation: Conversation) -> list[ChosenPrompt]:
    """`conversation.chosen_prompts.all()`."""
    prompts = _chosen_prompt_items(conversation.pk)
    for prompt in prompts:
        prompt.conversation = conversation
    return prompts


def _guardians(conversation: Conversation) -> list[Guardian]:
    """`conversation.guardians.all()`."""
    return _guardian_items(conversation.pk)


def _render_meeting(
    request: HttpRequest,
    conversation: Conversation,
    *,
    can_edit: bool,
    agenda: list[AgendaItem],
    notes: list[fields.BoundText],
    status: int = 200,
) -> HttpResponse:
    notes_by_key = {bound.key: bound for bound in notes}
    return render(
        request,
        "conversations/meeting/meeting.html",
        {
            "conversation": conversation,
            "child": conversation.child,
            "guardians": _guardians(conversation),
            "can_edit": can_edit,
            "agenda": [(item, notes_by_key[item.notes_key]) for item in agenda],
            "agenda_minutes": sum(item.minutes for item in agenda),
            "meeting_notes": notes_by_key[MEETING_NOTES.key],
            "has_conflicts": any(bound.conflict for bound in notes),
            "question_groups": _question_groups(_chosen_prompts(conversation)),
            "talk": TalkTime.of(conversation),
            "planned_seconds": conversation.duration_minutes * 60,
            "hard_moments": HARD_MOMENTS,
            "parent_answers": parent_answers(conversation),
        },
        status=status,
    )


@compiled_objects(keys=("user", "conversation"))
def _readable_conversation(user_id: int, conversation_id: int) -> QuerySet[Conversation]:
    """The conversation as meeting mode reads it for the user, with its child
    and `can_edit` (none when they may not see it). Compiled once per process:
    building and compiling it costs more than running it."""
    return (
        Conversation.objects.visible_with_can_edit(get_user_model()(pk=user_id))
        .select_related(None)
        .select_related("child")
        .filter(pk=conversation_id)
        .order_by()
    )


def _readable(user_id: int, conversation_id: int) -> Conversation:
    """The conversation with its child and `can_edit`, or 404 for whoever
    may not see it."""
    found = _readable_conversation(user_id, conversation_id)
    if not found:
        raise Http404
    (conversation,) = found
    return conversation


@require_GET
@staff_login_required
def meeting_mode(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _readable(request.user.pk, conversation_id)
    agenda = _agenda(conversation)
    notes = fields.bound_texts(conversation, _note_fields(agenda))
    return _render_meeting(
        request, conversation, can_edit=conversation.can_edit, agenda=agenda, notes=notes
    )


def _editable(request: HttpRequest, conversation_id: int) -> Conversation:
    """The conversation with its child, or 404 for whoever may not edit it."""
    return get_object_or_404(
        Conversation.objects.editable_by(request.user).select_related("child"), pk=conversation_id
    )


def _notes_save(request: HttpRequest, conversation: Conversation) -> HttpResponse | None:
    """Save the notes posted with the meeting's form. None when all are saved;
    when one changed in the meantime, the page with both texts (409)."""
    agenda = _agenda(conversation)
    notes = fields.save_posted_texts(
        conversation=conversation,
        fields=_note_fields(agenda),
        post=request.POST,
        user=request.user,
    )
    if any(bound.conflict for bound in notes):
        return _render_meeting(
            request, conversation, can_edit=True, agenda=agenda, notes=notes, status=409
        )
    return None


@require_POST
@staff_login_required
def meeting_notes_save(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Save the notes without JavaScript (with it, each field saves itself).
    A field someone else changed in the meantime comes back with both texts."""
    conversation = _editable(request, conversation_id)
    if conflict := _notes_save(request, conversation):
        return conflict
    messages.success(request, _("Your notes are saved."))
    return redirect("meeting_mode", conversation.pk)


@require_POST
@staff_login_required
def talk_time_save(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Store the talk-time totals the meter sends. Totals only grow: a lower
    total comes from a stale tab or device and is refused (409) with what is
    stored, so it can never wipe a longer record."""
    conversation = get_object_or_404(
        Conversation.objects.editable_by(request.user), pk=conversation_id
    )
    form = TalkTimeForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    if conversation_talk_time_save(conversation=conversation, **form.cleaned_data):
        return HttpResponse(status=204)
    conversation.refresh_from_db(
        fields=["talk_professional_seconds", "talk_parent_seconds", "talk_child_seconds"]
    )
    stored = TalkTime.of(conversation)
    return JsonResponse(
        {"professional": stored.professional, "parent": stored.parent, "child": stored.child},
        status=409,
    )


@require_POST
@staff_login_required
def meeting_held(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Mark the conversation held. The button belongs to the notes form, so
    notes typed without JavaScript (or not yet autosaved) arrive with it and
    are saved first; if one conflicts, nothing is marked and the page shows
    both texts, as "Save notes" does."""
    conversation = _editable(request, conversation_id)
    if any(key.startswith("text-") for key in request.POST) and (
        conflict := _notes_save(request, conversation)
    ):
        return conflict
    # Only forward: a conversation already followed up stays so.
    if conversation.status in {Conversation.Status.DRAFT, Conversation.Status.PREPARED}:
        conversation.status = Conversation.Status.HELD
        conversation.save(update_fields=["status", "updated_at"])
    messages.success(request, _("The conversation is marked as held."))
    return redirect(_next_url(conversation))
