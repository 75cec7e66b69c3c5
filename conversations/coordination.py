"""What a coordinator reads about a location: who has been reached, open
agreements, requests to think along, families without recent positive
contact, the reflections "who needs what?" counted per group, and the audit
trail of a child.

Every function here answers in a fixed number of queries, however many
children and conversations the location has: counts are aggregated in the
database (the overview reads the reach of the location's children and the
ratings of its conversations as short rows and counts them here, see
`overview`), lists are sliced or paginated by the caller.

Counting per group follows the enrolments: a child in a school group and in
after-school care counts in both groups. The location's totals count each
child once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from operator import itemgetter
from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations.models import Agreement, Contact, Conversation
from conversations.summary import OWN_RATING_FIELDS, PARENT_RATING_FIELDS
from families.models import AuditEntry, Child, Enrolment, compiled_objects, compiled_rows

if TYPE_CHECKING:
    from conversations.coordination_forms import Filters
    from families.models import Group, Location

HELD = (Conversation.Status.HELD, Conversation.Status.FOLLOWED_UP)
NOT_HELD_YET = (Conversation.Status.DRAFT, Conversation.Status.PREPARED)
RATINGS = (1, 2, 3, 4)
# The professionals' own ratings are counted for the whole location only, and
# only when at least this many professionals gave them: fewer would point at
# a person.
MIN_PROFESSIONALS_FOR_OWN_NEEDS = 3
# Families not reached yet, listed per group on the overview; the rest are
# one click away.
NOT_REACHED_SHOWN = 8
# Requests to think along shown on the overview; the rest are on their list.
REQUESTS_SHOWN = 5

# What a child's coverage status is called in links and filters.
STATUS_HELD = "held"
STATUS_PLANNED = "planned"
STATUS_NONE = "none"
STATUS_NO_POSITIVE = "no_positive"
CHILD_STATUSES = (STATUS_HELD, STATUS_PLANNED, STATUS_NONE, STATUS_NO_POSITIVE)
# The overview's `reach` of a child (see `_reach_subqueries`) as a status, and
# which count each status adds to.
REACH_STATUSES = {2: STATUS_HELD, 1: STATUS_PLANNED, None: STATUS_NONE}
STATUS_COUNTS = {STATUS_HELD: "held", STATUS_PLANNED: "planned", STATUS_NONE: "not_yet"}

AGREEMENTS_OPEN = "open"
AGREEMENTS_OVERDUE = "overdue"


def end_of_school_year(year: int) -> dt.date:
    return dt.date(year + 1, 7, 31)


def _chosen(filters: Filters) -> Q:
    """Conversations of the chosen year, kind and period."""
    chosen = Q(school_year=filters.year)
    if filters.kind:
        chosen &= Q(kind=filters.kind)
    if filters.since:
        chosen &= Q(date__gte=filters.since)
    if filters.until:
        chosen &= Q(date__lte=filters.until)
    return chosen


def conversations_in_scope(location: Location, filters: Filters) -> QuerySet[Conversation]:
    """The location's conversations of the chosen year, kind and period."""
    return Conversation.objects.filter(_chosen(filters), child__family__location=location)


def _in_group(group: Group | int | None, child_path: str) -> Q:
    """Rows whose child is in the chosen group, or its id (no condition without one)."""
    if group is None:
        return Q()
    enrolled = Enrolment.objects.filter(group=group, child=OuterRef(child_path))
    return Q(Exists(enrolled))


def enrolments_in_scope(location: Location, filters: Filters) -> QuerySet[Enrolment]:
    """Places in the year's groups of children who had not left by then."""
    cutoff = min(timezone.localdate(), end_of_school_year(filters.year))
    enrolments = Enrolment.objects.filter(
        group__location=location, group__school_year=filters.year
    ).filter(Q(child__left_on__isnull=True) | Q(child__left_on__gt=cutoff))
    if filters.group is not None:
        enrolments = enrolments.filter(group=filters.group)
    return enrolments


def _reach(location: Location, filters: Filters, child: str, family: str) -> dict[str, Exists]:
    """Per child: a conversation held, one not held yet, and a positive contact
    with the family in the last weeks. `child` and `family` are the outer
    query's paths to the child's and the family's id; the outer rows are
    children in the location's groups of the year.

    Each subquery is also narrowed to those children (and their families),
    which changes no answer but lets PostgreSQL start from the location
    instead of reading the whole board's conversations and contacts."""
    enrolled = Enrolment.objects.filter(group__location=location, group__school_year=filters.year)
    conversations = Conversation.objects.filter(
        _chosen(filters), child__in=enrolled.values("child_id")
    )
    return {
        "is_held": Exists(conversations.filter(child=OuterRef(child), status__in=HELD)),
        "is_planned": Exists(conversations.filter(child=OuterRef(child), status__in=NOT_HELD_YET)),
        "has_positive": Exists(
            Contact.objects.filter(
                child__family=OuterRef(family),
                child__family__in=enrolled.values("child__family_id"),
                tone=Contact.Tone.POSITIVE,
                occurred_at__gte=filters.positive_since,
            )
        ),
    }


def _reach_counts(rows: Iterable[tuple[str, bool]]) -> dict[str, int]:
    """Children, held, planned, not yet and without positive contact, from
    each child's (coverage status, has_positive)."""
    counts = dict.fromkeys(("children", "held", "planned", "not_yet", "no_positive"), 0)
    for status, has_positive in rows:
        counts["children"] += 1
        counts[STATUS_COUNTS[status]] += 1
        if not has_positive:
            counts["no_positive"] += 1
    return counts


@dataclasses.dataclass
class NotReached:
    """A child whose family has not been reached yet, as the overview lists it
    (`url`: the child's page, set by the view)."""

    child_id: int
    family_name: str
    first_name: str
    url: str = ""


@dataclasses.dataclass
class GroupRow:
    group: Group
    children: int = 0
    held: int = 0
    planned: int = 0
    not_yet: int = 0
    no_positive: int = 0
    open_agreements: int = 0
    overdue_agreements: int = 0
    not_reached: list[NotReached] = dataclasses.field(default_factory=list)
    ratings: dict[str, list[int]] = dataclasses.field(
        default_factory=lambda: {field: [0] * len(RATINGS) for field in PARENT_RATING_FIELDS}
    )

    @property
    def rated(self) -> bool:
        return any(any(counts) for counts in self.ratings.values())


@dataclasses.dataclass(frozen=True)
class Totals:
    children: int
    held: int
    planned: int
    not_yet: int
    no_positive: int
    open_agreements: int
    overdue_agreements: int


@dataclasses.dataclass(frozen=True)
class NeedCounts:
    """How often each need got each rating (1 not met … 4 fully met)."""

    parents: dict[str, list[int]]
    own: dict[str, list[int]] | None
    professionals: int

    @property
    def rated(self) -> bool:
        return any(any(counts) for counts in self.parents.values())


@dataclasses.dataclass(frozen=True)
class Overview:
    rows: list[GroupRow]
    totals: Totals
    needs: NeedCounts


def overview(location: Location, filters: Filters, groups: list[Group]) -> Overview:
    """What the overview counts, in two queries: one row per group of the
    year (or the chosen group), the location's (or the group's) totals with
    each child counted once, and the reflections of the whole selection.

    - A row per enrolment with its child's reach and names, in family order:
      the reach counts, the totals and the families not reached yet.
    - A row per conversation with its ratings and its open agreements: the
      agreements counted per child, added up per group here (a child in two
      groups counts in both) and for the totals; the ratings counted here per
      group and for the whole selection: the 37 filtered COUNTs that would
      count them in the database take Django longer to build than the rows
      take to count.

    Enrolments of children who have left are read too: their agreements and
    reflections count in their groups, their reach does not."""
    shown = [filters.group] if filters.group is not None else groups
    rows = {group.pk: GroupRow(group) for group in shown}
    placed, reach_by_child = _reach_rows(location, filters, rows)

    needs, parent_ratings_by_child, agreements_by_child = _conversation_rows(location, filters)
    rated_by_group: dict[int, list[tuple[int | None, ...]]] = {}
    for group_id, child_id in placed:
        row = rows.get(group_id)
        if row is None:
            continue
        counted = agreements_by_child.get(child_id)
        if counted is not None:
            row.open_agreements += counted[0]
            row.overdue_agreements += counted[1]
        rated_by_group.setdefault(group_id, []).extend(parent_ratings_by_child.get(child_id, ()))
    for group_id, rated in rated_by_group.items():
        rows[group_id].ratings = _rating_counts(PARENT_RATING_FIELDS, rated)

    totals = Totals(
        **_reach_counts(reach_by_child.values()),
        open_agreements=sum(counted[0] for counted in agreements_by_child.values()),
        overdue_agreements=sum(counted[1] for counted in agreements_by_child.values()),
    )
    return Overview(rows=list(rows.values()), totals=totals, needs=needs)


def _reach_subqueries(filters: Filters) -> dict[str, Subquery]:
    """Per enrolment: `reach`, 2 when its child had a chosen conversation held,
    1 when only ones not held yet (the statuses leave no third case), NULL
    without; `has_positive`, true when the family had a positive contact in
    the last weeks, NULL otherwise.

    Scalar subqueries rather than EXISTS: PostgreSQL may answer an EXISTS by
    hashing every matching row of the board, but looks a scalar subquery up
    per row through the child's (or family's) index, and one lookup answers
    both held and planned."""
    reach = (
        Conversation.objects.filter(_chosen(filters), child=OuterRef("child_id"))
        .order_by()
        .values("child_id")
        .annotate(reach=Max(Case(When(status__in=HELD, then=Value(2)), default=Value(1))))
        .values("reach")
    )
    # Unordered: any such contact answers, without sorting the family's contacts.
    positive = (
        Contact.objects.filter(
            child__family=OuterRef("child__family_id"),
            tone=Contact.Tone.POSITIVE,
            occurred_at__gte=filters.positive_since,
        )
        .order_by()
        .values(found=Value(True))[:1]
    )
    return {"reach": Subquery(reach), "has_positive": Subquery(positive)}


def _reach_rows(
    location: Location, filters: Filters, rows: dict[int, GroupRow]
) -> tuple[list[tuple[int, int]], dict[int, tuple[str, bool]]]:
    """Fill in each row's reach counts and families not reached yet. Returns
    every (group id, child id) of the year's groups (or the chosen group),
    children who left included, and the (coverage status, has_positive) of
    each child still there."""
    cutoff = min(timezone.localdate(), end_of_school_year(filters.year))
    enrolments = Enrolment.objects.filter(group__location=location, group__school_year=filters.year)
    if filters.group is not None:
        enrolments = enrolments.filter(group=filters.group)

    placed: list[tuple[int, int]] = []
    reach_by_group: dict[int, list[tuple[str, bool]]] = {}
    reach_by_child: dict[int, tuple[str, bool]] = {}
    for group_id, child_id, family_name, first_name, left_on, reach, has_positive in (
        enrolments.annotate(**_reach_subqueries(filters))
        .values_list(
            "group_id",
            "child_id",
            "child__family__name",
            "child__first_name",
            "child__left_on",
            "reach",
            "has_positive",
        )
        .order_by("child__family__name", "child__first_name", "pk")
    ):
        placed.append((group_id, child_id))
        if left_on is not None and left_on <= cutoff:
            continue
        reached = (REACH_STATUSES[reach], bool(has_positive))
        reach_by_child[child_id] = reached
        row = rows.get(group_id)
        if row is None:
            continue
        reach_by_group.setdefault(group_id, []).append(reached)
        if reach is None and len(row.not_reached) < NOT_REACHED_SHOWN:
            row.not_reached.append(NotReached(child_id, family_name, first_name))
    for group_id, reached in reach_by_group.items():
        for name, value in _reach_counts(reached).items():
            setattr(rows[group_id], name, value)
    return placed, reach_by_child


def _rating_counts(
    fields: tuple[str, ...], rated: list[tuple[int | None, ...]]
) -> dict[str, list[int]]:
    """How often each of `fields` got each rating, from rows of ratings (one
    value per field, None where not rated). Counted a column at a time by
    Counter: with a row per conversation, a Python loop over every value took
    twice as long."""
    counts = {field: [0] * len(RATINGS) for field in fields}
    # Without rows there are no columns: zip stops at once.
    for field, ratings in zip(fields, zip(*rated, strict=True), strict=False):
        for rating, count in Counter(ratings).items():
            if rating is not None:
                counts[field][rating - 1] = count
    return counts


def _conversation_values(
    location: Location | int,
    *,
    year: int,
    kind: str,
    today: dt.date,
    group: Group | int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Conversation]:
    """A row per conversation of the location (or the group, or their ids) of
    the year and kind: its child, its owner, whether it is in the period, its
    open agreements due in the period and how many of them are past their
    date, and its ratings."""
    conversations = Conversation.objects.filter(
        school_year=year, child__family__location=location
    ).filter(_in_group(group, "child_id"))
    if kind:
        conversations = conversations.filter(kind=kind)
    in_period = Q()
    if since:
        in_period &= Q(date__gte=since)
    if until:
        in_period &= Q(date__lte=until)
    open_agreement = Q(agreements__status=Agreement.Status.OPEN)
    if since:
        open_agreement &= Q(agreements__due_on__gte=since)
    if until:
        open_agreement &= Q(agreements__due_on__lte=until)
    overdue = open_agreement & Q(agreements__due_on__lt=today)
    return (
        conversations.annotate(
            in_period=ExpressionWrapper(in_period, output_field=BooleanField())
            if in_period
            else Value(True),
            open_agreements=Count("agreements", filter=open_agreement),
            overdue_agreements=Count("agreements", filter=overdue),
        )
        .values(
            "child_id",
            "owner_id",
            "in_period",
            "open_agreements",
            "overdue_agreements",
            *PARENT_RATING_FIELDS,
            *OWN_RATING_FIELDS,
        )
        .order_by()
    )


@compiled_rows(keys=("location",), per_day=True, per_value=("year", "kind"))
def _location_conversation_values(
    location_id: int, today: dt.date, *, year: int, kind: str
) -> QuerySet[Conversation]:
    """`_conversation_values` of a whole location without a period, as the
    overview opens. Compiled once per process, school year and kind (the
    filter form's choices, so a handful): building and compiling the query
    took about a millisecond on every request."""
    return _conversation_values(location_id, year=year, kind=kind, today=today)


def _conversation_rows(
    location: Location, filters: Filters
) -> tuple[NeedCounts, dict[int, list[tuple[int | None, ...]]], dict[int, tuple[int, int]]]:
    """In one query over the location's (or group's) conversations of the
    chosen year and kind:

    - the reflections of those in the chosen period, for the whole selection
      and each child's parents' ratings per conversation (for the counts per
      group); the professionals' own ratings only when enough professionals
      gave them;
    - per child, the open agreements due in the chosen period (whatever the
      conversation's date, as `agreements_in_scope`), and how many of them are
      past their date."""
    if filters.group is None and not filters.since and not filters.until:
        rows = _location_conversation_values(location.pk, year=filters.year, kind=filters.kind)
    else:
        rows = _conversation_values(
            location,
            year=filters.year,
            kind=filters.kind,
            today=timezone.localdate(),
            group=filters.group,
            since=filters.since,
            until=filters.until,
        )

    parent_ratings, own_ratings = itemgetter(*PARENT_RATING_FIELDS), itemgetter(*OWN_RATING_FIELDS)
    parent_rows: list[tuple[int | None, ...]] = []
    own_rows: list[tuple[int | None, ...]] = []
    professionals: set[int] = set()
    ratings_by_child: dict[int, list[tuple[int | None, ...]]] = {}
    agreements_by_child: dict[int, tuple[int, int]] = {}
    for row in rows:
        child_id = row["child_id"]
        if row["open_agreements"]:
            counted = agreements_by_child.get(child_id, (0, 0))
            agreements_by_child[child_id] = (
                counted[0] + row["open_agreements"],
                counted[1] + row["overdue_agreements"],
            )
        if not row["in_period"]:
            continue
        parent_rated, own_rated = parent_ratings(row), own_ratings(row)
        ratings_by_child.setdefault(child_id, []).append(parent_rated)
        parent_rows.append(parent_rated)
        own_rows.append(own_rated)
        if row["owner_id"] is not None and any(rating is not None for rating in own_rated):
            professionals.add(row["owner_id"])
    enough = len(professionals) >= MIN_PROFESSIONALS_FOR_OWN_NEEDS
    needs = NeedCounts(
        parents=_rating_counts(PARENT_RATING_FIELDS, parent_rows),
        own=_rating_counts(OWN_RATING_FIELDS, own_rows) if enough else None,
        professionals=len(professionals),
    )
    return needs, ratings_by_child, agreements_by_child


def with_review_requests(locations: QuerySet[Location]) -> QuerySet[Location]:
    """Annotate each location with `asked_count`: conversations waiting for a
    coordinator to think along (a subquery, no extra query)."""
    waiting = (
        Conversation.objects.filter(
            child__family__location=OuterRef("pk"), review_requested_at__isnull=False
        )
        .order_by()
        .values("child__family__location")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return locations.annotate(
        asked_count=Coalesce(Subquery(waiting, output_field=IntegerField()), 0)
    )


# The lists behind the numbers


def children_in_scope(location: Location, filters: Filters) -> QuerySet[Child]:
    """Each child of the year's groups (or the chosen group) once."""
    return Child.objects.filter(
        pk__in=enrolments_in_scope(location, filters).values("child_id")
    ).order_by()


def children_list(location: Location, filters: Filters, status: str) -> QuerySet[Child]:
    """The children behind a coverage number, with `held_on` (the last held
    conversation's date), `planned_on` (the next one not held yet) and
    `positive_at` (the family's last positive contact), in family order."""
    conversations = Conversation.objects.filter(_chosen(filters))
    reach = _reach(location, filters, child="pk", family="family_id")
    children = children_in_scope(location, filters)
    if status == STATUS_HELD:
        children = children.filter(reach["is_held"])
    elif status == STATUS_PLANNED:
        children = children.filter(~reach["is_held"], reach["is_planned"])
    elif status == STATUS_NONE:
        children = children.filter(~reach["is_held"], ~reach["is_planned"])
    elif status == STATUS_NO_POSITIVE:
        children = children.filter(~reach["has_positive"])
    held = conversations.filter(child=OuterRef("pk"), status__in=HELD).order_by("-date")
    planned = conversations.filter(child=OuterRef("pk"), status__in=NOT_HELD_YET).order_by(
        F("date").asc(nulls_last=True)
    )
    positive = Contact.objects.filter(
        child__family=OuterRef("family_id"), tone=Contact.Tone.POSITIVE
    ).order_by("-occurred_at")
    return (
        children.select_related("family")
        .annotate(
            held_on=Subquery(held.values("date")[:1]),
            is_held=reach["is_held"],
            is_planned=reach["is_planned"],
            planned_on=Subquery(planned.values("date")[:1]),
            positive_at=Subquery(positive.values("occurred_at")[:1]),
        )
        .order_by("family__name", "first_name", "pk")
    )


def coverage_rows(location: Location, filters: Filters) -> QuerySet[Enrolment]:
    """A row per group and child, with the same annotations as `children_list`,
    for the export: by group, then family."""
    conversations = Conversation.objects.filter(_chosen(filters))
    reach = _reach(location, filters, child="child_id", family="child__family_id")
    held = conversations.filter(child=OuterRef("child_id"), status__in=HELD).order_by("-date")
    planned = conversations.filter(child=OuterRef("child_id"), status__in=NOT_HELD_YET).order_by(
        F("date").asc(nulls_last=True)
    )
    positive = Contact.objects.filter(
        child__family=OuterRef("child__family_id"), tone=Contact.Tone.POSITIVE
    ).order_by("-occurred_at")
    return (
        enrolments_in_scope(location, filters)
        .select_related("group", "child__family")
        .annotate(
            is_held=reach["is_held"],
            is_planned=reach["is_planned"],
            held_on=Subquery(held.values("date")[:1]),
            planned_on=Subquery(planned.values("date")[:1]),
            positive_at=Subquery(positive.values("occurred_at")[:1]),
        )
        .order_by("group__name", "child__family__name", "child__first_name", "pk")
    )


def groups_of(children: list[Child], filters: Filters) -> None:
    """Set `year_groups` on each child: its groups in the chosen year (one query)."""
    by_child: dict[int, list[Group]] = {child.pk: [] for child in children}
    for enrolment in Enrolment.objects.filter(
        child__in=by_child, group__school_year=filters.year
    ).select_related("group"):
        by_child[enrolment.child_id].append(enrolment.group)
    for child in children:
        child.year_groups = sorted(by_child[child.pk], key=lambda group: group.name)


def agreements_in_scope(location: Location, filters: Filters) -> QuerySet[Agreement]:
    """Agreements from the chosen conversations, due in the chosen period.

    The conversations are joined rather than asked for with IN (subquery):
    the same rows, without reading the chosen conversations twice."""
    chosen = Q(
        conversation__child__family__location=location, conversation__school_year=filters.year
    )
    if filters.kind:
        chosen &= Q(conversation__kind=filters.kind)
    agreements = Agreement.objects.filter(chosen).filter(
        _in_group(filters.group, "conversation__child_id")
    )
    if filters.since:
        agreements = agreements.filter(due_on__gte=filters.since)
    if filters.until:
        agreements = agreements.filter(due_on__lte=filters.until)
    return agreements


def agreements_list(location: Location, filters: Filters, status: str) -> QuerySet[Agreement]:
    agreements = agreements_in_scope(location, filters)
    if status == AGREEMENTS_OPEN:
        agreements = agreements.filter(status=Agreement.Status.OPEN)
    elif status == AGREEMENTS_OVERDUE:
        agreements = agreements.overdue()
    return agreements.select_related("conversation__child__family", "conversation__owner").order_by(
        "due_on", "pk"
    )


def review_requests(location: Location, filters: Filters) -> QuerySet[Conversation]:
    """Conversations whose professional asked the coordinators to think along,
    longest waiting first, each with `asked_total` (a window count). Open
    requests are shown whatever the kind, year or period chosen: each waits for
    an answer. Only the group narrows them down."""
    return _review_requests(location, filters.group)


def _review_requests(location: Location | int, group: Group | int | None) -> QuerySet[Conversation]:
    """`review_requests` for a location and a group, or their ids."""
    conversations = Conversation.objects.filter(
        child__family__location=location, review_requested_at__isnull=False
    ).filter(_in_group(group, "child_id"))
    return (
        conversations.select_related("child", "owner", "review_requested_by")
        .annotate(asked_total=Window(Count("pk")))
        .order_by("review_requested_at", "pk")
    )


# The first requests of `review_requests`, as the overview shows them, compiled
# once per process: building and compiling the query (three objects read along
# and a window count) cost more than running it.


@compiled_objects(keys=("location",))
def _first_review_requests(location_id: int) -> QuerySet[Conversation]:
    return _review_requests(location_id, None)[:REQUESTS_SHOWN]


@compiled_objects(keys=("location", "group"))
def _first_review_requests_in_group(location_id: int, group_id: int) -> QuerySet[Conversation]:
    return _review_requests(location_id, group_id)[:REQUESTS_SHOWN]


def first_review_requests(location: Location, filters: Filters) -> list[Conversation]:
    """The first `REQUESTS_SHOWN` of `review_requests(location, filters)`."""
    if filters.group is None:
        return _first_review_requests(location.pk)
    return _first_review_requests_in_group(location.pk, filters.group.pk)


def conversations_list(
    location: Location,
    filters: Filters,
    *,
    status: str = "",
    need: str = "",
    rating: int | None = None,
    asked: bool = False,
) -> QuerySet[Conversation]:
    """The conversations behind a number: held or not yet, with a parents'
    need rated so, or waiting for a coordinator to think along."""
    if asked:
        conversations = review_requests(location, filters)
    else:
        conversations = conversations_in_scope(location, filters).filter(
            _in_group(filters.group, "child_id")
        )
    if status == STATUS_HELD:
        conversations = conversations.filter(status__in=HELD)
    elif status == STATUS_PLANNED:
        conversations = conversations.filter(status__in=NOT_HELD_YET)
    if need in PARENT_RATING_FIELDS and rating in RATINGS:
        conversations = conversations.filter(**{need: rating})
    conversations = conversations.select_related("child__family", "owner")
    if asked:
        return conversations
    return conversations.order_by(F("date").desc(nulls_last=True), "-pk")


# The audit trail of a child


def audit_entries_for_child(child: Child) -> QuerySet[AuditEntry]:
    """Every read of the child's page, the family's page, the child's
    conversations (parents' answers included) and their agreements, and every
    export of the child's location, newest first."""
    conversations = Conversation.objects.filter(child=child).values("pk")
    agreements = Agreement.objects.filter(conversation__child=child).values("pk")
    record = AuditEntry.Record
    return (
        AuditEntry.objects.filter(
            Q(record=record.CHILD, object_id=child.pk)
            | Q(record=record.FAMILY, object_id=child.family_id)
            | Q(
                record__in=[record.CONVERSATION, record.PARENT_ANSWERS],
                object_id__in=conversations,
            )
            | Q(record=record.AGREEMENT, object_id__in=agreements)
            | Q(record=record.LOCATION, object_id=child.family.location_id)
        )
        .select_related("user")
        .order_by("-at", "-pk")
    )


def conversations_of(entries: list[AuditEntry]) -> dict[int, Conversation]:
    """The conversations the entries name, in one query (for their labels)."""
    ids = {
        entry.object_id
        for entry in entries
        if entry.record in {AuditEntry.Record.CONVERSATION, AuditEntry.Record.PARENT_ANSWERS}
    }
    return Conversation.objects.in_bulk(ids) if ids else {}
