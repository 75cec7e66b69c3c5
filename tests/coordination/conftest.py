"""The coordination tests use the named users of tests/conftest.py, reading English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conversations.models import Agreement, Conversation


@pytest.fixture
def held(conversation):
    """`conversation` after the meeting, with ratings and an open agreement."""
    conversation.status = Conversation.Status.HELD
    conversation.date = timezone.localdate() - dt.timedelta(days=7)
    conversation.parent_relatedness = 4
    conversation.parent_competence = 2
    conversation.parent_autonomy = 3
    conversation.own_relatedness = 1
    conversation.own_competence = 2
    conversation.own_autonomy = 3
    conversation.save()
    Agreement.objects.create(
        conversation=conversation,
        who=Agreement.Who.PARENT,
        what="Samen lezen voor het slapengaan",
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    return conversation
