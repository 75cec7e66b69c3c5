"""The free-text fields of a conversation, each saved on its own (autosave).

Each field has a stable key. Agenda notes use the key ``agenda-<item id>``.
The preparation steps (conversations/steps.py) group these fields into steps.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conversations.services import TextSave, text_save

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import QueryDict

    from conversations.models import Conversation

# Generous for a preparation answer, small enough to refuse a pasted document.
MAX_TEXT_LENGTH = 20_000


@dataclasses.dataclass(frozen=True)
class TextField:
    key: str
    label: str | Promise
    help: str | Promise = ""
    rows: int = 4


@dataclasses.dataclass
class BoundText:
    """A field with its stored text and version, ready to render."""

    field: TextField
    text: str = ""
    version: int = 0
    conflict: TextSave | None = None

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def label(self) -> str | Promise:
        return self.field.label

    @property
    def help(self) -> str | Promise:
        return self.field.help

    @property
    def rows(self) -> int:
        return self.field.rows


FIELDS: dict[str, TextField] = {}


def register(*fields: TextField) -> None:
    for field in fields:
        FIELDS[field.key] = field


register(
    TextField(
        "summary",
        _("Summary for the parents"),
        _(
            "Plain words, short sentences. The parents read this; they can confirm it "
            "or add a comment."
        ),
        rows=14,
    ),
    TextField(
        "reflection_note",
        _("What do I take away from this conversation?"),
        _("Who needs what? Think of the parents and of yourself."),
        rows=5,
    ),
)


def agenda_field(item_id: int, title: str) -> TextField:
    return TextField(f"agenda-{item_id}", title, rows=5)


def field_for(conversation: Conversation, key: str) -> TextField | None:
    """The field a key names in this conversation, or None if it names nothing."""
    if key in FIELDS:
        return FIELDS[key]
    prefix, _sep, item_id = key.partition("-")
    if prefix == "agenda" and item_id.isascii() and item_id.isdigit():
        item = conversation.agenda_items.filter(pk=int(item_id)).first()
        if item is not None:
            return agenda_field(item.pk, item.title)
    return None


def bound_texts(conversation: Conversation, fields: list[TextField]) -> list[BoundText]:
    """The stored text of each field, in one query."""
    stored = {
        text.key: text
        for text in conversation.texts.filter(key__in=[field.key for field in fields])
    }
    return [
        BoundText(
            field,
            stored[field.key].text if field.key in stored else "",
            stored[field.key].version if field.key in stored else 0,
        )
        for field in fields
    ]


def posted_version(post: QueryDict, key: str) -> int | None:
    try:
        version = int(post.get(f"version-{key}", ""))
    except ValueError:
        return None
    return version if version >= 0 else None


def save_posted_texts(
    *,
    conversation: Conversation,
    fields: list[TextField],
    post: QueryDict,
    user: AbstractBaseUser,
) -> list[BoundText]:
    """Save every field a (non-JavaScript) form posted. Fields that conflict
    come back with `conflict` set and the user's own text kept, so the page can
    show both; fields not in the post are left alone."""
    result = []
    for bound in bound_texts(conversation, fields):
        name = f"text-{bound.key}"
        version = posted_version(post, bound.key)
        if name not in post or version is None:
            result.append(bound)
            continue
        text = post[name][:MAX_TEXT_LENGTH]
        if text == bound.text:
            result.append(bound)
            continue
        saved = text_save(
            conversation=conversation, key=bound.key, text=text, base_version=version, user=user
        )
        if saved.saved:
            result.append(BoundText(bound.field, text, saved.version))
        else:
            result.append(BoundText(bound.field, text, saved.version, conflict=saved))
    return result
