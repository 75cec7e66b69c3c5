"""Forms for agreements (who does what, by when) and quick informal contacts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.models import Agreement, Contact

AGREEMENT_FIELDS = ["who", "who_name", "what", "due_on", "check_how"]

AGREEMENT_WIDGETS = {
    "who": forms.RadioSelect,
    "what": forms.Textarea(attrs={"rows": 3}),
    "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
}

AGREEMENT_LABELS = {
    "who": _("Who does it?"),
    "who_name": _("Name (optional)"),
    "what": _("What will be done?"),
    "due_on": _("By when?"),
    "check_how": _("How will you check back?"),
}

AGREEMENT_HELP = {
    "who_name": _("For example which parent, or which colleague."),
    "what": _(
        "One concrete step. Something for home should fit what this parent can and wants to do."
    ),
    "check_how": _("For example: a short chat at pick-up on that day, or a phone call."),
}

AGREEMENT_ERRORS = {
    "who": {"required": _("Choose who does it.")},
    "what": {"required": _("Write down what will be done.")},
    "due_on": {
        "required": _("Choose a date by when it will be done."),
        "invalid": _("Enter a date, for example 15-10-2026."),
    },
}


class AgreementForm(forms.ModelForm):
    """A new agreement. A date in the past is allowed: agreements are
    sometimes written down a while after the conversation."""

    class Meta:
        model = Agreement
        fields = AGREEMENT_FIELDS
        widgets = AGREEMENT_WIDGETS
        labels = AGREEMENT_LABELS
        help_texts = AGREEMENT_HELP
        error_messages = AGREEMENT_ERRORS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A radio list without the empty "---------" choice.
        self.fields["who"].choices = Agreement.Who.choices


class AgreementUpdateForm(AgreementForm):
    """Change an agreement, or close it as done or dropped with a note."""

    class Meta(AgreementForm.Meta):
        fields = [*AGREEMENT_FIELDS, "status", "status_note"]
        widgets = {**AGREEMENT_WIDGETS, "status": forms.RadioSelect}
        labels = {
            **AGREEMENT_LABELS,
            "status": _("Status"),
            "status_note": _("Note on the status"),
        }
        help_texts = {
            **AGREEMENT_HELP,
            "status_note": _(
                "For example what worked. When you drop an agreement, say briefly why."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = Agreement.Status.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("status") == Agreement.Status.DROPPED and not cleaned.get("status_note"):
            self.add_error(
                "status_note",
                _("Say briefly why the agreement is dropped, so everyone knows where it stands."),
            )
        return cleaned


class ContactForm(forms.ModelForm):
    """A quick informal contact: how it went (the channel) and its tone."""

    class Meta:
        model = Contact
        fields = ["channel", "tone", "note"]
        error_messages = {
            "channel": {"required": _("Choose how you had contact.")},
            "tone": {"required": _("Choose the tone of the contact.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = Contact.Channel.choices
        self.fields["tone"].choices = Contact.Tone.choices
