from __future__ import annotations

from django.urls import path

from conversations.views import invitations

urlpatterns = [
    path(
        "gesprekken/<int:conversation_id>/ouders/<int:guardian_id>/link/",
        invitations.parent_link_create,
        name="parent_link_create",
    ),
    path(
        "gesprekken/<int:conversation_id>/ouders/<int:guardian_id>/uitnodigen/",
        invitations.parent_link_invite,
        name="parent_link_invite",
    ),
    path(
        "gesprekken/<int:conversation_id>/ouders/<int:guardian_id>/intrekken/",
        invitations.parent_link_revoke,
        name="parent_link_revoke",
    ),
    path(
        "gesprekken/<int:conversation_id>/ouders/<int:guardian_id>/brief/",
        invitations.parent_link_letter,
        name="parent_link_letter",
    ),
    path(
        "gesprekken/<int:conversation_id>/tolk/",
        invitations.interpreter_accept,
        name="interpreter_accept",
    ),
]
