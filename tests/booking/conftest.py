"""Fixtures the booking tests share (the world is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def group_round(location, group, teacher, child):
    """A round for `group` only (as in the authorization matrix), with six
    10-minute slots of `teacher` ten days from now from 18:00."""
    meeting_round = factories.make_round(location, [group], teacher, name="Rapportgesprekken")
    factories.make_slots(meeting_round, teacher)
    return meeting_round


@pytest.fixture
def english_link(round_link):
    """Ayşe's link to Emre's conversation in the round, reading English."""
    round_link.language = "en"
    round_link.save(update_fields=["language"])
    return round_link
