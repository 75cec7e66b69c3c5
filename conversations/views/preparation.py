"""Guided preparation: the steps, questions from the library, the agenda with
its time plan, and a printable sheet.

Reading goes through `Conversation.objects.visible_to`, writing through
`editable_by`, so a coordinator who does not own the conversation sees the
preparation read-only and gets 404 on every write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations.fields import BoundText, save_posted_texts
from conversations.forms import AgendaItemForm, AgendaMoveForm, OwnQuestionForm, PromptChoiceForm
from conversations.models import (
    AgendaItem,
    Audience,
    ChosenPrompt,
    Conversation,
    ConversationText,
    Need,
    ParentLink,
    Prompt,
)
from conversations.parent_answers import parent_answers
from conversations.services import (
    agenda_item_insert,
    agenda_item_shift,
    chosen_prompt_copy,
    chosen_prompt_write,
)
from conversations.steps import (
    AGENDA,
    DETAILS,
    NEED_HINTS,
    PARENT_LINKS,
    PARENT_NEED_KEYS,
    PARENT_NEEDS,
    PARENT_NEEDS_CHOICES,
    QUESTIONS,
    Step,
    step_for,
    steps_for,
)
from conversations.views import invitations
from families.access import staff_login_required
from families.models import compiled_objects

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from families.models import AnyUser

TEMPLATE = "conversations/preparation/step.html"


# Reading helpers

_HAS_PARENT_LINKS = Exists(ParentLink.objects.filter(conversation=OuterRef("pk")))


def _readable_conversations(user: AnyUser) -> QuerySet[Conversation]:
    return (
        Conversation.objects.visible_with_can_edit(user)
        .with_progress()
        # The steps and the sheet show the child and the family's guardians,
        # never the location or the owner: no need to join them.
        .select_related(None)
        .select_related("child__family")
        .annotate(has_parent_links=_HAS_PARENT_LINKS)
    )


@compiled_objects(keys=("user", "conversation"))
def _readable_conversation(user_id: int, conversation_id: int) -> QuerySet[Conversation]:
    """The conversation as `_readable_conversations` reads it for the user
    (none when they may not see it). Compiled once per process: building and
    compiling it costs several times what running it does."""
    return (
        _readable_conversations(get_user_model()(pk=user_id)).filter(pk=conversation_id).order_by()
    )


def _readable(request: HttpRequest, conversation_id: int) -> Conversation:
    found = _readable_conversation(request.user.pk, conversation_id)
    if not found:
        raise Http404
    (conversation,) = found
    return conversation


def _editable(request: HttpRequest, conversation_id: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.editable_by(request.user)
        .with_progress()
        .annotate(has_parent_links=_HAS_PARENT_LINKS),
        pk=conversation_id,
    )


def _step_or_404(conversation: Conversation, slug: str) -> Step:
    step = step_for(conversation.kind, slug)
    if step is None:
        raise Http404
    return step


def _step_url(conversation: Conversation, step: Step) -> str:
    return reverse("preparation_step", args=[conversation.pk, step.slug])


@dataclasses.dataclass(frozen=True)
class StepState:
    step: Step
    number: int
    url: str
    done: bool
    current: bool


def _has_content(conversation: Conversation, step: Step, filled: set[str]) -> bool:
    if any(key in filled for key in step.keys):
        return True
    return {
        QUESTIONS: conversation.has_questions,
        PARENT_NEEDS: bool(conversation.parent_needs),
        AGENDA: conversation.has_agenda,
        DETAILS: conversation.coordinator_joins or conversation.child_takes_part,
        PARENT_LINKS: conversation.has_parent_links,
    }.get(step.special, False)


@compiled_objects(keys=("conversation",), per_value=("kind",))
def _stored_text_query(conversation_id: int, *, kind: str) -> QuerySet[ConversationText]:
    """The stored texts of the steps of this kind of conversation. Compiled
    once per process and kind: building and compiling it costs more than
    running it."""
    text_keys = sorted({key for step in steps_for(kind) for key in step.keys})
    return Conversation(pk=conversation_id).texts.filter(key__in=text_keys)


def _stored_texts(conversation: Conversation) -> dict[str, ConversationText]:
    texts = _stored_text_query(conversation.pk, kind=conversation.kind)
    for text in texts:
        text.conversation = conversation
    return {text.key: text for text in texts}


def _bound(step: Step, stored: dict[str, ConversationText]) -> list[BoundText]:
    return [
        BoundText(field, stored[field.key].text, stored[field.key].version)
        if field.key in stored
        else BoundText(field)
        for field in step.fields
    ]


@dataclasses.dataclass(frozen=True)
class LibraryPrompt:
    prompt: Prompt
    chosen: ChosenPrompt | None


def _questions_context(conversation: Conversation, **extra: Any) -> dict[str, Any]:
    chosen = list(conversation.chosen_prompts.all())
    by_prompt = {item.prompt_id: item for item in chosen if item.prompt_id}
    prompts = list(Prompt.objects.library_for(conversation).order_by("phase", "pk"))
    library = []
    for need in Need:
        audiences = []
        for audience in Audience:
            items = [
                LibraryPrompt(prompt, by_prompt.get(prompt.pk))
                for prompt in prompts
                if prompt.need == need and prompt.audience == audience
            ]
            if items:
                audiences.append({"label": audience.label, "prompts": items})
        if audiences:
            library.append({"need": need, "hint": NEED_HINTS[need], "audiences": audiences})
    return {
        "conversation": conversation,
        "chosen_prompts": chosen,
        "library": library,
        "own_form": OwnQuestionForm(),
        **extra,
    }


@dataclasses.dataclass(frozen=True)
class PlannedItem:
    item: AgendaItem
    form: AgendaItemForm
    starts: int
    ends: int
    starts_at: dt.time | None
    ends_at: dt.time | None
    first: bool
    last: bool


def _agenda_context(
    conversation: Conversation, *, add_form: AgendaItemForm | None = None, **extra: Any
) -> dict[str, Any]:
    """The agenda as a time plan: each topic's minutes from the start (and the
    clock times when the start time is known), the total against the plan."""
    items = list(conversation.agenda_items.all())
    invalid = extra.pop("invalid_form", None)
    start = conversation.starts_at
    planned = []
    elapsed = 0
    for number, item in enumerate(items):
        form = AgendaItemForm(instance=item, prefix=f"item-{item.pk}")
        if invalid is not None and invalid.instance.pk == item.pk:
            form = invalid
        planned.append(
            PlannedItem(
                item=item,
                form=form,
                starts=elapsed,
                ends=elapsed + item.minutes,
                starts_at=(start + dt.timedelta(minutes=elapsed)).time() if start else None,
                ends_at=(start + dt.timedelta(minutes=elapsed + item.minutes)).time()
                if start
                else None,
                first=number == 0,
                last=number == len(items) - 1,
            )
        )
        elapsed += item.minutes
    return {
        "conversation": conversation,
        "agenda": planned,
        "agenda_total": elapsed,
        "agenda_over": elapsed - conversation.duration_minutes,
        "agenda_left": conversation.duration_minutes - elapsed,
        "add_form": add_form or AgendaItemForm(prefix="new"),
        **extra,
    }


def _needs_context(conversation: Conversation) -> dict[str, Any]:
    return {
        "parent_needs": [
            {"need": need, "ticked": need.key in conversation.parent_needs}
            for need in PARENT_NEEDS_CHOICES
        ]
    }


def _step_context(
    conversation: Conversation,
    step: Step,
    *,
    bound: list[BoundText] | None = None,
) -> dict[str, Any]:
    stored = _stored_texts(conversation)
    filled = {key for key, text in stored.items() if text.text}
    steps = steps_for(conversation.kind)
    states = [
        StepState(
            step=item,
            number=number,
            url=_step_url(conversation, item),
            done=_has_content(conversation, item, filled),
            current=item == step,
        )
        for number, item in enumerate(steps, start=1)
    ]
    index = steps.index(step)
    context: dict[str, Any] = {
        "conversation": conversation,
        "child": conversation.child,
        "step": step,
        "states": states,
        "done_count": sum(state.done for state in states),
        "previous": states[index - 1] if index > 0 else None,
        "next": states[index + 1] if index + 1 < len(states) else None,
        "texts": bound if bound is not None else _bound(step, stored),
        "can_edit": getattr(conversation, "can_edit", True),
    }
    if step.special == QUESTIONS:
        context |= _questions_context(conversation)
    elif step.special == AGENDA:
        context |= _agenda_context(conversation)
    elif step.special == PARENT_NEEDS:
        context |= _needs_context(conversation)
    return context


def _save_choices(conversation: Conversation, step: Step, post: Any) -> bool:
    """Save the checkboxes of a step. A hidden `choices` field marks that the
    form held them, so unticking every box is saved too."""
    if "choices" not in post:
        return False
    if step.special == PARENT_NEEDS:
        ticked = set(post.getlist("needs"))
        conversation.parent_needs = [key for key in PARENT_NEED_KEYS if key in ticked]
        conversation.save(update_fields=["parent_needs", "updated_at"])
        return True
    if step.special == DETAILS:
        conversation.coordinator_joins = "coordinator_joins" in post
        conversation.child_takes_part = "child_takes_part" in post
        conversation.save(update_fields=["coordinator_joins", "child_takes_part", "updated_at"])
        return True
    return False


def _destination(conversation: Conversation, step: Step, go: str) -> str:
    steps = steps_for(conversation.kind)
    index = steps.index(step)
    if go == "previous" and index > 0:
        return _step_url(conversation, steps[index - 1])
    chosen = step_for(conversation.kind, go)
    if chosen is not None:
        return _step_url(conversation, chosen)
    if go == "next" and index + 1 < len(steps):
        return _step_url(conversation, steps[index + 1])
    return conversation.get_absolute_url()


# Views


@require_GET
@staff_login_required
def preparation_start(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.visible_to(request.user), pk=conversation_id
    )
    return redirect(_step_url(conversation, steps_for(conversation.kind)[0]))


@require_http_methods(["GET", "POST"])
@staff_login_required
@vary_on_headers("HX-Request")
def preparation_step(request: HttpRequest, conversation_id: int, step: str) -> HttpResponse:
    """GET shows a step. POST is the path without JavaScript: it saves the
    posted texts and choices and moves on. With JavaScript the texts save
    as they are typed, and htmx posts only the checkboxes."""
    if request.method == "POST":
        return _step_post(request, conversation_id, step)
    conversation = _readable(request, conversation_id)
    current = _step_or_404(conversation, step)
    context = _step_context(conversation, current)
    if current.special == PARENT_LINKS:
        context |= invitations.step_context(request, conversation, can_edit=context["can_edit"])
    response = render(request, f"{TEMPLATE}#step" if request.htmx else TEMPLATE, context)
    if current.special == PARENT_LINKS:
        # The parents' links are keys: no copy of this page in any cache.
        add_never_cache_headers(response)
    return response


def _step_post(request: HttpRequest, conversation_id: int, slug: str) -> HttpResponse:
    conversation = _editable(request, conversation_id)
    step = _step_or_404(conversation, slug)
    if request.htmx:
        saved = _save_choices(conversation, step, request.POST)
        context = {"conversation": conversation, "step": step, "can_edit": True}
        context |= _needs_context(conversation)
        return render(request, f"{TEMPLATE}#choices", context | {"choices_saved": saved})
    bound = save_posted_texts(
        conversation=conversation, fields=list(step.fields), post=request.POST, user=request.user
    )
    _save_choices(conversation, step, request.POST)
    if any(text.conflict for text in bound):
        return render(request, TEMPLATE, _step_context(conversation, step, bound=bound), status=409)
    destination = _destination(conversation, step, request.POST.get("go", "next"))
    if destination == conversation.get_absolute_url():
        messages.success(request, _("Your preparation is saved."))
    return redirect(destination)


def _special_step(conversation: Conversation, special: str) -> Step:
    """The step with this special part in this kind of conversation; 404 when
    the kind has none (an informal contact has no agenda)."""
    step = next((step for step in steps_for(conversation.kind) if step.special == special), None)
    if step is None:
        raise Http404
    return step


def _questions_response(
    request: HttpRequest, conversation: Conversation, *, status: int = 200, **extra: Any
) -> HttpResponse:
    if request.htmx:
        context = _questions_context(conversation, can_edit=True, **extra)
        return render(request, f"{TEMPLATE}#questions", context, status=status)
    return redirect(_step_url(conversation, _special_step(conversation, QUESTIONS)) + "#questions")


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def prompt_choose(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _editable(request, conversation_id)
    _special_step(conversation, QUESTIONS)
    form = PromptChoiceForm(request.POST, conversation=conversation)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        if not request.htmx:
            messages.error(request, error)
        return _questions_response(request, conversation, status=422, choose_error=error)
    if form.cleaned_data["add"]:
        chosen_prompt_copy(conversation=conversation, prompt=form.cleaned_data["add"])
    else:
        form.cleaned_data["remove"].delete()
    return _questions_response(request, conversation)


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def own_question_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _editable(request, conversation_id)
    _special_step(conversation, QUESTIONS)
    form = OwnQuestionForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _questions_response(request, conversation, status=422, own_form=form)
        step = _special_step(conversation, QUESTIONS)
        context = _step_context(conversation, step) | {"own_form": form}
        return render(request, TEMPLATE, context, status=422)
    chosen_prompt_write(conversation=conversation, **form.cleaned_data)
    return _questions_response(request, conversation)


def _agenda_response(
    request: HttpRequest,
    conversation: Conversation,
    *,
    status: int = 200,
    add_form: AgendaItemForm | None = None,
    invalid_form: AgendaItemForm | None = None,
) -> HttpResponse:
    step = _special_step(conversation, AGENDA)
    if status == 200 and not request.htmx:
        return redirect(_step_url(conversation, step) + "#agenda")
    if request.htmx:
        context = _agenda_context(
            conversation, add_form=add_form, invalid_form=invalid_form, can_edit=True
        )
        return render(request, f"{TEMPLATE}#agenda", context, status=status)
    context = _step_context(conversation, step) | _agenda_context(
        conversation, add_form=add_form, invalid_form=invalid_form
    )
    return render(request, TEMPLATE, context, status=status)


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def agenda_item_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _editable(request, conversation_id)
    _special_step(conversation, AGENDA)
    form = AgendaItemForm(request.POST, prefix="new")
    if not form.is_valid():
        return _agenda_response(request, conversation, status=422, add_form=form)
    agenda_item_insert(conversation=conversation, **form.cleaned_data)
    return _agenda_response(request, conversation)


def _agenda_item(request: HttpRequest, conversation_id: int, item_id: int) -> AgendaItem:
    conversation = _editable(request, conversation_id)
    item = get_object_or_404(conversation.agenda_items, pk=item_id)
    item.conversation = conversation
    return item


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def agenda_item_update(request: HttpRequest, conversation_id: int, item_id: int) -> HttpResponse:
    item = _agenda_item(request, conversation_id, item_id)
    form = AgendaItemForm(request.POST, instance=item, prefix=f"item-{item.pk}")
    if not form.is_valid():
        return _agenda_response(request, item.conversation, status=422, invalid_form=form)
    form.save()
    return _agenda_response(request, item.conversation)


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def agenda_item_delete(request: HttpRequest, conversation_id: int, item_id: int) -> HttpResponse:
    item = _agenda_item(request, conversation_id, item_id)
    item.delete()
    return _agenda_response(request, item.conversation)


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def agenda_item_move(request: HttpRequest, conversation_id: int, item_id: int) -> HttpResponse:
    item = _agenda_item(request, conversation_id, item_id)
    form = AgendaMoveForm(request.POST)
    if form.is_valid():
        agenda_item_shift(item=item, direction=form.cleaned_data["direction"])
    return _agenda_response(request, item.conversation)


@require_GET
@staff_login_required
def preparation_print(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _readable(request, conversation_id)
    stored = _stored_texts(conversation)
    chosen_prompts = list(conversation.chosen_prompts.all())
    agenda = _agenda_context(conversation)
    parent_needs = [need for need in PARENT_NEEDS_CHOICES if need.key in conversation.parent_needs]
    # What each parent answered beforehand, sent or not yet (as on the step).
    answered = [each for each in parent_answers(conversation) if each.answers]
    specials = {
        PARENT_LINKS: bool(answered),
        QUESTIONS: bool(chosen_prompts),
        AGENDA: bool(agenda["agenda"]),
        PARENT_NEEDS: bool(parent_needs),
        DETAILS: conversation.coordinator_joins or conversation.child_takes_part,
    }
    sections = []
    for step in steps_for(conversation.kind):
        texts = [text for text in _bound(step, stored) if text.text]
        sections.append(
            {"step": step, "texts": texts, "empty": not texts and not specials.get(step.special)}
        )
    context = {
        "conversation": conversation,
        "child": conversation.child,
        "guardians": conversation.guardians.all(),
        "sections": sections,
        "nothing_yet": all(section["empty"] for section in sections),
        "chosen_prompts": chosen_prompts,
        "parent_needs": parent_needs,
        "parent_answers": answered,
        **agenda,
    }
    return render(request, "conversations/preparation/print.html", context)
