"""Moving two-step verification to a new phone (families.two_factor.two_factor_new_phone):
a current code, then a first code from the new app, and only then the old app stops."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from families import two_factor
from tests.families.test_two_factor import (
    CODE_URL,
    SETUP_URL,
    _code,
    _password_step,
    _verified,
    _wrong_code,
)
from tests.families.test_two_factor_recovery import (
    _log_in_with,
    _stored_codes,
    _wait_out_the_lock,
    _with_codes,
)

pytestmark = pytest.mark.django_db

NEW_PHONE_URL = reverse("two_factor_new_phone")
SHOWN_SECRET = re.compile(r'class="account-secret"[^>]*><code>([A-Z2-7 ]+)</code>')


@pytest.fixture(autouse=True)
def _no_lockouts_left_over():
    cache.clear()


def _start(client, code: str):
    return client.post(NEW_PHONE_URL, {"new-phone-code": code})


def _shown_key(client) -> str:
    """The key the new-phone page shows, as the new app would take it (hex)."""
    page = client.get(NEW_PHONE_URL)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    shown = SHOWN_SECRET.search(page.content.decode()).group(1)
    return base64.b32decode(shown.replace(" ", "")).hex()


def _app_login(user, code: str):
    return _password_step(user).post(CODE_URL, {"code": code, "next": "/"})


def test_it_offers_a_new_phone_on_the_two_step_page(teacher):
    device, _ = _with_codes(teacher)
    page = _verified(teacher, device).get(SETUP_URL).content.decode()
    assert "New phone" in page
    assert f'action="{NEW_PHONE_URL}"' in page
    assert 'name="new-phone-code"' in page


def test_it_needs_a_current_code_and_counts_wrong_ones(teacher):
    device, codes = _with_codes(teacher)
    client = _verified(teacher, device)

    wrong = _start(client, _wrong_code(device.key))
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert two_factor.NEW_PHONE_KEY not in client.session
    assert client.get(NEW_PHONE_URL)["Location"] == SETUP_URL
    # One lock with the other places that take a code: both kinds count.
    for model in (TOTPDevice, StaticDevice):
        assert model.objects.get(user=teacher).throttling_failure_count == 1
    refused = _start(client, codes[0])
    assert "Too many wrong codes in a row. Wait" in refused.content.decode()
    assert codes[0] not in refused.content.decode()  # not written back into the field
    assert two_factor.NEW_PHONE_KEY not in client.session

    _wait_out_the_lock(teacher)
    assert _start(client, _code(device.key, 1))["Location"] == NEW_PHONE_URL
    assert client.get(NEW_PHONE_URL).status_code == 200


def test_it_keeps_the_old_app_until_the_new_one_is_confirmed(teacher):
    old, codes = _with_codes(teacher)
    client = _verified(teacher, old)
    assert _start(client, codes[0])["Location"] == NEW_PHONE_URL  # a recovery code starts it
    new_key = _shown_key(client)
    assert new_key != old.key
    assert _shown_key(client) == new_key  # a reload shows the same key

    wrong = client.post(NEW_PHONE_URL, {"code": _wrong_code(new_key)})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert list(TOTPDevice.objects.filter(user=teacher)) == [old]
    # Meanwhile the old app still logs in.
    assert _app_login(teacher, _code(old.key, 1))["Location"] == "/"

    response = client.post(NEW_PHONE_URL, {"code": _code(new_key)})

    assert response["Location"] == SETUP_URL
    new = TOTPDevice.objects.get(user=teacher)
    assert new.key == new_key
    assert new.confirmed
    # This login goes on, now verified by the new app.
    assert client.session[DEVICE_ID_SESSION_KEY] == new.persistent_id
    page = client.get(SETUP_URL).content.decode()
    assert "Your new phone is set up. Codes from the old phone no longer work." in page
    assert client.get(reverse("home")).status_code == 200
    assert two_factor.NEW_PHONE_KEY not in client.session
    assert two_factor.PENDING_KEY_KEY not in client.session
    assert client.get(NEW_PHONE_URL)["Location"] == SETUP_URL

    old_code = next(
        code
        for code in (_code(old.key, step) for step in (-1, 0, 1))
        if code not in {_code(new_key, step) for step in (-1, 0, 1)}
    )
    refused = _app_login(teacher, old_code)
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    _wait_out_the_lock(teacher)
    assert _app_login(teacher, _code(new_key, 1))["Location"] == "/"
    # The recovery codes stay as they were (less the one used).
    assert _stored_codes(teacher) == set(codes[1:])


def test_it_does_not_skip_the_current_code(teacher):
    device, _ = _with_codes(teacher)
    client = _verified(teacher, device)
    client.get(SETUP_URL)
    assert client.get(NEW_PHONE_URL)["Location"] == SETUP_URL
    # Not even with a key of one's own making in the session.
    session = client.session
    session[two_factor.PENDING_KEY_KEY] = "ab" * 20
    session.save()
    response = client.post(NEW_PHONE_URL, {"code": _code("ab" * 20)})
    assert response["Location"] == SETUP_URL
    assert list(TOTPDevice.objects.filter(user=teacher)) == [device]


def test_it_wants_the_login_code_first(teacher):
    _, codes = _with_codes(teacher)
    client = _password_step(teacher)
    response = _start(client, codes[0])
    assert response["Location"].startswith(CODE_URL)
    assert client.get(NEW_PHONE_URL)["Location"].startswith(CODE_URL)
    assert _stored_codes(teacher) == set(codes)


def test_it_sends_users_without_the_app_to_set_up(teacher_client):
    assert teacher_client.get(NEW_PHONE_URL)["Location"] == SETUP_URL
    assert _start(teacher_client, "123456")["Location"] == SETUP_URL


def test_it_can_be_cancelled(teacher):
    device, codes = _with_codes(teacher)
    client = _verified(teacher, device)
    _start(client, codes[0])
    new_key = _shown_key(client)

    response = client.post(NEW_PHONE_URL, {"cancel": "1", "code": ""})

    assert response["Location"] == SETUP_URL
    assert "Nothing has changed" in client.get(SETUP_URL).content.decode()
    assert client.get(NEW_PHONE_URL)["Location"] == SETUP_URL
    assert client.post(NEW_PHONE_URL, {"code": _code(new_key)})["Location"] == SETUP_URL
    assert list(TOTPDevice.objects.filter(user=teacher)) == [device]
    # A new start shows a new key: the one shown before may have been seen.
    _start(client, codes[1])
    assert _shown_key(client) != new_key


def test_it_lets_a_coordinator_who_must_use_it_move_after_a_recovery_login(coordinator, settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    _, codes = _with_codes(coordinator)
    client = _password_step(coordinator)
    assert _log_in_with(client, codes[0])["Location"] == "/"
    home = client.get(reverse("home")).content.decode()
    assert "Under Two-step verification, choose New phone" in home
    assert "administrator" not in home
    page = client.get(SETUP_URL).content.decode()
    assert "so it cannot be turned off" in page
    assert f'action="{NEW_PHONE_URL}"' in page

    assert _start(client, codes[1])["Location"] == NEW_PHONE_URL
    new_key = _shown_key(client)
    assert client.post(NEW_PHONE_URL, {"code": _code(new_key)})["Location"] == SETUP_URL

    assert TOTPDevice.objects.get(user=coordinator).key == new_key
    assert client.get(reverse("home")).status_code == 200
    assert _app_login(coordinator, _code(new_key, 1))["Location"] == "/"
    assert _stored_codes(coordinator) == set(codes[2:])


def test_it_keeps_the_codes_out_of_error_reports(rf):
    for field in ("code", "new-phone-code"):
        request = rf.post("/", {field: "abcdefgh"})
        request.user = AnonymousUser()
        two_factor.two_factor_new_phone(request)
        cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
        assert cleaned[field] != "abcdefgh", field


def test_it_keeps_pages_with_a_key_out_of_caches(teacher_client):
    """The set-up page shows a key too, like the new-phone page."""
    assert "no-store" in teacher_client.get(SETUP_URL)["Cache-Control"]


def test_it_leaves_a_set_up_under_way_alone(teacher_client):
    # Someone without an app, halfway through setting it up, who opens the
    # new-phone address keeps the key the set-up page showed them.
    first = SHOWN_SECRET.search(teacher_client.get(SETUP_URL).content.decode()).group(1)

    assert teacher_client.get(NEW_PHONE_URL)["Location"] == SETUP_URL

    again = SHOWN_SECRET.search(teacher_client.get(SETUP_URL).content.decode()).group(1)
    assert again == first
