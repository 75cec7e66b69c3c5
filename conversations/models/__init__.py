"""What: conversation kinds, prompts, preparation texts, agreements, contacts,
and the private links through which parents take part.

Scoping follows the child: whoever may see a child may see its conversations
(`Conversation.objects.visible_to`). Writing is for the owner and for the
professionals who work with the child (`editable_by`); a coordinator reads.
Parents have no account: a `ParentLink` is their key to one conversation.
"""

from __future__ import annotations

from conversations.models.conversation import (
    AgendaItem,
    ChosenPrompt,
    Conversation,
    ConversationQuerySet,
    ConversationText,
)
from conversations.models.followup import Agreement, AgreementQuerySet, Contact, ContactQuerySet
from conversations.models.parents import ParentLink, QuestionnaireAnswer
from conversations.models.prompts import (
    Audience,
    Kind,
    Need,
    Phase,
    Prompt,
    PromptKind,
    PromptQuerySet,
)
from conversations.models.review import ReviewComment, ReviewCommentQuerySet, ReviewSeen
from conversations.models.rounds import (
    SLOT_MINUTES,
    Booking,
    BookingSlot,
    CalendarFeed,
    MeetingRound,
    MeetingRoundQuerySet,
    Slot,
    SlotQuerySet,
)

__all__ = [
    "SLOT_MINUTES",
    "AgendaItem",
    "Agreement",
    "AgreementQuerySet",
    "Audience",
    "Booking",
    "BookingSlot",
    "CalendarFeed",
    "ChosenPrompt",
    "Contact",
    "ContactQuerySet",
    "Conversation",
    "ConversationQuerySet",
    "ConversationText",
    "Kind",
    "MeetingRound",
    "MeetingRoundQuerySet",
    "Need",
    "ParentLink",
    "Phase",
    "Prompt",
    "PromptKind",
    "PromptQuerySet",
    "QuestionnaireAnswer",
    "ReviewComment",
    "ReviewCommentQuerySet",
    "ReviewSeen",
    "Slot",
    "SlotQuerySet",
]
