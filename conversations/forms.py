from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.models import Conversation, Kind
from families.models import Child, Guardian


class GuardianChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Guardian) -> str:
        return f"{obj.full_name} ({obj.get_relation_display()})"


class ConversationStartForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of conversation?"),
        choices=Kind.choices,
        initial=Kind.WELLBEING,
        widget=forms.RadioSelect,
    )
    guardians = GuardianChoiceField(
        label=_("Which parents take part?"),
        queryset=Guardian.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Parents who live apart can also each have their own conversation."),
    )
    date = forms.DateField(
        label=_("Date (if already known)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, child: Child, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guardians = child.family.guardians.all()
        self.fields["guardians"].queryset = guardians
        self.fields["guardians"].initial = [g.pk for g in guardians if g.lives_with_children]


class ConversationDetailsForm(forms.ModelForm):
    guardians = GuardianChoiceField(
        label=_("Parents taking part"),
        queryset=Guardian.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Conversation
        fields = [
            "guardians",
            "child_takes_part",
            "interpreter",
            "interpreter_language",
            "other_participants",
            "coordinator_joins",
            "date",
            "start_time",
            "duration_minutes",
            "place",
            "video_link",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guardians"].queryset = self.instance.child.family.guardians.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("interpreter") and not cleaned.get("interpreter_language"):
            self.add_error(
                "interpreter_language", _("Say which language the interpreter should speak.")
            )
        return cleaned


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Conversation.Status.choices)
