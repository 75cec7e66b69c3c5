"""Builders the coordination tests share."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from conversations.models import Contact
from families.school_year import current_school_year


def positive_contact(child, author, *, days_ago: int = 1) -> Contact:
    return Contact.objects.create(
        child=child,
        author=author,
        channel=Contact.Channel.PHONE,
        tone=Contact.Tone.POSITIVE,
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        school_year=current_school_year(),
    )
