"""The coordinator's side of a location: the overview, the lists behind its
numbers, the CSV exports, and the audit trail of a child.

Every view fetches the location (or child) through the user's coordinated
locations first, so anyone else gets 404. Numbers come from
conversations.coordination; each page holds a fixed number of queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from conversations import coordination, exports
from conversations.coordination_forms import FilterForm, Filters
from conversations.forms import NEEDS, RATING_CHOICES
from conversations.summary import OWN_RATING_FIELDS, PARENT_RATING_FIELDS
from families.access import staff_login_required
from families.models import (
    AuditEntry,
    Child,
    Group,
    Location,
    StaffMembership,
    compiled_objects,
    compiled_rows,
    coordinated_locations,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.core.paginator import Page


PAGE_SIZE = 50
# A count of 0 in the table per group: nothing behind it to link to.
ZERO_CELL = mark_safe('<td class="num">0</td>')


def _location(request: HttpRequest, location_id: int) -> Location:
    return get_object_or_404(Location.objects.coordinated_by(request.user), pk=location_id)


@compiled_objects(keys=("user",))
def _coordinated_locations(user_id: int) -> QuerySet[Location]:
    """The locations the user coordinates, compiled once per process: building
    and compiling the query cost more than running it."""
    return Location.objects.coordinated_by_id(user_id)


def _location_and_navigation(
    request: HttpRequest, location_id: int
) -> tuple[Location, list[Location]]:
    """The location, and every location the user coordinates, for the page's
    navigation (which would otherwise ask for them again): one query."""
    coordinated = _coordinated_locations(request.user.pk)
    location = next((each for each in coordinated if each.pk == location_id), None)
    if location is None:
        raise Http404
    return location, coordinated


@compiled_objects(keys=("location",))
def _groups_by_name(location_id: int) -> QuerySet[Group]:
    """The location's groups of every year, by name, for the filters on every
    page here: compiled once per process, as building and compiling the query
    cost more than running it."""
    return Group.objects.filter(location=location_id).order_by("name")


def _filters(request: HttpRequest, location: Location) -> tuple[FilterForm, Filters]:
    """The filter form and what it chose."""
    groups = _groups_by_name(location.pk)
    for group in groups:
        group.location = location  # As location.groups gives them.
    form = FilterForm(request.GET, groups=groups)
    return form, form.filters()


def _page(request: HttpRequest, items: Any) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _url_for_each(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for many objects at the cost of one reversal."""
    marker = "2147483647"
    prefix, suffix = reverse(name, args=[marker]).split(marker)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _need_rows(
    counts: dict[str, list[int]], fields: tuple[str, ...], link: str = ""
) -> list[dict[str, Any]]:
    """Each need with its counts per rating, as (count, link): `link` followed
    by the need and the rating, to the conversations behind a count that is
    not 0 ("" without `link`)."""
    return [
        {
            "field": field,
            "label": NEEDS[field][0],
            "counts": [
                (count, f"{link}&need={field}&rating={rating}" if link and count else "")
                for count, (rating, _label) in zip(counts[field], RATING_CHOICES, strict=True)
            ],
        }
        for field in fields
    ]


def _count_cells(counts: list[tuple[int, str]]) -> list[SafeString]:
    """The cells of a need's row in the overview's table per group: each
    count, as a link when it has one. The HTML the template wrote, written
    here: with a cell for each group, need and rating, the template's tags
    per cell were most of the page's rendering. An f-string, not format_html,
    whose checks of each argument took longer than the escaping: the link is
    escaped, the count is a whole number."""
    return [
        mark_safe(f'<td class="num"><a href="{escape(link)}">{count:d}</a></td>')  # noqa: S308
        if link
        else ZERO_CELL
        for count, link in counts
    ]


@compiled_rows(keys=("location",), per_value=("year",))
def _staff_of_year(location_id: int, *, year: int) -> QuerySet:
    """The staff of a location's groups of `year` as short rows. Names only:
    the memberships and users as model instances took longer to build than
    the query took to run. Compiled once per process and school year (the
    filter form offers a handful), as building and compiling the query took
    longer than running it."""
    return (
        StaffMembership.groups.through.objects.filter(
            group__location=location_id, group__school_year=year
        )
        .values(
            "group_id",
            first_name=F("staffmembership__user__first_name"),
            last_name=F("staffmembership__user__last_name"),
            username=F("staffmembership__user__username"),
        )
        .order_by("first_name", "last_name")
    )


def _staff_names(location: Location, year: int, groups: list[Group]) -> dict[int, str]:
    """Each group's staff, by name, as the overview lists them (one query;
    with one group chosen, the year's other groups are passed over)."""
    names: dict[int, list[str]] = {group.pk: [] for group in groups}
    for each in _staff_of_year(location.pk, year=year):
        if each["group_id"] in names:
            # As User.get_full_name(), falling back to the username.
            full_name = f"{each['first_name']} {each['last_name']}".strip()
            names[each["group_id"]].append(full_name or each["username"])
    return {group_id: ", ".join(each) for group_id, each in names.items()}


@require_GET
@staff_login_required
def location_overview(request: HttpRequest, location_id: int) -> HttpResponse:
    """How the partnership with parents goes across the location: who has been
    reached, agreements, requests to think along, families without recent
    positive contact, and the reflections counted per group."""
    location, navigation = _location_and_navigation(request, location_id)
    form, filters = _filters(request, location)
    year_groups = [group for group in form.all_groups if group.school_year == filters.year]
    counted = coordination.overview(location, filters, year_groups)
    rows, totals, needs = counted.rows, counted.totals, counted.needs
    # Each URL reversed once, not once per row or per number.
    children_url = reverse("coordination_children", args=[location.pk])
    agreements_url = reverse("coordination_agreements", args=[location.pk])
    conversations_url = reverse("coordination_conversations", args=[location.pk])
    group_url, child_url = _url_for_each("group_detail"), _url_for_each("child_detail")
    staff = _staff_names(location, filters.year, [row.group for row in rows])
    for row in rows:
        row_query = filters.query(group=row.group.pk)
        row.children_link = f"{children_url}?{row_query}"
        row.agreements_link = f"{agreements_url}?{row_query}"
        row.need_rows = (
            _need_rows(row.ratings, PARENT_RATING_FIELDS, f"{conversations_url}?{row_query}")
            if row.rated
            else []
        )
        for need in row.need_rows:
            need["cells"] = _count_cells(need["counts"])
        row.url = group_url(row.group.pk)
        row.staff = staff[row.group.pk]
        for child in row.not_reached:
            child.url = child_url(child.child_id)
    query = filters.query()
    requests = coordination.first_review_requests(location, filters)
    review_url = _url_for_each("conversation_review")
    for conversation in requests:
        conversation.review_url = review_url(conversation.pk)
    return render(
        request,
        "coordination/overview.html",
        {
            "location": location,
            "form": form,
            "filters": filters,
            "query": query,
            "children_url": children_url,
            "agreements_url": agreements_url,
            "conversations_url": conversations_url,
            "totals": totals,
            "rows": rows,
            "parent_needs": _need_rows(
                needs.parents, PARENT_RATING_FIELDS, f"{conversations_url}?{query}"
            ),
            "own_needs": _need_rows(needs.own, OWN_RATING_FIELDS) if needs.own else None,
            "needs": needs,
            "rating_labels": [label for _rating, label in RATING_CHOICES],
            "min_professionals": coordination.MIN_PROFESSIONALS_FOR_OWN_NEEDS,
            "requests": requests,
            "request_total": requests[0].asked_total if requests else 0,
            "nav_locations": navigation,
        },
    )


def _list_context(
    location: Location, form: FilterForm, filters: Filters, heading: str, **extra: str
) -> dict[str, Any]:
    """What every list page shows: the heading, the filters, and the choices
    that made the list (kept in the filter form and the page links)."""
    chosen = {key: value for key, value in extra.items() if value}
    return {
        "location": location,
        "form": form,
        "filters": filters,
        "heading": heading,
        "query": filters.query(),
        "page_query": filters.query(**chosen),
        "keep": list(chosen.items()),
        **extra,
    }


CHILD_HEADINGS = {
    coordination.STATUS_HELD: _("Children with a conversation held"),
    coordination.STATUS_PLANNED: _("Children with a conversation planned, not held yet"),
    coordination.STATUS_NONE: _("Children whose family has not been reached yet"),
    coordination.STATUS_NO_POSITIVE: _("Children whose family heard nothing positive lately"),
    "": _("All children"),
}
AGREEMENT_HEADINGS = {
    coordination.AGREEMENTS_OPEN: _("Open agreements"),
    coordination.AGREEMENTS_OVERDUE: _("Agreements past their date"),
    "": _("All agreements"),
}


@require_GET
@staff_login_required
def coordination_children(request: HttpRequest, location_id: int) -> HttpResponse:
    """The children behind a number of the overview: reached, planned, not
    reached yet, or without positive contact lately."""
    location = _location(request, location_id)
    form, filters = _filters(request, location)
    status = request.GET.get("status", "")
    if status not in CHILD_HEADINGS:
        status = ""
    page = _page(request, coordination.children_list(location, filters, status))
    coordination.groups_of(page.object_list, filters)
    context = _list_context(location, form, filters, str(CHILD_HEADINGS[status]), status=status)
    return render(request, "coordination/children.html", context | {"page": page})


@require_GET
@staff_login_required
def coordination_agreements(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form, filters = _filters(request, location)
    status = request.GET.get("status", "")
    if status not in AGREEMENT_HEADINGS:
        status = ""
    page = _page(request, coordination.agreements_list(location, filters, status))
    context = _list_context(location, form, filters, str(AGREEMENT_HEADINGS[status]), status=status)
    return render(request, "coordination/agreements.html", context | {"page": page})


def _conversations_heading(*, asked: bool, status: str, need: str, rating: str) -> str:
    if asked:
        return _("Conversations where a colleague asks you to think along")
    if need:
        return _("Parents' %(need)s rated “%(rating)s”") % {
            "need": str(NEEDS[need][0]).lower(),
            "rating": dict(RATING_CHOICES)[int(rating)],
        }
    if status == coordination.STATUS_HELD:
        return _("Conversations held")
    if status == coordination.STATUS_PLANNED:
        return _("Conversations not held yet")
    return _("All conversations")


@require_GET
@staff_login_required
def coordination_conversations(request: HttpRequest, location_id: int) -> HttpResponse:
    """The conversations behind a number: held or planned, a parents' need
    rated so, or waiting for a coordinator to think along."""
    location = _location(request, location_id)
    form, filters = _filters(request, location)
    status = request.GET.get("status", "")
    if status not in (coordination.STATUS_HELD, coordination.STATUS_PLANNED):
        status = ""
    need = request.GET.get("need", "")
    rating = request.GET.get("rating", "")
    if need not in PARENT_RATING_FIELDS or rating not in {"1", "2", "3", "4"}:
        need = rating = ""
    asked = request.GET.get("asked") == "1"
    conversations = coordination.conversations_list(
        location,
        filters,
        status=status,
        need=need,
        rating=int(rating) if rating else None,
        asked=asked,
    )
    heading = _conversations_heading(asked=asked, status=status, need=need, rating=rating)
    context = _list_context(
        location,
        form,
        filters,
        str(heading),
        status=status,
        need=need,
        rating=rating,
        asked="1" if asked else "",
    )
    return render(
        request,
        "coordination/conversations.html",
        context | {"page": _page(request, conversations)},
    )


def _export_name(kind: str, location: Location, filters: Filters) -> str:
    return f"{kind}-{slugify(location.name)}-{filters.year}.csv"


@require_GET
@staff_login_required
def coordination_coverage_csv(request: HttpRequest, location_id: int) -> HttpResponse:
    """Per group and child: reached or not, and the conversation dates."""
    location = _location(request, location_id)
    _form, filters = _filters(request, location)
    return exports.coverage_csv(
        location, filters, filename=_export_name("bereik", location, filters)
    )


@require_GET
@staff_login_required
def coordination_agreements_csv(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    _form, filters = _filters(request, location)
    return exports.agreements_csv(
        location, filters, filename=_export_name("afspraken", location, filters)
    )


# The audit trail of a child

# What each page is called in the audit trail: the logged pages, and the pages
# a reader may have come from.
CONVERSATION_RECORDS = {AuditEntry.Record.CONVERSATION, AuditEntry.Record.PARENT_ANSWERS}
PAGE_LABELS = {
    "conversation_detail": _("Conversation page"),
    "conversation_details": _("Who, when and where"),
    "conversation_review": _("Read-along page (the whole record, parents' answers included)"),
    "preparation_step": _("Preparation"),
    "preparation_print": _("Printed preparation"),
    "meeting_mode": _("Meeting mode"),
    "agreement_list": _("Agreements"),
    "agreement_update": _("One agreement"),
    "summary_edit": _("Summary"),
    "summary_print": _("Printed summary"),
    "reflection_edit": _("Reflection"),
    "child_detail": _("Child page"),
    "family_detail": _("Family page"),
    "family_export": _("Everything held about the family (access request)"),
    "family_export_json": _("Everything held about the family, as a file"),
    "family_erase": _("Erasing the family's data"),
    "parent_view_edit": _("The parents' own view"),
    "parent_link_letter": _("Letter with a parent's link"),
    "coordination_coverage_csv": _("Export: who has been reached (CSV)"),
    "coordination_agreements_csv": _("Export: agreements (CSV)"),
    "home": _("My groups"),
    "group_detail": _("Group page"),
    "location_overview": _("Location overview"),
    "coordination_children": _("Overview: list of children"),
    "coordination_agreements": _("Overview: list of agreements"),
    "coordination_conversations": _("Overview: list of conversations"),
    "child_audit_log": _("Who read what"),
}


def _page_label(path: str) -> str:
    """What a logged path or referrer was, in words ("" when unknown)."""
    if not path:
        return ""
    try:
        name = resolve(path).url_name or ""
    except Resolver404:
        return ""
    return str(PAGE_LABELS.get(name, ""))


@require_GET
@staff_login_required
def child_audit_log(request: HttpRequest, child_id: int) -> HttpResponse:
    """Who read what about this child, when, and from which page."""
    child = get_object_or_404(
        Child.objects.filter(
            family__location__in=coordinated_locations(request.user)
        ).select_related("family__location"),
        pk=child_id,
    )
    page = _page(request, coordination.audit_entries_for_child(child))
    conversations = coordination.conversations_of(page.object_list)
    for entry in page.object_list:
        entry.page_label = str(PAGE_LABELS.get(entry.url_name, entry.url_name))
        entry.conversation = (
            conversations.get(entry.object_id) if entry.record in CONVERSATION_RECORDS else None
        )
        entry.referrer_label = _page_label(entry.referrer)
    return render(
        request,
        "coordination/audit_log.html",
        {"child": child, "location": child.family.location, "page": page},
    )
