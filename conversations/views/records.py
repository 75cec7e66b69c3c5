"""Starting a conversation, its overview page, its details, and autosave."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conversations.fields import FIELDS, MAX_TEXT_LENGTH, field_for, posted_version
from conversations.forms import ConversationDetailsForm, ConversationStartForm, StatusForm
from conversations.models import Conversation
from conversations.services import conversation_start, text_save, text_save_editable
from conversations.views import invitations
from conversations.views.review import record_panel
from families.access import staff_login_required
from families.models import Child
from families.privacy import parent_view_of


@require_http_methods(["GET", "POST"])
@staff_login_required
def conversation_create(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_object_or_404(
        Child.objects.visible_to(request.user).select_related("family"), pk=child_id
    )
    form = ConversationStartForm(request.POST or None, child=child)
    if request.method == "POST" and form.is_valid():
        conversation = conversation_start(
            child=child,
            owner=request.user,
            kind=form.cleaned_data["kind"],
            guardians=list(form.cleaned_data["guardians"]),
            date=form.cleaned_data["date"],
        )
        return redirect("preparation_start", conversation.pk)
    return render(request, "conversations/conversation_create.html", {"child": child, "form": form})


def _conversation_for(request: HttpRequest, conversation_id: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.visible_to(request.user).select_related(
            "child__family", "owner", "meeting_round"
        ),
        pk=conversation_id,
    )


@require_GET
@staff_login_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_for(request, conversation_id)
    can_edit = Conversation.objects.editable_by(request.user).filter(pk=conversation.pk).exists()
    return render(
        request,
        "conversations/conversation_detail.html",
        {
            "conversation": conversation,
            "child": conversation.child,
            "guardians": conversation.guardians.all(),
            "agreements": conversation.agreements.all(),
            "can_edit": can_edit,
            "status_form": StatusForm(initial={"status": conversation.status}),
            "review": record_panel(request, conversation, can_edit=can_edit),
            **invitations.detail_context(conversation),
            "parent_view": parent_view_of(conversation),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_login_required
def conversation_details(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.editable_by(request.user).select_related("child__family"),
        pk=conversation_id,
    )
    form = ConversationDetailsForm(request.POST or None, instance=conversation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The details are saved."))
        return redirect(conversation)
    return render(
        request,
        "conversations/conversation_details.html",
        {"conversation": conversation, "child": conversation.child, "form": form},
    )


@require_POST
@staff_login_required
def conversation_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.editable_by(request.user), pk=conversation_id
    )
    form = StatusForm(request.POST)
    if form.is_valid():
        conversation.status = form.cleaned_data["status"]
        conversation.save(update_fields=["status", "updated_at"])
        messages.success(
            request,
            _("Status changed to: %(status)s.") % {"status": conversation.get_status_display()},
        )
    return redirect(conversation)


@require_POST
@staff_login_required
def text_autosave(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Save one text field. Answers with the field's status line; 409 when
    someone else saved the field since this page loaded (nothing is written)."""
    key = request.POST.get("key", "")
    version = posted_version(request.POST, key)
    text = request.POST.get(f"text-{key}")
    if key in FIELDS and version and text is not None and len(text) <= MAX_TEXT_LENGTH:
        # The usual save while someone types: one scoped UPDATE. Anything else
        # (an outsider, a conflict, a new or an agenda text) goes the long way.
        result = text_save_editable(
            conversation_id=conversation_id,
            key=key,
            text=text,
            base_version=version,
            user=request.user,
        )
        if result is not None:
            return _save_status({"key": key, "state": "saved", "result": result}, status=200)
    conversation = get_object_or_404(
        # Only the id: the text is saved by its key, and nothing of the row is shown.
        Conversation.objects.editable_by(request.user).only("pk"),
        pk=conversation_id,
    )
    field = field_for(conversation, key)
    if field is None or version is None or text is None:
        return _save_status({"key": key, "state": "invalid"}, status=400)
    if len(text) > MAX_TEXT_LENGTH:
        return _save_status(
            {"key": key, "state": "too_long", "max_length": MAX_TEXT_LENGTH}, status=422
        )
    result = text_save(
        conversation=conversation, key=key, text=text, base_version=version, user=request.user
    )
    return _save_status(
        {"key": key, "state": "saved" if result.saved else "conflict", "result": result},
        status=200 if result.saved else 409,
    )


def _save_status(context: dict[str, Any], *, status: int) -> HttpResponse:
    """The field's status line. Rendered without the request: it needs none of
    what the context processors add (user, messages, navigation), and it
    answers every few seconds while someone types."""
    return HttpResponse(
        render_to_string("conversations/includes/save_status.html", context), status=status
    )
