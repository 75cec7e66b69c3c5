from __future__ import annotations

import pytest


@pytest.fixture
def english_clients(
    client, teacher_client, teacher2_client, coordinator_client, other_coordinator_client
):
    """Every named client reads English, so the tests assert on the source texts."""
    for each in (
        client,
        teacher_client,
        teacher2_client,
        coordinator_client,
        other_coordinator_client,
    ):
        each.cookies["django_language"] = "en"
