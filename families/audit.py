"""The audit trail: who read which record, when, and from which page.

`AuditTrailMiddleware` writes one `AuditEntry` (a single INSERT) after every
successful GET of a page that shows a conversation record, parents' answers,
a child's or a family's data, and after every export. Which pages those are
is the table `LOGGED_PAGES` below, keyed on URL names, so views need not
remember to log: a new page that shows such data gets a row here (and
tests/coordination/test_audit.py checks that every row's URL exists).

Only successful answers are logged: an outsider's 404 reveals nothing, so it
is not a read. The page is stored as its path, and where the reader came from
as the path of the Referer when it is a page of this site: never a query
string, a host or a parent's token.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

from config.logging import redact
from families.models import AuditEntry

Record = AuditEntry.Record

# The preparation step where the professional reads the parents' answers.
PARENT_ANSWERS_STEP = "ouders-vooraf"
MAX_PATH = 300


@dataclasses.dataclass(frozen=True)
class LoggedPage:
    record: str
    # The URL kwarg that holds the record's id.
    kwarg: str
    action: str = AuditEntry.Action.VIEW
    # False for pages whose htmx answers only refresh a detail (the reflection's
    # suggestion follows the ticked ratings): the page itself was logged already.
    log_htmx: bool = True
    # Decides the record from the URL kwargs instead, where one page shows
    # different records (a preparation step may be the parents' answers).
    record_for: Callable[[dict[str, object]], str] | None = None


def _preparation_record(kwargs: dict[str, object]) -> str:
    if kwargs.get("step") == PARENT_ANSWERS_STEP:
        return Record.PARENT_ANSWERS
    return Record.CONVERSATION


def _conversation(
    *, log_htmx: bool = True, record_for: Callable[[dict[str, object]], str] | None = None
) -> LoggedPage:
    return LoggedPage(
        Record.CONVERSATION, "conversation_id", log_htmx=log_htmx, record_for=record_for
    )


LOGGED_PAGES: dict[str, LoggedPage] = {
    "conversation_detail": _conversation(),
    "conversation_details": _conversation(),
    "conversation_review": _conversation(),
    "preparation_step": _conversation(record_for=_preparation_record),
    # The sheet holds the parents' answers too.
    "preparation_print": LoggedPage(Record.PARENT_ANSWERS, "conversation_id"),
    "meeting_mode": _conversation(),
    "agreement_list": _conversation(),
    "summary_edit": _conversation(),
    "summary_print": _conversation(),
    "reflection_edit": _conversation(log_htmx=False),
    "agreement_update": LoggedPage(Record.AGREEMENT, "agreement_id"),
    "child_detail": LoggedPage(Record.CHILD, "child_id"),
    "family_detail": LoggedPage(Record.FAMILY, "family_id"),
    # The AVG side (families.views_privacy): everything held about a family, and
    # the parents' own view of a conversation.
    "family_export": LoggedPage(Record.FAMILY, "family_id", action=AuditEntry.Action.EXPORT),
    "family_export_json": LoggedPage(Record.FAMILY, "family_id", action=AuditEntry.Action.EXPORT),
    "family_erase": LoggedPage(Record.FAMILY, "family_id"),
    "parent_view_edit": _conversation(),
    # The printed letter with a parent's link (conversations.views.invitations).
    "parent_link_letter": _conversation(),
    "coordination_coverage_csv": LoggedPage(
        Record.LOCATION, "location_id", action=AuditEntry.Action.EXPORT
    ),
    "coordination_agreements_csv": LoggedPage(
        Record.LOCATION, "location_id", action=AuditEntry.Action.EXPORT
    ),
}


def referrer_path(request: HttpRequest) -> str:
    """The path of the page the reader came from, when it is on this site;
    empty otherwise. The query string and fragment are dropped, and a parent's
    token blanked, so nothing typed or secret lands in the trail."""
    referer = request.headers.get("Referer", "")
    if not referer:
        return ""
    try:
        parts = urlsplit(referer)
    except ValueError:
        return ""
    if parts.netloc and parts.netloc != request.get_host():
        return ""
    if not parts.path.startswith("/"):
        return ""
    return redact(parts.path)[:MAX_PATH]


def audit_record(
    *, request: HttpRequest, page: LoggedPage, url_name: str, kwargs: dict[str, object]
) -> AuditEntry:
    record = page.record_for(kwargs) if page.record_for else page.record
    return AuditEntry.objects.create(
        user=request.user,
        action=page.action,
        record=record,
        object_id=int(kwargs[page.kwarg]),  # type: ignore[call-overload]
        url_name=url_name,
        path=redact(request.path)[:MAX_PATH],
        referrer=referrer_path(request),
    )


class AuditTrailMiddleware:
    """Writes an audit entry after each successful read of a logged page.

    A failing write is not swallowed: a read that cannot be logged answers
    with an error rather than showing the record unlogged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "GET" or not 200 <= response.status_code < 300:
            return response
        match = getattr(request, "resolver_match", None)
        page = LOGGED_PAGES.get(match.url_name) if match is not None else None
        if page is None or not request.user.is_authenticated:
            return response
        if not page.log_htmx and request.headers.get("HX-Request") == "true":
            return response
        audit_record(request=request, page=page, url_name=match.url_name, kwargs=match.kwargs)
        return response
