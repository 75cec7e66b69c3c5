"""CSV exports for coordinators, made to open well in Excel as Dutch offices
use it: UTF-8 with a byte-order mark (else Excel reads the accents wrong),
semicolons between cells (Dutch Excel expects them, since the comma is the
decimal sign), CRLF line ends, and dates as dd-mm-jjjj.

A cell that starts with = + - @ (or a tab or carriage return) could be run as
a formula when the file is opened; such cells get a leading apostrophe, which
Excel shows as plain text.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import F
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import coordination
from conversations.models import Agreement, Conversation

if TYPE_CHECKING:
    from conversations.coordination_forms import Filters
    from families.models import Location

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value: object) -> str:
    """One value as text for a CSV cell, safe to open in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(filename: str, header: list[str], rows: Iterable[list[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Exports hold children's names: never keep a copy in a cache on the way.
    response["Cache-Control"] = "no-store"
    response.write(BOM)
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([cell(title) for title in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return response


def _status_label(held: bool, planned: bool) -> str:
    if held:
        return _("held")
    if planned:
        return _("planned")
    return _("not yet")


def coverage_csv(location: Location, filters: Filters, *, filename: str) -> HttpResponse:
    """A row per group and child: reached or not, the dates of the chosen
    conversations, and the family's last positive contact. Three queries."""
    enrolments = list(coordination.coverage_rows(location, filters))
    dates: dict[int, list[tuple[dt.date | None, str]]] = {}
    for child_id, day, status in (
        coordination.conversations_in_scope(location, filters)
        .filter(child__in={enrolment.child_id for enrolment in enrolments})
        .order_by("child_id", F("date").asc(nulls_last=True), "pk")
        .values_list("child_id", "date", "status")
    ):
        dates.setdefault(child_id, []).append((day, status))
    statuses = dict(Conversation.Status.choices)
    header = [
        _("Group"),
        _("Child"),
        _("Family"),
        _("Reached"),
        _("Last held on"),
        _("Next planned on"),
        _("All conversations"),
        _("Last positive contact"),
    ]
    rows = (
        [
            enrolment.group.name,
            enrolment.child.full_name,
            enrolment.child.family.name,
            _status_label(enrolment.is_held, enrolment.is_planned),
            enrolment.held_on,
            enrolment.planned_on,
            ", ".join(
                f"{cell(day) or _('no date')} ({statuses[status].lower()})"
                for day, status in dates.get(enrolment.child_id, [])
            ),
            enrolment.positive_at,
        ]
        for enrolment in enrolments
    )
    return csv_response(filename, header, rows)


def agreements_csv(location: Location, filters: Filters, *, filename: str) -> HttpResponse:
    """Every agreement of the chosen conversations: one query."""
    today = timezone.localdate()
    header = [
        _("Child"),
        _("Family"),
        _("Conversation"),
        _("Conversation date"),
        _("Prepared by"),
        _("Who"),
        _("What"),
        _("By when"),
        _("Status"),
        _("Past its date"),
        _("How we check"),
        _("Note"),
    ]
    rows = (
        [
            agreement.conversation.child.full_name,
            agreement.conversation.child.family.name,
            agreement.conversation.get_kind_display(),
            agreement.conversation.date,
            _person(agreement.conversation.owner),
            " – ".join(filter(None, [agreement.get_who_display(), agreement.who_name])),
            agreement.what,
            agreement.due_on,
            agreement.get_status_display(),
            agreement.status == Agreement.Status.OPEN and agreement.due_on < today,
            agreement.check_how,
            agreement.status_note,
        ]
        for agreement in coordination.agreements_list(location, filters, status="")
    )
    return csv_response(filename, header, rows)


def _person(user: object) -> str:
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]
