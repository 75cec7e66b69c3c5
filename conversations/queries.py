"""The contact tally per child, for the group and child pages and the contact
cell's htmx answer, so that they all count in the same way.

These annotate children, not contacts, so they cannot live on ContactQuerySet;
and ChildQuerySet belongs to the families app, which must not know about
contacts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce

from conversations.models import Contact
from families.models import Child, compiled_objects
from families.school_year import current_school_year

if TYPE_CHECKING:
    pass

# The child page lists this many of the child's latest contacts.
RECENT_CONTACT_LIMIT = 5


def _count(contacts: QuerySet[Contact]) -> Coalesce:
    counted = contacts.order_by().values("child").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_contact_summary(children: QuerySet[Child]) -> QuerySet[Child]:
    """Annotate each child with the last informal contact (any year) and the
    number of contacts, and of positive ones, in the current school year.

    Correlated subqueries rather than joins: the group page already counts
    guardians with a join, and joining contacts too would multiply the rows.
    """
    this_year = Contact.objects.filter(child=OuterRef("pk"), school_year=current_school_year())
    latest = Contact.objects.filter(child=OuterRef("pk")).order_by("-occurred_at", "-pk")
    return children.annotate(
        contacts_this_year=_count(this_year),
        positive_this_year=_count(this_year.filter(tone=Contact.Tone.POSITIVE)),
        last_contact_at=Subquery(latest.values("occurred_at")[:1]),
        last_contact_tone=Subquery(latest.values("tone")[:1]),
    )


@compiled_objects(keys=("child",), per_value=("school_year",))
def _recent_contact_query(child_id: int, *, school_year: int) -> QuerySet[Contact]:
    """The latest contacts of a child, with the child's counts of contacts in
    `school_year`. Compiled once per process and school year: building and
    compiling it costs more than running it."""
    this_year = Q(school_year=school_year)
    return (
        Contact.objects.filter(child=child_id)
        .select_related("author")
        .annotate(
            year_total=Window(Count("pk", filter=this_year)),
            year_positive=Window(Count("pk", filter=this_year & Q(tone=Contact.Tone.POSITIVE))),
        )
        .order_by("-occurred_at", "-pk")[:RECENT_CONTACT_LIMIT]
    )


def recent_contacts_with_summary(child: Child) -> list[Contact]:
    """The child's latest contacts, newest first. Sets on `child` the same
    attributes as `with_contact_summary`, from this one query: the window
    counts run over all the child's contacts before the limit applies."""
    recent = _recent_contact_query(child.pk, school_year=current_school_year())
    for contact in recent:
        # As child.contacts gives them.
        contact.child = child
    latest = recent[0] if recent else None
    child.contacts_this_year = latest.year_total if latest else 0
    child.positive_this_year = latest.year_positive if latest else 0
    child.last_contact_at = latest.occurred_at if latest else None
    child.last_contact_tone = latest.tone if latest else None
    return recent
