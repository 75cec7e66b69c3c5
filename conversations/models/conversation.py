"""A conversation about a child, its texts, chosen questions and agenda.

Scoping follows the child: whoever may see a child may see its conversations
(`Conversation.objects.visible_to`). Writing is for the owner and for the
professionals who work with the child (`editable_by`); a coordinator reads.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models.prompts import Audience, Kind, Need, Prompt
from families import school_year
from families.models import (
    Child,
    Enrolment,
    Guardian,
    compiled_per_user,
    taught_by,
    visible_child_ids,
)

if TYPE_CHECKING:
    from families.models import AnyUser


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def visible_to(self, user: AnyUser) -> ConversationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(child__in=visible_child_ids(user))

    def editable_by(self, user: AnyUser) -> ConversationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=editable_conversation_ids(user))

    def visible_with_can_edit(self, user: AnyUser) -> ConversationQuerySet:
        """`visible_to(user)`, each row annotated `can_edit`: whether it is in
        `editable_by(user)` too. One query where a page that shows a
        conversation read-only to some would otherwise ask twice."""
        if not user.is_authenticated:
            return self.none()
        return self.visible_to(user).annotate(
            can_edit=ExpressionWrapper(Q(pk__in=editable_conversation_ids(user)), BooleanField())
        )

    def with_progress(self) -> ConversationQuerySet:
        """Annotate `has_questions` and `has_agenda`, which the preparation steps
        show as done."""
        return self.select_related("child__family__location", "owner").annotate(
            has_questions=Exists(ChosenPrompt.objects.filter(conversation=OuterRef("pk"))),
            has_agenda=Exists(AgendaItem.objects.filter(conversation=OuterRef("pk"))),
        )


@compiled_per_user
def editable_conversation_ids(user_id: int) -> models.QuerySet:
    """Their own conversations they can still see, and every conversation about
    a child in a group they work with (which they can always see): two
    index-driven sets, so the planner starts from the user's few rows."""
    own = Conversation.objects.filter(
        child__in=visible_child_ids.build(user_id), owner=user_id
    ).values("pk")
    taught = Conversation.objects.filter(
        child__in=Enrolment.objects.filter(taught_by(user_id)).values("child_id")
    ).values("pk")
    return own.union(taught)


class Conversation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        PREPARED = "prepared", _("Prepared")
        HELD = "held", _("Held")
        FOLLOWED_UP = "followed_up", _("Followed up")

    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="conversations", verbose_name=_("child")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("prepared by"),
    )
    kind = models.CharField(_("kind of conversation"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    guardians = models.ManyToManyField(
        Guardian, blank=True, related_name="conversations", verbose_name=_("parents taking part")
    )
    child_takes_part = models.BooleanField(_("the child takes part"), default=False)
    interpreter = models.BooleanField(_("with an interpreter"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=50, blank=True)
    other_participants = models.CharField(
        _("others taking part"),
        max_length=200,
        blank=True,
        help_text=_("For example the intern begeleider or a colleague from after-school care."),
    )
    coordinator_joins = models.BooleanField(_("a coordinator joins"), default=False)
    # The parent's likely needs ticked while preparing (keys in conversations.steps).
    parent_needs = models.JSONField(_("what the parents may need"), default=list, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    start_time = models.TimeField(_("time"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("planned minutes"), default=30)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    # Set for a conversation parents book a time for (conversations.booking).
    meeting_round = models.ForeignKey(
        "conversations.MeetingRound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("meeting round"),
    )
    # Talk-time balance from meeting mode, in seconds.
    talk_professional_seconds = models.PositiveIntegerField(default=0)
    talk_parent_seconds = models.PositiveIntegerField(default=0)
    talk_child_seconds = models.PositiveIntegerField(default=0)
    # Reflection "who needs what?": 1 (not met) to 4 (fully met); empty until rated.
    parent_relatedness = models.PositiveSmallIntegerField(null=True, blank=True)
    parent_competence = models.PositiveSmallIntegerField(null=True, blank=True)
    parent_autonomy = models.PositiveSmallIntegerField(null=True, blank=True)
    own_relatedness = models.PositiveSmallIntegerField(null=True, blank=True)
    own_competence = models.PositiveSmallIntegerField(null=True, blank=True)
    own_autonomy = models.PositiveSmallIntegerField(null=True, blank=True)
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)
    next_contact_kind = models.CharField(
        _("kind of next contact"), max_length=20, choices=Kind.choices, blank=True
    )
    summary_shared_at = models.DateTimeField(_("summary shared on"), null=True, blank=True)
    # "Please think along": a professional asks the location's coordinators to
    # read the record. Cleared when a coordinator marks it handled.
    review_requested_at = models.DateTimeField(
        _("coordinator asked to think along on"), null=True, blank=True
    )
    review_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-school_year", "-date", "-created_at"]
        indexes = [
            models.Index(fields=["child", "school_year"]),
            models.Index(
                fields=["review_requested_at"],
                condition=Q(review_requested_at__isnull=False),
                name="conversation_review_asked_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting_round", "child"],
                condition=Q(meeting_round__isnull=False),
                name="conversation_once_per_child_per_round",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=240),
                name="conversation_duration_plausible",
                violation_error_message=_("A conversation lasts between 5 and 240 minutes."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gte": 1, f"{field}__lte": 4}),
                    name=f"conversation_{field}_rating",
                )
                for field in (
                    "parent_relatedness",
                    "parent_competence",
                    "parent_autonomy",
                    "own_relatedness",
                    "own_competence",
                    "own_autonomy",
                )
            ],
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.child}"

    def get_absolute_url(self) -> str:
        return reverse("conversation_detail", args=[self.pk])

    @property
    def school_year_label(self) -> str:
        return school_year.label(self.school_year)

    @property
    def starts_at(self) -> dt.datetime | None:
        if self.date is None or self.start_time is None:
            return None
        return dt.datetime.combine(
            self.date, self.start_time, tzinfo=timezone.get_current_timezone()
        )

    @property
    def is_concern(self) -> bool:
        return self.kind in {Kind.CONCERN, Kind.SUPPORT_PLAN}


class ConversationText(models.Model):
    """One free-text field of a conversation (a preparation answer, agenda
    notes, the summary), saved on its own with a version number.

    A save names the version it started from; when someone saved in between,
    the save is refused instead of overwriting (see services.text_save)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="texts")
    key = models.CharField(max_length=60)
    text = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "key"], name="conversation_text_once"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.key}"


class ChosenPrompt(models.Model):
    """A question picked for a conversation, from the library or written by the
    professional. The text is copied, so later edits to the library never
    change what was asked."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="chosen_prompts"
    )
    prompt = models.ForeignKey(
        Prompt, on_delete=models.PROTECT, null=True, blank=True, related_name="uses"
    )
    need = models.CharField(_("need"), max_length=20, choices=Need.choices, blank=True)
    audience = models.CharField(_("for whom"), max_length=20, choices=Audience.choices)
    text = models.TextField(_("question"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "prompt"],
                condition=Q(prompt__isnull=False),
                name="chosen_prompt_once",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_own(self) -> bool:
        return self.prompt_id is None


class AgendaItem(models.Model):
    class Source(models.TextChoices):
        PARENT = "parent", _("parent")
        PROFESSIONAL = "professional", _("professional")
        CHILD = "child", _("child")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="agenda_items"
    )
    title = models.CharField(_("topic"), max_length=200)
    source = models.CharField(
        _("raised by"), max_length=20, choices=Source.choices, default=Source.PROFESSIONAL
    )
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=5)
    position = models.PositiveSmallIntegerField(default=0)
    # A topic the parents ranked in their questionnaire (conversations.questionnaire
    # TOPICS); empty for topics added by hand.
    topic = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=120), name="agenda_item_minutes"
            ),
            models.UniqueConstraint(
                fields=["conversation", "topic"],
                condition=~Q(topic=""),
                name="agenda_item_parent_topic_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def notes_key(self) -> str:
        return f"agenda-{self.pk}"
