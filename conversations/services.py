"""Writes that touch several rows or must not lose anything."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, ProtectedError
from django.utils import timezone, translation

from conversations.models import (
    AgendaItem,
    ChosenPrompt,
    Conversation,
    ConversationText,
    Kind,
    Prompt,
    PromptKind,
    QuestionnaireAnswer,
)
from conversations.questionnaire import BY_KEY as QUESTIONS
from conversations.summary import (
    SHARED_SUMMARY_KEY,
    SUMMARY_KEY,
    SummaryNotReadyError,
    summary_problem,
)
from families.school_year import current_school_year, school_year_of

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AbstractBaseUser

    from families.models import Child, Guardian, Location


@dataclasses.dataclass(frozen=True)
class TextSave:
    """The outcome of saving one text. On a conflict, `text` and `version` are
    what is stored now (someone else's save), and nothing was written."""

    saved: bool
    text: str
    version: int
    updated_by: str = ""


def text_save_editable(
    *,
    conversation_id: int,
    key: str,
    text: str,
    base_version: int,
    user: AbstractBaseUser,
) -> TextSave | None:
    """`text_save` of an existing text in one statement, without reading the
    conversation first: the UPDATE names the conversations the user may edit,
    so it writes nothing for anyone else. None when nothing was written (not
    editable, not found, or a conflict): the caller then takes the long way,
    which answers 404 or says what happened."""
    text = text.replace("\x00", "")
    updated = ConversationText.objects.filter(
        conversation__in=Conversation.objects.editable_by(user).values("pk"),
        conversation=conversation_id,
        key=key,
        version=base_version,
    ).update(text=text, version=F("version") + 1, updated_by=user, updated_at=timezone.now())
    return TextSave(saved=True, text=text, version=base_version + 1) if updated else None


def text_save(
    *,
    conversation: Conversation,
    key: str,
    text: str,
    base_version: int,
    user: AbstractBaseUser,
) -> TextSave:
    """Save `text` under `key` if nobody saved it since `base_version`.

    The check and the write are one UPDATE … WHERE version = base_version, so
    two saves racing from two tabs can never both win.
    """
    # PostgreSQL text cannot hold NUL; no keyboard types one, so drop it.
    text = text.replace("\x00", "")
    if base_version == 0:
        try:
            with transaction.atomic():
                ConversationText.objects.create(
                    conversation=conversation, key=key, text=text, version=1, updated_by=user
                )
            return TextSave(saved=True, text=text, version=1)
        except IntegrityError:
            pass  # someone created it first: fall through to the conflict answer
    else:
        updated = ConversationText.objects.filter(
            conversation=conversation, key=key, version=base_version
        ).update(text=text, version=F("version") + 1, updated_by=user, updated_at=timezone.now())
        if updated:
            return TextSave(saved=True, text=text, version=base_version + 1)
    current = (
        ConversationText.objects.select_related("updated_by")
        .filter(conversation=conversation, key=key)
        .first()
    )
    if current is None:
        # The caller named a version of a text that does not exist.
        return TextSave(saved=False, text="", version=0)
    if current.text == text:
        # Both tabs typed the same thing: nothing is lost, no need to bother anyone.
        return TextSave(saved=True, text=text, version=current.version)
    who = ""
    if current.updated_by is not None:
        who = current.updated_by.get_full_name() or current.updated_by.get_username()
    return TextSave(saved=False, text=current.text, version=current.version, updated_by=who)


@transaction.atomic
def conversation_start(
    *,
    child: Child,
    owner: AbstractBaseUser,
    kind: str,
    guardians: list[Guardian],
    date: dt.date | None = None,
) -> Conversation:
    conversation = Conversation.objects.create(
        child=child,
        owner=owner,
        kind=kind,
        school_year=school_year_of(date) if date else current_school_year(),
        date=date,
        interpreter=child.family.interpreter_wanted,
        duration_minutes=DEFAULT_MINUTES[kind],
    )
    conversation.guardians.set(guardians)
    return conversation


# A start-of-year conversation is about the relationship and takes time; a
# progress talk is often a ten-minute slot; a concern needs room.
DEFAULT_MINUTES = {
    Kind.WELLBEING: 30,
    Kind.PROGRESS: 15,
    Kind.CONCERN: 45,
    Kind.SUPPORT_PLAN: 45,
    Kind.INFORMAL: 10,
}


# Preparation

# Parents' topics first, then the child's, then the professional's.
SOURCE_ORDER = {
    AgendaItem.Source.PARENT: 0,
    AgendaItem.Source.CHILD: 1,
    AgendaItem.Source.PROFESSIONAL: 2,
}


@transaction.atomic
def chosen_prompt_copy(*, conversation: Conversation, prompt: Prompt) -> ChosenPrompt:
    """Copy a library question into the conversation, once."""
    # One write at a time per conversation keeps positions and "once" right.
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    existing = conversation.chosen_prompts.filter(prompt=prompt).first()
    if existing is not None:
        return existing
    last = conversation.chosen_prompts.aggregate(last=Max("position"))["last"]
    return ChosenPrompt.objects.create(
        conversation=conversation,
        prompt=prompt,
        need=prompt.need,
        audience=prompt.audience,
        text=prompt.text,
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def chosen_prompt_write(
    *, conversation: Conversation, text: str, audience: str, need: str
) -> ChosenPrompt:
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    last = conversation.chosen_prompts.aggregate(last=Max("position"))["last"]
    return ChosenPrompt.objects.create(
        conversation=conversation,
        need=need,
        audience=audience,
        text=text,
        position=0 if last is None else last + 1,
    )


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items):
        item.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def agenda_item_insert(
    *, conversation: Conversation, title: str, source: str, minutes: int
) -> AgendaItem:
    """Add a topic after the last one raised by someone who goes first or at
    the same turn: parents' topics land before the professional's, and an
    order the professional chose by hand is kept."""
    items = list(conversation.agenda_items.select_for_update())
    rank = SOURCE_ORDER[source]
    index = max(
        (number + 1 for number, item in enumerate(items) if SOURCE_ORDER[item.source] <= rank),
        default=0,
    )
    item = AgendaItem.objects.create(
        conversation=conversation, title=title, source=source, minutes=minutes
    )
    items.insert(index, item)
    _renumber(items)
    return item


@transaction.atomic
def agenda_item_shift(*, item: AgendaItem, direction: str) -> None:
    items = list(AgendaItem.objects.select_for_update().filter(conversation=item.conversation_id))
    index = next(number for number, other in enumerate(items) if other.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        _renumber(items)


@transaction.atomic
def agenda_sync_parent_topics(*, conversation: Conversation) -> None:
    """Put the topics the parents ranked in their questionnaires at the top of
    the agenda, most wanted first, each once; then the parents' own topics,
    then everything else in the order it had.

    A parent topic that nobody ranks any more is taken off, unless notes were
    already written under it. Titles are in the staff language (Dutch), except
    a parent's own topic, which stays as the parent wrote it."""
    items = list(conversation.agenda_items.select_for_update())
    answers = QuestionnaireAnswer.objects.filter(
        link__conversation=conversation, link__revoked_at__isnull=True, question="topics"
    ).order_by("link_id")
    topics = QUESTIONS["topics"]
    best_rank: dict[str, tuple[int, int]] = {}
    own: dict[str, str] = {}
    for answer in answers:
        for rank, key in enumerate(answer.choices):
            if topics.option(key) is not None:
                best_rank[key] = min(
                    best_rank.get(key, (rank, answer.link_id)), (rank, answer.link_id)
                )
        if answer.text.strip():
            own[f"own-{answer.link_id}"] = answer.text.strip()
    wanted = sorted(best_rank, key=best_rank.__getitem__) + list(own)
    by_topic = {item.topic: item for item in items if item.topic}
    with_notes = set(
        ConversationText.objects.filter(
            conversation=conversation,
            key__in=[item.notes_key for item in by_topic.values()],
        )
        .exclude(text="")
        .values_list("key", flat=True)
    )
    for topic, item in list(by_topic.items()):
        if topic not in wanted and item.notes_key not in with_notes:
            item.delete()
            items.remove(item)
            del by_topic[topic]
    with translation.override(settings.LANGUAGE_CODE):
        for topic in wanted:
            title = own.get(topic) or str(topics.option(topic).agenda_title)
            if topic in by_topic:
                if topic in own and by_topic[topic].title != title[:200]:
                    by_topic[topic].title = title[:200]
                    by_topic[topic].save(update_fields=["title"])
                continue
            by_topic[topic] = AgendaItem.objects.create(
                conversation=conversation,
                title=title[:200],
                source=AgendaItem.Source.PARENT,
                topic=topic,
            )
    first = [by_topic[topic] for topic in wanted]
    _renumber(first + [item for item in items if item not in first])


# Meeting mode


def conversation_talk_time_save(
    *, conversation: Conversation, professional: int, parent: int, child: int
) -> bool:
    """Store new talk-time totals unless one of them is lower than stored.

    The check and the write are one UPDATE, so two tabs racing can never
    undo each other. Returns whether the totals were stored.
    """
    return bool(
        Conversation.objects.filter(
            pk=conversation.pk,
            talk_professional_seconds__lte=professional,
            talk_parent_seconds__lte=parent,
            talk_child_seconds__lte=child,
        ).update(
            talk_professional_seconds=professional,
            talk_parent_seconds=parent,
            talk_child_seconds=child,
            updated_at=timezone.now(),
        )
    )


# The prompt library


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


# Follow-up


@transaction.atomic
def summary_share(*, conversation: Conversation, user: AbstractBaseUser) -> Conversation:
    """Mark the summary as shared with the parents and keep a copy of the text
    they saw. A conversation whose summary is shared has been held."""
    stored = (
        ConversationText.objects.select_for_update()
        .filter(conversation=conversation, key=SUMMARY_KEY)
        .first()
    )
    text = stored.text if stored else ""
    problem = summary_problem(text)
    if problem:
        raise SummaryNotReadyError(problem)
    ConversationText.objects.update_or_create(
        conversation=conversation,
        key=SHARED_SUMMARY_KEY,
        defaults={"text": text, "version": stored.version, "updated_by": user},
    )
    conversation.summary_shared_at = timezone.now()
    if conversation.status in {Conversation.Status.DRAFT, Conversation.Status.PREPARED}:
        conversation.status = Conversation.Status.HELD
    conversation.save(update_fields=["summary_shared_at", "status", "updated_at"])
    return conversation
