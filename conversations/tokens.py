"""Secret tokens that are keys in an address, and the limit on guessing them.

The parents' links (conversations.parent_links) and the professionals'
calendar feeds (conversations.calendar) both use them, each with its own
`purpose`, so the two kinds of token never coincide: a token is 32 bytes
from an HMAC-SHA256 of a random salt keyed by SECRET_KEY and the purpose,
written as 43 URL-safe characters. Only the salt and the token's SHA-256
hash are stored; the token is derived again to show it, also with a key in
SECRET_KEY_FALLBACKS after a rotation.

Wrong tokens are counted per client address in the cache (shared by all app
processes in production), per purpose, with the same limits for each:
PARENT_LINK_LOOKUP_LIMIT per PARENT_LINK_LOOKUP_WINDOW seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache

if TYPE_CHECKING:
    from django.http import HttpRequest

TOKEN_LENGTH = 43


class TooManyAttemptsError(Exception):
    """This address presented too many wrong tokens lately."""


def derive(salt: str, secret: str, *, purpose: str) -> str:
    key = hashlib.sha256((purpose + secret).encode()).digest()
    digest = hmac.new(key, salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret(*, purpose: str) -> tuple[str, str]:
    """A fresh salt and the hash of the token it gives."""
    salt = secrets.token_hex(32)
    return salt, token_hash(derive(salt, settings.SECRET_KEY, purpose=purpose))


def token_from(salt: str, hashed: str, *, purpose: str) -> str:
    """The token again, from the stored salt and hash."""
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        token = derive(salt, secret, purpose=purpose)
        if hmac.compare_digest(token_hash(token), hashed):
            return token
    raise ValueError("This token cannot be derived with the current SECRET_KEY.")


def _attempts_key(request: HttpRequest, purpose: str) -> str:
    address = hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:32]
    return f"{purpose}-misses:{address}"


def check_attempts(request: HttpRequest, *, purpose: str) -> None:
    """Raise TooManyAttemptsError when this address guessed wrong too often lately."""
    if cache.get(_attempts_key(request, purpose), 0) >= settings.PARENT_LINK_LOOKUP_LIMIT:
        raise TooManyAttemptsError


def count_miss(request: HttpRequest, *, purpose: str) -> None:
    key = _attempts_key(request, purpose)
    window = settings.PARENT_LINK_LOOKUP_WINDOW
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
