from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from families import two_factor
from families.forms import LoginForm

urlpatterns = [
    path(
        "inloggen/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    # The second login step, turning it on or off, and moving it to a new phone
    # (families.two_factor).
    path("inloggen/code/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("account/tweestapsverificatie/", two_factor.two_factor_setup, name="two_factor_setup"),
    path(
        "account/tweestapsverificatie/uitzetten/",
        two_factor.two_factor_disable,
        name="two_factor_disable",
    ),
    path(
        "account/tweestapsverificatie/nieuwe-telefoon/",
        two_factor.two_factor_new_phone,
        name="two_factor_new_phone",
    ),
    path(
        "account/tweestapsverificatie/herstelcodes/",
        two_factor.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "account/tweestapsverificatie/herstelcodes/nieuw/",
        two_factor.two_factor_recovery_codes_new,
        name="two_factor_recovery_codes_new",
    ),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin.site.urls),
    path("", include("families.urls")),
    path("", include("conversations.urls")),
]

if settings.BENCH:
    # `make bench` only: the page every benchmarked page is measured against.
    from bench.views import floor

    urlpatterns.append(path("bench/floor/", floor, name="bench_floor"))
