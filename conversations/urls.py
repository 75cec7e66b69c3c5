from __future__ import annotations

from django.urls import include, path

from conversations.views import records

urlpatterns = [
    path(
        "kinderen/<int:child_id>/gesprekken/nieuw/",
        records.conversation_create,
        name="conversation_create",
    ),
    path(
        "gesprekken/<int:conversation_id>/", records.conversation_detail, name="conversation_detail"
    ),
    path(
        "gesprekken/<int:conversation_id>/gegevens/",
        records.conversation_details,
        name="conversation_details",
    ),
    path(
        "gesprekken/<int:conversation_id>/status/",
        records.conversation_status,
        name="conversation_status",
    ),
    path("gesprekken/<int:conversation_id>/opslaan/", records.text_autosave, name="text_autosave"),
    path("", include("conversations.urls_preparation")),
    path("", include("conversations.urls_meeting")),
    path("", include("conversations.urls_agreements")),
    path("", include("conversations.urls_followup")),
    path("", include("conversations.urls_prompts")),
    path("", include("conversations.urls_invitations")),
    path("", include("conversations.urls_coordination")),
    path("", include("conversations.urls_rounds")),
    path("", include("conversations.urls_calendar")),
    path("ouder/", include("conversations.urls_parents")),
]
