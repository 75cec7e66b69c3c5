"""AVG (GDPR) pages: the export for an access request, erasure, the parents'
own view of a conversation, and the public privacy page.

Export and erasure are coordinator tasks: they fetch the family through the
locations the user coordinates, so a professional, even of the family's own
group, gets 404 like any outsider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from conversations.fields import save_posted_texts
from conversations.models import (
    Agreement,
    ChosenPrompt,
    Contact,
    Conversation,
    ConversationText,
    ParentLink,
    QuestionnaireAnswer,
)
from families import privacy
from families.access import staff_login_required
from families.models import Family, Location

if TYPE_CHECKING:
    from families.models import FamilyQuerySet


def _coordinated_families(request: HttpRequest) -> FamilyQuerySet:
    return Family.objects.filter(location__in=Location.objects.coordinated_by(request.user))


# Export for an access request


@require_GET
@staff_login_required
@never_cache
def family_export(request: HttpRequest, family_id: int) -> HttpResponse:
    """Everything held about a family, on one printable page."""
    family = get_object_or_404(
        privacy.family_export_queryset().filter(pk__in=_coordinated_families(request)),
        pk=family_id,
    )
    return render(
        request,
        "families/privacy/family_export.html",
        {
            "family": family,
            "export": privacy.family_export_data(family),
            "retention_years": settings.RETENTION_YEARS,
        },
    )


@require_GET
@staff_login_required
@never_cache
def family_export_json(request: HttpRequest, family_id: int) -> HttpResponse:
    """The same as a JSON file, with Dutch labels whatever the page language."""
    family = get_object_or_404(
        privacy.family_export_queryset().filter(pk__in=_coordinated_families(request)),
        pk=family_id,
    )
    with translation.override(settings.LANGUAGE_CODE):
        data = privacy.family_export_data(family)
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    # The file name holds no name: downloads folders and logs keep file names.
    filename = f"samenspraak-gezin-{family.pk}-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Erasure


class FamilyEraseForm(forms.Form):
    family_name = forms.CharField(
        label=gettext_lazy("Type the family's name to confirm"), max_length=200
    )

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.family = family
        field = self.fields["family_name"]
        field.help_text = _("Type it as it is written here: %(name)s") % {"name": family.name}
        field.widget.attrs.update(autocomplete="off", spellcheck="false")

    def clean_family_name(self) -> str:
        typed = self.cleaned_data["family_name"]
        if typed.strip().casefold() != self.family.name.strip().casefold():
            raise forms.ValidationError(
                _("This is not the family's name as shown above. Nothing was erased.")
            )
        return typed


def _erasure_preview(family: Family) -> dict[str, int]:
    """How many records the erasure touches, to show before it happens."""
    conversations = Conversation.objects.filter(child__family=family)
    return {
        "children": family.children.count(),
        "guardians": family.guardians.count(),
        "conversations": conversations.count(),
        "texts": ConversationText.objects.filter(conversation__in=conversations).count(),
        "own_questions": ChosenPrompt.objects.filter(
            conversation__in=conversations, prompt__isnull=True
        ).count(),
        "agreements": Agreement.objects.filter(conversation__in=conversations).count(),
        "contacts": Contact.objects.filter(child__family=family).count(),
        "parent_links": ParentLink.objects.filter(conversation__in=conversations).count(),
        "answers": QuestionnaireAnswer.objects.filter(link__conversation__in=conversations).count(),
    }


@require_http_methods(["GET", "POST"])
@staff_login_required
def family_erase(request: HttpRequest, family_id: int) -> HttpResponse:
    """Ask for confirmation (the family's name typed), then anonymise."""
    family = get_object_or_404(
        _coordinated_families(request).select_related("location"), pk=family_id
    )
    form = FamilyEraseForm(request.POST or None, family=family)
    if request.method == "POST" and form.is_valid():
        privacy.family_erase(family=family, user=request.user)
        messages.success(
            request,
            _(
                "The family's data is erased. The records that remain hold no names, "
                "contact details or notes."
            ),
        )
        return redirect("family_detail", family.pk)
    return render(
        request,
        "families/privacy/family_erase.html",
        {
            "family": family,
            "form": form,
            "counts": _erasure_preview(family),
            "retention_years": settings.RETENTION_YEARS,
        },
    )


# The parents' own view of a conversation


@require_http_methods(["GET", "POST"])
@staff_login_required
def parent_view_edit(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The parents' view on a page of its own. It autosaves on the conversation
    page; this form post is the way to save it without JavaScript. Whoever may
    see the conversation reads it; its professionals write it."""
    scope = (
        Conversation.objects.editable_by(request.user)
        if request.method == "POST"
        else Conversation.objects.visible_to(request.user)
    )
    conversation = get_object_or_404(scope.select_related("child", "owner"), pk=conversation_id)
    if request.method == "POST":
        [field] = save_posted_texts(
            conversation=conversation,
            fields=[privacy.PARENT_VIEW],
            post=request.POST,
            user=request.user,
        )
        if field.conflict is None:
            messages.success(request, _("The parents' view is saved."))
            return redirect(f"{conversation.get_absolute_url()}#parent-view")
        parent_view = privacy.parent_view_of(conversation, field)
        can_edit = True
    else:
        parent_view = privacy.parent_view_of(conversation)
        can_edit = (
            Conversation.objects.editable_by(request.user).filter(pk=conversation.pk).exists()
        )
    return render(
        request,
        "families/privacy/parent_view_edit.html",
        {
            "conversation": conversation,
            "child": conversation.child,
            "parent_view": parent_view,
            "can_edit": can_edit,
        },
    )


# The privacy page


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    """What Samenspraak stores, why, who sees it and for how long. Public.

    The parent pages link here as `?taal=<their language>`: the same text then
    comes in that language (right to left for Arabic) in the parent pages'
    frame, since a parent has no account and no use for the staff menu. The
    address names only a language, never the parent's link. Any other value
    gives the staff page, in the staff language."""
    context = {
        "retention_years": settings.RETENTION_YEARS,
        "parent_link_days": settings.PARENT_LINK_DAYS,
        "idle_minutes": max(1, settings.SESSION_COOKIE_AGE // 60),
        "max_hours": max(1, round(settings.SESSION_MAX_SECONDS / 3600)),
    }
    language = request.GET.get("taal")
    if language not in settings.PARENT_LANGUAGES:
        return render(request, "privacy/privacy.html", context)
    with translation.override(language):
        response = render(request, "privacy/parents.html", context)
    response["Content-Language"] = language
    return response
