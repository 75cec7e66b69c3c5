"""The AVG (GDPR) side of the records: what a family may see, erase and add,
and how long records are kept.

- `family_export_data`: everything held about one family, for an access
  request (inzageverzoek). One structure serves the JSON download and the
  printable page, so both always show the same. The structure is described
  in `EXPORT_FORMAT` below and in the README.
- `family_erase`: anonymises a family and its children but keeps the rows
  that coordinators count (conversations, their kinds, dates, statuses,
  need ratings, agreement statuses), so coverage figures stay right.
- The parents' own view of a conversation (`PARENT_VIEW`): a text beside the
  professional's notes, which are not edited.
- `retention_apply`: deletes the records of children who left more than
  settings.RETENTION_YEARS years ago (`manage.py apply_retention`, run daily).

Log lines name ids and counts only, never a name or a note.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from conversations.fields import FIELDS, BoundText, TextField, register
from conversations.models import (
    AgendaItem,
    Agreement,
    Booking,
    ChosenPrompt,
    Contact,
    Conversation,
    ConversationText,
    ParentLink,
    QuestionnaireAnswer,
    ReviewComment,
    ReviewSeen,
)
from conversations.questionnaire import BY_KEY as QUESTIONS
from conversations.questionnaire import INTERPRETER, NO_INTERPRETER, TOPICS
from conversations.steps import PARENT_NEEDS_CHOICES
from conversations.summary import SHARED_SUMMARY_KEY
from families.languages import Language
from families.models import AuditEntry, Child, Enrolment, Family, Guardian

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from families.models import FamilyQuerySet

logger = logging.getLogger(__name__)


# The parents' own view


PARENT_VIEW_KEY = "parent_view"
PARENT_VIEW = TextField(
    PARENT_VIEW_KEY,
    _("How the parents see it"),
    _(
        "How the parents see this conversation and what is written about their child. "
        "It stands beside your notes; your notes stay as they are."
    ),
    rows=5,
)
# Registered like the preparation fields (conversations.steps), so that the
# autosave view accepts the key. The label names the text in the export; on
# the page the card's heading says it already, so the box gets its own label.
register(PARENT_VIEW)
PARENT_VIEW_BOX = dataclasses.replace(PARENT_VIEW, label=_("In the parents' own words"))


@dataclasses.dataclass(frozen=True)
class ParentView:
    """The stored parents' view of one conversation, ready to show or edit."""

    field: BoundText
    updated_at: dt.datetime | None = None
    written_by: str = ""


def _user_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def parent_view_of(conversation: Conversation, field: BoundText | None = None) -> ParentView:
    """The parents' view as stored (one query), or `field` as the user typed it."""
    stored = (
        ConversationText.objects.select_related("updated_by")
        .filter(conversation=conversation, key=PARENT_VIEW_KEY)
        .first()
    )
    if field is None:
        field = BoundText(
            PARENT_VIEW_BOX, stored.text if stored else "", stored.version if stored else 0
        )
    else:
        field = dataclasses.replace(field, field=PARENT_VIEW_BOX)
    if stored is None or not stored.text:
        return ParentView(field)
    return ParentView(field, stored.updated_at, _user_name(stored.updated_by))


# Export for an access request

EXPORT_FORMAT = "samenspraak.family-export"
EXPORT_VERSION = 1

PARENT_NEED_LABELS = {need.key: need.label for need in PARENT_NEEDS_CHOICES}


def family_export_queryset() -> FamilyQuerySet:
    """Families with everything the export reads, in a fixed number of queries
    however many children, conversations or answers there are."""
    links = ParentLink.objects.select_related("guardian").prefetch_related(
        Prefetch("answers", queryset=QuestionnaireAnswer.objects.order_by("pk"))
    )
    conversations = (
        Conversation.objects.select_related("owner", "meeting_round")
        .prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.select_related("made_by").order_by("pk")),
            Prefetch("guardians", queryset=Guardian.objects.order_by("pk")),
            Prefetch(
                "texts",
                queryset=ConversationText.objects.select_related("updated_by").order_by("key"),
            ),
            "chosen_prompts",
            "agenda_items",
            "agreements",
            Prefetch("parent_links", queryset=links.order_by("pk")),
            Prefetch(
                "review_comments",
                queryset=ReviewComment.objects.select_related("author").order_by(
                    "created_at", "pk"
                ),
            ),
        )
        .order_by("school_year", "date", "created_at", "pk")
    )
    children = Child.objects.order_by("pk").prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.select_related("group").order_by(
                "group__school_year", "group__name"
            ),
        ),
        Prefetch(
            "contacts",
            queryset=Contact.objects.select_related("author").order_by("occurred_at", "pk"),
        ),
        Prefetch("conversations", queryset=conversations),
    )
    return Family.objects.select_related("location").prefetch_related(
        Prefetch("guardians", queryset=Guardian.objects.order_by("pk")),
        Prefetch("children", queryset=children),
    )


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime in the local time zone, so the export shows local clock times."""
    return timezone.localtime(value) if value is not None else None


def _text_label(key: str, agenda_titles: dict[str, str]) -> str:
    if key in agenda_titles:
        return str(_("Notes: %(topic)s") % {"topic": agenda_titles[key]})
    if key in FIELDS:
        return str(FIELDS[key].label)
    if key == SHARED_SUMMARY_KEY:
        return str(_("The summary as the parents saw it"))
    return key


def _language_label(code: str) -> str:
    return str(Language(code).label) if code in Language.values else code


def _answer(answer: QuestionnaireAnswer) -> dict[str, Any]:
    question = QUESTIONS.get(answer.question)
    choices = []
    for key in answer.choices:
        label = key
        if question is not None and question.kind == INTERPRETER:
            label = _("No interpreter") if key == NO_INTERPRETER else _language_label(key)
        elif question is not None and question.option(key) is not None:
            label = question.option(key).label
        choices.append({"key": key, "label": str(label)})
    return {
        "question": answer.question,
        "question_label": str(question.title) if question else answer.question,
        "choices": choices,
        "text": answer.text,
        "text_language": answer.text_language,
        "updated_at": _moment(answer.updated_at),
    }


def _parent_link(link: ParentLink) -> dict[str, Any]:
    # Never the salt or the token's hash: they are keys, not data about the family.
    return {
        "guardian_id": link.guardian_id,
        "guardian": link.guardian.full_name,
        "language": link.language,
        "language_label": _language_label(link.language),
        "created_at": _moment(link.created_at),
        "invited_at": _moment(link.invited_at),
        "booking_asked_at": _moment(link.booking_asked_at),
        "revoked_at": _moment(link.revoked_at),
        "submitted_at": _moment(link.submitted_at),
        "summary_sent_at": _moment(link.summary_sent_at),
        "summary_reply": {
            "confirmed_at": _moment(link.summary_confirmed_at),
            "confirmed_version": link.summary_confirmed_version,
            "comment": link.summary_comment,
            "comment_language": link.summary_comment_language,
            "comment_at": _moment(link.summary_comment_at),
        },
        "answers": [_answer(answer) for answer in link.answers.all()],
    }


def _conversation(conversation: Conversation) -> dict[str, Any]:
    agenda_items = list(conversation.agenda_items.all())
    agenda_titles = {item.notes_key: item.title for item in agenda_items}
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "kind_label": str(conversation.get_kind_display()),
        "status": conversation.status,
        "status_label": str(conversation.get_status_display()),
        "school_year": conversation.school_year,
        "date": conversation.date,
        "start_time": conversation.start_time,
        "duration_minutes": conversation.duration_minutes,
        "place": conversation.place,
        "video_link": conversation.video_link,
        "prepared_by": _user_name(conversation.owner),
        "parents_taking_part": [
            {"guardian_id": guardian.pk, "name": guardian.full_name}
            for guardian in conversation.guardians.all()
        ],
        "child_takes_part": conversation.child_takes_part,
        "interpreter": conversation.interpreter,
        "interpreter_language": conversation.interpreter_language,
        "other_participants": conversation.other_participants,
        "coordinator_joins": conversation.coordinator_joins,
        "parent_needs": [
            {"key": key, "label": str(PARENT_NEED_LABELS.get(key, key))}
            for key in conversation.parent_needs
        ],
        "talk_time_seconds": {
            "professional": conversation.talk_professional_seconds,
            "parent": conversation.talk_parent_seconds,
            "child": conversation.talk_child_seconds,
        },
        "need_ratings": {
            "parent": {
                "relatedness": conversation.parent_relatedness,
                "competence": conversation.parent_competence,
                "autonomy": conversation.parent_autonomy,
            },
            "professional": {
                "relatedness": conversation.own_relatedness,
                "competence": conversation.own_competence,
                "autonomy": conversation.own_autonomy,
            },
        },
        "next_contact_on": conversation.next_contact_on,
        "next_contact_kind": conversation.next_contact_kind,
        "summary_shared_at": _moment(conversation.summary_shared_at),
        "created_at": _moment(conversation.created_at),
        "updated_at": _moment(conversation.updated_at),
        "texts": [
            {
                "key": text.key,
                "label": _text_label(text.key, agenda_titles),
                "text": text.text,
                "version": text.version,
                "updated_at": _moment(text.updated_at),
                "updated_by": _user_name(text.updated_by),
            }
            for text in conversation.texts.all()
        ],
        "chosen_questions": [
            {
                "text": chosen.text,
                "need": chosen.need,
                "audience": chosen.audience,
                "audience_label": str(chosen.get_audience_display()),
                "own_question": chosen.is_own,
            }
            for chosen in conversation.chosen_prompts.all()
        ],
        "agenda_items": [
            {
                "title": item.title,
                "raised_by": item.source,
                "raised_by_label": str(item.get_source_display()),
                "minutes": item.minutes,
                "parent_topic": item.topic,
            }
            for item in agenda_items
        ],
        "agreements": [
            {
                "who": agreement.who,
                "who_label": str(agreement.get_who_display()),
                "who_name": agreement.who_name,
                "what": agreement.what,
                "due_on": agreement.due_on,
                "check_how": agreement.check_how,
                "status": agreement.status,
                "status_label": str(agreement.get_status_display()),
                "status_note": agreement.status_note,
                "created_at": _moment(agreement.created_at),
                "updated_at": _moment(agreement.updated_at),
            }
            for agreement in conversation.agreements.all()
        ],
        "meeting_round": (
            {"id": conversation.meeting_round.pk, "name": conversation.meeting_round.name}
            if conversation.meeting_round
            else None
        ),
        "bookings": [
            {
                "starts_at": _moment(booking.starts_at),
                "ends_at": _moment(booking.ends_at),
                # null: a time for both parents together.
                "guardian_id": booking.guardian_id,
                "booked_by": _user_name(booking.made_by) if booking.made_by else None,
                "booked_through_link": booking.made_by_link_id is not None,
                "created_at": _moment(booking.created_at),
            }
            for booking in conversation.bookings.all()
        ],
        "parent_links": [_parent_link(link) for link in conversation.parent_links.all()],
        "coordinator_comments": [
            {
                "id": comment.pk,
                "reply_to": comment.reply_to_id,
                "by": _user_name(comment.author),
                "text": comment.body,
                "created_at": _moment(comment.created_at),
            }
            for comment in conversation.review_comments.all()
        ],
    }


def _child(child: Child) -> dict[str, Any]:
    return {
        "id": child.pk,
        "first_name": child.first_name,
        "last_name": child.last_name,
        "date_of_birth": child.date_of_birth,
        "left_on": child.left_on,
        "enrolments": [
            {
                "group": enrolment.group.name,
                "school_year": enrolment.group.school_year,
                "setting": enrolment.group.setting,
                "setting_label": str(enrolment.group.get_setting_display()),
            }
            for enrolment in child.enrolments.all()
        ],
        "contacts": [
            {
                "occurred_at": _moment(contact.occurred_at),
                "school_year": contact.school_year,
                "channel": contact.channel,
                "channel_label": str(contact.get_channel_display()),
                "tone": contact.tone,
                "tone_label": str(contact.get_tone_display()),
                "note": contact.note,
                "by": _user_name(contact.author),
            }
            for contact in child.contacts.all()
        ],
        "conversations": [
            _conversation(conversation) for conversation in child.conversations.all()
        ],
    }


def family_export_data(family: Family) -> dict[str, Any]:
    """Everything held about `family` (fetched through `family_export_queryset`),
    as plain data: dicts, lists, strings, numbers, booleans, dates and
    datetimes. Labels are in the active language; the JSON download is made
    in Dutch. See EXPORT_FORMAT for the shape."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.localtime(),
        "location": {"id": family.location_id, "name": family.location.name},
        "family": {
            "id": family.pk,
            "name": family.name,
            "home_language": family.home_language,
            "home_language_label": str(family.get_home_language_display()),
            "interpreter_wanted": family.interpreter_wanted,
            "contact_notes": family.contact_notes,
        },
        "guardians": [
            {
                "id": guardian.pk,
                "first_name": guardian.first_name,
                "last_name": guardian.last_name,
                "relation": guardian.relation,
                "relation_label": str(guardian.get_relation_display()),
                "email": guardian.email,
                "phone": guardian.phone,
                "preferred_language": guardian.preferred_language,
                "preferred_language_label": str(guardian.get_preferred_language_display()),
                "has_parental_authority": guardian.has_parental_authority,
                "lives_with_children": guardian.lives_with_children,
            }
            for guardian in family.guardians.all()
        ],
        "children": [_child(child) for child in family.children.all()],
    }


# Erasure

ERASED_FAMILY_NAME = "Gezin verwijderd"
ERASED_CHILD_NAME = "Kind"
ERASED_GUARDIAN_NAME = "Ouder"
# What an agreement's "what" reads after erasure: the field may not be empty.
ERASED_TEXT = "—"


@dataclasses.dataclass(frozen=True)
class Erasure:
    """What one run of `family_erase` changed. A second run changes nothing."""

    family_id: int
    children: int = 0
    guardians: int = 0
    texts: int = 0
    own_questions: int = 0
    coordinator_comments: int = 0
    agenda_titles: int = 0
    agreements: int = 0
    conversations: int = 0
    contacts: int = 0
    parent_links: int = 0
    questionnaire_answers: int = 0


def _library_topic_titles() -> dict[str, str]:
    """The agenda titles that parents' ranked topics get (services.agenda_sync_parent_topics),
    in the staff language they are stored in."""
    with translation.override(settings.LANGUAGE_CODE):
        return {option.key: str(option.agenda_title) for option in TOPICS}


@transaction.atomic
def family_erase(*, family: Family, user: AbstractBaseUser) -> Erasure:
    """Anonymise `family` and its children, keeping what is counted.

    Names become placeholders ("Gezin verwijderd", "Kind 1", "Ouder 1"),
    guardians' email and phone and the contact notes are blanked, dates of
    birth become 1 January of the year. Every free text about them goes:
    all conversation texts (the parents' view and the shared summary too),
    coordinators' comments, own questions, agenda titles that are not
    library topics, what agreements say, contact notes, and the place and
    other participants of conversations; questionnaire answers and parent
    links (with the replies to summaries) are deleted. Conversations, their
    kinds, dates, statuses, need ratings, library questions, agreement
    statuses and dates, contacts' channel and tone, enrolments and `left_on`
    (which retention needs) stay.

    Each run goes into the audit trail, under the family: who erased it and
    when stays on each child's "who read what", however little is left.
    """
    family = Family.objects.select_for_update().get(pk=family.pk)
    conversations = Conversation.objects.filter(child__family=family)

    texts = ConversationText.objects.filter(conversation__in=conversations).delete()[0]
    own_questions = ChosenPrompt.objects.filter(
        conversation__in=conversations, prompt__isnull=True
    ).delete()[0]
    comments = ReviewComment.objects.filter(conversation__in=conversations).delete()[0]
    links = ParentLink.objects.filter(
        Q(conversation__in=conversations) | Q(guardian__family=family)
    ).delete()[1]

    library_titles = _library_topic_titles()
    renamed = []
    for item in AgendaItem.objects.filter(conversation__in=conversations):
        if item.topic in library_titles and item.title == library_titles[item.topic]:
            continue
        if item.title != ERASED_TEXT or item.topic:
            item.title = ERASED_TEXT
            item.topic = ""
            renamed.append(item)
    AgendaItem.objects.bulk_update(renamed, ["title", "topic"])

    agreements = (
        Agreement.objects.filter(conversation__in=conversations)
        .exclude(what=ERASED_TEXT, who_name="", check_how="", status_note="")
        .update(what=ERASED_TEXT, who_name="", check_how="", status_note="")
    )
    conversation_rows = conversations.exclude(
        interpreter_language="", other_participants="", place="", video_link=""
    ).update(interpreter_language="", other_participants="", place="", video_link="")
    contacts = Contact.objects.filter(child__family=family).exclude(note="").update(note="")

    children = []
    for number, child in enumerate(family.children.order_by("pk"), start=1):
        erased = (ERASED_CHILD_NAME, str(number), child.date_of_birth.replace(month=1, day=1))
        if (child.first_name, child.last_name, child.date_of_birth) != erased:
            child.first_name, child.last_name, child.date_of_birth = erased
            children.append(child)
    Child.objects.bulk_update(children, ["first_name", "last_name", "date_of_birth"])

    guardians = []
    for number, guardian in enumerate(family.guardians.order_by("pk"), start=1):
        erased = (ERASED_GUARDIAN_NAME, str(number), "", "")
        if (guardian.first_name, guardian.last_name, guardian.email, guardian.phone) != erased:
            guardian.first_name, guardian.last_name, guardian.email, guardian.phone = erased
            guardians.append(guardian)
    Guardian.objects.bulk_update(guardians, ["first_name", "last_name", "email", "phone"])

    if (family.name, family.contact_notes) != (ERASED_FAMILY_NAME, ""):
        family.name = ERASED_FAMILY_NAME
        family.contact_notes = ""
        family.save(update_fields=["name", "contact_notes"])

    erasure = Erasure(
        family_id=family.pk,
        children=len(children),
        guardians=len(guardians),
        texts=texts,
        own_questions=own_questions,
        coordinator_comments=comments,
        agenda_titles=len(renamed),
        agreements=agreements,
        conversations=conversation_rows,
        contacts=contacts,
        parent_links=links.get(ParentLink._meta.label, 0),
        questionnaire_answers=links.get(QuestionnaireAnswer._meta.label, 0),
    )
    counts = " ".join(
        f"{name}={value}"
        for name, value in dataclasses.asdict(erasure).items()
        if name != "family_id"
    )
    logger.info("family erased: family=%s by_user=%s %s", family.pk, user.pk, counts)
    path = reverse("family_erase", args=[family.pk])
    AuditEntry.objects.create(
        user=user,
        action=AuditEntry.Action.ERASE,
        record=AuditEntry.Record.FAMILY,
        object_id=family.pk,
        url_name="family_erase",
        path=path,
        referrer=path,
    )
    return erasure


# Retention


def retention_cutoff(today: dt.date | None = None) -> dt.date:
    """Children who left before this day left more than RETENTION_YEARS years ago."""
    today = today or timezone.localdate()
    year = today.year - settings.RETENTION_YEARS
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return today.replace(year=year, day=28)


# What the counts are called, per model. Rows of other models deleted along
# (through a cascade) are reported under their model's label.
RETENTION_KINDS = {
    Child._meta.label: "children",
    Family._meta.label: "families",
    Guardian._meta.label: "guardians",
    Enrolment._meta.label: "enrolments",
    Contact._meta.label: "contacts",
    Conversation._meta.label: "conversations",
    ConversationText._meta.label: "conversation_texts",
    ChosenPrompt._meta.label: "chosen_questions",
    AgendaItem._meta.label: "agenda_items",
    Agreement._meta.label: "agreements",
    ParentLink._meta.label: "parent_links",
    QuestionnaireAnswer._meta.label: "questionnaire_answers",
    ReviewComment._meta.label: "coordinator_comments",
    ReviewSeen._meta.label: "comment_read_marks",
}


@dataclasses.dataclass(frozen=True)
class Retention:
    cutoff: dt.date
    dry_run: bool
    # Rows deleted (or, in a dry run, that would be) per kind; see RETENTION_KINDS.
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _tally(counts: dict[str, int], deleted: dict[str, int]) -> None:
    for label, number in deleted.items():
        model = apps.get_model(label)
        if model._meta.auto_created or not number:
            continue  # many-to-many rows, e.g. who took part in a conversation
        kind = RETENTION_KINDS.get(label, label)
        counts[kind] = counts.get(kind, 0) + number


def retention_apply(*, today: dt.date | None = None, dry_run: bool = False) -> Retention:
    """Delete the records of children who left before `retention_cutoff(today)`:
    their conversations with everything under them, contacts, enrolments and
    the child; then each of their families that has no child left, with its
    guardians. Families that never had a child here are not touched.

    A dry run does the same deletes and rolls them back, so its counts are
    exactly what a real run would delete, and a record that cannot be
    deleted shows up in the dry run already.
    """
    cutoff = retention_cutoff(today)
    counts: dict[str, int] = {}
    with transaction.atomic():
        leaving = Child.objects.filter(left_on__lt=cutoff)
        family_ids = set(leaving.values_list("family_id", flat=True))
        # Conversations protect their child from deletion: they go first.
        _tally(counts, Conversation.objects.filter(child__in=leaving).delete()[1])
        _tally(counts, leaving.delete()[1])
        orphaned = Family.objects.filter(pk__in=family_ids).exclude(
            Exists(Child.objects.filter(family=OuterRef("pk")))
        )
        _tally(counts, orphaned.delete()[1])
        if dry_run:
            transaction.set_rollback(True)
    result = Retention(cutoff=cutoff, dry_run=dry_run, counts=counts)
    logger.info(
        "retention %s: cutoff=%s %s",
        "dry run" if dry_run else "applied",
        cutoff.isoformat(),
        " ".join(f"{kind}={number}" for kind, number in sorted(counts.items())) or "nothing",
    )
    return result
