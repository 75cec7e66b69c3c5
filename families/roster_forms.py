from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from families import roster


class RosterUploadForm(forms.Form):
    """Takes the uploaded roster and turns it into text; `cleaned_data["text"]`."""

    file = forms.FileField(
        label=_("Roster file (CSV)"),
        help_text=_("A CSV file of at most 2 MB, with one row per child."),
        error_messages={
            "required": _("Choose a CSV file to upload."),
            "missing": _("Choose a CSV file to upload."),
            "invalid": _("Choose a CSV file to upload."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > roster.MAX_BYTES:
            raise forms.ValidationError(roster.too_large_message(), code="too_large")
        if not (upload.name or "").lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(roster.not_csv_message(), code="not_csv")
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                cleaned["text"] = roster.decode(upload.read())
            except roster.RosterFileError as error:
                self.add_error("file", error.message)
        return cleaned


class RosterConfirmForm(forms.Form):
    """Confirms the import previewed before; the file itself waits in the session."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
