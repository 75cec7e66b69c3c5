"""The prompt library as coordinators manage it: the form for one prompt, the
filter over the library, and the writes behind them.

A prompt that a conversation used is never deleted, only retired: the
conversation keeps its own copy of the text (ChosenPrompt.text), and the
foreign key protects the prompt.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models import Audience, Kind, Need, Phase, Prompt, PromptKind
from families.models import Location

# One or two sentences; room to spare, but not for a pasted document.
MAX_PROMPT_LENGTH = 500

# Short names for the library's filter and table, where the full names of the
# kinds and audiences would crowd out the questions themselves.
KIND_SHORT = {
    Kind.WELLBEING: _("Getting to know each other"),
    Kind.PROGRESS: _("Progress"),
    Kind.CONCERN: _("Concern"),
    Kind.SUPPORT_PLAN: _("Support plan"),
    Kind.INFORMAL: _("Informal contact"),
}
AUDIENCE_SHORT = {
    Audience.PARENT: _("Parent"),
    Audience.CHILD: _("Child"),
    Audience.PROFESSIONAL: _("Myself (reflection)"),
}


class PromptForm(forms.Form):
    need = forms.ChoiceField(
        label=_("Which need does it serve?"),
        choices=Need.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Relatedness: feeling seen, heard and connected. Competence: knowing what is "
            "expected and how to help. Autonomy: room to do things in your own way."
        ),
    )
    audience = forms.ChoiceField(
        label=_("For whom?"), choices=Audience.choices, widget=forms.RadioSelect
    )
    phase = forms.ChoiceField(
        label=_("In which phase of the conversation?"),
        choices=Phase.choices,
        widget=forms.RadioSelect,
    )
    kinds = forms.MultipleChoiceField(
        label=_("Which kinds of conversation does it fit?"),
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of conversation.")},
    )
    text_nl = forms.CharField(
        label=_("Text in Dutch"),
        max_length=MAX_PROMPT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "nl"}),
        help_text=_(
            "One or two short sentences in plain words. Speak to parents and children with “je”."
        ),
    )
    text_en = forms.CharField(
        label=_("Text in English (optional)"),
        max_length=MAX_PROMPT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "en"}),
        help_text=_("Shown to staff who use the app in English. Without it they see the Dutch."),
    )

    @staticmethod
    def initial_for(prompt: Prompt) -> dict[str, Any]:
        return {
            "need": prompt.need,
            "audience": prompt.audience,
            "phase": prompt.phase,
            "kinds": [prompt_kind.kind for prompt_kind in prompt.kinds.all()],
            "text_nl": prompt.text_nl,
            "text_en": prompt.text_en,
        }


class PromptFilterForm(forms.Form):
    """Narrows the library down. The values are not sensitive, so they travel
    in the URL and a filtered list can be bookmarked."""

    need = forms.ChoiceField(
        label=_("Need"), choices=[("", _("All needs")), *Need.choices], required=False
    )
    audience = forms.ChoiceField(
        label=_("For whom"),
        choices=[("", _("Everyone")), *AUDIENCE_SHORT.items()],
        required=False,
    )
    phase = forms.ChoiceField(
        label=_("Phase"), choices=[("", _("All phases")), *Phase.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind of conversation"),
        choices=[("", _("All kinds")), *KIND_SHORT.items()],
        required=False,
    )

    def active_filters(self) -> dict[str, str]:
        """The filters that are set and valid; an unknown value is ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    def apply(self, prompts: QuerySet[Prompt]) -> QuerySet[Prompt]:
        filters = self.active_filters()
        kind = filters.pop("kind", None)
        if kind:
            prompts = prompts.for_kind(kind)
        return prompts.filter(**filters)


@transaction.atomic
def prompt_save(
    *,
    prompt: Prompt | None,
    location: Location,
    need: str,
    audience: str,
    phase: str,
    kinds: list[str],
    text_nl: str,
    text_en: str = "",
) -> Prompt:
    """Create a location's own prompt (prompt=None) or change one, with the
    kinds it fits. Conversations that used it keep their copy of the text."""
    if prompt is None:
        prompt = Prompt(location=location)
    elif prompt.location_id != location.pk:
        raise ValueError("A prompt stays with the location that wrote it.")
    prompt.need = need
    prompt.audience = audience
    prompt.phase = phase
    prompt.text_nl = text_nl
    prompt.text_en = text_en
    prompt.save()
    prompt.kinds.exclude(kind__in=kinds).delete()
    existing = set(prompt.kinds.values_list("kind", flat=True))
    PromptKind.objects.bulk_create(
        PromptKind(prompt=prompt, kind=kind)
        for kind in dict.fromkeys(kinds)
        if kind not in existing
    )
    return prompt


def prompt_retire(*, prompt: Prompt) -> None:
    Prompt.objects.filter(pk=prompt.pk, retired_at__isnull=True).update(retired_at=timezone.now())


def prompt_restore(*, prompt: Prompt) -> None:
    Prompt.objects.filter(pk=prompt.pk).update(retired_at=None)


def prompt_remove(*, prompt: Prompt) -> bool:
    """Delete a prompt that no conversation used; retire it when one did.
    Returns whether it was deleted.

    The protecting foreign key decides, so a conversation that picks the
    prompt while it is being removed still keeps it."""
    pk = prompt.pk
    try:
        with transaction.atomic():
            prompt.delete()
    except (ProtectedError, IntegrityError):
        prompt.pk = pk
        prompt_retire(prompt=prompt)
        return False
    return True
