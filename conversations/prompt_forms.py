"""The prompt library as coordinators manage it: the form for one prompt and
the filter over the library. The writes behind them are in services.py.

A prompt that a conversation used is never deleted, only retired: the
conversation keeps its own copy of the text (ChosenPrompt.text), and the
foreign key protects the prompt.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from conversations.models import Audience, Kind, Need, Phase, Prompt

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
