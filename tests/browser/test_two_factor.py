"""Login protection as a person meets it: turning on two-step verification on a
phone, logging in with the code, and the lockout page."""

from __future__ import annotations

import base64
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_lockouts_left_over():
    cache.clear()
    yield
    cache.clear()


def _english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


PASSWORD = "secret-pw"


def _password_step(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Username or email address").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _serious(axe: Axe, page) -> list[str]:
    return [
        f"{page.url}: {violation['id']}"
        for violation in axe.run(page).response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def test_it_turns_on_two_step_verification_and_asks_for_the_code(phone_page, live_server, teacher):
    page = phone_page
    _english(page, live_server)
    axe = Axe()
    _password_step(page, live_server, "teacher")
    page.get_by_role("link", name="Two-step verification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step verification")
    expect(page.locator(".account-qr svg")).to_be_visible()
    problems = _serious(axe, page)

    # The key as a person would type it into the app.
    shown = page.locator(".account-secret code").inner_text()
    key = base64.b32decode(shown.replace(" ", ""))
    page.get_by_label("Code from your app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_text("Two-step verification is on.")).to_be_visible()
    assert TOTPDevice.objects.get(user=teacher).bin_key == key

    page.get_by_role("button", name="Log out").click()
    _password_step(page, live_server, "teacher")
    expect(page.get_by_role("heading", level=1)).to_have_text("One more step")
    problems += _serious(axe, page)
    # The step after the one whose code turned it on (a code is never taken
    # twice), counted from the device rather than the clock: the clock may
    # have passed a 30-second boundary meanwhile.
    device = TOTPDevice.objects.get(user=teacher)
    next_step = device.last_t + 1 - int(time.time()) // device.step
    code = page.get_by_label("Code from your app")
    expect(code).to_be_focused()
    code.fill(f"{totp(key, step=device.step, drift=next_step):06d}")
    code.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My groups")
    assert problems == []
    assert page.console_errors == []


def test_it_shows_the_lockout_page_after_five_wrong_passwords(page, live_server, teacher):
    _english(page, live_server)
    for _ in range(5):
        _password_step(page, live_server, "teacher", "wrong-pw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logging in is paused")
    expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
    assert _serious(Axe(), page) == []
    _password_step(page, live_server, "teacher")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logging in is paused")
