"""Two-step verification for staff: a code from an authenticator app (TOTP,
django-otp's otp_totp) after the password.

A user with a confirmed device who has given the password is logged in but not
yet verified. Staff pages (families.access.staff_login_required) and the admin
(families.admin_site) send such a login to the code page first, and answer
htmx with 401. A right code verifies the session through `django_otp.login`;
django-otp's OTPMiddleware then finds the device on every request.

With OTP_REQUIRED_FOR_COORDINATORS on, a coordinator without a device is sent
to the set-up page instead, before anything else.

Moving to a new phone (two_factor_new_phone) takes a current code, then a
first code from the app on the new phone; only that replaces the old app, so
the old phone keeps working until the new one is ready.

Recovery codes (django-otp's otp_static) stand in for the app when the phone is
lost: ten one-time codes, made when the app is confirmed and shown once. They
are stored as django-otp stores them, in plain text (the README says why). A
wrong code of either kind counts against every device of the user, so trying
recovery codes in between app codes buys no extra tries.

What a login still owes is looked up once and kept in the session, so the pages
of users without two-step verification pay no extra query. The price: turning
it on does not end logins already open in other browsers (they end by the
session limits, families.middleware), nor does switching the coordinator rule on.
"""

from __future__ import annotations

import base64
import functools
import re
import time
from collections.abc import Callable
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
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from families.models import StaffMembership
from families.redirects import safe_next_path

# Session keys: what this login still owes ([user id, state]), the secret
# shown on the set-up page (or for a new phone) until a first code confirms it,
# the app a move to a new phone will replace ([user id, device id], set once a
# current code was given), and new recovery codes between the POST that made
# them and the one page that shows them.
STATE_KEY = "two_factor_state"
PENDING_KEY_KEY = "two_factor_pending_key"
NEW_PHONE_KEY = "two_factor_new_phone"
NEW_RECOVERY_CODES_KEY = "two_factor_new_recovery_codes"

NONE = "none"
DEVICE = "device"
SETUP = "setup"

# What next_step answers.
VERIFY = "verify"

DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10

APP_CODE = re.compile(r"\d{6}")
# StaticToken.random_token(): 5 random bytes in lower-case base32.
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


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


def recovery_device(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


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
        code = _without_spaces(self.cleaned_data["code"])
        if not APP_CODE.fullmatch(code):
            raise forms.ValidationError(_("A code is 6 digits, with no letters."))
        return code


class UnrenderedInput(forms.TextInput):
    """A text input that never writes a typed code back into the page, so a
    right recovery code refused during a wait is not sent back in the HTML."""

    def format_value(self, value: Any) -> None:
        return None


def _recovery_input(*, autofocus: bool = False) -> UnrenderedInput:
    """A field for a recovery code (letters, typed as written down)."""
    attrs: dict[str, Any] = {
        "autocomplete": "off",
        "autocapitalize": "none",
        "spellcheck": "false",
        "class": "code-input code-input--recovery",
    }
    if autofocus:
        attrs["autofocus"] = True
    return UnrenderedInput(attrs=attrs)


def _without_spaces(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


class RecoveryCodeForm(forms.Form):
    """The second login step with a recovery code instead of the app."""

    code = forms.CharField(
        label=_("Recovery code"),
        help_text=_("One of the codes you wrote down or printed. Each code works once."),
        max_length=40,
        error_messages={"required": _("Type one of your recovery codes.")},
        widget=_recovery_input(autofocus=True),
    )

    def clean_code(self) -> str:
        code = _without_spaces(self.cleaned_data["code"])
        if not RECOVERY_CODE.fullmatch(code):
            raise forms.ValidationError(
                _("A recovery code has 8 characters: letters and the digits 2 to 7.")
            )
        return code


class AnyCodeForm(forms.Form):
    """Where a logged-in user confirms it is them: a code from the app or a recovery code."""

    code = forms.CharField(
        label=_("Code from your app, or a recovery code"),
        help_text=_("The 6 digits your app shows now, or one of your recovery codes."),
        max_length=40,
        error_messages={"required": _("Type the code your app shows, or a recovery code.")},
        widget=_recovery_input(),
    )

    def clean_code(self) -> str:
        code = _without_spaces(self.cleaned_data["code"])
        if not (APP_CODE.fullmatch(code) or RECOVERY_CODE.fullmatch(code)):
            raise forms.ValidationError(
                _("Type the 6 digits your app shows, or a recovery code of 8 characters.")
            )
        return code


WRONG_CODE = _(
    "That code is not right. Type the code your app shows now. Does it keep failing? "
    "Check that your phone sets its clock automatically."
)


WRONG_RECOVERY_CODE = _(
    "That recovery code is not right, or it has been used already. Each code works once."
)


def _throttled(devices: list[Device]) -> str | None:
    """The message when a device refuses codes for a moment after wrong ones."""
    locked = [
        details for allowed, details in (d.verify_is_allowed() for d in devices) if not allowed
    ]
    if not locked:
        return None
    until = max(details["locked_until"] for details in locked)
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1)
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)d second and try again.",
        "Too many wrong codes in a row. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def _check_code(form: forms.Form, user: Any) -> Device | None:
    """The device that takes the form's code (the app for 6 digits, the
    recovery codes otherwise); None when it is wrong, with the reason on the form.

    A wrong code counts against all of the user's devices and a right one
    clears them all: one lock, whichever kind of code is guessed."""
    if not form.is_valid():
        return None
    code = form.cleaned_data["code"]
    app = confirmed_device(user)
    recovery = recovery_device(user)
    devices: list[Device] = [device for device in (app, recovery) if device is not None]
    refused = _throttled(devices)
    if refused:
        form.add_error("code", refused)
        return None
    by_app = APP_CODE.fullmatch(code) is not None
    device = app if by_app else recovery
    verified = (
        django_otp.verify_token(user, device.persistent_id, code) if device is not None else None
    )
    # django-otp counted (or cleared) the device it asked; the others follow.
    for other in devices:
        if other is not device:
            if verified is None:
                other.throttle_increment()
            else:
                other.throttle_reset()
    if verified is None:
        form.add_error("code", WRONG_CODE if by_app else WRONG_RECOVERY_CODE)
    return verified


@transaction.atomic
def device_confirm(*, user: Any, key: str, code: str) -> TOTPDevice | None:
    """Turn on two-step verification with the secret `key` once `code` shows the
    app has it, in place of any app set up before (a move to a new phone); the
    recovery codes stay. None when the code is wrong, and then nothing changes."""
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
    """Turn two-step verification off: the app and the recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@sensitive_variables("codes")
@transaction.atomic
def recovery_codes_replace(*, user: Any) -> list[str]:
    """Ten new recovery codes in place of any old ones. The caller shows them once."""
    device = recovery_device(user)
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


@sensitive_variables("codes")
def _show_new_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    """To the page that shows `codes`, once; they wait in the session until then."""
    request.session[NEW_RECOVERY_CODES_KEY] = codes
    url = reverse("two_factor_recovery_codes")
    next_path = safe_next_path(request)
    return redirect(f"{url}?{urlencode({'next': next_path})}" if next_path else url)


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(
        border=4, omitsize=True, title=_("QR code to scan with your app"), svgclass="qr"
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# The user's own places stay out of the header until the second step is done.
NO_NAVIGATION: dict[str, Any] = {"nav_locations": ()}


def _recovery_login_message(user: Any) -> str:
    """What a login with a recovery code is told: how many are left, and how to
    get going again without the lost phone."""
    left = recovery_codes_left(user)
    if left == 0:
        counted = str(_("You logged in with your last recovery code."))
    else:
        counted = ngettext(
            "You logged in with a recovery code. You have %(count)d recovery code left.",
            "You logged in with a recovery code. You have %(count)d recovery codes left.",
            left,
        ) % {"count": left}
    if left == 0:
        # Moving to a new phone takes a code, and none is left.
        advice = _(
            "Lost your phone? Ask the administrator to reset two-step verification; "
            "at your next login you set it up on your new phone."
        )
    else:
        advice = _(
            "Lost your phone? Under Two-step verification, choose New phone: with a "
            "recovery code you set up the app on another phone."
        )
    return f"{counted} {advice}"


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second login step: a code from the app, or (with ?recovery=1) a recovery code."""
    next_url = _next_url(request)
    # Look again: an administrator may have removed the device meanwhile.
    request.session.pop(STATE_KEY, None)
    if next_step(request) != VERIFY:
        return redirect(next_url)
    by_recovery = (request.POST if request.method == "POST" else request.GET).get("recovery") == "1"
    data = request.POST if request.method == "POST" else None
    form: forms.Form = RecoveryCodeForm(data) if by_recovery else CodeForm(data, autofocus=True)
    if request.method == "POST":
        verified = _check_code(form, request.user)
        if verified is not None:
            django_otp.login(request, verified)
            if isinstance(verified, StaticDevice):
                messages.warning(request, _recovery_login_message(request.user))
            return redirect(next_url)
    other_way = {"next": next_url} if by_recovery else {"next": next_url, "recovery": "1"}
    return render(
        request,
        "registration/two_factor_verify.html",
        {
            "form": form,
            "next": next_url,
            "by_recovery": by_recovery,
            "other_way_url": f"{reverse('two_factor_verify')}?{urlencode(other_way)}",
            **NO_NAVIGATION,
        },
    )


def _pending_key(request: HttpRequest) -> dict[str, str]:
    """The QR code and the key for an app to add, made once and kept in the
    session until a first code confirms it: reloading the page shows the same."""
    key = request.session.get(PENDING_KEY_KEY)
    if not key:
        key = request.session[PENDING_KEY_KEY] = random_hex(20)
    unsaved = TOTPDevice(user=request.user, key=key)
    secret = base64.b32encode(unsaved.bin_key).decode()
    return {"qr_svg": _qr_svg(unsaved.config_url), "secret": _grouped(secret)}


def _setup_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    device: TOTPDevice | None,
    new_codes_form: AnyCodeForm | None = None,
    new_phone_form: AnyCodeForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "device": device,
        "required": required_for(request.user),
        "next": safe_next_path(request),
    }
    if device is None:
        context |= _pending_key(request)
    else:
        context |= {
            "recovery_codes_left": recovery_codes_left(request.user),
            "new_codes_form": new_codes_form or AnyCodeForm(prefix=NEW_CODES_PREFIX),
            "new_phone_form": new_phone_form or AnyCodeForm(prefix=NEW_PHONE_PREFIX),
        }
    if next_step(request) == SETUP:
        context |= NO_NAVIGATION
    return render(request, "account/two_factor.html", context)


# The forms that make new recovery codes and start a move to a new phone share
# their page with the one that turns two-step verification off: their own
# prefixes keep the fields apart.
NEW_CODES_PREFIX = "new-codes"
NEW_PHONE_PREFIX = "new-phone"


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Turn two-step verification on (scan, then confirm with a first code), or
    see that it is on, how many recovery codes are left, and turn it off
    (two_factor_disable) or make new recovery codes (two_factor_recovery_codes_new)."""
    if next_step(request) == VERIFY:
        return redirect_to_step(request, VERIFY)
    device = confirmed_device(request.user)
    if device is not None:
        if request.method == "POST":
            return redirect("two_factor_setup")
        return _setup_page(request, form=AnyCodeForm(), device=device)
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
            return _show_new_codes(request, recovery_codes_replace(user=request.user))
    return _setup_page(request, form=form, device=None)


def _about_the_app(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the pages that change the user's app, called as view(request,
    device): first the code page while this login still owes a code, and the
    two-step page when there is no app (a half-done move to a new phone has
    nothing left to replace then)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if next_step(request) == VERIFY:
            return redirect_to_step(request, VERIFY, reverse("two_factor_setup"))
        device = confirmed_device(request.user)
        if device is None:
            _forget_move(request)
            return redirect("two_factor_setup")
        return view(request, device)

    return wrapper


@sensitive_post_parameters("code")
@require_POST
@login_required
@_about_the_app
def two_factor_disable(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    """Turn two-step verification off, with a current code or a recovery code."""
    if required_for(request.user):
        messages.error(request, _("Coordinators here must use two-step verification."))
        return redirect("two_factor_setup")
    form = AnyCodeForm(request.POST)
    if _check_code(form, request.user) is None:
        return _setup_page(request, form=form, device=device)
    device_remove(user=request.user)
    _remember(request, NONE)
    messages.success(request, _("Two-step verification is off."))
    return redirect("two_factor_setup")


@sensitive_post_parameters(f"{NEW_CODES_PREFIX}-code")
@require_POST
@login_required
@_about_the_app
def two_factor_recovery_codes_new(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    """New recovery codes in place of the old ones, with a current code or a recovery code."""
    form = AnyCodeForm(request.POST, prefix=NEW_CODES_PREFIX)
    if _check_code(form, request.user) is None:
        return _setup_page(request, form=AnyCodeForm(), device=device, new_codes_form=form)
    messages.success(request, _("You have new recovery codes. The old ones no longer work."))
    return _show_new_codes(request, recovery_codes_replace(user=request.user))


def _moving_from(request: HttpRequest, device: TOTPDevice) -> bool:
    """Whether this login gave a current code to move `device` to a new phone."""
    return request.session.get(NEW_PHONE_KEY) == [request.user.pk, device.pk]


def _forget_move(request: HttpRequest) -> None:
    """End a move to a new phone, and with it the key shown for the new phone
    (not a key the set-up page shows to someone without an app)."""
    if request.session.pop(NEW_PHONE_KEY, None) is not None:
        request.session.pop(PENDING_KEY_KEY, None)


@sensitive_post_parameters("code", f"{NEW_PHONE_PREFIX}-code")
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
@_about_the_app
def two_factor_new_phone(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    """Move the app to a new phone: a current code (from the app or a recovery
    code, posted from the two-step page) starts it; this page then shows a new
    key, and a first code from the new app puts it in place of the old one.
    Until then the old app goes on working; the recovery codes stay."""
    if request.method == "POST" and f"{NEW_PHONE_PREFIX}-code" in request.POST:
        start = AnyCodeForm(request.POST, prefix=NEW_PHONE_PREFIX)
        if _check_code(start, request.user) is None:
            return _setup_page(request, form=AnyCodeForm(), device=device, new_phone_form=start)
        # A fresh key: one shown in an earlier, unfinished try may have been seen.
        request.session[PENDING_KEY_KEY] = random_hex(20)
        request.session[NEW_PHONE_KEY] = [request.user.pk, device.pk]
        return redirect("two_factor_new_phone")
    if not _moving_from(request, device) or not request.session.get(PENDING_KEY_KEY):
        return redirect("two_factor_setup")
    if request.method == "POST" and "cancel" in request.POST:
        _forget_move(request)
        messages.info(request, _("Nothing has changed: your current app goes on working."))
        return redirect("two_factor_setup")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        new = device_confirm(
            user=request.user,
            key=request.session[PENDING_KEY_KEY],
            code=form.cleaned_data["code"],
        )
        if new is None:
            form.add_error("code", WRONG_CODE)
        else:
            _forget_move(request)
            # The old device is gone: this login goes on verified by the new one.
            django_otp.login(request, new)
            messages.success(
                request,
                _("Your new phone is set up. Codes from the old phone no longer work."),
            )
            return redirect("two_factor_setup")
    return render(
        request,
        "account/two_factor_new_phone.html",
        {"form": form, **_pending_key(request)},
    )


@sensitive_variables("codes")
@never_cache
@require_GET
@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown this once: the session forgets them here."""
    if next_step(request) == VERIFY:
        return redirect_to_step(request, VERIFY, reverse("two_factor_setup"))
    codes = request.session.pop(NEW_RECOVERY_CODES_KEY, None)
    if not codes:
        return redirect("two_factor_setup")
    return render(
        request,
        "account/recovery_codes.html",
        {
            "codes": [f"{code[:4]} {code[4:]}" for code in codes],
            "next": safe_next_path(request) or reverse("two_factor_setup"),
        },
    )
