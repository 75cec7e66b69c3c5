"""Forms parents fill in through their link: one question at a time, the
language switch, and their reply to the summary.

Error messages are in the parent's language (the view runs inside the link's
language) and say what to do, in plain words.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from conversations.questionnaire import (
    INTERPRETER,
    MULTI,
    NO_INTERPRETER,
    RANKED,
    SCALE,
    TEXT,
    Question,
)
from families.languages import Language

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from conversations.models import QuestionnaireAnswer

# Room for a few paragraphs; small enough to refuse a pasted document.
MAX_ANSWER_LENGTH = 2000
# An own topic becomes an agenda item title.
MAX_TOPIC_LENGTH = 200
MAX_LANGUAGE_NAME_LENGTH = 100
MAX_COMMENT_LENGTH = 2000

TOO_LONG = _("This is too long: at most %(limit_value)d characters. Now: %(show_value)d.")
NOT_IN_LIST = _("Please choose an answer from the list.")

YES_INTERPRETER = "yes"


def _text(label: str | Promise, max_length: int, rows: int = 4) -> forms.CharField:
    field = forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        strip=True,
        # dir=auto: text in the parent's own script runs its own way, whatever
        # the page's direction.
        widget=forms.Textarea(attrs={"rows": rows, "dir": "auto"})
        if rows
        else forms.TextInput(attrs={"dir": "auto"}),
        error_messages={"max_length": TOO_LONG},
    )
    # A browser enforcing maxlength cuts pasted text off without a word; the
    # server's check keeps all of it on screen and says what is too long.
    field.widget.attrs.pop("maxlength", None)
    return field


def _option_choices(question: Question) -> list[tuple[str, Any]]:
    return [(option.key, option.label) for option in question.options]


def interpreter_languages() -> list[tuple[str, Any]]:
    """The languages an interpreter could speak: every home language but Dutch."""
    return [(code, label) for code, label in Language.choices if code != Language.DUTCH]


class AnswerForm(forms.Form):
    """The answer to one question. Its fields depend on the kind of question;
    `answer()` gives what to store: option keys (in order) and the free text."""

    def __init__(
        self,
        data: Any = None,
        *,
        question: Question,
        answer: QuestionnaireAnswer | None = None,
    ) -> None:
        self.question = question
        super().__init__(data, initial=_initial(question, answer))
        kind = question.kind
        if kind == SCALE:
            self.fields["choice"] = forms.ChoiceField(
                label=question.title,
                required=False,
                choices=_option_choices(question),
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": NOT_IN_LIST},
            )
        elif kind == MULTI:
            self.fields["choices"] = forms.MultipleChoiceField(
                label=question.title,
                required=False,
                choices=_option_choices(question),
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": NOT_IN_LIST},
            )
        elif kind == RANKED:
            places = (_("Most important"), _("Second"), _("Third"))
            for place in range(question.max_choices or 1):
                self.fields[f"rank_{place + 1}"] = forms.ChoiceField(
                    label=places[place] if place < len(places) else str(place + 1),
                    required=False,
                    choices=[("", _("(no topic)")), *_option_choices(question)],
                    error_messages={"invalid_choice": NOT_IN_LIST},
                )
        elif kind == INTERPRETER:
            self.fields["need"] = forms.ChoiceField(
                label=question.title,
                required=False,
                choices=[
                    (NO_INTERPRETER, _("No, thank you")),
                    (YES_INTERPRETER, _("Yes, please")),
                ],
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": NOT_IN_LIST},
            )
            self.fields["language"] = forms.ChoiceField(
                label=_("In which language?"),
                required=False,
                choices=[("", _("Choose a language")), *interpreter_languages()],
                error_messages={"invalid_choice": NOT_IN_LIST},
            )
        if question.text_label:
            if kind == RANKED:
                self.fields["text"] = _text(question.text_label, MAX_TOPIC_LENGTH, rows=0)
            elif kind == INTERPRETER:
                self.fields["text"] = _text(question.text_label, MAX_LANGUAGE_NAME_LENGTH, rows=0)
            else:
                self.fields["text"] = _text(
                    question.text_label, MAX_ANSWER_LENGTH, rows=6 if kind == TEXT else 3
                )

    @property
    def rank_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("rank_")]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        question = self.question
        if question.kind == MULTI and question.exclusive:
            chosen = data.get("choices") or []
            if question.exclusive in chosen and len(chosen) > 1:
                option = question.option(question.exclusive)
                self.add_error(
                    "choices",
                    gettext(
                        "You chose “%(option)s” and other answers too. "
                        "Choose “%(option)s” or the other answers."
                    )
                    % {"option": option.label if option else ""},
                )
        elif question.kind == RANKED:
            seen: set[str] = set()
            for field in self.rank_fields:
                key = data.get(field.name)
                if not key:
                    continue
                if key in seen:
                    option = question.option(key)
                    self.add_error(
                        field.name,
                        gettext("You chose “%(topic)s” twice. Choose each topic only once.")
                        % {"topic": option.label if option else key},
                    )
                seen.add(key)
        elif question.kind == INTERPRETER:
            need = data.get("need")
            language = data.get("language")
            if need == YES_INTERPRETER and not language:
                self.add_error("language", _("Choose the language the interpreter should speak."))
            if need != NO_INTERPRETER and language == Language.OTHER and not data.get("text"):
                self.add_error("text", _("Write which language the interpreter should speak."))
        return data

    def answer(self) -> tuple[list[str], str]:
        """What to store: the chosen option keys, in order, and the free text."""
        data = self.cleaned_data
        kind = self.question.kind
        text = data.get("text", "")
        if kind == SCALE:
            return ([data["choice"]] if data.get("choice") else []), ""
        if kind == MULTI:
            return list(data.get("choices") or []), text
        if kind == RANKED:
            return [data[f.name] for f in self.rank_fields if data.get(f.name)], text
        if kind == INTERPRETER:
            if data.get("need") == NO_INTERPRETER:
                return [NO_INTERPRETER], ""
            language = data.get("language")
            if not language:
                return [], ""
            return [language], text if language == Language.OTHER else ""
        return [], text


class BookingInterpreterForm(forms.Form):
    """On the booking page, once the parent chose an interpreter: the language
    the interpreter should speak, with the same choices as the questionnaire's
    interpreter question. Optional: a parent may not know yet.

    The select stands in the page's interpreter section, above the booking
    form, and belongs to that form through its `form` attribute."""

    interpreter_language = forms.ChoiceField(
        label=_("In which language?"),
        required=False,
        error_messages={"invalid_choice": NOT_IN_LIST},
    )

    def __init__(self, data: Any = None, *, form_id: str, page_language: str = "") -> None:
        languages = interpreter_languages()
        # The page's own language is the likeliest (Dutch is never in the list).
        initial = page_language if page_language in dict(languages) else ""
        super().__init__(data, initial={"interpreter_language": initial})
        field = self.fields["interpreter_language"]
        field.choices = [("", _("I don't know yet")), *languages]
        field.widget.attrs["form"] = form_id


def _initial(question: Question, answer: QuestionnaireAnswer | None) -> dict[str, Any]:
    if answer is None:
        return {}
    choices = list(answer.choices)
    initial: dict[str, Any] = {"text": answer.text}
    if question.kind == SCALE:
        initial["choice"] = choices[0] if choices else ""
    elif question.kind == MULTI:
        initial["choices"] = choices
    elif question.kind == RANKED:
        for place, key in enumerate(choices, start=1):
            initial[f"rank_{place}"] = key
    elif question.kind == INTERPRETER and choices:
        if choices[0] == NO_INTERPRETER:
            initial["need"] = NO_INTERPRETER
        else:
            initial["need"] = YES_INTERPRETER
            initial["language"] = choices[0]
    return initial


@dataclasses.dataclass(frozen=True)
class ShownAnswer:
    """An answer as the parent reads it back on the overview."""

    number: int
    question: Question
    labels: list[str]
    text: str
    text_language: str

    @property
    def is_empty(self) -> bool:
        return not self.labels and not self.text


def shown_answer(
    number: int, question: Question, answer: QuestionnaireAnswer | None
) -> ShownAnswer:
    """The stored keys turned back into labels in the active language."""
    if answer is None:
        return ShownAnswer(number, question, [], "", "")
    labels: list[str] = []
    if question.kind == INTERPRETER:
        labels = [
            gettext("No, thank you")
            if key == NO_INTERPRETER
            else gettext("Yes, in this language: %(language)s") % {"language": _language_label(key)}
            for key in answer.choices
        ]
    else:
        for key in answer.choices:
            option = question.option(key)
            if option is not None:
                labels.append(str(option.label))
    return ShownAnswer(number, question, labels, answer.text, answer.text_language)


def _language_label(code: str) -> str:
    try:
        return str(Language(code).label)
    except ValueError:
        return code


def language_name(code: str) -> str:
    """A language's name in that language itself, as a parent who reads it
    would look for it."""
    return get_language_info(code)["name_local"].capitalize()


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=())
    next = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (code, language_name(code)) for code in settings.PARENT_LANGUAGES
        ]


class SummaryConfirmForm(forms.Form):
    """The version of the summary the parent read; a confirmation of an older
    version than the one now shared is refused, so nobody confirms unseen text."""

    version = forms.IntegerField(min_value=0)


class SummaryCommentForm(forms.Form):
    comment = _text(_("Your comment"), MAX_COMMENT_LENGTH, rows=5)
