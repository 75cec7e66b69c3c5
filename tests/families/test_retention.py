"""Retention: `manage.py apply_retention` deletes the records of children who
left more than RETENTION_YEARS years ago."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from conversations.models import (
    AgendaItem,
    Agreement,
    ChosenPrompt,
    Contact,
    Conversation,
    ConversationText,
    ParentLink,
    QuestionnaireAnswer,
    ReviewComment,
)
from families.models import Child, Enrolment, Family, Guardian
from families.privacy import retention_apply, retention_cutoff
from tests import factories
from tests.families.privacy_records import make_full_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MARKER = "ZQX-retention-90be"


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


@pytest.fixture
def gone(location, group, teacher, coordinator):
    """A child who left three years (and ten days) ago, with a full record; the
    family's only child."""
    family = factories.make_family(location, name="Familie Bakker")
    factories.make_guardian(family, first_name="Petra", last_name="Bakker")
    factories.make_guardian(family, first_name="Johan", last_name="Bakker")
    child = factories.make_child(
        family, group, first_name="Daan", last_name="Bakker", left_on=_years_ago(3, days=10)
    )
    make_full_record(factories.make_conversation(child, teacher), teacher, coordinator, MARKER)
    factories.make_conversation(child, teacher, kind="progress")
    return child


@pytest.fixture
def recent(location, group, teacher, coordinator):
    """A child who left a year ago: kept."""
    family = factories.make_family(location, name="Familie Visser")
    factories.make_guardian(family, first_name="Karin", last_name="Visser")
    child = factories.make_child(
        family, group, first_name="Lotte", last_name="Visser", left_on=_years_ago(1)
    )
    make_full_record(factories.make_conversation(child, teacher), teacher, coordinator, "recent")
    return child


def _run(*args: str) -> str:
    """The command's output in English: it speaks the active language, which
    from cron is the site's own and in a test run whatever the request before
    left active."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def _everything() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Family,
            Guardian,
            Child,
            Enrolment,
            Contact,
            Conversation,
            ConversationText,
            ChosenPrompt,
            AgendaItem,
            Agreement,
            ParentLink,
            QuestionnaireAnswer,
            ReviewComment,
        )
    }


def test_it_deletes_a_child_who_left_three_years_ago_with_everything(
    gone, recent, child, conversation
):
    family = gone.family
    _run()

    assert not Child.objects.filter(pk=gone.pk).exists()
    assert not Conversation.objects.filter(child=gone.pk).exists()
    assert not Contact.objects.filter(child=gone.pk).exists()
    assert not Enrolment.objects.filter(child=gone.pk).exists()
    assert not ConversationText.objects.filter(text__contains=MARKER).exists()
    assert not QuestionnaireAnswer.objects.filter(text__contains=MARKER).exists()
    assert not ReviewComment.objects.filter(body__contains=MARKER).exists()
    assert not Agreement.objects.filter(what__contains=MARKER).exists()
    # The family had no other child: it goes too, with its guardians.
    assert not Family.objects.filter(pk=family.pk).exists()
    assert not Guardian.objects.filter(family=family.pk).exists()


def test_it_keeps_children_who_left_recently_or_are_still_here(gone, recent, child, conversation):
    _run()

    recent.refresh_from_db()
    assert recent.conversations.count() == 1
    assert ConversationText.objects.filter(conversation__child=recent).count() == 7
    assert recent.family.guardians.count() == 1
    assert Child.objects.filter(pk=child.pk).exists()
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_it_keeps_the_family_while_a_sibling_remains(gone, group, teacher):
    family = gone.family
    sibling = factories.make_child(family, group, first_name="Sara", last_name="Bakker")
    sibling_conversation = factories.make_conversation(sibling, teacher)

    _run()

    assert not Child.objects.filter(pk=gone.pk).exists()
    assert Family.objects.filter(pk=family.pk).exists()
    assert family.guardians.count() == 2
    assert list(family.children.all()) == [sibling]
    assert Conversation.objects.filter(pk=sibling_conversation.pk).exists()


def test_it_keeps_a_child_who_left_exactly_the_retention_period_ago(location, group, settings):
    settings.RETENTION_YEARS = 2
    family = factories.make_family(location)
    on_the_day = factories.make_child(family, group, left_on=_years_ago(2))
    day_before = factories.make_child(family, group, left_on=_years_ago(2, days=1))

    _run()

    assert Child.objects.filter(pk=on_the_day.pk).exists()
    assert not Child.objects.filter(pk=day_before.pk).exists()


def test_it_follows_the_configured_number_of_years(gone, settings):
    settings.RETENTION_YEARS = 5
    _run()
    assert Child.objects.filter(pk=gone.pk).exists()

    settings.RETENTION_YEARS = 3
    _run()
    assert not Child.objects.filter(pk=gone.pk).exists()


def test_it_deletes_nothing_in_a_dry_run_but_counts_what_would_go(gone, recent, child):
    before = _everything()

    dry = retention_apply(dry_run=True)

    assert _everything() == before
    real = retention_apply()
    assert real.counts == dry.counts
    assert dry.counts == {
        "children": 1,
        "families": 1,
        "guardians": 2,
        "enrolments": 1,
        "contacts": 1,
        "conversations": 2,
        "conversation_texts": 7,
        "chosen_questions": 2,
        "agenda_items": 3,
        "agreements": 1,
        "parent_links": 1,
        "questionnaire_answers": 4,
        "coordinator_comments": 1,
    }
    after = _everything()
    assert {name: before[name] - after[name] for name in before} == {
        "Family": 1,
        "Guardian": 2,
        "Child": 1,
        "Enrolment": 1,
        "Contact": 1,
        "Conversation": 2,
        "ConversationText": 7,
        "ChosenPrompt": 2,
        "AgendaItem": 3,
        "Agreement": 1,
        "ParentLink": 1,
        "QuestionnaireAnswer": 4,
        "ReviewComment": 1,
    }


def test_it_says_a_dry_run_is_a_dry_run(gone):
    output = _run("--dry-run")

    assert "Dry run" in output
    assert "  children: 1" in output
    assert "  conversations: 2" in output
    assert Child.objects.filter(pk=gone.pk).exists()


def test_it_prints_and_logs_counts_without_names(gone, recent, caplog):
    with caplog.at_level(logging.INFO, logger="families.privacy"):
        output = _run()

    [line] = [r.getMessage() for r in caplog.records if r.name == "families.privacy"]
    assert line.startswith("retention applied: cutoff=")
    assert "children=1" in line
    assert "conversations=2" in line
    assert "  families: 1" in output
    assert "  conversation_texts: 7" in output
    for text in (output, line):
        for personal in ("Daan", "Bakker", "Petra", "Johan", MARKER, "Lotte", "Visser"):
            assert personal not in text


def test_it_can_run_again_and_deletes_nothing_more(gone, recent):
    _run()
    after_first = _everything()

    output = _run()

    assert "Nothing to delete." in output
    assert _everything() == after_first
    assert retention_apply().counts == {}


def test_it_leaves_families_that_never_had_a_child_alone(location, gone):
    new_family = factories.make_family(location, name="Familie Nieuw")
    factories.make_guardian(new_family)

    _run()

    assert Family.objects.filter(pk=new_family.pk).exists()


def test_it_counts_years_back_from_a_leap_day(settings):
    settings.RETENTION_YEARS = 2
    assert retention_cutoff(dt.date(2028, 2, 29)) == dt.date(2026, 2, 28)
    assert retention_cutoff(dt.date(2027, 6, 1)) == dt.date(2025, 6, 1)


def _check_with(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.RETENTION_YEARS)",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_reads_the_retention_years_from_the_environment():
    assert _check_with().stdout.strip() == "2"
    assert _check_with(RETENTION_YEARS="7").stdout.strip() == "7"
    refused = _check_with(RETENTION_YEARS="0")
    assert refused.returncode != 0
    assert "RETENTION_YEARS must be at least 1" in refused.stderr
