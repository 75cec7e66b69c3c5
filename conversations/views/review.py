"""Thinking along: the coordinator's read-only page of a whole conversation
record, comments and replies, and the professional's "please think along".

The read-along page is for the location's coordinators. Comments can be
written by whoever may see the conversation (its professionals and the
coordinators); asking to think along is for those who may edit it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conversations import parent_answers, reviews
from conversations.coordination_forms import CommentForm, ReviewRequestForm
from conversations.forms import NEEDS, RATING_LABELS
from conversations.models import Conversation, ReviewComment
from conversations.steps import PARENT_NEEDS_CHOICES, steps_for
from conversations.summary import PARENT_RATING_FIELDS, SHARED_SUMMARY_KEY, SUMMARY_KEY
from families.access import staff_login_required
from families.models import Location


def _reviewable(request: HttpRequest) -> Any:
    """Conversations at the locations the user coordinates."""
    return Conversation.objects.filter(
        child__family__location__in=Location.objects.coordinated_by(request.user)
    )


def _record(conversation: Conversation) -> dict[str, Any]:
    """Everything written in the record, for reading: the preparation per step,
    the chosen questions, the agenda with its notes, the summary and the
    reflection (the professional's own ratings left out: those are theirs)."""
    agenda = list(conversation.agenda_items.all())
    texts = {text.key: text.text for text in conversation.texts.all()}
    steps = []
    for step in steps_for(conversation.kind):
        answers = [(field.label, texts[field.key]) for field in step.fields if texts.get(field.key)]
        steps.append({"step": step, "answers": answers})
    ticked = set(conversation.parent_needs)
    talk = {
        "professional": conversation.talk_professional_seconds,
        "parent": conversation.talk_parent_seconds,
        "child": conversation.talk_child_seconds,
    }
    talk_total = sum(talk.values())
    return {
        "steps": steps,
        "parent_needs": [need for need in PARENT_NEEDS_CHOICES if need.key in ticked],
        "chosen_prompts": list(conversation.chosen_prompts.all()),
        "agenda": [(item, texts.get(item.notes_key, "")) for item in agenda],
        "talk_total_minutes": round(talk_total / 60),
        "talk_shares": [(who, round(100 * seconds / talk_total)) for who, seconds in talk.items()]
        if talk_total
        else [],
        "answers": parent_answers.parent_answers(conversation),
        "summary_replies": [
            reply for reply in parent_answers.summary_replies(conversation) if reply.has_reply
        ],
        "agreements": list(conversation.agreements.all()),
        "summary": texts.get(SUMMARY_KEY, ""),
        "summary_changed_since_shared": bool(
            conversation.summary_shared_at
            and texts.get(SHARED_SUMMARY_KEY, "") != texts.get(SUMMARY_KEY, "")
        ),
        "parent_ratings": [
            (NEEDS[field][0], RATING_LABELS.get(getattr(conversation, field)))
            for field in PARENT_RATING_FIELDS
        ],
        "reflection_note": texts.get("reflection_note", ""),
    }


@require_GET
@staff_login_required
def conversation_review(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The whole record on one read-only page, with the comments beside it."""
    conversation = get_object_or_404(
        _reviewable(request).select_related(
            "child__family__location", "owner", "review_requested_by"
        ),
        pk=conversation_id,
    )
    thread = reviews.comment_thread(conversation=conversation, user=request.user)
    return render(
        request,
        "coordination/review.html",
        {
            "conversation": conversation,
            "child": conversation.child,
            "location": conversation.child.family.location,
            "guardians": list(conversation.guardians.all()),
            "thread": thread,
            "comment_form": CommentForm(initial={"return_to": "review"}),
            "return_to": "review",
            **_record(conversation),
        },
    )


def _back(conversation: Conversation, return_to: str) -> HttpResponse:
    if return_to == "review":
        return redirect(reverse("conversation_review", args=[conversation.pk]) + "#comments")
    return redirect(conversation.get_absolute_url() + "#comments")


@require_POST
@staff_login_required
def review_comment_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.visible_to(request.user), pk=conversation_id
    )
    form = CommentForm(request.POST)
    return_to = request.POST.get("return_to", "")
    if return_to == "review" and not _reviewable(request).filter(pk=conversation.pk).exists():
        return_to = "record"
    if not form.is_valid():
        messages.error(request, _("The comment is not saved: write something first."))
        return _back(conversation, return_to)
    reply_to = None
    if form.cleaned_data["reply_to"]:
        reply_to = ReviewComment.objects.filter(
            conversation=conversation, pk=form.cleaned_data["reply_to"]
        ).first()
    reviews.comment_add(
        conversation=conversation,
        author=request.user,
        body=form.cleaned_data["body"],
        reply_to=reply_to,
    )
    messages.success(request, _("Your comment is saved."))
    return _back(conversation, return_to)


@require_POST
@staff_login_required
def review_request(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The professional asks the coordinators to think along."""
    conversation = get_object_or_404(
        Conversation.objects.editable_by(request.user), pk=conversation_id
    )
    form = ReviewRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The question is too long. Shorten it and try again."))
        return _back(conversation, "record")
    reviews.review_request(
        conversation=conversation, user=request.user, question=form.cleaned_data["question"]
    )
    messages.success(
        request,
        _("Your coordinator is asked to think along. Their comments appear on this page."),
    )
    return _back(conversation, "record")


@require_POST
@staff_login_required
def review_request_close(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A coordinator has thought along: the request leaves the overview."""
    conversation = get_object_or_404(_reviewable(request), pk=conversation_id)
    reviews.review_request_close(conversation=conversation)
    messages.success(request, _("The request to think along is marked as handled."))
    return redirect("conversation_review", conversation.pk)


def record_panel(
    request: HttpRequest, conversation: Conversation, *, can_edit: bool
) -> dict[str, Any]:
    """The comments block of the conversation page (records.conversation_detail):
    the thread, marked seen, the comment form, and "please think along"."""
    location_id = conversation.child.family.location_id
    return {
        "thread": reviews.comment_thread(conversation=conversation, user=request.user),
        "comment_form": CommentForm(initial={"return_to": "record"}),
        "return_to": "record",
        "can_ask": can_edit,
        "request_form": ReviewRequestForm(),
        "is_coordinator": Location.objects.coordinated_by(request.user)
        .filter(pk=location_id)
        .exists(),
    }
