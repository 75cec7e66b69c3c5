"""After the meeting: the summary for the parents (edit, share, print) and the
reflection "who needs what?" with the next contact."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations import services
from conversations.fields import FIELDS, BoundText, bound_texts, posted_version, save_posted_texts
from conversations.forms import NEEDS, RATING_LABELS, ReflectionForm
from conversations.invitations import site_url, summary_ready_send
from conversations.models import Conversation
from conversations.parent_answers import summary_replies
from conversations.summary import (
    LOW_RATING,
    OWN_RATING_FIELDS,
    PARENT_RATING_FIELDS,
    RATING_FIELDS,
    SHARED_SUMMARY_KEY,
    SUMMARY_KEY,
    SummaryNotReadyError,
    next_contact_suggestion,
    ratings_of,
    reflection_status,
    summary_draft,
)
from conversations.views.invitations import summary_mailing_messages
from families.access import staff_login_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from conversations.models import ConversationQuerySet


def _scoped(request: HttpRequest, *, write: bool) -> ConversationQuerySet:
    if write:
        return Conversation.objects.editable_by(request.user)
    return Conversation.objects.visible_to(request.user)


def _can_edit(request: HttpRequest, conversation: Conversation) -> bool:
    return Conversation.objects.editable_by(request.user).filter(pk=conversation.pk).exists()


# The summary


def _summary_context(
    conversation: Conversation,
    *,
    can_edit: bool,
    field: BoundText | None = None,
) -> dict[str, Any]:
    stored = {
        text.key: text
        for text in conversation.texts.filter(key__in=[SUMMARY_KEY, SHARED_SUMMARY_KEY])
    }
    current = stored.get(SUMMARY_KEY)
    shared = stored.get(SHARED_SUMMARY_KEY)
    is_draft = False
    if field is None:
        field = BoundText(
            FIELDS[SUMMARY_KEY],
            current.text if current else "",
            current.version if current else 0,
        )
        # Nothing stored yet: offer the draft at version 0, so the first edit saves it.
        if can_edit and current is None:
            field.text = summary_draft(conversation)
            is_draft = True
    return {
        "conversation": conversation,
        "child": conversation.child,
        "can_edit": can_edit,
        "field": field,
        "stored_text": current.text if current else "",
        "stored_version": current.version if current else 0,
        "is_draft": is_draft,
        "changed_since_shared": bool(
            conversation.summary_shared_at and shared and current and shared.text != current.text
        ),
        "summary_replies": summary_replies(
            conversation, version=shared.version if shared else None
        ),
    }


def _summary_conversation(
    request: HttpRequest, conversation_id: int, *, write: bool
) -> Conversation:
    return get_object_or_404(
        _scoped(request, write=write).select_related("child__family__location", "owner"),
        pk=conversation_id,
    )


@require_http_methods(["GET", "POST"])
@staff_login_required
def summary_edit(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The summary for the parents. It autosaves; the form post is the way to
    save without JavaScript."""
    conversation = _summary_conversation(request, conversation_id, write=request.method == "POST")
    if request.method == "POST":
        [field] = save_posted_texts(
            conversation=conversation,
            fields=[FIELDS[SUMMARY_KEY]],
            post=request.POST,
            user=request.user,
        )
        if field.conflict is None:
            messages.success(request, _("The summary is saved."))
            return redirect("summary_edit", conversation.pk)
        context = _summary_context(conversation, can_edit=True, field=field)
        return render(request, "conversations/followup/summary_edit.html", context)
    can_edit = _can_edit(request, conversation)
    context = _summary_context(conversation, can_edit=can_edit)
    return render(request, "conversations/followup/summary_edit.html", context)


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def summary_regenerate(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Replace the summary with a new draft from the record. The first post asks
    for confirmation and shows the new draft; the confirming post names the
    version it replaces, so a save made in between is never overwritten."""
    conversation = _summary_conversation(request, conversation_id, write=True)
    draft = summary_draft(conversation)
    if request.POST.get("confirm") != "yes":
        context = _summary_context(conversation, can_edit=True)
        context.update(confirm_regenerate=True, new_draft=draft)
        if request.htmx:
            return render(request, "conversations/followup/summary_edit.html#regenerate", context)
        return render(request, "conversations/followup/summary_edit.html", context)
    version = posted_version(request.POST, SUMMARY_KEY)
    if version is None:
        messages.error(request, _("This page is out of date. Nothing was replaced."))
        return redirect("summary_edit", conversation.pk)
    result = services.text_save(
        conversation=conversation,
        key=SUMMARY_KEY,
        text=draft,
        base_version=version,
        user=request.user,
    )
    if result.saved:
        messages.success(request, _("The summary is made again from the conversation."))
    else:
        messages.error(
            request,
            _(
                "The summary changed in the meantime, so nothing was replaced. "
                "Read it again and decide."
            ),
        )
    return redirect("summary_edit", conversation.pk)


@require_POST
@staff_login_required
def summary_share(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Mark the summary as shared. The form also carries the text as it is in
    the box, so what is shared is what the professional sees."""
    conversation = _summary_conversation(request, conversation_id, write=True)
    [field] = save_posted_texts(
        conversation=conversation,
        fields=[FIELDS[SUMMARY_KEY]],
        post=request.POST,
        user=request.user,
    )
    if field.conflict is not None:
        messages.error(request, _("The summary is not shared: first combine the two texts."))
        context = _summary_context(conversation, can_edit=True, field=field)
        return render(request, "conversations/followup/summary_edit.html", context)
    try:
        services.summary_share(conversation=conversation, user=request.user)
    except SummaryNotReadyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The summary is marked as shared with the parents."))
        mailing = summary_ready_send(
            conversation=conversation,
            sender=request.user,
            base_url=site_url(request),
        )
        summary_mailing_messages(request, mailing)
    return redirect("summary_edit", conversation.pk)


@require_GET
@staff_login_required
def summary_print(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The summary on A4 paper, with room for the parents' reply."""
    conversation = _summary_conversation(request, conversation_id, write=False)
    text = conversation.texts.filter(key=SUMMARY_KEY).values_list("text", flat=True).first() or ""
    return render(
        request,
        "conversations/followup/summary_print.html",
        {"conversation": conversation, "child": conversation.child, "text": text},
    )


# The reflection


def _ratings_from(query: Any) -> dict[str, int]:
    """Ratings as ticked on the page but not saved yet; anything else is ignored."""
    return {
        field: int(query[field])
        for field in RATING_FIELDS
        if query.get(field) in {"1", "2", "3", "4"}
    }


def _rating_rows(conversation: Conversation) -> list[tuple[str, list[dict[str, Any]]]]:
    def rows(fields: tuple[str, ...]) -> list[dict[str, Any]]:
        return [
            {
                "label": NEEDS[field][0],
                "help": NEEDS[field][1],
                "value": RATING_LABELS.get(getattr(conversation, field)),
            }
            for field in fields
        ]

    professional = _("The professional: %(name)s") % {
        "name": conversation.owner.get_full_name() or conversation.owner.get_username()
    }
    return [(_("The parents"), rows(PARENT_RATING_FIELDS)), (professional, rows(OWN_RATING_FIELDS))]


@require_http_methods(["GET", "POST"])
@staff_login_required
@vary_on_headers("HX-Request")
def reflection_edit(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Who needs what? The six needs rated, a note, and the next contact, with
    a suggestion the professional accepts or changes."""
    conversation = get_object_or_404(
        _scoped(request, write=request.method == "POST").select_related("child__family", "owner"),
        pk=conversation_id,
    )
    open_agreements = list(conversation.agreements.open())
    template = "conversations/followup/reflection_edit.html"

    if request.method == "GET" and request.htmx:
        # The suggestion follows the ratings while they are ticked, before saving.
        ratings = {**ratings_of(conversation), **_ratings_from(request.GET)}
        suggestion = next_contact_suggestion(
            conversation, open_agreements=open_agreements, ratings=ratings
        )
        return render(
            request,
            f"{template}#suggestion",
            {"conversation": conversation, "suggestion": suggestion, "can_edit": True},
        )

    note_field = FIELDS["reflection_note"]
    if request.method == "POST":
        can_edit = True
        form = ReflectionForm(request.POST, instance=conversation)
        [note] = save_posted_texts(
            conversation=conversation, fields=[note_field], post=request.POST, user=request.user
        )
        if form.is_valid():
            conversation = form.save(commit=False)
            if request.POST.get("action") == "suggest":
                suggestion = next_contact_suggestion(conversation, open_agreements=open_agreements)
                conversation.next_contact_on = suggestion.on
                conversation.next_contact_kind = suggestion.kind
            was_done = conversation.status == Conversation.Status.FOLLOWED_UP
            done = form.cleaned_data["done"]
            conversation.status = reflection_status(current=conversation.status, done=done)
            conversation.save(
                update_fields=[
                    *RATING_FIELDS,
                    "next_contact_on",
                    "next_contact_kind",
                    "status",
                    "updated_at",
                ]
            )
            if note.conflict is None:
                if request.POST.get("action") == "suggest":
                    messages.success(
                        request,
                        _("The suggested next contact is filled in. Change it if you like."),
                    )
                elif done and not was_done:
                    messages.success(request, _("Well done: the conversation is followed up."))
                    return redirect(conversation)
                else:
                    messages.success(request, _("Your reflection is saved."))
                return redirect("reflection_edit", conversation.pk)
            form = ReflectionForm(instance=conversation)
    else:
        can_edit = _can_edit(request, conversation)
        form = ReflectionForm(instance=conversation) if can_edit else None
        [note] = bound_texts(conversation, [note_field])

    suggestion = next_contact_suggestion(
        conversation,
        open_agreements=open_agreements,
        ratings={**ratings_of(conversation), **_ratings_from(request.POST)},
    )
    return render(
        request,
        template,
        {
            "conversation": conversation,
            "child": conversation.child,
            "can_edit": can_edit,
            "form": form,
            "note": note,
            "suggestion": suggestion,
            "open_agreements": open_agreements,
            "rating_rows": _rating_rows(conversation),
            "own_low": any(
                (getattr(conversation, field) or LOW_RATING + 1) <= LOW_RATING
                for field in OWN_RATING_FIELDS
            ),
        },
    )
