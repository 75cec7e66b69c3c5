from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from families.models import Child, Enrolment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings):
    settings.DEMO_USERS_ENABLED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill(username)
    page.get_by_label("Wachtwoord").fill("demo")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    # Scripts load deferred; a person never types before they have.
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn groepen")


def _a_child_of(username: str) -> Child:
    enrolment = (
        Enrolment.objects.filter(group__staff_memberships__user__username=username)
        .select_related("child")
        .order_by("child__first_name")
        .first()
    )
    return enrolment.child


def test_it_lets_a_teacher_search_a_child_and_open_the_child_page(demo, page, live_server):
    child = _a_child_of("demo-teacher")
    _log_in(page, live_server, "demo-teacher")

    page.get_by_label("Zoek een kind of gezin").fill(child.first_name)
    result = page.locator("#search-results").get_by_role(
        "link", name=re.compile(re.escape(child.full_name))
    )
    expect(result).to_be_visible()
    result.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(child.full_name)
    expect(page.get_by_role("heading", name="Ouders en verzorgers")).to_be_visible()
    assert page.console_errors == []


def test_it_searches_without_javascript(demo, browser, live_server, request):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    child = _a_child_of("demo-teacher")
    _log_in(page, live_server, "demo-teacher")
    page.get_by_label("Zoek een kind of gezin").fill(child.first_name)
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("link", name=re.compile(re.escape(child.full_name)))).to_be_visible()
    # The name typed into the search never appears in the address bar.
    assert child.first_name not in page.url
    context.close()


def test_it_works_on_a_phone_sized_screen(demo, phone_page, live_server):
    _log_in(phone_page, live_server, "demo-teacher")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    child = _a_child_of("demo-teacher")
    phone_page.goto(f"{live_server.url}{child.get_absolute_url()}")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone_page.console_errors == []
