from __future__ import annotations

from django.urls import path

from conversations.views import agreements

urlpatterns = [
    path(
        "gesprekken/<int:conversation_id>/afspraken/",
        agreements.agreement_list,
        name="agreement_list",
    ),
    path(
        "gesprekken/<int:conversation_id>/afspraken/nieuw/",
        agreements.agreement_add,
        name="agreement_add",
    ),
    path("afspraken/<int:agreement_id>/", agreements.agreement_update, name="agreement_update"),
    path("kinderen/<int:child_id>/contact/", agreements.contact_log, name="contact_log"),
]
