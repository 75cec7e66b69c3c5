"""Professionals' private calendar feeds (conversations.views.calendar)."""

from __future__ import annotations

from django.urls import path

from conversations.views import calendar

urlpatterns = [
    path("agenda/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("account/agenda/", calendar.calendar_feed_settings, name="calendar_feed_settings"),
]
