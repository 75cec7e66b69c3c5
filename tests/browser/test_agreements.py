from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conversations.models import Agreement, Contact
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(location, group, teacher, child, conversation):
    teacher.set_password("demo")
    teacher.save()
    return {"group": group, "child": child, "conversation": conversation}


def _log_in(page, live_server, username: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Username or email address").fill(username)
    page.get_by_label("Password").fill("demo")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_load_state("load")


def test_it_logs_a_contact_in_two_taps(world, page, live_server):
    child = world["child"]
    _log_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}{world['group'].get_absolute_url()}")
    page.wait_for_load_state("load")
    cell = page.locator(f"#contact-{child.pk}")
    expect(cell).to_contain_text("no positive contact yet")

    cell.get_by_text("Log contact").click()
    cell.get_by_role("button", name="Positive").click()

    expect(cell).to_contain_text("Saved (positive).")
    expect(cell).to_contain_text("1 of 1 positive this school year")
    expect(cell).not_to_contain_text("no positive contact yet")
    contact = Contact.objects.get()
    assert contact.tone == Contact.Tone.POSITIVE
    assert contact.channel == Contact.Channel.DROP_OFF_PICK_UP
    assert page.console_errors == []


def test_it_logs_a_contact_without_javascript(world, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    child, group = world["child"], world["group"]
    _log_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    cell = page.locator(f"#contact-{child.pk}")
    cell.get_by_text("Log contact").click()
    cell.get_by_label("Phone call").check()
    cell.get_by_label("Note (optional)").fill("Asked how the move went")
    cell.get_by_role("button", name="Concern").click()

    expect(page.get_by_text("Contact about Emre saved: concern.")).to_be_visible()
    assert page.url.endswith(f"{group.get_absolute_url()}#contact-{child.pk}")
    expect(cell).to_contain_text("0 of 1 positive this school year")
    contact = Contact.objects.get()
    assert contact.channel == Contact.Channel.PHONE
    assert contact.note == "Asked how the move went"
    context.close()


def test_it_adds_an_agreement_and_marks_it_done(world, page, live_server):
    conversation = world["conversation"]
    _log_in(page, live_server, "teacher")
    page.goto(f"{live_server.url}{reverse('agreement_list', args=[conversation.pk])}")
    page.wait_for_load_state("load")

    page.get_by_label("Parent", exact=True).check()
    page.get_by_label("What will be done?").fill("Ten minutes of reading before bedtime")
    page.get_by_label("By when?").fill("2030-01-15")
    page.get_by_label("How will you check back?").fill("A short chat at pick-up")
    page.get_by_role("button", name="Add agreement").click()

    expect(page.get_by_text("The agreement is added.")).to_be_visible()
    expect(page.get_by_role("heading", name="1 open agreement")).to_be_visible()
    # The form is empty again for the next agreement.
    expect(page.get_by_label("What will be done?")).to_have_value("")
    assert Agreement.objects.get().what == "Ten minutes of reading before bedtime"

    page.get_by_role("link", name="Done, dropped or change").click()
    page.get_by_label("Done", exact=True).check()
    page.get_by_label("Note on the status").fill("Reading every evening now")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Done or dropped")).to_be_visible()
    expect(page.get_by_text("Reading every evening now")).to_be_visible()
    assert Agreement.objects.get().status == Agreement.Status.DONE
    assert page.console_errors == []


def test_it_fits_a_phone_screen(world, phone_page, live_server, location):
    for _ in range(5):
        family = factories.make_family(location, name="Familie Van den Boogaard-Karimi")
        factories.make_child(family, world["group"], first_name="Maximiliaan")
    _log_in(phone_page, live_server, "teacher")
    for url in (
        world["group"].get_absolute_url(),
        world["child"].get_absolute_url(),
        reverse("agreement_list", args=[world["conversation"].pk]),
    ):
        phone_page.goto(f"{live_server.url}{url}")
        phone_page.wait_for_load_state("load")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, url
    phone_page.goto(f"{live_server.url}{world['group'].get_absolute_url()}")
    phone_page.locator("details.contact-log summary").first.click()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone_page.console_errors == []
