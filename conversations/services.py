"""Writes that touch several rows or must not lose anything."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from conversations.models import Conversation, ConversationText, Kind
from families.school_year import current_school_year, school_year_of

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AbstractBaseUser

    from families.models import Child, Guardian


@dataclasses.dataclass(frozen=True)
class TextSave:
    """The outcome of saving one text. On a conflict, `text` and `version` are
    what is stored now (someone else's save), and nothing was written."""

    saved: bool
    text: str
    version: int
    updated_by: str = ""


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


def texts_of(conversation: Conversation) -> dict[str, ConversationText]:
    return {text.key: text for text in conversation.texts.all()}


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
