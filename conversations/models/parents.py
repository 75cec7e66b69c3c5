"""How parents take part without an account: a private link per parent per
conversation, and the answers they give through it.

The link's token is never stored. The database keeps a SHA-256 hash of it
(to find the link) and a random salt; the token is derived from the salt with
an HMAC keyed by the server's SECRET_KEY, so it can be sent again later, while
a copy of the database alone opens nothing (see conversations.parent_links).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models.conversation import Conversation
from families.models import Guardian


class ParentLinkQuerySet(models.QuerySet["ParentLink"]):
    def active(self) -> ParentLinkQuerySet:
        """Not revoked. Expiry depends on the meeting date: see ParentLink.state."""
        return self.filter(revoked_at__isnull=True)


class ParentLink(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="parent_links"
    )
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="parent_links")
    salt = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    # The language the parent reads the pages in (a code of settings.PARENT_LANGUAGES);
    # the parent can switch it on every page.
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invitation emailed on"), null=True, blank=True)
    # The last "please choose a time" message of a meeting round (booking_mail).
    booking_asked_at = models.DateTimeField(_("asked to book on"), null=True, blank=True)
    summary_sent_at = models.DateTimeField(_("summary emailed on"), null=True, blank=True)
    # The parent pressed "done" on the questionnaire (answers are kept as they go,
    # so answers may exist before this is set).
    submitted_at = models.DateTimeField(_("answers sent on"), null=True, blank=True)
    # The parent's reply to the shared summary. The version is that of the shared
    # copy (ConversationText "summary_as_shared") the parent confirmed.
    summary_confirmed_at = models.DateTimeField(_("summary confirmed on"), null=True, blank=True)
    summary_confirmed_version = models.PositiveIntegerField(null=True, blank=True)
    summary_comment = models.TextField(_("comment on the summary"), blank=True)
    summary_comment_language = models.CharField(max_length=10, blank=True)
    summary_comment_at = models.DateTimeField(null=True, blank=True)

    objects = ParentLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("parent link")
        verbose_name_plural = _("parent links")
        ordering = ["conversation", "guardian"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "guardian"], name="parent_link_once_per_guardian"
            ),
            models.CheckConstraint(
                condition=~Q(token_hash="") & ~Q(salt=""), name="parent_link_has_token"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} – {self.conversation_id}"

    @property
    def expires_at(self) -> dt.datetime:
        """The end of the day PARENT_LINK_DAYS after the meeting (or after the link
        was made, while the meeting has no date). Moving the meeting moves this."""
        start = self.conversation.date or timezone.localdate(self.created_at)
        last_day = start + dt.timedelta(days=settings.PARENT_LINK_DAYS)
        return dt.datetime.combine(
            last_day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
        )

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if timezone.now() >= self.expires_at:
            return self.State.EXPIRED
        return self.State.ACTIVE

    @property
    def questionnaire_open(self) -> bool:
        """Parents can answer and change their answers until the meeting starts."""
        conversation = self.conversation
        if conversation.status not in {Conversation.Status.DRAFT, Conversation.Status.PREPARED}:
            return False
        starts_at = conversation.starts_at
        if starts_at is None and conversation.date is not None:
            return timezone.localdate() <= conversation.date
        return starts_at is None or timezone.now() < starts_at


class QuestionnaireAnswer(models.Model):
    """A parent's answer to one question of conversations.questionnaire.

    `choices` holds option keys (in rank order for the ranked question); `text`
    is the optional free text, in `text_language`: the page's language when the
    parent wrote it."""

    link = models.ForeignKey(ParentLink, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=40)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    text_language = models.CharField(max_length=10, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["link", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["link", "question"], name="answer_once_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id}:{self.question}"
