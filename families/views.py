from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations.coordination import with_review_requests
from conversations.models import Agreement, Conversation, Kind, ReviewComment
from conversations.queries import recent_contacts_with_summary, with_contact_summary
from conversations.views.agreements import contact_choices
from families.access import staff_login_required
from families.forms import ChildSearchForm
from families.models import (
    Child,
    Enrolment,
    Family,
    Group,
    Guardian,
    Location,
    StaffMembership,
    compiled_objects,
    compiled_rows,
    compiled_rows_per_user,
    taught_child_ids,
    visible_child_ids,
)
from families.school_year import current_school_year, label

if TYPE_CHECKING:
    from families.models import AnyUser

# A search shows at most this many children; refining the words finds the rest.
SEARCH_LIMIT = 50

# The home page lists this many open agreements, those due first; the count says
# how many more there are.
HOME_AGREEMENT_LIMIT = 20

# New comments on the conversations one works on, newest first.
HOME_COMMENT_LIMIT = 10


def _children_with_current_group(children: QuerySet[Child]) -> QuerySet[Child]:
    current = Enrolment.objects.filter(group__school_year=current_school_year()).select_related(
        "group"
    )
    return children.select_related("family").prefetch_related(
        Prefetch("enrolments", queryset=current, to_attr="current_enrolments")
    )


def _url_by_id(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[id])` for a URL with one `<int:...>` argument, at the
    cost of one `reverse`: a list page links each of its rows."""
    marker = "2147483647"
    before, after = reverse(name, args=[int(marker)]).split(marker)
    return lambda pk: f"{before}{pk}{after}"


@compiled_rows_per_user(per_day=False, per_value=("school_year", "coordinated"))
def _home_group_rows(user: AnyUser, *, school_year: int, coordinated: bool) -> QuerySet[Group]:
    """The groups of `school_year` the home page lists for a user, compiled
    once per process, school year and kind of user: building and compiling
    the query costs more than running it."""
    groups = Group.objects.visible_to(user).filter(school_year=school_year)
    if coordinated:
        # A coordinator's location holds too many children to list on one
        # page: the overview per group is one click away.
        groups = groups.filter(staff_memberships__user=user).distinct()
    return groups.values("pk", "name", "setting", "location__name")


def _home_groups(user: AnyUser, *, coordinated: bool) -> list[dict[str, Any]]:
    """The groups with their children, as the home page links them: two queries
    of plain rows, however many children."""
    listed = _home_group_rows(user, school_year=current_school_year(), coordinated=coordinated)
    by_group: dict[int, list[dict[str, str]]] = {group["pk"]: [] for group in listed}
    enrolled = (
        Enrolment.objects.filter(group__in=list(by_group))
        .order_by("child__first_name", "child__last_name", "child_id")
        .values_list(
            "group_id",
            "child_id",
            "child__first_name",
            "child__last_name",
            "child__family_id",
            "child__family__name",
        )
    )
    child_url = _url_by_id("child_detail")
    family_url = _url_by_id("family_detail")
    family_label = gettext("family: %(name)s")
    for group_id, child_id, first_name, last_name, family_id, family_name in enrolled:
        by_group[group_id].append(
            {
                "url": child_url(child_id),
                "full_name": f"{first_name} {last_name}",
                "family_url": family_url(family_id),
                "family_label": family_label % {"name": family_name},
            }
        )
    group_url = _url_by_id("group_detail")
    setting_labels = dict(Group.Setting.choices)
    return [
        {
            "pk": group["pk"],
            "url": group_url(group["pk"]),
            "name": group["name"],
            "setting": setting_labels.get(group["setting"], group["setting"]),
            "location_name": group["location__name"],
            "children": by_group[group["pk"]],
        }
        for group in listed
    ]


@compiled_rows_per_user(per_day=True)
def _open_agreement_rows(user: AnyUser, today: dt.date) -> QuerySet[Agreement]:
    return Agreement.objects.open_editable_by(user, today).values(
        "pk",
        "what",
        "who",
        "who_name",
        "due_on",
        "conversation_id",
        "conversation__child_id",
        "conversation__child__first_name",
        "conversation__child__last_name",
        "open_total",
        "overdue_total",
    )[:HOME_AGREEMENT_LIMIT]


def _home_agreements(user: AnyUser) -> tuple[list[dict[str, Any]], int, int]:
    """The open agreements the home page lists, as plain rows with their links
    and texts, and the numbers of open and overdue agreements."""
    rows = _open_agreement_rows(user)
    if not rows:
        return [], 0, 0
    list_url = _url_by_id("agreement_list")
    update_url = _url_by_id("agreement_update")
    child_url = _url_by_id("child_detail")
    back = "?next=" + quote(reverse("home"))
    who = {value: capfirst(str(name)) for value, name in Agreement.Who.choices}
    today = timezone.localdate()
    due = gettext("by %(date)s")
    # Agreements made in one conversation often share their date.
    due_labels: dict[dt.date, str] = {}
    agreements = []
    for row in rows:
        what = Truncator(row["what"])
        due_on = row["due_on"]
        if due_on not in due_labels:
            due_labels[due_on] = due % {"date": date_format(due_on, "j b Y")}
        agreements.append(
            {
                "what": what.words(16, truncate=" …"),
                "what_short": what.words(8, truncate=" …"),
                "list_url": list_url(row["conversation_id"]),
                "update_url": update_url(row["pk"]) + back,
                "child_url": child_url(row["conversation__child_id"]),
                "child_name": (
                    f"{row['conversation__child__first_name']} "
                    f"{row['conversation__child__last_name']}"
                ),
                "who": who.get(row["who"]) or capfirst(row["who"]),
                "who_name": row["who_name"],
                "due": due_labels[due_on],
                "is_overdue": due_on < today,
            }
        )
    return agreements, rows[0]["open_total"], rows[0]["overdue_total"]


@dataclass(frozen=True, slots=True)
class HomeComment:
    """A new comment as the home page shows it."""

    url: str
    author_name: str
    kind: str
    child_name: str
    created_at: dt.datetime
    body: str
    snippet: str


@compiled_rows_per_user(per_day=False)
def _new_comment_rows(user: AnyUser) -> QuerySet[ReviewComment]:
    return ReviewComment.objects.new_for(user).values(
        "pk",
        "body",
        "created_at",
        "conversation_id",
        "conversation__kind",
        "conversation__child__first_name",
        "conversation__child__last_name",
        "author__first_name",
        "author__last_name",
        "author__username",
        "new_total",
    )[:HOME_COMMENT_LIMIT]


def _home_comments(user: AnyUser) -> tuple[list[HomeComment], int]:
    """The newest comments `user` has not seen, with their links, and how many
    there are."""
    rows = _new_comment_rows(user)
    if not rows:
        return [], 0
    conversation_url = _url_by_id("conversation_detail")
    kinds = dict(Kind.choices)
    comments = [
        HomeComment(
            url=f"{conversation_url(row['conversation_id'])}#comment-{row['pk']}",
            # As User.get_full_name, or the username when there is no name.
            author_name=(
                f"{row['author__first_name']} {row['author__last_name']}".strip()
                or row["author__username"]
            ),
            kind=str(kinds.get(row["conversation__kind"], row["conversation__kind"])).lower(),
            child_name=(
                f"{row['conversation__child__first_name']} {row['conversation__child__last_name']}"
            ),
            created_at=row["created_at"],
            body=row["body"],
            snippet=Truncator(row["body"]).words(24, truncate=" …"),
        )
        for row in rows
    ]
    return comments, rows[0]["new_total"]


@require_GET
@staff_login_required
def home(request: HttpRequest) -> HttpResponse:
    # families.auth reads the locations a user coordinates along with the user:
    # someone who coordinates none has no review requests to count.
    known = getattr(request.user, "coordinated_locations", None)
    coordinated = (
        []
        if known == []
        else list(with_review_requests(Location.objects.coordinated_by(request.user)))
    )
    open_agreements, open_total, overdue_total = _home_agreements(request.user)
    new_comments, new_comment_total = _home_comments(request.user)
    return render(
        request,
        "families/home.html",
        {
            "groups": _home_groups(request.user, coordinated=bool(coordinated)),
            "coordinated_locations": coordinated,
            "form": ChildSearchForm(),
            "school_year_label": label(current_school_year()),
            "open_agreements": open_agreements,
            "open_agreement_total": open_total,
            "overdue_agreement_total": overdue_total,
            "new_comments": new_comments,
            "new_comment_total": new_comment_total,
            # The navigation lists the same locations: no need to ask again.
            "nav_locations": coordinated,
        },
    )


# Search is a POST so that children's names never land in URLs, browser
# history or access logs. It changes nothing, so it renders instead of redirecting.
@require_POST
@staff_login_required
@vary_on_headers("HX-Request")
def child_search(request: HttpRequest) -> HttpResponse:
    form = ChildSearchForm(request.POST)
    results: list[Child] = []
    more = False
    if form.is_valid():
        found = _children_with_current_group(
            Child.objects.visible_to(request.user).search(form.cleaned_data["q"])
        )
        results = list(found[: SEARCH_LIMIT + 1])
        more = len(results) > SEARCH_LIMIT
        results = results[:SEARCH_LIMIT]
    context = {"form": form, "results": results, "more": more, "searched": form.is_bound}
    if request.htmx:
        return render(request, "families/search.html#results", context)
    return render(request, "families/search.html", context)


@compiled_objects(keys=("user", "child"))
def _child_query(user_id: int, child_id: int) -> QuerySet[Child]:
    """The child of the page if the user may see them, with their family and its
    location and whether the user works with the child (`is_taught`): one child,
    or none for an outsider. Compiled once per process, as are the page's other
    queries: building and compiling them costs more than running them."""
    user = get_user_model()(pk=user_id)
    taught = ExpressionWrapper(Q(pk__in=taught_child_ids(user)), BooleanField())
    return (
        Child.objects.visible_to(user)
        .select_related(None)
        .select_related("family__location")
        .filter(pk=child_id)
        .annotate(is_taught=taught)
        .order_by()
    )


@compiled_rows(keys=("user", "family"))
def _family_rows(user_id: int, family_id: int) -> QuerySet[Child]:
    """A row per enrolment of each child of the family (a child without one has
    one row without a group), and whether the user may open the child's page."""
    visible = ExpressionWrapper(
        Q(pk__in=visible_child_ids(get_user_model()(pk=user_id))), BooleanField()
    )
    return (
        Child.objects.filter(family=family_id)
        .annotate(is_visible=visible)
        .order_by(
            "first_name", "last_name", "pk", "-enrolments__group__school_year", "enrolments__pk"
        )
        .values(
            "pk",
            "first_name",
            "last_name",
            "is_visible",
            "enrolments__group_id",
            "enrolments__group__name",
            "enrolments__group__school_year",
            "enrolments__group__setting",
        )
    )


def _family_of_child(
    child: Child, user: AnyUser
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The child's groups over the years, newest first, and the brothers and
    sisters with this year's groups and whether `user` may open their page,
    from one query (`_family_rows`)."""
    this_year = current_school_year()
    group_url = _url_by_id("group_detail")
    child_url = _url_by_id("child_detail")
    setting_labels = dict(Group.Setting.choices)
    groups: list[dict[str, Any]] = []
    siblings: dict[int, dict[str, Any]] = {}
    for row in _family_rows(user.pk, child.family_id):
        pk, name = row["pk"], row["enrolments__group__name"]
        year = row["enrolments__group__school_year"]
        if pk == child.pk:
            if (group_id := row["enrolments__group_id"]) is not None:
                setting = row["enrolments__group__setting"]
                groups.append(
                    {
                        "school_year_label": label(year),
                        "url": group_url(group_id),
                        "name": name,
                        "setting": setting_labels.get(setting, setting),
                    }
                )
            continue
        sibling = siblings.get(pk)
        if sibling is None:
            sibling = siblings[pk] = {
                "full_name": f"{row['first_name']} {row['last_name']}",
                "url": child_url(pk) if row["is_visible"] else "",
                "current_groups": [],
            }
        if year == this_year:
            sibling["current_groups"].append(name)
    return groups, list(siblings.values())


@compiled_rows(keys=("child",))
def _conversation_rows(child_id: int) -> QuerySet[Conversation]:
    """The child's conversations, newest school year first."""
    return (
        Conversation.objects.filter(child=child_id)
        .order_by("-school_year", "-date", "-created_at")
        .values(
            "pk",
            "kind",
            "status",
            "school_year",
            "date",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
    )


def _conversations_of_child(child: Child) -> list[dict[str, Any]]:
    """The child's conversations, newest school year first, as plain rows."""
    conversation_url = _url_by_id("conversation_detail")
    kinds = dict(Kind.choices)
    statuses = dict(Conversation.Status.choices)
    return [
        {
            "url": conversation_url(row["pk"]),
            "kind": kinds.get(row["kind"], row["kind"]),
            "status": statuses.get(row["status"], row["status"]),
            "school_year_label": label(row["school_year"]),
            "date": row["date"],
            # As User.get_full_name, or the username when there is no name.
            "owner_name": (
                f"{row['owner__first_name']} {row['owner__last_name']}".strip()
                or row["owner__username"]
            ),
        }
        for row in _conversation_rows(child.pk)
    ]


@compiled_objects(keys=("child",))
def _child_agreements(child_id: int) -> QuerySet[Agreement]:
    """The child's open agreements, due first, with their conversations."""
    return (
        Agreement.objects.open()
        .filter(conversation__child=child_id)
        .select_related("conversation")
        .order_by("due_on", "pk")
    )


@compiled_objects(keys=("family",))
def _family_guardians(family_id: int) -> QuerySet[Guardian]:
    """The family's parents and carers."""
    return Guardian.objects.filter(family=family_id)


@require_GET
@staff_login_required
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    found = _child_query(request.user.pk, child_id)
    if not found:
        raise Http404("No Child matches the given query.")
    (child,) = found
    groups, siblings = _family_of_child(child, request.user)
    recent_contacts = recent_contacts_with_summary(child)
    open_agreements = _child_agreements(child.pk)
    for agreement in open_agreements:
        # Conversation.objects.editable_by for a child the user can see: their
        # own conversations, and all of them when they work with the child.
        agreement.can_edit = child.is_taught or agreement.conversation.owner_id == request.user.pk
    return render(
        request,
        "families/child_detail.html",
        {
            "child": child,
            "family": child.family,
            "guardians": _family_guardians(child.family_id),
            "enrolments": groups,
            "siblings": siblings,
            "conversations": _conversations_of_child(child),
            "open_agreements": open_agreements,
            "recent_contacts": recent_contacts,
            **contact_choices(),
        },
    )


@require_GET
@staff_login_required
def family_detail(request: HttpRequest, family_id: int) -> HttpResponse:
    family = get_object_or_404(
        Family.objects.visible_to(request.user).select_related("location"), pk=family_id
    )
    visible_ids = set(
        Child.objects.visible_to(request.user).filter(family=family).values_list("pk", flat=True)
    )
    return render(
        request,
        "families/family_detail.html",
        {
            "family": family,
            "guardians": Guardian.objects.filter(family=family),
            "children": _children_with_current_group(family.children.all()),
            "visible_child_ids": visible_ids,
        },
    )


@require_GET
@staff_login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(
        Group.objects.visible_to(request.user).select_related("location"), pk=group_id
    )
    children = with_contact_summary(
        group.children.select_related("family")
        .annotate(guardian_count=Count("family__guardians", distinct=True))
        .order_by("first_name", "last_name")
    )
    staff = StaffMembership.objects.filter(groups=group).select_related("user")
    return render(
        request,
        "families/group_detail.html",
        {"group": group, "children": children, "staff": staff, **contact_choices()},
    )
