"""Emails about a booking go out from the task worker (`manage.py db_worker`),
as in production: the parent's request only leaves a task behind, holding ids
and times, nothing personal. These tests commit for real (the worker reads
what others committed) and run the worker's own command."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conversations.models import Booking
from families.privacy import family_erase
from tests.booking.helpers import choice_value, slots_of

pytestmark = pytest.mark.django_db(transaction=True)


def _work() -> None:
    """The worker, until no task is left."""
    call_command("db_worker", batch=True, interval=0, reload=False, startup_delay=False)


def _book(client, link, conversation, slot) -> Booking:
    url = reverse("parent_booking", args=[link.token])
    response = client.post(url, {"choice": choice_value(conversation, slot)})
    assert response.status_code == 302
    return Booking.objects.get(conversation=conversation)


def _cancel(client, link, held: Booking) -> None:
    url = reverse("parent_booking_cancel", args=[link.token, held.pk])
    assert client.post(url, {"confirm": "1"}).status_code == 302


def test_it_confirms_from_the_worker_not_within_the_request(
    client, english_link, meeting_round, round_conversation, teacher, task_worker
):
    slot = slots_of(meeting_round, teacher)[1]
    held = _book(client, english_link, round_conversation, slot)

    assert mail.outbox == []
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "conversations.booking_mail.booking_confirmations_task"
    stored = json.dumps(queued.args_kwargs)
    assert str(held.pk) in stored
    guardian, child = english_link.guardian, round_conversation.child
    for personal in (guardian.first_name, guardian.email, child.first_name, english_link.token):
        assert personal not in stored

    _work()

    [message] = mail.outbox
    assert message.to == [guardian.email]
    assert child.first_name in message.body
    assert "METHOD:REQUEST" in message.attachments[0][1]
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL


def test_it_confirms_no_time_that_was_cancelled_before_the_worker_came(
    client, english_link, meeting_round, round_conversation, teacher, task_worker
):
    slot = slots_of(meeting_round, teacher)[1]
    held = _book(client, english_link, round_conversation, slot)
    _cancel(client, english_link, held)
    assert DBTaskResult.objects.count() == 2

    _work()

    [message] = mail.outbox
    assert "METHOD:CANCEL" in message.attachments[0][1]
    assert f"UID:booking-{held.pk}@samenspraak" in message.attachments[0][1]
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.SUCCESSFUL}


def test_it_tells_nobody_when_the_family_was_erased_before_the_worker_came(
    client,
    english_link,
    meeting_round,
    round_conversation,
    family,
    coordinator,
    teacher,
    task_worker,
):
    slot = slots_of(meeting_round, teacher)[1]
    held = _book(client, english_link, round_conversation, slot)
    _cancel(client, english_link, held)
    family_erase(family=family, user=coordinator)

    _work()

    assert mail.outbox == []
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.SUCCESSFUL}
