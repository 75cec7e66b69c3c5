"""Keep parent and calendar tokens out of the logs.

A parent page's address holds the parent's private token (/ouder/<token>/), a
calendar feed's address the professional's (/agenda/<token>.ics). Django logs
request paths (a 404, a slow request, runserver's request log), so every
record passes this filter, which blanks the token in the message and in its
arguments before any handler writes it.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/ouder/|/agenda/)[^/\s\"'?#]+")
REDACTED = r"\1[token]"


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(REDACTED, text)


class RedactParentTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                key: redact(value) if isinstance(value, str) else value
                for key, value in record.args.items()
            }
        # Django attaches the request to some records; formatters may print it.
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = _RedactedRequest(request)
        return True


class _RedactedRequest:
    """Stands in for a logged request: the same, but its path blanked."""

    def __init__(self, request: object) -> None:
        self._request = request

    def __getattr__(self, name: str) -> object:
        value = getattr(self._request, name)
        if name in {"path", "path_info"} and isinstance(value, str):
            return redact(value)
        if name == "get_full_path":
            return lambda *args, **kwargs: redact(value(*args, **kwargs))
        return value

    def __str__(self) -> str:
        return redact(str(self._request))

    def __repr__(self) -> str:
        return redact(repr(self._request))
