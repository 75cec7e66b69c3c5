from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations.models import (
    AgendaItem,
    Audience,
    ChosenPrompt,
    Conversation,
    Kind,
    Need,
    Prompt,
)
from conversations.summary import OWN_RATING_FIELDS, PARENT_RATING_FIELDS, RATING_FIELDS
from families.models import Child, Guardian


class GuardianChoiceField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        # Only a parent removed from the family since the page was opened (or a
        # tampered form) gets here: say so, not Django's "valid choice".
        "invalid_choice": _(
            "One of these parents or carers is no longer part of the family. "
            "Look at the list again and choose."
        ),
        "invalid_pk_value": _(
            "One of these parents or carers is no longer part of the family. "
            "Look at the list again and choose."
        ),
    }

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


# Preparation


class PromptChoiceForm(forms.Form):
    """Add a question from the library, or remove a chosen one."""

    add = forms.ModelChoiceField(
        queryset=Prompt.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _(
                "This question is no longer in the library. Choose another one or write your own."
            )
        },
    )
    remove = forms.ModelChoiceField(queryset=ChosenPrompt.objects.none(), required=False)

    def __init__(self, *args: Any, conversation: Conversation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["add"].queryset = Prompt.objects.library_for(conversation)
        self.fields["remove"].queryset = conversation.chosen_prompts.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("add")) == bool(cleaned.get("remove")):
            raise forms.ValidationError(_("Choose one question to add or remove."))
        return cleaned


class OwnQuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your own question"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    audience = forms.ChoiceField(
        label=_("For whom"), choices=Audience.choices, initial=Audience.PARENT
    )
    need = forms.ChoiceField(
        label=_("Which need does it touch? (optional)"),
        choices=[("", _("no need chosen")), *Need.choices],
        required=False,
    )


class AgendaItemForm(forms.ModelForm):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=120, initial=5)

    class Meta:
        model = AgendaItem
        fields = ["title", "source", "minutes"]
        labels = {"title": _("Topic"), "source": _("Raised by")}


class AgendaMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


# Meeting mode

# A talk-time total above this is a broken client, not a conversation.
MAX_TALK_SECONDS = 6 * 60 * 60


class TalkTimeForm(forms.Form):
    professional = forms.IntegerField(min_value=0, max_value=MAX_TALK_SECONDS)
    parent = forms.IntegerField(min_value=0, max_value=MAX_TALK_SECONDS)
    child = forms.IntegerField(min_value=0, max_value=MAX_TALK_SECONDS)


# Follow-up

RATING_CHOICES = [
    (1, _("not")),
    (2, _("a little")),
    (3, _("mostly")),
    (4, _("fully")),
]
RATING_LABELS = dict(RATING_CHOICES)

# Each need with a one-line explanation, for the parents and for oneself.
NEEDS = {
    "parent_relatedness": (
        _("Relatedness"),
        _("Did the parents feel seen, heard and welcome? Could they trust you?"),
    ),
    "parent_competence": (
        _("Competence"),
        _(
            "Did the parents understand what happens in the group and how they can "
            "help at home? Was language in the way?"
        ),
    ),
    "parent_autonomy": (
        _("Autonomy"),
        _(
            "Did the parents feel free to raise their child in their own way, "
            "with their own values?"
        ),
    ),
    "own_relatedness": (
        _("Relatedness"),
        _("Did you feel a real connection with the parents?"),
    ),
    "own_competence": (
        _("Competence"),
        _("Did you feel capable in this conversation, also when it got harder?"),
    ),
    "own_autonomy": (
        _("Autonomy"),
        _("Did you have room to arrange the contact in a way that suits you?"),
    ),
}


def _rating_field(name: str) -> forms.TypedChoiceField:
    label, help_text = NEEDS[name]
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose one of the four answers: not, a little, mostly or fully.")
        },
    )


class ReflectionForm(forms.ModelForm):
    parent_relatedness = _rating_field("parent_relatedness")
    parent_competence = _rating_field("parent_competence")
    parent_autonomy = _rating_field("parent_autonomy")
    own_relatedness = _rating_field("own_relatedness")
    own_competence = _rating_field("own_competence")
    own_autonomy = _rating_field("own_autonomy")
    next_contact_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    next_contact_kind = forms.ChoiceField(
        label=_("Kind of contact"),
        choices=[("", "—"), *Kind.choices],
        required=False,
    )
    done = forms.BooleanField(
        label=_("The follow-up is done"),
        help_text=_(
            "You checked the agreements and reflected on the needs. The conversation "
            "then counts as followed up."
        ),
        required=False,
    )

    class Meta:
        model = Conversation
        fields = [*RATING_FIELDS, "next_contact_on", "next_contact_kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done"].initial = self.instance.status == Conversation.Status.FOLLOWED_UP

    def clean_next_contact_on(self) -> Any:
        day = self.cleaned_data["next_contact_on"]
        # Only a newly picked date must lie ahead: an old one may stay on the record.
        if day and "next_contact_on" in self.changed_data and day < timezone.localdate():
            raise forms.ValidationError(gettext("Pick a date from today on."))
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("next_contact_kind") and not cleaned.get("next_contact_on"):
            self.add_error("next_contact_on", gettext("Pick a date for the next contact too."))
        if cleaned.get("done") and any(
            cleaned.get(field) is None for field in RATING_FIELDS if field not in self.errors
        ):
            self.add_error(
                "done",
                gettext("Rate all six needs first; then you can mark the follow-up as done."),
            )
        return cleaned

    def rating_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (gettext("The parents"), [self[field] for field in PARENT_RATING_FIELDS]),
            (gettext("Me"), [self[field] for field in OWN_RATING_FIELDS]),
        ]
