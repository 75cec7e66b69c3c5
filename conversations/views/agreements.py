"""Agreements (who does what, by when, how we check) and quick informal contacts.

The two summaries the families pages show, open agreements and the contact
tally per child, are built here too, so that the group, child and home pages
and the htmx answers of this module count in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations.agreement_forms import AgreementForm, AgreementUpdateForm, ContactForm
from conversations.models import Agreement, Contact, Conversation
from families.access import staff_login_required
from families.models import Child
from families.school_year import current_school_year

if TYPE_CHECKING:
    from families.models import AnyUser

LIST_TEMPLATE = "conversations/agreements/agreement_list.html"
CONTACT_CELL_TEMPLATE = "conversations/agreements/contact_cell.html"

# The home page lists this many open agreements, those due first; the count says
# how many more there are.
HOME_AGREEMENT_LIMIT = 20


# Summaries for the families pages


def open_agreements_for(user: AnyUser, limit: int = HOME_AGREEMENT_LIMIT) -> list[Agreement]:
    """Open agreements of the conversations `user` may edit (their own, or about
    children in their groups), overdue first. Each row carries `open_total` and
    `overdue_total` for the whole list: window counts, so no second query."""
    today = timezone.localdate()
    return list(
        Agreement.objects.open()
        .filter(conversation__in=Conversation.objects.editable_by(user))
        .select_related("conversation__child")
        .annotate(
            open_total=Window(Count("pk")),
            overdue_total=Window(Count("pk", filter=Q(due_on__lt=today))),
        )
        .order_by("due_on", "pk")[:limit]
    )


def open_agreements_of_child(child: Child, user: AnyUser) -> QuerySet[Agreement]:
    """The child's open agreements, each with `can_edit` for this user."""
    editable = Conversation.objects.editable_by(user).filter(pk=OuterRef("conversation"))
    return (
        Agreement.objects.open()
        .filter(conversation__child=child)
        .select_related("conversation")
        .annotate(can_edit=Exists(editable))
        .order_by("due_on", "pk")
    )


def _count(contacts: QuerySet[Contact]) -> Coalesce:
    counted = contacts.order_by().values("child").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_contact_summary(children: QuerySet[Child]) -> QuerySet[Child]:
    """Annotate each child with the last informal contact (any year) and the
    number of contacts, and of positive ones, in the current school year.

    Correlated subqueries rather than joins: the group page already counts
    guardians with a join, and joining contacts too would multiply the rows.
    """
    this_year = Contact.objects.filter(child=OuterRef("pk"), school_year=current_school_year())
    latest = Contact.objects.filter(child=OuterRef("pk")).order_by("-occurred_at", "-pk")
    return children.annotate(
        contacts_this_year=_count(this_year),
        positive_this_year=_count(this_year.filter(tone=Contact.Tone.POSITIVE)),
        last_contact_at=Subquery(latest.values("occurred_at")[:1]),
        last_contact_tone=Subquery(latest.values("tone")[:1]),
    )


def recent_contacts_with_summary(child: Child, limit: int = 5) -> list[Contact]:
    """The child's latest contacts, newest first. Sets on `child` the same
    attributes as `with_contact_summary`, from this one query: the window
    counts run over all the child's contacts before the limit applies."""
    this_year = Q(school_year=current_school_year())
    recent = list(
        child.contacts.select_related("author")
        .annotate(
            year_total=Window(Count("pk", filter=this_year)),
            year_positive=Window(Count("pk", filter=this_year & Q(tone=Contact.Tone.POSITIVE))),
        )
        .order_by("-occurred_at", "-pk")[:limit]
    )
    latest = recent[0] if recent else None
    child.contacts_this_year = latest.year_total if latest else 0
    child.positive_this_year = latest.year_positive if latest else 0
    child.last_contact_at = latest.occurred_at if latest else None
    child.last_contact_tone = latest.tone if latest else None
    return recent


def contact_choices() -> dict[str, Any]:
    """What the contact form in each child's cell needs to render."""
    return {
        "contact_channels": Contact.Channel.choices,
        "contact_tones": Contact.Tone.choices,
        "default_channel": Contact.Channel.DROP_OFF_PICK_UP,
    }


def _safe_next(request: HttpRequest) -> str:
    """The `next` URL the form came from, if it points to this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


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
    next_url = _safe_next(request)
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
    next_url = _safe_next(request)
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
