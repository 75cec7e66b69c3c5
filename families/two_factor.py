"""Two-step verification for staff: a code from an authenticator app (TOTP,
django-otp's otp_totp) after the password.

A user with a confirmed device who has given the password is logged in but not
yet verified. Staff pages (families.access.staff_login_required) and the admin
(families.admin_site) send such a login to the code page first, and answer
htmx with 401. A right code verifies the session through `django_otp.login`;
django-otp's OTPMiddleware then finds the device on every request.

With OTP_REQUIRED_FOR_COORDINATORS on, a coordinator without a device is sent
to the set-up page instead, before anything else.

What a login still owes is looked up once and kept in the session, so the pages
of users without two-step verification pay no extra query. The price: turning
it on does not end logins already open in other browsers (they end by the
session limits, families.middleware), nor does switching the coordinator rule on.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from families.models import StaffMembership
from families.redirects import safe_next_path

# Session keys: what this login still owes ([user id, state]), and the secret
# shown on the set-up page until a first code confirms it.
STATE_KEY = "two_factor_state"
PENDING_KEY_KEY = "two_factor_pending_key"

NONE = "none"
DEVICE = "device"
SETUP = "setup"

# What next_step answers.
VERIFY = "verify"

DEVICE_NAME = "Authenticator app"


def required_for(user: Any) -> bool:
    """Whether this user may not work without two-step verification."""
    return (
        settings.OTP_REQUIRED_FOR_COORDINATORS
        and StaffMembership.objects.filter(
            user=user, role=StaffMembership.Role.COORDINATOR
        ).exists()
    )


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def _state_of(user: Any) -> str:
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return DEVICE
    return SETUP if required_for(user) else NONE


def remember_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On user_logged_in (connected in families.admin_site.AdminConfig.ready):
    note what this login owes while logging in, so its first page need not look."""
    if request is not None and hasattr(request, "session"):
        request.session[STATE_KEY] = [user.pk, _state_of(user)]


def _state(request: HttpRequest) -> str:
    user = request.user
    stored = request.session.get(STATE_KEY)
    if stored and stored[0] == user.pk:
        return stored[1]
    # A login from before this existed.
    state = _state_of(user)
    _remember(request, state)
    return state


def _remember(request: HttpRequest, state: str) -> None:
    request.session[STATE_KEY] = [request.user.pk, state]


def next_step(request: HttpRequest) -> str | None:
    """VERIFY when this login still owes a code, SETUP when it must set up
    two-step verification first, None when it may go on (or is anonymous)."""
    user = request.user
    if not user.is_authenticated:
        return None
    state = _state(request)
    if state == DEVICE and not user.is_verified():
        return VERIFY
    if state == SETUP:
        return SETUP
    return None


def redirect_to_step(request: HttpRequest, step: str, next_url: str | None = None) -> HttpResponse:
    """To the code page or the set-up page, coming back to `next_url` (by
    default the page asked for) afterwards."""
    target = reverse("two_factor_verify" if step == VERIFY else "two_factor_setup")
    return redirect_to_login(next_url or request.get_full_path(), target)


def _next_url(request: HttpRequest) -> str:
    return safe_next_path(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app"),
        help_text=_("6 digits. The code changes every 30 seconds."),
        max_length=20,
        error_messages={"required": _("Type the 6-digit code that your app shows.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "class": "code-input",
            }
        ),
    )

    def __init__(self, *args: Any, autofocus: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only where typing the code is all there is to do: on the set-up page
        # focusing it would scroll past the steps that come first.
        self.fields["code"].widget.attrs["autofocus"] = autofocus

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("A code is 6 digits, with no letters."))
        return code


WRONG_CODE = _(
    "That code is not right. Type the code your app shows now. Does it keep failing? "
    "Check that your phone sets its clock automatically."
)


def _throttled(device: TOTPDevice) -> str | None:
    """The message for a device that refuses codes for a moment after wrong ones."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    seconds = max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)d second and try again.",
        "Too many wrong codes in a row. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def _check_code(form: CodeForm, user: Any, device: TOTPDevice) -> TOTPDevice | None:
    """The device when the form's code is right; otherwise None, with the reason on the form."""
    if not form.is_valid():
        return None
    refused = _throttled(device)
    if refused:
        form.add_error("code", refused)
        return None
    verified = django_otp.verify_token(user, device.persistent_id, form.cleaned_data["code"])
    if verified is None:
        form.add_error("code", WRONG_CODE)
    return verified


@transaction.atomic
def device_confirm(*, user: Any, key: str, code: str) -> TOTPDevice | None:
    """Turn on two-step verification with the secret `key` once `code` shows the
    app has it. None when the code is wrong."""
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=1):
        return None
    TOTPDevice.objects.filter(user=user).delete()
    # last_t: this code cannot be used again to log in.
    return TOTPDevice.objects.create(
        user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=totp.t(), drift=totp.drift
    )


@transaction.atomic
def device_remove(*, user: Any) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(
        border=4, omitsize=True, title=_("QR code to scan with your app"), svgclass="qr"
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# The user's own places stay out of the header until the second step is done.
NO_NAVIGATION: dict[str, Any] = {"nav_locations": ()}


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    # Look again: an administrator may have removed the device meanwhile.
    request.session.pop(STATE_KEY, None)
    if next_step(request) != VERIFY:
        return redirect(next_url)
    device = confirmed_device(request.user)
    form = CodeForm(request.POST if request.method == "POST" else None, autofocus=True)
    if request.method == "POST":
        verified = _check_code(form, request.user, device)
        if verified is not None:
            django_otp.login(request, verified)
            return redirect(next_url)
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": next_url, **NO_NAVIGATION},
    )


def _setup_page(request: HttpRequest, *, form: CodeForm, device: TOTPDevice | None) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "device": device,
        "required": required_for(request.user),
        "next": safe_next_path(request),
    }
    if device is None:
        key = request.session.get(PENDING_KEY_KEY)
        if not key:
            key = request.session[PENDING_KEY_KEY] = random_hex(20)
        unsaved = TOTPDevice(user=request.user, key=key)
        secret = base64.b32encode(unsaved.bin_key).decode()
        context |= {"qr_svg": _qr_svg(unsaved.config_url), "secret": _grouped(secret)}
    if next_step(request) == SETUP:
        context |= NO_NAVIGATION
    return render(request, "account/two_factor.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Turn two-step verification on (scan, then confirm with a first code), or
    see that it is on and turn it off (two_factor_disable)."""
    if next_step(request) == VERIFY:
        return redirect_to_step(request, VERIFY)
    device = confirmed_device(request.user)
    if device is not None:
        if request.method == "POST":
            return redirect("two_factor_setup")
        return _setup_page(request, form=CodeForm(), device=device)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        key = request.session.get(PENDING_KEY_KEY)
        device = (
            device_confirm(user=request.user, key=key, code=form.cleaned_data["code"])
            if key
            else None
        )
        if device is None:
            form.add_error("code", WRONG_CODE)
        else:
            del request.session[PENDING_KEY_KEY]
            django_otp.login(request, device)
            _remember(request, DEVICE)
            messages.success(request, _("Two-step verification is on."))
            return redirect(safe_next_path(request) or "two_factor_setup")
    return _setup_page(request, form=form, device=None)


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-step verification off, with a current code."""
    if next_step(request) == VERIFY:
        return redirect_to_step(request, VERIFY, reverse("two_factor_setup"))
    device = confirmed_device(request.user)
    if device is None:
        return redirect("two_factor_setup")
    if required_for(request.user):
        messages.error(request, _("Coordinators here must use two-step verification."))
        return redirect("two_factor_setup")
    form = CodeForm(request.POST)
    if _check_code(form, request.user, device) is None:
        return _setup_page(request, form=form, device=device)
    device_remove(user=request.user)
    _remember(request, NONE)
    messages.success(request, _("Two-step verification is off."))
    return redirect("two_factor_setup")
