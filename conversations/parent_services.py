"""What parents change through their link: their answers, the moment they
send them, the language of their pages, and their reply to the summary.

Each write is a POST from a page behind conversations.parent_access; no GET
ever calls these, so a mail client that opens a link changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conversations.models import ParentLink, QuestionnaireAnswer
from conversations.questionnaire import INTERPRETER_QUESTION, RANKED, Question
from conversations.services import agenda_sync_parent_topics
from families.languages import Language

if TYPE_CHECKING:
    from collections.abc import Iterable

    from conversations.models import Conversation


class QuestionnaireClosedError(Exception):
    """The meeting has started: answers can be read, no longer changed."""


class SummaryChangedError(Exception):
    """The parent confirmed a version of the summary that is no longer the shared one."""


def answer_save(
    *, link: ParentLink, question: Question, choices: list[str], text: str, language: str
) -> None:
    """Store the parent's answer to one question, replacing the one before.
    An unchanged answer is not written (its `updated_at` says when it last
    changed). A change to the ranked topics reorders the conversation's agenda."""
    if not link.questionnaire_open:
        raise QuestionnaireClosedError
    text_language = language if text else ""
    wanted = {"choices": choices, "text": text, "text_language": text_language}
    if question.kind != RANKED:
        # The common case, an autosave while the parent types: one UPDATE that
        # writes a stored answer only where it differs, without a transaction
        # around a read and a write.
        changed = (
            QuestionnaireAnswer.objects.filter(link=link, question=question.key)
            .exclude(**wanted)
            .update(**wanted, updated_at=timezone.now())
        )
        if changed:
            return
    _answer_save_locked(link=link, question=question, wanted=wanted)


@transaction.atomic
def _answer_save_locked(*, link: ParentLink, question: Question, wanted: dict) -> None:
    # No ordering: the Meta ordering would join (and so also lock) the link's,
    # the conversation's and the guardian's rows.
    answer = (
        QuestionnaireAnswer.objects.select_for_update()
        .filter(link=link, question=question.key)
        .order_by()
        .first()
    )
    if answer is None:
        # update_or_create, not create: a second tab may store the first answer
        # at the same moment.
        QuestionnaireAnswer.objects.update_or_create(
            link=link, question=question.key, defaults=wanted
        )
    elif all(getattr(answer, field) == value for field, value in wanted.items()):
        return
    else:
        for field, value in wanted.items():
            setattr(answer, field, value)
        answer.save(update_fields=[*wanted, "updated_at"])
    if question.kind == RANKED:
        agenda_sync_parent_topics(conversation=link.conversation)


def interpreter_wish_save(
    *, guardian_id: int, conversations: Iterable[Conversation], language: str
) -> None:
    """Keep the wish for an interpreter a parent made while booking `conversations`
    as their answer to the interpreter question of each, so that the
    professional reads it like any other answer. `language`: a code of
    interpreter_languages(), or "" when the parent does not know yet; that is
    kept as "other language", the one answer that says "yes" without naming a
    language, so the question invites them to write which.

    Only through the parent's own links, while the questionnaire is open (the
    conversations as just booked decide), and only where the parent has not
    answered that question yet, or left the answer empty: an answer they gave
    is never replaced, not even one stored in another tab a moment before.
    Three queries, however many children."""
    by_id = {conversation.pk: conversation for conversation in conversations}
    links = []
    for link in ParentLink.objects.active().filter(
        guardian=guardian_id, conversation__in=list(by_id)
    ):
        link.conversation = by_id[link.conversation_id]
        if link.questionnaire_open:
            links.append(link)
    if not links:
        return
    key = INTERPRETER_QUESTION.key
    wanted = {"choices": [language or Language.OTHER.value], "text": "", "text_language": ""}
    # Neither statement touches an answer with something in it: the INSERT
    # leaves any stored answer alone, the UPDATE fills in only empty ones.
    QuestionnaireAnswer.objects.bulk_create(
        [QuestionnaireAnswer(link=link, question=key, **wanted) for link in links],
        ignore_conflicts=True,
    )
    QuestionnaireAnswer.objects.filter(link__in=links, question=key, choices=[], text="").update(
        **wanted, updated_at=timezone.now()
    )


@transaction.atomic
def answers_submit(*, link: ParentLink) -> ParentLink:
    """The parent says "done". They may press it again after changing answers."""
    if not link.questionnaire_open:
        raise QuestionnaireClosedError
    link.submitted_at = timezone.now()
    link.save(update_fields=["submitted_at"])
    return link


@transaction.atomic
def link_language_set(*, link: ParentLink, language: str) -> ParentLink:
    if language not in settings.PARENT_LANGUAGES:
        raise ValueError(f"Parent pages do not speak {language!r}.")
    if link.language != language:
        link.language = language
        link.save(update_fields=["language"])
    return link


@transaction.atomic
def summary_confirm(*, link: ParentLink, shared_version: int, seen_version: int) -> ParentLink:
    """The parent confirms that the summary they read (`seen_version`) is right."""
    if seen_version != shared_version:
        raise SummaryChangedError
    link.summary_confirmed_at = timezone.now()
    link.summary_confirmed_version = shared_version
    link.save(update_fields=["summary_confirmed_at", "summary_confirmed_version"])
    return link


@transaction.atomic
def summary_comment_save(*, link: ParentLink, comment: str, language: str) -> ParentLink:
    """Add, change or (with an empty comment) remove the parent's comment."""
    link.summary_comment = comment
    link.summary_comment_language = language if comment else ""
    link.summary_comment_at = timezone.now() if comment else None
    link.save(update_fields=["summary_comment", "summary_comment_language", "summary_comment_at"])
    return link
