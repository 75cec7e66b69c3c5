"""Agreements made in a conversation, and informal contacts between them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, Window
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models.conversation import Conversation
from families.models import Child

if TYPE_CHECKING:
    from families.models import AnyUser


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, user: AnyUser) -> AgreementQuerySet:
        return self.filter(conversation__in=Conversation.objects.visible_to(user))

    def open(self) -> AgreementQuerySet:
        return self.filter(status=Agreement.Status.OPEN)

    def overdue(self, today: dt.date | None = None) -> AgreementQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())

    def open_editable_by(self, user: AnyUser, today: dt.date | None = None) -> AgreementQuerySet:
        """Open agreements of the conversations `user` may edit (their own, or about
        children in their groups), overdue first. Each row carries `open_total` and
        `overdue_total` for the whole list: window counts, so a slice of it needs
        no second query."""
        today = today or timezone.localdate()
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
        indexes = [
            models.Index(fields=["child", "school_year", "-occurred_at"]),
            # The coordinator's overview asks per family whether a positive
            # contact happened lately: only positive contacts, by child and time.
            models.Index(
                fields=["child", "occurred_at"],
                condition=Q(tone="positive"),
                name="contact_positive_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} – {self.child}"
