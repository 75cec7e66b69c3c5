"""What the parents told us, as the professional reads it: their answers to
the questionnaire and their replies to the shared summary.

Choices are stored as option keys, so their labels come out in the language
that is active: the staff's (Dutch unless they switched). Free text stays as
the parent wrote it, with the language it was written in. Reading a
conversation's links and all their answers takes two queries, however many
parents and answers there are.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

from django.utils.translation import get_language

from conversations.models import ParentLink, QuestionnaireAnswer
from conversations.questionnaire import (
    INTERPRETER,
    INTERPRETER_QUESTION,
    NO_INTERPRETER,
    QUESTIONS,
    RANKED,
    Question,
)
from conversations.services import DEFAULT_MINUTES
from conversations.summary import SHARED_SUMMARY_KEY
from families.languages import Language
from families.models import compiled_objects

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from django.db.models import QuerySet

    from conversations.models import Conversation
    from families.models import Guardian


# An interpreter makes a conversation take longer: half as long again, at
# least three quarters of an hour, and never past the longest conversation
# the model allows.
INTERPRETER_FACTOR = 1.5
INTERPRETER_MIN_MINUTES = 45
MAX_MINUTES = 240


def language_name(code: str) -> str:
    """The name of a language in the active language ("Arabisch" for "ar")."""
    if code in Language.values:
        return str(Language(code).label)
    return code


@dataclasses.dataclass(frozen=True)
class FreeText:
    """Text as a parent wrote it, with the language of the page they wrote it on."""

    text: str
    language: str

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def marked(self) -> bool:
        """Worth naming the language: it is not the one the reader reads in."""
        return bool(self.language) and self.language != (get_language() or "")[:2]


@dataclasses.dataclass(frozen=True)
class InterpreterRequest:
    guardian: Guardian
    # A code of families.languages.Language, or "" when the parent wrote a
    # language that is not in the list.
    language: str
    name: str


@dataclasses.dataclass(frozen=True)
class ShownAnswer:
    question: Question
    labels: list[str]
    text: FreeText | None
    # The interpreter question: "no", or the request (its words are the template's).
    no_interpreter: bool = False
    interpreter: InterpreterRequest | None = None

    @property
    def ranked(self) -> bool:
        return self.question.kind == RANKED


@dataclasses.dataclass(frozen=True)
class ParentAnswers:
    link: ParentLink
    answers: list[ShownAnswer]
    interpreter: InterpreterRequest | None

    @property
    def guardian(self) -> Guardian:
        return self.link.guardian

    @property
    def submitted_at(self) -> dt.datetime | None:
        return self.link.submitted_at


@compiled_objects(keys=("conversation",))
def _links(conversation_id: int) -> QuerySet[ParentLink]:
    """The conversation's links with their guardians. Compiled once per
    process: building and compiling it costs more than running it."""
    return (
        ParentLink.objects.filter(conversation=conversation_id)
        .select_related("guardian")
        .order_by()
    )


def links_of(conversation: Conversation) -> list[ParentLink]:
    """The conversation's links with their guardians, in one query."""
    links = sorted(
        # Sorted here, not in SQL: cheaper for Django than an ORDER BY.
        _links(conversation.pk),
        key=lambda link: link.guardian_id,
    )
    for link in links:
        # expires_at and questionnaire_open read the conversation: no query per link.
        link.conversation = conversation
    return links


@compiled_objects(keys=("conversation",))
def _stored_answers(conversation_id: int) -> QuerySet[QuestionnaireAnswer]:
    """Every answer to the conversation's questionnaire. Compiled once per
    process: building and compiling it costs more than running it."""
    return QuestionnaireAnswer.objects.filter(link__conversation=conversation_id).order_by()


def answers_by_link(links: list[ParentLink]) -> dict[int, ParentAnswers]:
    """Each link's answers (see `answers_of`), by link id, in one query;
    `links` are of one conversation (as `links_of` gives them). A plain query
    and a dict cost less than `prefetch_related`."""
    stored: dict[int, list[QuestionnaireAnswer]] = {link.pk: [] for link in links}
    if stored:
        for answer in _stored_answers(links[0].conversation_id):
            if answer.link_id in stored:
                stored[answer.link_id].append(answer)
    return {link.pk: answers_of(link, stored[link.pk]) for link in links}


def _text(answer: QuestionnaireAnswer) -> FreeText | None:
    text = answer.text.strip()
    return FreeText(text, answer.text_language) if text else None


def asks_for_interpreter(choices: list[str], text: str) -> bool:
    """Whether an answer to the interpreter question asks for one: a language
    chosen or written, not "no"."""
    wanted = next(iter(choices), "")
    return wanted != NO_INTERPRETER and bool(wanted or text.strip())


def _asked(choices: list[str], text: str) -> tuple[str, str] | None:
    """What an answer to the interpreter question asks for: the language's
    code ("" when written, not chosen from the list) and its name; None for
    "no" or no answer."""
    if not asks_for_interpreter(choices, text):
        return None
    wanted = next(iter(choices), "")
    if wanted in Language.values and wanted != Language.OTHER:
        return wanted, language_name(wanted)
    return "", text.strip() or language_name(wanted)


def _interpreter(guardian: Guardian, answer: QuestionnaireAnswer) -> InterpreterRequest | None:
    asked = _asked(answer.choices, answer.text)
    return InterpreterRequest(guardian, *asked) if asked is not None else None


def interpreters_asked(conversation_ids: Iterable[int]) -> dict[int, list[str]]:
    """For each of these conversations where a parent asked for an
    interpreter in the questionnaire, the languages asked for (their names in
    the active language), for lists of many conversations: one query."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    asked: dict[int, list[str]] = {}
    rows = (
        QuestionnaireAnswer.objects.filter(
            link__conversation__in=ids, question=INTERPRETER_QUESTION.key
        )
        .order_by("link__conversation_id", "link__guardian_id")
        .values_list("link__conversation_id", "choices", "text")
    )
    for conversation_id, choices, text in rows:
        request = _asked(choices, text)
        if request is not None:
            names = asked.setdefault(conversation_id, [])
            if request[1] not in names:
                names.append(request[1])
    return asked


def _labels(question: Question, answer: QuestionnaireAnswer) -> list[str]:
    return [
        str(option.label)
        for option in (question.option(key) for key in answer.choices)
        if option is not None
    ]


def answers_of(link: ParentLink, answers: list[QuestionnaireAnswer]) -> ParentAnswers:
    """A link's `answers` in the order of the questionnaire, labels in the
    active language."""
    by_question = {answer.question: answer for answer in answers}
    shown = []
    interpreter = None
    for question in QUESTIONS:
        answer = by_question.get(question.key)
        if answer is None:
            continue
        if question.kind == INTERPRETER:
            interpreter = _interpreter(link.guardian, answer)
            no = answer.choices == [NO_INTERPRETER]
            if no or interpreter is not None:
                # The written language is the request itself, not a remark.
                shown.append(
                    ShownAnswer(
                        question=question,
                        labels=[],
                        text=None,
                        no_interpreter=no,
                        interpreter=interpreter,
                    )
                )
            continue
        labels = _labels(question, answer)
        text = _text(answer)
        if labels or text:
            shown.append(ShownAnswer(question=question, labels=labels, text=text))
    return ParentAnswers(link=link, answers=shown, interpreter=interpreter)


@compiled_objects(keys=("conversation",))
def _answers(conversation_id: int) -> QuerySet[QuestionnaireAnswer]:
    """Every answer to the conversation's questionnaire with its link and the
    link's guardian. Compiled once per process: building and compiling it
    costs more than running it."""
    return (
        QuestionnaireAnswer.objects.filter(link__conversation=conversation_id)
        .select_related("link__guardian")
        .order_by()
    )


def parent_answers(conversation: Conversation) -> list[ParentAnswers]:
    """Every parent's answers to this conversation's questionnaire, for the
    parents who gave any, in one query."""
    by_link: dict[int, tuple[ParentLink, list[QuestionnaireAnswer]]] = {}
    stored = _answers(conversation.pk)
    # Sorted here, not in SQL: an ORDER BY across the join costs Django more
    # to compile than sorting a handful of rows.
    for answer in sorted(stored, key=lambda answer: (answer.link.guardian_id, answer.pk)):
        answer.link.conversation = conversation
        by_link.setdefault(answer.link_id, (answer.link, []))[1].append(answer)
    shown = [answers_of(link, answers) for link, answers in by_link.values()]
    return [answers for answers in shown if answers.answers]


def interpreter_minutes(duration: int) -> int:
    """How long to plan a conversation with an interpreter, in whole five minutes."""
    longer = math.ceil(duration * INTERPRETER_FACTOR / 5) * 5
    return min(MAX_MINUTES, max(INTERPRETER_MIN_MINUTES, longer, duration))


@dataclasses.dataclass(frozen=True)
class InterpreterAdvice:
    requests: list[InterpreterRequest]
    minutes: int
    # Nothing left to do: an interpreter is planned and the time is long enough.
    settled: bool

    @property
    def languages(self) -> list[InterpreterRequest]:
        """One request per language asked for."""
        return list({(each.language or each.name): each for each in self.requests}.values())


def interpreter_advice(
    conversation: Conversation, answers: list[ParentAnswers]
) -> InterpreterAdvice | None:
    """What a parent's request for an interpreter asks of the professional.

    The suggested time grows from the usual time for this kind of conversation,
    or from the planned time when that is longer; once an interpreter is
    planned, accepting the suggestion once settles it."""
    requests = [each.interpreter for each in answers if each.interpreter is not None]
    if not requests:
        return None
    usual = DEFAULT_MINUTES.get(conversation.kind, conversation.duration_minutes)
    base = usual if conversation.interpreter else max(usual, conversation.duration_minutes)
    minutes = interpreter_minutes(base)
    settled = (
        conversation.interpreter
        and bool(conversation.interpreter_language)
        and conversation.duration_minutes >= minutes
    )
    return InterpreterAdvice(requests=requests, minutes=minutes, settled=settled)


# Replies to the shared summary


@dataclasses.dataclass(frozen=True)
class SummaryReply:
    link: ParentLink
    shared_version: int | None

    @property
    def guardian(self) -> Guardian:
        return self.link.guardian

    @property
    def confirmed(self) -> bool:
        return self.link.summary_confirmed_at is not None

    @property
    def confirms_latest(self) -> bool:
        """The parent confirmed the version that is shared now, not an older one."""
        return self.confirmed and self.link.summary_confirmed_version == self.shared_version

    @property
    def comment(self) -> FreeText | None:
        text = self.link.summary_comment.strip()
        return FreeText(text, self.link.summary_comment_language) if text else None

    @property
    def has_reply(self) -> bool:
        return self.confirmed or self.comment is not None


def shared_version(conversation: Conversation) -> int | None:
    return (
        conversation.texts.filter(key=SHARED_SUMMARY_KEY).values_list("version", flat=True).first()
    )


def summary_replies(
    conversation: Conversation,
    *,
    links: list[ParentLink] | None = None,
    version: int | None = None,
) -> list[SummaryReply]:
    """A reply row for every parent link of the conversation, whether the
    parent replied yet or not; none before the summary is shared. Pass the
    links or the shared version when they are at hand."""
    if conversation.summary_shared_at is None:
        return []
    links = links_of(conversation) if links is None else links
    version = shared_version(conversation) if version is None else version
    return [SummaryReply(link=link, shared_version=version) for link in links]
