from __future__ import annotations

from django.urls import path

from conversations.views import followup

urlpatterns = [
    path(
        "gesprekken/<int:conversation_id>/verslag/",
        followup.summary_edit,
        name="summary_edit",
    ),
    path(
        "gesprekken/<int:conversation_id>/verslag/opnieuw/",
        followup.summary_regenerate,
        name="summary_regenerate",
    ),
    path(
        "gesprekken/<int:conversation_id>/verslag/delen/",
        followup.summary_share,
        name="summary_share",
    ),
    path(
        "gesprekken/<int:conversation_id>/verslag/afdrukken/",
        followup.summary_print,
        name="summary_print",
    ),
    path(
        "gesprekken/<int:conversation_id>/reflectie/",
        followup.reflection_edit,
        name="reflection_edit",
    ),
]
