"""Private links for parents: making, finding, revoking and renewing them.

A link's token is one of conversations.tokens' (purpose LINK_PURPOSE): 32
bytes from an HMAC-SHA256 of a random 32-byte salt keyed by SECRET_KEY,
written as 43 URL-safe characters. Only its SHA-256 hash and the salt are
stored. Finding a link hashes what was presented; sending a link again
derives the token from the salt. After a SECRET_KEY rotation the old key (in
SECRET_KEY_FALLBACKS) still derives tokens of existing links.

Lookups are rate-limited per client address: a burst of wrong tokens from one
address is refused for a while (PARENT_LINK_LOOKUP_LIMIT per
PARENT_LINK_LOOKUP_WINDOW seconds), through the cache, which is shared by all
app processes in production (Redis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conversations import tokens
from conversations.models import Conversation, ParentLink
from conversations.tokens import TOKEN_LENGTH, TooManyAttemptsError, token_hash
from families.models import Guardian, TextKey, compiled_objects

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import QuerySet
    from django.http import HttpRequest


__all__ = [
    "LINK_PURPOSE",
    "TOKEN_LENGTH",
    "TooManyAttemptsError",
    "default_language",
    "link_create",
    "link_find",
    "link_path",
    "link_revoke",
    "token_hash",
    "token_of",
]

# Part of the key every parent token is derived with: changing it changes
# every parent's link.
LINK_PURPOSE = "samenspraak.parent-link"


def token_of(link: ParentLink) -> str:
    """The link's token, derived again from its salt."""
    return tokens.token_from(link.salt, link.token_hash, purpose=LINK_PURPOSE)


def link_path(link: ParentLink) -> str:
    return reverse("parent_home", args=[token_of(link)])


def default_language(guardian: Guardian) -> str:
    """The family's language when the parent pages speak it, unless this parent
    chose another one. A guardian's preferred language is Dutch until someone
    sets it, so Dutch there does not outrank the family's home language."""
    available = set(settings.PARENT_LANGUAGES)
    own = guardian.preferred_language
    if own != settings.LANGUAGE_CODE and own in available:
        return own
    if guardian.family.home_language in available:
        return guardian.family.home_language
    return settings.LANGUAGE_CODE


@transaction.atomic
def link_create(
    *, conversation: Conversation, guardian: Guardian, user: AbstractBaseUser | None
) -> ParentLink:
    """The guardian's link for this conversation, made now if there is none yet.
    A revoked link gets a new token (the old one stays dead); answers and
    replies given through it are kept."""
    if guardian.family_id != conversation.child.family_id:
        raise ValueError("A parent link is only for a guardian of the conversation's child.")
    link = (
        ParentLink.objects.select_for_update()
        .filter(conversation=conversation, guardian=guardian)
        .first()
    )
    if link is None:
        salt, hashed = tokens.new_secret(purpose=LINK_PURPOSE)
        return ParentLink.objects.create(
            conversation=conversation,
            guardian=guardian,
            salt=salt,
            token_hash=hashed,
            language=default_language(guardian),
            created_by=user,
        )
    if link.revoked_at is not None:
        link.salt, link.token_hash = tokens.new_secret(purpose=LINK_PURPOSE)
        link.revoked_at = None
        link.save(update_fields=["salt", "token_hash", "revoked_at"])
    return link


def link_revoke(*, link: ParentLink) -> ParentLink:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


# What a parent page reads of a link unless it names less (see link_find).
LINK_RELATED = ("conversation__child__family__location", "guardian")


def link_find(
    request: HttpRequest, token: str, *, related: Sequence[str] = LINK_RELATED
) -> ParentLink | None:
    """The link this token opens (whatever its state), or None, with the
    `related` objects read along. Raises TooManyAttemptsError when this
    address guessed wrong too often lately."""
    tokens.check_attempts(request, purpose=LINK_PURPOSE)
    link = None
    if len(token) == TOKEN_LENGTH:
        link = next(iter(_links_by_hash(token_hash(token), related=tuple(related))), None)
    if link is None:
        tokens.count_miss(request, purpose=LINK_PURPOSE)
    return link


@compiled_objects(keys=(TextKey("token hash"),), per_value=("related",))
def _links_by_hash(hashed: str, *, related: tuple[str, ...]) -> QuerySet[ParentLink]:
    """The query `link_find` runs, compiled once per process and `related`:
    every parent request runs it, and building it cost more than running it."""
    # No ordering: the hash is unique, and the Meta ordering would join and
    # sort the conversation's and the guardian's tables for nothing.
    return ParentLink.objects.select_related(*related).filter(token_hash=hashed).order_by()[:1]
