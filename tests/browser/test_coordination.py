"""A professional asks the coordinator to think along; the coordinator finds
the request on the overview, reads the whole record and leaves a comment; the
professional sees it on their home page, on a phone, and replies."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Agreement, Conversation, ConversationText, ReviewComment
from families.models import AuditEntry, StaffMembership
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def record():
    location = factories.make_location(name="Kindcentrum De Esdoorn")
    group = factories.make_group(location, name="Groep 4")
    teacher = factories.make_staff("juf.sanne", location, groups=(group,))
    factories.make_staff("ib.karin", location, role=StaffMembership.Role.COORDINATOR)
    family = factories.make_family(location, name="Familie Bos")
    factories.make_guardian(family, first_name="Ilse", last_name="Bos")
    child = factories.make_child(family, group, first_name="Tim", last_name="Bos")
    conversation = factories.make_conversation(
        child,
        teacher,
        status=Conversation.Status.HELD,
        date=timezone.localdate() - dt.timedelta(days=3),
        parent_competence=2,
    )
    ConversationText.objects.create(
        conversation=conversation,
        key="prep_going_well",
        text="Tim bouwt prachtige torens en helpt de jongste kinderen.",
    )
    Agreement.objects.create(
        conversation=conversation,
        who=Agreement.Who.PARENT,
        what="Elke ochtend samen de tas inpakken.",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    return conversation


def _log_in(page, live_server, username: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/inloggen/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("secret-pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_coordinator_thinks_along_and_the_professional_replies(
    page, phone_page, live_server, record
):
    teacher, coordinator = phone_page, page

    # The professional asks to think along, from the conversation page, on a phone.
    _log_in(teacher, live_server, "juf.sanne")
    teacher.goto(f"{live_server.url}{record.get_absolute_url()}")
    teacher.get_by_text("Please think along: ask your coordinator").click()
    teacher.get_by_label("What would you like the coordinator to think along about?").fill(
        "Hoe help ik de ouders om thuis de ochtend rustiger te maken?"
    )
    teacher.get_by_role("button", name="Ask to think along").click()
    expect(teacher.get_by_text("Your coordinator is asked to think along.")).to_be_visible()

    # The coordinator finds the request on the overview and reads the record.
    _log_in(coordinator, live_server, "ib.karin")
    coordinator.get_by_role("link", name="Kindcentrum De Esdoorn").first.click()
    asked = coordinator.get_by_role("region", name="Please think along")
    expect(asked).to_contain_text("1 conversation where a colleague asks you to think along")
    asked.get_by_role("link", name="Tim Bos").click()
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("Read along")
    expect(coordinator.get_by_text("Tim bouwt prachtige torens")).to_be_visible()
    expect(coordinator.get_by_text("Elke ochtend samen de tas inpakken.")).to_be_visible()
    expect(coordinator.locator(".comment").first).to_contain_text("Hoe help ik de ouders")

    coordinator.get_by_label("Your comment").fill(
        "Mooi dat je opent met de torens. Vraag de ouders wat nu al goed gaat in de ochtend."
    )
    coordinator.get_by_role("button", name="Post comment").click()
    expect(coordinator.get_by_text("Your comment is saved.")).to_be_visible()
    expect(coordinator.locator(".comment")).to_have_count(2)
    coordinator.get_by_role("button", name="Mark as handled").click()
    expect(coordinator.get_by_text("marked as handled")).to_be_visible()

    # The professional sees the new comment at home and replies to it.
    teacher.goto(f"{live_server.url}/")
    news = teacher.get_by_role("region", name=re.compile("new comment"))
    expect(news).to_contain_text("Vraag de ouders wat nu al goed gaat")
    news.get_by_role("link").first.click()
    new_comment = teacher.locator(".comment--new")
    expect(new_comment).to_have_count(1)
    new_comment.get_by_text("Reply", exact=True).click()
    new_comment.get_by_role("textbox").fill("Goed idee, dat vraag ik bij het halen.")
    new_comment.get_by_role("button", name="Send reply").click()
    expect(teacher.get_by_text("Your comment is saved.")).to_be_visible()
    expect(teacher.get_by_text("In reply to Ib.karin:")).to_be_visible()
    # Read now: nothing is new any more.
    expect(teacher.locator(".comment--new")).to_have_count(0)

    reply = ReviewComment.objects.get(body="Goed idee, dat vraag ik bij het halen.")
    assert reply.reply_to.author.username == "ib.karin"
    record.refresh_from_db()
    assert record.review_requested_at is None
    assert AuditEntry.objects.filter(url_name="conversation_review").exists()
    assert teacher.console_errors == []
    assert coordinator.console_errors == []
