"""Two-step verification: a code from an authenticator app after the password
(families.two_factor, django-otp's TOTP devices)."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from families import two_factor
from tests import factories
from tests.test_authorization_matrix import EXPECTED, KWARGS, LOGIN, LOGIN_OR_401, URLS, world

pytestmark = pytest.mark.django_db

__all__ = ["world"]  # the authorization matrix's objects, for the walk over every URL

SETUP_URL = reverse("two_factor_setup")
CODE_URL = reverse("two_factor_verify")


@pytest.fixture(autouse=True)
def _no_lockouts_left_over():
    cache.clear()


def _english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def _code(key: str, steps_ahead: int = 0) -> str:
    """The code an app with this (hex) key shows now, or that many steps later.
    A device accepts one step either way, but never a step it has accepted."""
    return f"{totp(bytes.fromhex(key), drift=steps_ahead):06d}"


def _wrong_code(key: str) -> str:
    right = {_code(key, step) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def _password_step(user, client: Client | None = None) -> Client:
    client = client or _english()
    response = client.post(reverse("login"), {"username": user.username, "password": "secret-pw"})
    assert response.status_code == 302
    return client


def _verified(user, device: TOTPDevice) -> Client:
    client = _password_step(user)
    assert client.post(CODE_URL, {"code": _code(device.key)}).status_code == 302
    return client


# Turning it on


def test_it_turns_on_with_a_code_for_the_key_it_shows(teacher_client, teacher):
    teacher_client.cookies["django_language"] = "en"
    page = teacher_client.get(SETUP_URL).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "style=" not in svg  # the page's CSS styles it: CSP allows no inline style
    shown = re.search(r'class="account-secret"[^>]*><code>([A-Z2-7 ]+)</code>', page).group(1)
    key = base64.b32decode(shown.replace(" ", "")).hex()

    response = teacher_client.post(SETUP_URL, {"code": _code(key)})

    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=teacher)
    assert device.confirmed
    assert device.key == key
    # This session gave the code: it is verified and goes on working.
    assert teacher_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert teacher_client.get(reverse("home")).status_code == 200
    assert "Two-step verification is on" in teacher_client.get(SETUP_URL).content.decode()


def test_it_keeps_the_secret_the_same_until_it_is_confirmed(teacher_client):
    first = teacher_client.get(SETUP_URL).content.decode()
    second = teacher_client.get(SETUP_URL).content.decode()
    secret = re.compile(r"<code>([A-Z2-7 ]+)</code>")
    assert secret.search(first).group(1) == secret.search(second).group(1)
    assert not TOTPDevice.objects.exists()


def test_it_refuses_a_wrong_first_code_with_a_clear_message(teacher_client, teacher):
    teacher_client.cookies["django_language"] = "en"
    teacher_client.get(SETUP_URL)
    key = teacher_client.session[two_factor.PENDING_KEY_KEY]
    response = teacher_client.post(SETUP_URL, {"code": _wrong_code(key)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    response = teacher_client.post(SETUP_URL, {"code": "12ab56"})
    assert "A code is 6 digits, with no letters." in response.content.decode()


def test_it_does_not_take_the_setup_code_again_at_login(teacher_client, teacher):
    teacher_client.get(SETUP_URL)
    key = teacher_client.session[two_factor.PENDING_KEY_KEY]
    code = _code(key)
    assert teacher_client.post(SETUP_URL, {"code": code}).status_code == 302
    client = _password_step(teacher)
    response = client.post(CODE_URL, {"code": code})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()


# Logging in


def test_it_asks_for_the_code_after_the_password(teacher):
    device = _device(teacher)
    client = _password_step(teacher)
    assert SESSION_KEY in client.session  # the password is given ...
    response = client.get(reverse("home"))
    assert response.status_code == 302  # ... but no page opens yet
    assert response["Location"] == f"{CODE_URL}?next=/"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Code from your app" in page.content.decode()

    wrong = client.post(CODE_URL, {"code": _wrong_code(device.key), "next": "/"})
    assert "That code is not right" in wrong.content.decode()
    assert client.get(reverse("home")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # the wrong code made it wait a second
    right = client.post(CODE_URL, {"code": _code(device.key), "next": "/"})
    assert right.status_code == 302
    assert right["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_it_makes_one_wait_after_a_wrong_code(teacher):
    device = _device(teacher)
    client = _password_step(teacher)
    client.post(CODE_URL, {"code": _wrong_code(device.key)})
    response = client.post(CODE_URL, {"code": _code(device.key)})
    assert "Too many wrong codes in a row. Wait" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_it_asks_no_code_of_users_without_a_device(teacher):
    client = _password_step(teacher)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(CODE_URL)["Location"] == reverse("home")


def test_it_keeps_the_users_places_out_of_the_header_until_the_code(coordinator, location):
    _device(coordinator)
    client = _password_step(coordinator)
    assert location.name not in client.get(CODE_URL).content.decode()


def test_it_lets_in_a_login_whose_device_was_removed(teacher):
    """An administrator removes the device of someone who lost their phone."""
    _device(teacher)
    client = _password_step(teacher)
    assert client.get(reverse("home")).status_code == 302
    TOTPDevice.objects.filter(user=teacher).delete()
    assert client.get(f"{CODE_URL}?next=/").status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_answers_htmx_from_an_unverified_login_with_401(teacher, conversation):
    _device(teacher)
    client = _password_step(teacher)
    response = client.post(
        reverse("text_autosave", args=[conversation.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 401


def _needs_login(name: str) -> bool:
    row = EXPECTED[name]
    return any(
        outcomes and outcomes[0] in (LOGIN, LOGIN_OR_401) for outcomes in (row.get, row.post)
    )


# Pages that belong to logging in itself.
LOGIN_FLOW = {"logout", "two_factor_verify"}
ACCOUNT_PAGES = {
    "two_factor_setup",
    "two_factor_disable",
    "two_factor_new_phone",
    "two_factor_recovery_codes",
    "two_factor_recovery_codes_new",
}


def test_it_sends_every_page_behind_the_login_to_the_code_page(teacher, world):
    """Every URL the authorization matrix puts behind the login asks an
    unverified login for the code: GET, POST and htmx alike."""
    _device(teacher)
    client = _password_step(teacher)
    names = sorted(name for name in set(URLS) & set(EXPECTED) - LOGIN_FLOW if _needs_login(name))
    assert len(names) > 30
    wrong = []
    for name in names:
        url = reverse(name, kwargs={kwarg: KWARGS[kwarg](world) for kwarg in URLS[name]})
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue
            if response.status_code != 302 or not response["Location"].startswith(CODE_URL):
                wrong.append(f"{method.upper()} {name}: {response.status_code}")
            htmx = getattr(client, method)(url, headers={"HX-Request": "true"})
            # The account's own pages use plain login_required: no 401 for htmx.
            if name not in ACCOUNT_PAGES and htmx.status_code != 401:
                wrong.append(f"{method.upper()} {name} (htmx): {htmx.status_code}")
    assert wrong == []


def test_it_asks_the_admin_for_the_code_too(db):
    admin = factories.make_user("beheerder", is_staff=True, is_superuser=True)
    device = _device(admin)
    client = _password_step(admin)
    response = client.get("/beheer/", follow=True)
    assert response.redirect_chain[-1][0].startswith(CODE_URL)
    client.post(CODE_URL, {"code": _code(device.key)})
    assert client.get("/beheer/").status_code == 200


# Required for coordinators


def test_it_makes_coordinators_set_it_up_first_when_required(coordinator, teacher, settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    client = _password_step(coordinator)
    response = client.get(reverse("home"))
    assert response["Location"] == f"{SETUP_URL}?next=/"
    page = client.get(response["Location"]).content.decode()
    assert "Coordinators here must use two-step verification" in page
    assert client.post(reverse("child_search"), headers={"HX-Request": "true"}).status_code == 401

    key = client.session[two_factor.PENDING_KEY_KEY]
    done = client.post(SETUP_URL, {"code": _code(key), "next": "/"})
    # First the recovery codes, then on to the page asked for.
    assert done["Location"] == f"{reverse('two_factor_recovery_codes')}?next=%2F"
    assert client.get(reverse("home")).status_code == 200
    # Teachers are not asked.
    assert _password_step(teacher).get(reverse("home")).status_code == 200


def test_it_leaves_coordinators_free_when_not_required(coordinator):
    assert _password_step(coordinator).get(reverse("home")).status_code == 200


def test_it_does_not_let_a_required_coordinator_turn_it_off(coordinator, settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    device = _device(coordinator)
    client = _verified(coordinator, device)
    response = client.post(
        reverse("two_factor_disable"), {"code": _code(device.key, 1)}, follow=True
    )
    assert "Coordinators here must use two-step verification" in response.content.decode()
    assert TOTPDevice.objects.filter(user=coordinator).exists()


# Turning it off


def test_it_turns_off_with_a_current_code(teacher):
    device = _device(teacher)
    client = _verified(teacher, device)
    wrong = client.post(reverse("two_factor_disable"), {"code": _wrong_code(device.key)})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=teacher).exists()

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(reverse("two_factor_disable"), {"code": _code(device.key, 1)})
    assert response["Location"] == SETUP_URL
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert "Two-step verification is off" in client.get(SETUP_URL).content.decode()
    assert _password_step(teacher).get(reverse("home")).status_code == 200


def test_it_wants_the_code_before_the_setup_page(teacher):
    _device(teacher)
    client = _password_step(teacher)
    assert client.get(SETUP_URL)["Location"].startswith(CODE_URL)
    response = client.post(reverse("two_factor_disable"), {"code": "123456"})
    assert response["Location"].startswith(CODE_URL)
    assert TOTPDevice.objects.filter(user=teacher).exists()


def test_it_links_to_the_setup_page_from_every_page(teacher_client):
    assert f'href="{SETUP_URL}"' in teacher_client.get(reverse("home")).content.decode()


def test_it_turns_off_and_on_only_by_the_right_methods(teacher_client):
    assert teacher_client.get(reverse("two_factor_disable")).status_code == 405
    assert teacher_client.put(SETUP_URL).status_code == 405
    assert teacher_client.put(CODE_URL).status_code == 405
