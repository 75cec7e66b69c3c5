from __future__ import annotations

from django.urls import path

from conversations.views import meeting

urlpatterns = [
    path("gesprekken/<int:conversation_id>/gesprek/", meeting.meeting_mode, name="meeting_mode"),
    path(
        "gesprekken/<int:conversation_id>/gesprek/notities/",
        meeting.meeting_notes_save,
        name="meeting_notes_save",
    ),
    path(
        "gesprekken/<int:conversation_id>/spreektijd/",
        meeting.talk_time_save,
        name="talk_time_save",
    ),
    path("gesprekken/<int:conversation_id>/afgerond/", meeting.meeting_held, name="meeting_held"),
]
