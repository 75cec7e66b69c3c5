"""Coordinators import a group roster: upload, check the preview, confirm.

Between preview and confirmation the decoded file waits in the session (at
most 2 MB), so the coordinator never uploads it twice. One import waits per
session: a new upload replaces it, and a confirmation carries the random
token of the preview it confirms. The file is checked again on confirmation,
because the location may have changed in between.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from families import roster
from families.access import staff_login_required
from families.models import Location
from families.roster_forms import RosterConfirmForm, RosterUploadForm
from families.school_year import current_school_year, label

SESSION_KEY = "roster_import"


@require_http_methods(["GET", "POST"])
@staff_login_required
def roster_import(request: HttpRequest, location_id: int) -> HttpResponse:
    location = get_object_or_404(Location.objects.coordinated_by(request.user), pk=location_id)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, location)
    if request.method != "POST":
        return _page(request, location, form=RosterUploadForm())

    form = RosterUploadForm(request.POST, request.FILES)
    request.session.pop(SESSION_KEY, None)
    if not form.is_valid():
        return _page(request, location, form=form)
    text = form.cleaned_data["text"]
    preview = roster.roster_import(location=location, text=text, dry_run=True)
    confirm_form = None
    if preview.is_valid:
        token = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = {"token": token, "location": location.pk, "text": text}
        confirm_form = RosterConfirmForm(initial={"token": token})
    return _page(
        request, location, form=RosterUploadForm(), preview=preview, confirm_form=confirm_form
    )


def _confirm(request: HttpRequest, location: Location) -> HttpResponse:
    form = RosterConfirmForm(request.POST)
    pending = request.session.get(SESSION_KEY) or {}
    if not (
        form.is_valid()
        and pending.get("location") == location.pk
        and constant_time_compare(pending.get("token", ""), form.cleaned_data["token"])
    ):
        return _page(
            request,
            location,
            form=RosterUploadForm(),
            page_error=_("This preview is no longer available. Please upload the file again."),
        )
    del request.session[SESSION_KEY]
    preview = roster.roster_import(location=location, text=pending["text"], dry_run=False)
    if not preview.imported:
        return _page(request, location, form=RosterUploadForm(), preview=preview)
    messages.success(request, preview.summary())
    return redirect("location_overview", location.pk)


def _page(
    request: HttpRequest,
    location: Location,
    *,
    form: RosterUploadForm,
    preview: roster.RosterPreview | None = None,
    confirm_form: RosterConfirmForm | None = None,
    page_error: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "location": location,
        "form": form,
        "preview": preview,
        "confirm_form": confirm_form,
        "page_error": page_error,
        "school_year_label": label(current_school_year()),
    }
    return render(request, "families/roster_import.html", context)
