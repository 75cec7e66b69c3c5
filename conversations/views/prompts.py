"""The prompt library of a location: the shared prompts plus the location's
own, which its coordinators add, edit, retire and restore."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations import services
from conversations.models import ChosenPrompt, Phase, Prompt
from conversations.prompt_forms import AUDIENCE_SHORT, KIND_SHORT, PromptFilterForm, PromptForm
from families.access import staff_login_required
from families.models import Location

PAGE_SIZE = 50

# The order in which the phases happen, not the alphabet.
PHASE_ORDER = Case(
    *[When(phase=phase, then=Value(position)) for position, phase in enumerate(Phase.values)],
    output_field=IntegerField(),
)


def _library(prompts: QuerySet[Prompt]) -> QuerySet[Prompt]:
    return (
        prompts.annotate(
            phase_order=PHASE_ORDER,
            is_used=Exists(ChosenPrompt.objects.filter(prompt=OuterRef("pk"))),
        )
        .prefetch_related("kinds")
        .order_by("phase_order", "need", "audience", "pk")
    )


def _labelled(prompts: Iterable[Prompt]) -> list[Prompt]:
    """The prompts with the short names the table shows."""
    prompts = list(prompts)
    for prompt in prompts:
        prompt.audience_label = AUDIENCE_SHORT[prompt.audience]
        kinds = {prompt_kind.kind for prompt_kind in prompt.kinds.all()}
        prompt.kind_labels = [label for kind, label in KIND_SHORT.items() if kind in kinds]
    return prompts


def _list_url(location_id: int, data: QueryDict | None = None) -> str:
    """The library page, with the filters the coordinator had set."""
    url = reverse("prompt_list", args=[location_id])
    filters = PromptFilterForm(data).active_filters() if data is not None else {}
    return f"{url}?{urlencode(filters)}" if filters else url


def _short(prompt: Prompt) -> str:
    return Truncator(prompt.text).chars(60)


@require_GET
@staff_login_required
@vary_on_headers("HX-Request")
def prompt_list(request: HttpRequest, location_id: int) -> HttpResponse:
    location = get_object_or_404(Location.objects.coordinated_by(request.user), pk=location_id)
    form = PromptFilterForm(request.GET or None)
    library = form.apply(Prompt.objects.for_location(location))
    page = Paginator(_library(library.active()), PAGE_SIZE).get_page(request.GET.get("page"))
    filters = form.active_filters()
    context = {
        "location": location,
        "form": form,
        "page": page,
        "prompts": _labelled(page),
        "retired": _labelled(_library(library.filter(location=location, retired_at__isnull=False))),
        "filters": filters,
        "filter_query": urlencode(filters),
    }
    if request.htmx:
        return render(request, "conversations/prompts/prompt_list.html#results", context)
    return render(request, "conversations/prompts/prompt_list.html", context)


@require_http_methods(["GET", "POST"])
@staff_login_required
def prompt_create(request: HttpRequest, location_id: int) -> HttpResponse:
    location = get_object_or_404(Location.objects.coordinated_by(request.user), pk=location_id)
    form = PromptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        prompt = services.prompt_save(prompt=None, location=location, **form.cleaned_data)
        messages.success(
            request, _("“%(text)s” is added to the library.") % {"text": _short(prompt)}
        )
        return redirect("prompt_list", location.pk)
    return render(
        request,
        "conversations/prompts/prompt_form.html",
        {"location": location, "form": form, "prompt": None},
    )


@require_http_methods(["GET", "POST"])
@staff_login_required
def prompt_edit(request: HttpRequest, prompt_id: int) -> HttpResponse:
    prompt = get_object_or_404(
        Prompt.objects.managed_by(request.user)
        .select_related("location")
        .prefetch_related("kinds"),
        pk=prompt_id,
    )
    form = PromptForm(request.POST or None, initial=PromptForm.initial_for(prompt))
    if request.method == "POST" and form.is_valid():
        services.prompt_save(prompt=prompt, location=prompt.location, **form.cleaned_data)
        messages.success(request, _("“%(text)s” is saved.") % {"text": _short(prompt)})
        return redirect("prompt_list", prompt.location_id)
    return render(
        request,
        "conversations/prompts/prompt_form.html",
        {
            "location": prompt.location,
            "form": form,
            "prompt": prompt,
            "use_count": prompt.uses.count(),
        },
    )


@require_POST
@staff_login_required
def prompt_retire(request: HttpRequest, prompt_id: int) -> HttpResponse:
    prompt = get_object_or_404(Prompt.objects.managed_by(request.user), pk=prompt_id)
    services.prompt_retire(prompt=prompt)
    messages.success(
        request,
        _(
            "“%(text)s” is retired: it no longer appears when staff prepare a conversation. "
            "You can put it back at any time."
        )
        % {"text": _short(prompt)},
    )
    return redirect(_list_url(prompt.location_id, request.POST))


@require_POST
@staff_login_required
def prompt_restore(request: HttpRequest, prompt_id: int) -> HttpResponse:
    prompt = get_object_or_404(Prompt.objects.managed_by(request.user), pk=prompt_id)
    services.prompt_restore(prompt=prompt)
    messages.success(request, _("“%(text)s” is back in the library.") % {"text": _short(prompt)})
    return redirect(_list_url(prompt.location_id, request.POST))


@require_POST
@staff_login_required
def prompt_delete(request: HttpRequest, prompt_id: int) -> HttpResponse:
    prompt = get_object_or_404(Prompt.objects.managed_by(request.user), pk=prompt_id)
    location_id, text = prompt.location_id, _short(prompt)
    if services.prompt_remove(prompt=prompt):
        messages.success(request, _("“%(text)s” is deleted.") % {"text": text})
    else:
        messages.warning(
            request,
            _(
                "“%(text)s” was used in a conversation, so it is retired instead of deleted. "
                "That conversation keeps the question as it was asked."
            )
            % {"text": text},
        )
    return redirect(_list_url(location_id, request.POST))
