"""Agreements (who does what, by when, how we check) and quick informal contacts.

The contact tally per child comes from conversations.queries, as on the
families pages, so the htmx answers of this module count in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations.agreement_forms import AgreementForm, AgreementUpdateForm, ContactForm
from conversations.models import Agreement, Contact, Conversation
from conversations.queries import with_contact_summary
from families.access import staff_login_required
from families.models import Child
from families.redirects import safe_next_path
from families.school_year import current_school_year

if TYPE_CHECKING:
    pass

LIST_TEMPLATE = "conversations/agreements/agreement_list.html"
CONTACT_CELL_TEMPLATE = "conversations/agreements/contact_cell.html"


def contact_choices() -> dict[str, Any]:
    """What the contact form in each child's cell needs to render."""
    return {
        "contact_channels": Contact.Channel.choices,
        "contact_tones": Contact.Tone.choices,
        "default_channel": Contact.Channel.DROP_OFF_PICK_UP,
    }


# Agreements


def _list_context(
    conversation: Conversation, *, can_edit: bool, form: AgreementForm | None, **extra: Any
) -> dict[str, Any]:
    agreements = list(conversation.agreements.all())
    return {
        "conversation": conversation,
        "child": conversation.child,
        "open_agreements": [a for a in agreements if a.status == Agreement.Status.OPEN],
        "closed_agreements": [a for a in agreements if a.status != Agreement.Status.OPEN],
        "can_edit": can_edit,
        "form": form,
        **extra,
    }


@require_GET
@staff_login_required
def agreement_list(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.visible_to(request.user).select_related("child"), pk=conversation_id
    )
    can_edit = Conversation.objects.editable_by(request.user).filter(pk=conversation.pk).exists()
    form = AgreementForm() if can_edit else None
    return render(request, LIST_TEMPLATE, _list_context(conversation, can_edit=can_edit, form=form))


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def agreement_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.editable_by(request.user).select_related("child"), pk=conversation_id
    )
    form = AgreementForm(request.POST)
    if not form.is_valid():
        context = _list_context(conversation, can_edit=True, form=form)
        if request.htmx:
            response = render(request, f"{LIST_TEMPLATE}#agreements", context, status=422)
            # Scroll to the form and its messages rather than the top of the list.
            response["HX-Reswap"] = "outerHTML show:#add-agreement-heading:top"
            return response
        return render(request, LIST_TEMPLATE, context)
    agreement = form.save(commit=False)
    agreement.conversation = conversation
    agreement.save()
    if request.htmx:
        context = _list_context(conversation, can_edit=True, form=AgreementForm(), added=agreement)
        return render(request, f"{LIST_TEMPLATE}#agreements", context)
    messages.success(request, _("The agreement is added."))
    if agreement.is_overdue:
        messages.warning(request, _("Its date has already passed, so it shows as overdue."))
    return redirect("agreement_list", conversation.pk)


@require_http_methods(["GET", "POST"])
@staff_login_required
def agreement_update(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = get_object_or_404(
        Agreement.objects.filter(
            conversation__in=Conversation.objects.editable_by(request.user)
        ).select_related("conversation__child"),
        pk=agreement_id,
    )
    form = AgreementUpdateForm(request.POST or None, instance=agreement)
    next_url = safe_next_path(request)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The agreement is saved."))
        return redirect(next_url or reverse("agreement_list", args=[agreement.conversation_id]))
    return render(
        request,
        "conversations/agreements/agreement_update.html",
        {
            "agreement": agreement,
            "conversation": agreement.conversation,
            "child": agreement.conversation.child,
            "form": form,
            "next": next_url,
        },
    )


# Informal contacts


@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def contact_log(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_object_or_404(Child.objects.visible_to(request.user), pk=child_id)
    form = ContactForm(request.POST)
    next_url = safe_next_path(request)
    logged = None
    if form.is_valid():
        logged = form.save(commit=False)
        logged.child = child
        logged.author = request.user
        logged.school_year = current_school_year()
        logged.save()
    if request.htmx:
        context = {
            "child": with_contact_summary(Child.objects.filter(pk=child.pk)).get(),
            "logged": logged,
            "errors": form.errors if logged is None else None,
            # The form appends the anchor of the cell again.
            "next": next_url.partition("#")[0],
            **contact_choices(),
        }
        return render(request, CONTACT_CELL_TEMPLATE, context, status=200 if logged else 422)
    if logged is None:
        messages.error(
            request, _("Not saved: choose how you had contact and tap the tone of the contact.")
        )
    else:
        messages.success(
            request,
            _("Contact about %(name)s saved: %(tone)s.")
            % {"name": child.first_name, "tone": logged.get_tone_display()},
        )
    return redirect(next_url or child.get_absolute_url())
