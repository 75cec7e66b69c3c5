"""Parent pages, under ouder/<token>/: the token is the parent's key
(conversations.parent_access)."""

from __future__ import annotations

from django.urls import path

from conversations.views import booking, parents

urlpatterns = [
    path("<str:token>/", parents.parent_home, name="parent_home"),
    path("<str:token>/taal/", parents.parent_language, name="parent_language"),
    path("<str:token>/vragen/klaar/", parents.parent_review, name="parent_review"),
    path("<str:token>/vragen/<int:number>/", parents.parent_question, name="parent_question"),
    path("<str:token>/samenvatting/", parents.parent_summary, name="parent_summary"),
    path("<str:token>/afspraak/", booking.parent_booking, name="parent_booking"),
    path(
        "<str:token>/afspraak/<int:booking_id>/annuleren/",
        booking.parent_booking_cancel,
        name="parent_booking_cancel",
    ),
]
