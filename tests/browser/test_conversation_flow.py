"""The whole flow in Dutch, as a teacher walks it: from a child to a shared summary."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext, override
from playwright.sync_api import expect

from conversations.models import (
    Agreement,
    Audience,
    ChosenPrompt,
    Conversation,
    ConversationText,
    Kind,
    Need,
    Phase,
    Prompt,
    PromptKind,
)
from families.models import Enrolment

pytestmark = pytest.mark.django_db(transaction=True)


def nl(english: str) -> str:
    """What a Dutch-speaking user reads for this source string."""
    with override("nl"):
        return gettext(english)


@pytest.fixture
def demo_child(settings):
    settings.DEMO_USERS_ENABLED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # Transactional tests empty the tables between tests, the migrated library too.
    if not Prompt.objects.for_kind(Kind.WELLBEING).exists():
        prompt = Prompt.objects.create(
            need=Need.RELATEDNESS,
            audience=Audience.PARENT,
            phase=Phase.OPEN,
            text_nl="Wat heeft je kind nodig om zich fijn en veilig te voelen in de groep?",
            text_en="What does your child need to feel happy and safe in the group?",
        )
        PromptKind.objects.create(prompt=prompt, kind=Kind.WELLBEING)
    enrolment = (
        Enrolment.objects.filter(group__staff_memberships__user__username="demo-teacher")
        # A child with no conversation yet, but for the demo's meeting round.
        .exclude(
            child__in=Conversation.objects.filter(meeting_round__isnull=True).values("child_id")
        )
        .select_related("child")
        .order_by("child__first_name")
        .first()
    )
    return enrolment.child


def _go(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")


def test_it_walks_a_teacher_from_a_child_to_a_shared_summary(demo_child, page, live_server):
    child = demo_child
    _go(page, f"{live_server.url}/inloggen/")
    page.get_by_label(nl("Username or email address")).fill("demo-teacher")
    page.get_by_label("Wachtwoord").fill("demo")
    page.get_by_role("button", name=nl("Log in")).click()
    page.wait_for_url(f"{live_server.url}/")

    # The child page, and a new welbevindengesprek.
    _go(page, f"{live_server.url}{child.get_absolute_url()}")
    page.get_by_role("link", name=nl("New conversation")).click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name=nl("Start preparing")).click()
    page.wait_for_load_state("load")
    conversation = Conversation.objects.get(child=child, meeting_round__isnull=True)
    expect(page.get_by_role("heading", level=2)).to_have_text(nl("What goes well"))

    # Step 1 saves while typing.
    page.get_by_label(nl("What goes well? What do I appreciate in this child?")).fill(
        f"{child.first_name} helpt andere kinderen met opruimen."
    )
    expect(page.locator("#status-prep_going_well")).to_contain_text(nl("Saved"))

    # Step 2: a question from the library, and one of my own.
    page.get_by_role("button", name=re.compile(nl("Next"))).click()
    expect(page.get_by_role("heading", level=2)).to_have_text(nl("Parents beforehand"))
    page.get_by_role("button", name=re.compile(nl("Next"))).click()
    expect(page.get_by_role("heading", level=2)).to_have_text(nl("Questions"))
    page.locator(".prep-toggle").first.click()
    expect(page.locator(".prep-toggle").first).to_have_attribute("aria-pressed", "true")
    assert ChosenPrompt.objects.filter(conversation=conversation).count() == 1

    # The agenda: the parents' topic first.
    _go(page, f"{live_server.url}/gesprekken/{conversation.pk}/voorbereiding/agenda/")
    page.get_by_role("textbox", name=nl("Topic")).fill("Hoe gaat het thuis met slapen?")
    page.get_by_role("combobox", name=nl("Raised by")).select_option("parent")
    page.get_by_role("button", name=nl("Add topic")).click()
    expect(page.locator("#agenda")).to_contain_text("Hoe gaat het thuis met slapen?")
    item = conversation.agenda_items.get()

    # Meeting mode: notes per topic, then the conversation is over.
    _go(page, f"{live_server.url}/gesprekken/{conversation.pk}/gesprek/")
    page.locator(f"#text-agenda-{item.pk}").fill("Slaapt later sinds de zomer.")
    expect(page.locator(f"#status-agenda-{item.pk}")).to_contain_text(nl("Saved"))
    page.get_by_role("button", name=nl("Conversation finished")).click()
    page.wait_for_load_state("load")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HELD

    # An explicit agreement: who, what, by when, how we check.
    _go(page, f"{live_server.url}/gesprekken/{conversation.pk}/afspraken/")
    page.get_by_label(nl("What will be done?")).fill("Samen een vast bedtijdritueel proberen.")
    page.locator("input[name=who][value=parent]").check()
    due = timezone.localdate() + dt.timedelta(days=21)
    page.get_by_label(nl("By when?")).fill(due.isoformat())
    page.get_by_label(nl("How will you check back?")).fill("Kort praatje bij het ophalen.")
    page.get_by_role("button", name=nl("Add agreement")).click()
    expect(page.locator("main")).to_contain_text("Samen een vast bedtijdritueel proberen.")
    assert Agreement.objects.get(conversation=conversation).due_on == due

    # The summary is drafted from the record, edited, then shared.
    _go(page, f"{live_server.url}/gesprekken/{conversation.pk}/verslag/")
    summary = page.locator("#text-summary")
    expect(summary).to_contain_text("Samen een vast bedtijdritueel proberen.")
    expect(summary).to_contain_text("Hoe gaat het thuis met slapen?")
    draft = summary.input_value()
    edited = re.sub(r"\[[^\]]*\]", "We spraken over slapen en over vriendjes.", draft)
    summary.fill(edited)
    expect(page.locator("#status-summary")).to_contain_text(nl("Saved"))
    page.get_by_role("button", name=nl("Mark as shared with the parents")).click()
    page.wait_for_load_state("load")

    conversation.refresh_from_db()
    assert conversation.summary_shared_at is not None
    stored = ConversationText.objects.get(conversation=conversation, key="summary").text
    assert "We spraken over slapen en over vriendjes." in stored
    assert page.console_errors == []
