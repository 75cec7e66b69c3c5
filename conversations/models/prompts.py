"""The kinds of conversation, the three needs, and the prompt library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from families.models import Location

if TYPE_CHECKING:
    from conversations.models.conversation import Conversation
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
