"""Thinking along: comments on a conversation record, "please think along"
requests, and what each reader has seen.

Writes are services (keyword-only, atomic); `comment_thread` reads a
conversation's comments for a reader and marks them seen.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from conversations.models import ReviewComment, ReviewSeen

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AbstractBaseUser

    from conversations.models import Conversation


@transaction.atomic
def comment_add(
    *,
    conversation: Conversation,
    author: AbstractBaseUser,
    body: str,
    reply_to: ReviewComment | None = None,
) -> ReviewComment:
    """Add a comment. The author has seen the thread up to their own comment."""
    if reply_to is not None and reply_to.conversation_id != conversation.pk:
        reply_to = None
    comment = ReviewComment.objects.create(
        conversation=conversation, author=author, body=body.strip(), reply_to=reply_to
    )
    seen_mark(conversation=conversation, user=author, seen_at=comment.created_at)
    return comment


@transaction.atomic
def review_request(
    *, conversation: Conversation, user: AbstractBaseUser, question: str = ""
) -> ReviewComment | None:
    """A professional asks the coordinators to think along; the question, if
    any, opens the thread."""
    conversation.review_requested_at = timezone.now()
    conversation.review_requested_by = user
    conversation.save(update_fields=["review_requested_at", "review_requested_by", "updated_at"])
    if question.strip():
        return comment_add(conversation=conversation, author=user, body=question)
    return None


@transaction.atomic
def review_request_close(*, conversation: Conversation) -> None:
    """A coordinator has thought along: the request leaves the list."""
    conversation.review_requested_at = None
    conversation.review_requested_by = None
    conversation.save(update_fields=["review_requested_at", "review_requested_by", "updated_at"])


def seen_mark(*, conversation: Conversation, user: AbstractBaseUser, seen_at: dt.datetime) -> None:
    """Move the reader's mark forward to `seen_at` (one upsert; never back)."""
    ReviewSeen.objects.bulk_create(
        [ReviewSeen(conversation=conversation, user=user, seen_at=seen_at)],
        update_conflicts=True,
        unique_fields=["conversation", "user"],
        update_fields=["seen_at"],
    )


@dataclasses.dataclass(frozen=True)
class CommentThread:
    comments: list[ReviewComment]
    new_count: int


def comment_thread(*, conversation: Conversation, user: AbstractBaseUser) -> CommentThread:
    """The conversation's comments, oldest first, each with `is_new` for this
    reader; reading them marks them seen. The mark moves to the newest comment
    read, not to "now", so a comment written meanwhile stays new."""
    comments = list(
        ReviewComment.objects.filter(conversation=conversation).select_related(
            "author", "reply_to__author"
        )
    )
    seen_at = (
        ReviewSeen.objects.filter(conversation=conversation, user=user)
        .values_list("seen_at", flat=True)
        .first()
    )
    new = 0
    for comment in comments:
        comment.is_new = comment.author_id != user.pk and (
            seen_at is None or comment.created_at > seen_at
        )
        new += comment.is_new
    if new:
        seen_mark(conversation=conversation, user=user, seen_at=comments[-1].created_at)
    return CommentThread(comments=comments, new_count=new)
