"""What: conversation kinds, prompts, preparation texts, agreements, contacts.

Scoping follows the child: whoever may see a child may see its conversations
(`Conversation.objects.visible_to`). Writing is for the owner and for the
professionals who work with the child (`editable_by`); a coordinator reads.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from families import school_year
from families.models import Child, Enrolment, Guardian, Location, taught_by

if TYPE_CHECKING:
    from families.models import AnyUser


class Kind(models.TextChoices):
    WELLBEING = "wellbeing", _("Welbevindengesprek (getting to know each other)")
    PROGRESS = "progress", _("Progress talk")
    CONCERN = "concern", _("Talk about a concern")
    SUPPORT_PLAN = "support_plan", _("Support plan (OPP) or evaluation talk")
    INFORMAL = "informal", _("Informal contact")


class Need(models.TextChoices):
    RELATEDNESS = "relatedness", _("Relatedness")
    COMPETENCE = "competence", _("Competence")
    AUTONOMY = "autonomy", _("Autonomy")


class Audience(models.TextChoices):
    PARENT = "parent", _("Question for the parent")
    CHILD = "child", _("Question for the child")
    PROFESSIONAL = "professional", _("Reflection for myself")


class Phase(models.TextChoices):
    PREPARE = "prepare", pgettext_lazy("phase", "Prepare")
    OPEN = "open", pgettext_lazy("phase", "Open")
    EXPLORE = "explore", pgettext_lazy("phase", "Explore")
    AGREE = "agree", pgettext_lazy("phase", "Agree")
    CLOSE = "close", pgettext_lazy("phase", "Close")


class PromptQuerySet(models.QuerySet["Prompt"]):
    def active(self) -> PromptQuerySet:
        return self.filter(retired_at__isnull=True)

    def for_location(self, location: Location) -> PromptQuerySet:
        """The shared library plus this location's own prompts."""
        return self.filter(Q(location__isnull=True) | Q(location=location))

    def for_kind(self, kind: str) -> PromptQuerySet:
        return self.filter(Exists(PromptKind.objects.filter(prompt=OuterRef("pk"), kind=kind)))

    def library_for(self, conversation: Conversation) -> PromptQuerySet:
        """The active prompts a conversation may choose from: its location's and
        the shared ones, for its kind."""
        return (
            self.active()
            .for_location(conversation.child.family.location)
            .for_kind(conversation.kind)
        )

    def managed_by(self, user: AnyUser) -> PromptQuerySet:
        """A location's own prompts, for its coordinators to edit and retire."""
        return self.filter(location__in=Location.objects.coordinated_by(user))


class Prompt(models.Model):
    """A question or reflection from the library. Shared prompts have no
    location; a location's coordinators add their own."""

    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="prompts",
        verbose_name=_("location"),
    )
    need = models.CharField(_("need"), max_length=20, choices=Need.choices)
    audience = models.CharField(_("for whom"), max_length=20, choices=Audience.choices)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    text_nl = models.TextField(_("text in Dutch"))
    text_en = models.TextField(_("text in English"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(_("retired on"), null=True, blank=True)

    objects = PromptQuerySet.as_manager()

    class Meta:
        verbose_name = _("prompt")
        verbose_name_plural = _("prompts")
        ordering = ["phase", "need", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text_nl=""), name="prompt_has_dutch_text"),
        ]

    def __str__(self) -> str:
        return self.text_nl[:80]

    @property
    def text(self) -> str:
        """The text in the active language, Dutch when there is no translation."""
        if get_language() == "en" and self.text_en:
            return self.text_en
        return self.text_nl

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class PromptKind(models.Model):
    """A conversation kind a prompt fits."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="kinds")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "kind"], name="prompt_kind_once"),
        ]

    def __str__(self) -> str:
        return self.kind


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def visible_to(self, user: AnyUser) -> ConversationQuerySet:
        return self.filter(child__in=Child.objects.visible_to(user))

    def editable_by(self, user: AnyUser) -> ConversationQuerySet:
        if not user.is_authenticated:
            return self.none()
        teaches = Enrolment.objects.filter(taught_by(user), child=OuterRef("child"))
        return self.visible_to(user).filter(Q(owner=user) | Exists(teaches))

    def with_progress(self) -> ConversationQuerySet:
        """Annotate `has_questions` and `has_agenda`, which the preparation steps
        show as done."""
        return self.select_related("child__family__location", "owner").annotate(
            has_questions=Exists(ChosenPrompt.objects.filter(conversation=OuterRef("pk"))),
            has_agenda=Exists(AgendaItem.objects.filter(conversation=OuterRef("pk"))),
        )


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-school_year", "-date", "-created_at"]
        indexes = [models.Index(fields=["child", "school_year"])]
        constraints = [
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

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=120), name="agenda_item_minutes"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def notes_key(self) -> str:
        return f"agenda-{self.pk}"


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, user: AnyUser) -> AgreementQuerySet:
        return self.filter(conversation__in=Conversation.objects.visible_to(user))

    def open(self) -> AgreementQuerySet:
        return self.filter(status=Agreement.Status.OPEN)

    def overdue(self, today: dt.date | None = None) -> AgreementQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())

    def open_editable_by(self, user: AnyUser) -> AgreementQuerySet:
        """Open agreements of the conversations `user` may edit (their own, or about
        children in their groups), overdue first. Each row carries `open_total` and
        `overdue_total` for the whole list: window counts, so a slice of it needs
        no second query."""
        today = timezone.localdate()
        return (
            self.open()
            .filter(conversation__in=Conversation.objects.editable_by(user))
            .select_related("conversation__child")
            .annotate(
                open_total=Window(Count("pk")),
                overdue_total=Window(Count("pk", filter=Q(due_on__lt=today))),
            )
            .order_by("due_on", "pk")
        )

    def open_for_child(self, child: Child, user: AnyUser) -> AgreementQuerySet:
        """The child's open agreements, each with `can_edit` for this user."""
        editable = Conversation.objects.editable_by(user).filter(pk=OuterRef("conversation"))
        return (
            self.open()
            .filter(conversation__child=child)
            .select_related("conversation")
            .annotate(can_edit=Exists(editable))
            .order_by("due_on", "pk")
        )


class Agreement(models.Model):
    """Who does what, by when, and how we will check."""

    class Who(models.TextChoices):
        PARENT = "parent", _("parent")
        PROFESSIONAL = "professional", _("professional")
        CHILD = "child", _("child")
        COORDINATOR = "coordinator", _("coordinator")
        OTHER = "other", _("someone else")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="agreements"
    )
    who = models.CharField(_("who"), max_length=20, choices=Who.choices)
    who_name = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("Optional: which parent, which colleague."),
    )
    what = models.TextField(_("what"))
    due_on = models.DateField(_("by when"))
    check_how = models.CharField(_("how we check"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    status_note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.what[:80]

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible_to(self, user: AnyUser) -> ContactQuerySet:
        return self.filter(child__in=Child.objects.visible_to(user))


class Contact(models.Model):
    """A quick informal contact: a word at drop-off, a call, a message."""

    class Channel(models.TextChoices):
        DROP_OFF_PICK_UP = "drop_off_pick_up", _("chat at drop-off or pick-up")
        PHONE = "phone", _("phone call")
        MESSAGE = "message", _("message")

    class Tone(models.TextChoices):
        POSITIVE = "positive", _("positive")
        NEUTRAL = "neutral", _("neutral")
        CONCERN = "concern", _("concern")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="contacts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts"
    )
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices)
    tone = models.CharField(_("tone"), max_length=20, choices=Tone.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    school_year = models.PositiveSmallIntegerField(_("school year"))

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["child", "school_year", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} – {self.child}"
