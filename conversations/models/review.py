"""A coordinator thinking along: comments on a conversation record, and who
has read them.

Comments are visible to whoever may see the conversation: the professionals
who work with the child and the location's coordinators. The thread is flat;
a comment may name the comment it answers. "New" is per reader: each reader
has a mark up to which they have seen a conversation's comments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Window
from django.utils.translation import gettext_lazy as _

from conversations.models.conversation import Conversation
from families.models import visible_child_ids

if TYPE_CHECKING:
    from families.models import AnyUser

# Long enough for a few paragraphs of coaching; a pasted document is refused.
MAX_COMMENT_LENGTH = 4000


class ReviewCommentQuerySet(models.QuerySet["ReviewComment"]):
    def visible_to(self, user: AnyUser) -> ReviewCommentQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(conversation__child__in=visible_child_ids(user))

    def new_for(self, user: AnyUser) -> ReviewCommentQuerySet:
        """Comments by others that `user` has not seen yet, newest first. Each
        row carries `new_total`, the number of them all (a window count, so a
        slice needs no second query)."""
        seen = ReviewSeen.objects.filter(
            user=user, conversation=OuterRef("conversation"), seen_at__gte=OuterRef("created_at")
        )
        return (
            self.visible_to(user)
            .exclude(author=user)
            .filter(~Exists(seen))
            .select_related("author", "conversation__child")
            .annotate(new_total=Window(Count("pk")))
            .order_by("-created_at", "-pk")
        )


class ReviewComment(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="review_comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_comments"
    )
    body = models.TextField(_("comment"), max_length=MAX_COMMENT_LENGTH)
    # The comment this one answers, in the same conversation (services check that).
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="review_comment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.body[:60]}"


class ReviewSeen(models.Model):
    """Up to which moment a reader has seen a conversation's comments."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="review_seen_marks"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="review_seen_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.conversation_id} up to {self.seen_at:%Y-%m-%d %H:%M}"
