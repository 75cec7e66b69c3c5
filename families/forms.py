from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for a child or family"),
        max_length=100,
        strip=True,
        error_messages={"required": _("Type part of a name to search.")},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class LoginForm(AuthenticationForm):
    """Django's login form, with a label that says an email address works too."""

    username = UsernameField(
        label=_("Username or email address"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
