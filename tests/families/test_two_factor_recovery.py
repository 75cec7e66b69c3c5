"""Recovery codes: ten one-time codes that stand in for the authenticator app
when the phone is lost (families.two_factor, django-otp's otp_static)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.views.debug import SafeExceptionReporterFilter
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from families import two_factor
from tests import factories
from tests.families.test_two_factor import (
    CODE_URL,
    SETUP_URL,
    _code,
    _device,
    _password_step,
    _verified,
    _wrong_code,
)

pytestmark = pytest.mark.django_db

CODES_URL = reverse("two_factor_recovery_codes")
NEW_CODES_URL = reverse("two_factor_recovery_codes_new")
SHOWN_CODE = re.compile(r"<li><code>([a-z2-7]{4}) ([a-z2-7]{4})</code></li>")


@pytest.fixture(autouse=True)
def _no_lockouts_left_over():
    cache.clear()


def _shown_codes(page: str) -> list[str]:
    return [first + second for first, second in SHOWN_CODE.findall(page)]


def _stored_codes(user) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def _with_codes(user) -> tuple[TOTPDevice, list[str]]:
    return _device(user), two_factor.recovery_codes_replace(user=user)


def _log_in_with(client, code: str, next_url: str = "/"):
    return client.post(CODE_URL, {"code": code, "recovery": "1", "next": next_url})


def _wait_out_the_lock(user) -> None:
    """As if the user waited until the devices take codes again."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(
            throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
        )


# Getting them


def test_it_shows_ten_codes_once_when_two_step_verification_is_turned_on(teacher_client, teacher):
    teacher_client.cookies["django_language"] = "en"
    teacher_client.get(SETUP_URL)
    key = teacher_client.session[two_factor.PENDING_KEY_KEY]

    response = teacher_client.post(SETUP_URL, {"code": _code(key)})

    assert response["Location"] == CODES_URL
    page = teacher_client.get(CODES_URL)
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "Write these codes down or print them now. You will not see them again." in html
    shown = _shown_codes(html)
    assert len(shown) == 10
    assert set(shown) == _stored_codes(teacher)

    # Once: after that only the count.
    assert teacher_client.get(CODES_URL)["Location"] == SETUP_URL
    assert two_factor.NEW_RECOVERY_CODES_KEY not in teacher_client.session
    settings_page = teacher_client.get(SETUP_URL).content.decode()
    assert "You have 10 recovery codes left." in settings_page
    assert not [code for code in shown if code[:4] in settings_page or code in settings_page]


def test_it_shows_the_codes_in_dutch_by_default(teacher_client):
    teacher_client.get(SETUP_URL)
    key = teacher_client.session[two_factor.PENDING_KEY_KEY]
    teacher_client.post(SETUP_URL, {"code": _code(key)})
    html = teacher_client.get(CODES_URL).content.decode()
    assert "Schrijf deze codes nu op of print ze." in html
    assert len(_shown_codes(html)) == 10


# Logging in with one


def test_it_takes_a_recovery_code_instead_of_the_app_once(teacher):
    _, codes = _with_codes(teacher)
    client = _password_step(teacher)
    page = client.get(CODE_URL, {"next": "/"}).content.decode()
    assert f'href="{CODE_URL}?next=%2F&amp;recovery=1"' in page  # "Use a recovery code"
    recovery_page = client.get(CODE_URL, {"next": "/", "recovery": "1"}).content.decode()
    assert '<label for="id_code">Recovery code</label>' in recovery_page
    assert 'inputmode="numeric"' not in recovery_page

    # As written down: in two groups, in capitals.
    typed = f"{codes[0][:4]} {codes[0][4:]}".upper()
    response = _log_in_with(client, typed)

    assert response["Location"] == "/"
    home = client.get(reverse("home"))
    assert home.status_code == 200
    message = home.content.decode()
    assert "You logged in with a recovery code. You have 9 recovery codes left." in message
    assert "Lost your phone? Under Two-step verification, choose New phone" in message
    assert codes[0] not in _stored_codes(teacher)

    again = _log_in_with(_password_step(teacher), codes[0])
    assert again.status_code == 200
    assert "That recovery code is not right, or it has been used already" in again.content.decode()
    assert len(_stored_codes(teacher)) == 9


def test_it_says_so_after_the_last_code(teacher):
    device = _device(teacher)
    StaticDevice.objects.create(user=teacher, name="Recovery codes").token_set.create(
        token="abcdefgh"
    )
    client = _password_step(teacher)
    _log_in_with(client, "abcdefgh")
    message = client.get("/").content.decode()
    assert "You logged in with your last recovery code." in message
    # No code left to move to a new phone with.
    assert "Ask the administrator to reset two-step verification" in message
    assert device.persistent_id != client.session[DEVICE_ID_SESSION_KEY]


def test_it_makes_wrong_recovery_codes_wait_like_wrong_app_codes(teacher):
    device, codes = _with_codes(teacher)
    client = _password_step(teacher)

    wrong = _log_in_with(client, "aaaaaaaa")
    assert "That recovery code is not right" in wrong.content.decode()
    # One lock for both kinds: neither a recovery code nor an app code is
    # taken for a moment, so switching kinds gains no tries.
    refused = _log_in_with(client, codes[0])
    assert "Too many wrong codes in a row. Wait" in refused.content.decode()
    assert codes[0] not in refused.content.decode()  # not written back into the field
    refused = client.post(CODE_URL, {"code": _code(device.key)})
    assert "Too many wrong codes in a row. Wait" in refused.content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert len(_stored_codes(teacher)) == 10

    # Wrong codes of both kinds add up to one count, which doubles the wait.
    _wait_out_the_lock(teacher)
    client.post(CODE_URL, {"code": _wrong_code(device.key)})
    for model in (TOTPDevice, StaticDevice):
        assert model.objects.get(user=teacher).throttling_failure_count == 2
    _wait_out_the_lock(teacher)
    _log_in_with(client, "bbbbbbbb")
    for model in (TOTPDevice, StaticDevice):
        assert model.objects.get(user=teacher).throttling_failure_count == 3

    # A right code, after the wait, clears the count for both.
    _wait_out_the_lock(teacher)
    assert _log_in_with(client, codes[0])["Location"] == "/"
    for model in (TOTPDevice, StaticDevice):
        assert model.objects.get(user=teacher).throttling_failure_count == 0


def test_it_counts_recovery_codes_for_users_who_have_none(teacher):
    """Set up before recovery codes existed: a guess still counts."""
    device = _device(teacher)
    client = _password_step(teacher)
    assert "That recovery code is not right" in _log_in_with(client, "aaaaaaaa").content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_it_lets_a_coordinator_who_must_use_it_in_with_a_recovery_code(coordinator, settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    _, codes = _with_codes(coordinator)
    client = _password_step(coordinator)
    assert client.get(reverse("home"))["Location"].startswith(CODE_URL)
    assert _log_in_with(client, codes[3])["Location"] == "/"
    home = client.get(reverse("home"))
    assert home.status_code == 200
    # Not sent to an administrator: a recovery code moves the app to a new phone
    # (tests/families/test_two_factor_new_phone.py).
    assert "Under Two-step verification, choose New phone" in home.content.decode()


def test_it_shows_a_coordinator_who_must_set_it_up_the_codes_before_going_on(coordinator, settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    client = _password_step(coordinator)
    client.get(f"{SETUP_URL}?next=/")
    key = client.session[two_factor.PENDING_KEY_KEY]
    response = client.post(SETUP_URL, {"code": _code(key), "next": "/"})
    assert response["Location"] == f"{CODES_URL}?next=%2F"
    page = client.get(response["Location"]).content.decode()
    assert len(_shown_codes(page)) == 10
    assert 'href="/">I have written them down: go on</a>' in page


# Making new ones


def test_it_makes_new_codes_only_with_a_current_code(teacher):
    device, old = _with_codes(teacher)
    client = _verified(teacher, device)

    wrong = client.post(NEW_CODES_URL, {"new-codes-code": _wrong_code(device.key)})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert _stored_codes(teacher) == set(old)

    _wait_out_the_lock(teacher)
    response = client.post(NEW_CODES_URL, {"new-codes-code": _code(device.key, 1)})
    assert response["Location"] == CODES_URL
    page = client.get(CODES_URL).content.decode()
    assert "You have new recovery codes. The old ones no longer work." in page
    new = _shown_codes(page)
    assert len(new) == 10
    assert set(new) == _stored_codes(teacher)
    assert not set(new) & set(old)

    refused = _log_in_with(_password_step(teacher), old[0])
    assert "That recovery code is not right" in refused.content.decode()


def test_it_makes_new_codes_with_a_recovery_code(teacher):
    _, old = _with_codes(teacher)
    client = _password_step(teacher)
    _log_in_with(client, old[0])
    response = client.post(NEW_CODES_URL, {"new-codes-code": old[1]})
    assert response["Location"] == CODES_URL
    assert not _stored_codes(teacher) & set(old)
    # The login that used a recovery code stays verified.
    assert client.get(reverse("home")).status_code == 200


def test_it_makes_codes_for_a_user_who_set_up_the_app_before_they_existed(teacher):
    device = _device(teacher)
    client = _verified(teacher, device)
    assert "You have no recovery codes." in client.get(SETUP_URL).content.decode()
    client.post(NEW_CODES_URL, {"new-codes-code": _code(device.key, 1)})
    assert len(_shown_codes(client.get(CODES_URL).content.decode())) == 10


def test_it_wants_the_code_before_making_new_codes(teacher):
    _, old = _with_codes(teacher)
    client = _password_step(teacher)
    response = client.post(NEW_CODES_URL, {"new-codes-code": old[0]})
    assert response["Location"].startswith(CODE_URL)
    assert _stored_codes(teacher) == set(old)
    assert client.get(CODES_URL)["Location"].startswith(CODE_URL)


# Turning it off


def test_it_removes_the_codes_when_turned_off(teacher):
    device, codes = _with_codes(teacher)
    client = _verified(teacher, device)
    response = client.post(reverse("two_factor_disable"), {"code": codes[0]})
    assert response["Location"] == SETUP_URL
    assert not StaticDevice.objects.filter(user=teacher).exists()
    assert not StaticToken.objects.exists()
    assert not TOTPDevice.objects.filter(user=teacher).exists()


# Secrets


def test_it_keeps_the_codes_out_of_the_admin(db):
    admin = factories.make_user("beheerder", is_staff=True, is_superuser=True)
    device, codes = _with_codes(admin)
    client = _verified(admin, device)
    static = StaticDevice.objects.get(user=admin)
    pages = [
        reverse("admin:otp_static_staticdevice_changelist"),
        reverse("admin:otp_static_staticdevice_change", args=[static.pk]),
        reverse("admin:otp_static_staticdevice_delete", args=[static.pk]),
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Recovery codes" in html
        assert not [code for code in codes if code in html]


def test_it_keeps_the_codes_out_of_error_reports(rf):
    """A crash report (e-mailed to the admins) leaves out the code that was typed."""
    for view, field in (
        (two_factor.two_factor_verify, "code"),
        (two_factor.two_factor_setup, "code"),
        (two_factor.two_factor_disable, "code"),
        (two_factor.two_factor_recovery_codes_new, "new-codes-code"),
    ):
        request = rf.post("/", {field: "abcdefgh"})
        request.user = AnonymousUser()
        view(request)
        cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
        assert cleaned[field] != "abcdefgh", view.__name__
