"""The admin at /beheer/ asks for the second step like the staff pages do.

Installed as `families.admin_site.AdminConfig` in place of
"django.contrib.admin", so `admin.site` (and every model registered on it) is a
TwoFactorAdminSite. django-otp's own OTPAdminSite would demand a device of
every admin user; this asks for a code only where the staff pages do.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class TwoFactorAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        from families.two_factor import next_step

        return super().has_permission(request) and next_step(request) is None

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The admin sends a login without permission here: one that still owes
        the second step goes on to it instead of seeing the password form again."""
        from families.two_factor import next_step, redirect_to_step

        step = next_step(request)
        if step is not None:
            back = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
                "admin:index", current_app=self.name
            )
            return redirect_to_step(request, step, back)
        return super().login(request, extra_context)


class AdminConfig(DjangoAdminConfig):
    default_site = "families.admin_site.TwoFactorAdminSite"

    def ready(self) -> None:
        super().ready()
        # Here because this is where two-step verification plugs into start-up.
        from families import two_factor

        user_logged_in.connect(two_factor.remember_at_login, dispatch_uid="two_factor_state")
