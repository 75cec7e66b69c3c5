from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from conversations.coordination import with_review_requests
from conversations.models import Agreement, ReviewComment
from conversations.queries import recent_contacts_with_summary, with_contact_summary
from conversations.views.agreements import contact_choices
from families.access import staff_login_required
from families.forms import ChildSearchForm
from families.models import Child, Enrolment, Family, Group, Guardian, Location, StaffMembership
from families.school_year import current_school_year, label

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


def _groups_with_children(groups: QuerySet[Group]) -> QuerySet[Group]:
    return groups.select_related("location").prefetch_related(
        Prefetch("children", queryset=Child.objects.select_related("family"))
    )


@require_GET
@staff_login_required
def home(request: HttpRequest) -> HttpResponse:
    groups = Group.objects.visible_to(request.user).current()
    coordinated = list(with_review_requests(Location.objects.coordinated_by(request.user)))
    if coordinated:
        # A coordinator's location holds too many children to list on one page:
        # the overview per group is one click away.
        my_groups = _groups_with_children(
            groups.filter(staff_memberships__user=request.user).distinct()
        )
    else:
        my_groups = _groups_with_children(groups)
    open_agreements = list(Agreement.objects.open_editable_by(request.user)[:HOME_AGREEMENT_LIMIT])
    new_comments = list(ReviewComment.objects.new_for(request.user)[:HOME_COMMENT_LIMIT])
    return render(
        request,
        "families/home.html",
        {
            "groups": my_groups,
            "coordinated_locations": coordinated,
            "form": ChildSearchForm(),
            "school_year_label": label(current_school_year()),
            "open_agreements": open_agreements,
            "open_agreement_total": open_agreements[0].open_total if open_agreements else 0,
            "overdue_agreement_total": open_agreements[0].overdue_total if open_agreements else 0,
            "new_comments": new_comments,
            "new_comment_total": new_comments[0].new_total if new_comments else 0,
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


@require_GET
@staff_login_required
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_object_or_404(
        Child.objects.visible_to(request.user).select_related("family__location"), pk=child_id
    )
    enrolments = child.enrolments.select_related("group").order_by("-group__school_year")
    visible_ids = set(
        Child.objects.visible_to(request.user)
        .filter(family=child.family_id)
        .values_list("pk", flat=True)
    )
    siblings = _children_with_current_group(child.family.children.exclude(pk=child.pk))
    recent_contacts = recent_contacts_with_summary(child)
    return render(
        request,
        "families/child_detail.html",
        {
            "child": child,
            "family": child.family,
            "guardians": child.family.guardians.all(),
            "enrolments": enrolments,
            "siblings": siblings,
            "visible_sibling_ids": visible_ids,
            "conversations": child.conversations.select_related("owner").order_by(
                "-school_year", "-date", "-created_at"
            ),
            "open_agreements": Agreement.objects.open_for_child(child, request.user),
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
