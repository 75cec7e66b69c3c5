"""What parents change through their link: their answers, the moment they
send them, the language of their pages, and their reply to the summary.

Each write is a POST from a page behind conversations.parent_access; no GET
ever calls these, so a mail client that opens a link changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conversations.models import ParentLink, QuestionnaireAnswer
from conversations.questionnaire import RANKED, Question
from conversations.services import agenda_sync_parent_topics


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
