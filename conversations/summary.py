"""After the meeting: the summary for the parents, what keeps it from being
shared (services.summary_share shares it), and the suggested next contact.

The summary is content for parents, not part of the staff interface: it is
written in plain Dutch (language level B1) whatever language the staff page is
shown in. Parents' own languages are a later step.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from conversations.models import Agreement, Conversation, Kind
from families.models import StaffMembership

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from django.contrib.auth.models import AbstractBaseUser

SUMMARY_KEY = "summary"
# The text as it was when it was last shared: what the parents saw. Not a
# registered field, so autosave can never write it.
SHARED_SUMMARY_KEY = "summary_as_shared"

# The draft leaves this for the professional to fill in; a summary that still
# holds it is not shared.
PLACEHOLDER = (
    "[Schrijf hier in een paar korte zinnen wat we bespraken. "
    "Begin met wat goed gaat. Schrijf wat je zag en hoorde, zonder oordeel.]"
)
PLACEHOLDER_MARK = "[Schrijf hier"

RATING_FIELDS = (
    "parent_relatedness",
    "parent_competence",
    "parent_autonomy",
    "own_relatedness",
    "own_competence",
    "own_autonomy",
)
PARENT_RATING_FIELDS = RATING_FIELDS[:3]
OWN_RATING_FIELDS = RATING_FIELDS[3:]
# 1 = not met, 2 = a little: both call for attention.
LOW_RATING = 2

# What the parent reads for each kind of next contact.
NEXT_CONTACT_WORDS = {
    Kind.WELLBEING: "een gesprek over hoe {child} zich voelt in de groep",
    Kind.PROGRESS: "een gesprek over hoe {child} leert en groeit",
    Kind.CONCERN: "een vervolggesprek over onze zorg",
    Kind.SUPPORT_PLAN: "een gesprek over het plan voor extra hulp aan {child}",
    Kind.INFORMAL: "even kort contact, bijvoorbeeld bij het brengen of halen",
}


def _dutch_date(day: dt.date) -> str:
    with translation.override("nl"):
        return date_format(day, "l j F Y")


def _and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def _person(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def _who(agreement: Agreement, conversation: Conversation, owner_name: str) -> str:
    name = agreement.who_name
    match agreement.who:
        case Agreement.Who.PARENT:
            return f"{name} (ouder)" if name else "u"
        case Agreement.Who.PROFESSIONAL:
            return name or f"ik ({owner_name})"
        case Agreement.Who.CHILD:
            return name or conversation.child.first_name
        case Agreement.Who.COORDINATOR:
            return f"{name} (coördinator)" if name else "de coördinator van onze locatie"
    return name or "iemand anders"


def summary_draft(conversation: Conversation) -> str:
    """A first version of the summary, built from the record: who took part,
    the topics, the agreements and the next contact.

    Agenda notes stay out on purpose: they are the professional's own notes and
    may hold impressions that are not meant for parents. A placeholder asks the
    professional to write what was discussed in their own words.
    """
    with translation.override("nl"):
        return _draft(conversation)


def _draft(conversation: Conversation) -> str:
    child = conversation.child
    owner_name = _person(conversation.owner)
    guardians = list(conversation.guardians.all())
    topics = [item.title for item in conversation.agenda_items.all()]
    agreements = [
        agreement
        for agreement in conversation.agreements.all()
        if agreement.status != Agreement.Status.DROPPED
    ]
    title = (
        StaffMembership.objects.filter(
            user=conversation.owner_id, location=child.family.location_id
        )
        .values_list("title", flat=True)
        .first()
    )

    greeting = _and_list([guardian.full_name for guardian in guardians]) or "ouders"
    lines = [f"Beste {greeting},", ""]

    thanks = f"Dank u wel voor ons gesprek over {child.first_name}"
    if conversation.date:
        thanks += f" op {_dutch_date(conversation.date)}"
    lines.append(thanks + ".")

    present = [
        f"{guardian.full_name} ({guardian.get_relation_display()})" for guardian in guardians
    ]
    if conversation.child_takes_part:
        present.append(child.first_name)
    if conversation.interpreter:
        language = conversation.interpreter_language
        present.append(f"een tolk ({language})" if language else "een tolk")
    if conversation.other_participants:
        present.append(conversation.other_participants)
    if conversation.coordinator_joins:
        present.append("de coördinator van onze locatie")
    present.append(f"ik ({owner_name})")
    lines.append(f"Aan het gesprek deden mee: {_and_list(present)}.")
    lines.append("Hieronder leest u kort wat we bespraken en wat we afspraken.")

    if topics:
        lines += ["", "Onderwerpen:"]
        lines += [f"- {topic}" for topic in topics]

    lines += ["", "Wat we bespraken:", PLACEHOLDER]

    lines += ["", "Onze afspraken:"]
    if agreements:
        for number, agreement in enumerate(agreements, start=1):
            lines.append(f"{number}. {agreement.what.strip()}")
            lines.append(f"   Wie doet het: {_who(agreement, conversation, owner_name)}")
            lines.append(f"   Wanneer: uiterlijk {_dutch_date(agreement.due_on)}")
            if agreement.check_how:
                lines.append(f"   Zo kijken we of het gelukt is: {agreement.check_how.strip()}")
            if agreement.status == Agreement.Status.DONE:
                lines.append("   Dit is al gedaan.")
    else:
        lines.append("We hebben deze keer geen afspraken gemaakt.")

    lines += ["", "Ons volgende contact:"]
    if conversation.next_contact_on:
        words = NEXT_CONTACT_WORDS.get(conversation.next_contact_kind, "")
        when = _dutch_date(conversation.next_contact_on)
        if words:
            lines.append(f"Rond {when}: {words.format(child=child.first_name)}.")
        else:
            lines.append(f"Rond {when} spreken we elkaar weer.")
    else:
        lines.append("We spreken nog af wanneer we elkaar weer zien.")
    lines.append("Wilt u eerder praten? Dat kan altijd. Laat het mij gerust weten.")

    lines += [
        "",
        "Klopt dit verslag voor u? Laat het mij dan weten.",
        "Wilt u iets aanvullen, of ziet u iets anders? Dat hoor ik ook graag.",
        "",
        "Met vriendelijke groet,",
        owner_name,
    ]
    if title:
        lines.append(title)
    return "\n".join(lines)


def summary_problem(text: str) -> str | None:
    """Why this text cannot be shared yet, or None when it can."""
    if not text.strip():
        return _("The summary is empty. Write it first, then share it.")
    if PLACEHOLDER_MARK in text:
        return _(
            "The summary still has a line in [square brackets] to fill in. "
            "Write what you discussed in your own words, then share it."
        )
    return None


class SummaryNotReadyError(Exception):
    """The summary cannot be shared; the message says why."""


def reflection_status(*, current: str, done: bool) -> str:
    """A reflection is written after the meeting: the conversation has at least
    been held. "Follow-up done" makes it followed up; unticking it goes back."""
    if done:
        return Conversation.Status.FOLLOWED_UP
    if current in {
        Conversation.Status.DRAFT,
        Conversation.Status.PREPARED,
        Conversation.Status.FOLLOWED_UP,
    }:
        return Conversation.Status.HELD
    return current


@dataclasses.dataclass(frozen=True)
class Suggestion:
    on: dt.date
    kind: str
    reason: str

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


def ratings_of(conversation: Conversation) -> dict[str, int | None]:
    return {field: getattr(conversation, field) for field in RATING_FIELDS}


def next_contact_suggestion(
    conversation: Conversation,
    *,
    open_agreements: Iterable[Agreement],
    ratings: Mapping[str, int | None] | None = None,
    today: dt.date | None = None,
) -> Suggestion:
    """When and how to get in touch next, in this order:

    1. a need of the parents scored low: a short, friendly informal contact
       within two weeks, before anything else is due;
    2. an open agreement: on the earliest due date, to check it together
       (after a concern, as a follow-up talk of the same kind);
    3. otherwise the next regular conversation.
    """
    today = today or timezone.localdate()
    ratings = ratings_of(conversation) if ratings is None else ratings
    if any(
        ratings.get(field) is not None and ratings[field] <= LOW_RATING
        for field in PARENT_RATING_FIELDS
    ):
        return Suggestion(
            today + dt.timedelta(days=14),
            Kind.INFORMAL,
            _(
                "A need of the parents scored low. A short, friendly contact within two "
                "weeks helps: tell them something that goes well."
            ),
        )
    due_dates = [agreement.due_on for agreement in open_agreements]
    if due_dates:
        due = min(due_dates)
        kind = conversation.kind if conversation.is_concern else Kind.INFORMAL
        if due < today:
            return Suggestion(
                today + dt.timedelta(days=7),
                kind,
                _("An open agreement is past its date. Check it together soon."),
            )
        return Suggestion(
            due, kind, _("This is the date of the first open agreement: check it together.")
        )
    start = max(conversation.date or today, today)
    if conversation.is_concern:
        return Suggestion(
            start + dt.timedelta(weeks=6),
            conversation.kind,
            _("After a talk about a concern, plan a follow-up talk to see how things go."),
        )
    return Suggestion(
        start + dt.timedelta(weeks=13),
        Kind.PROGRESS,
        _("No open agreements: plan the next regular conversation."),
    )
