"""Meeting rounds for professionals and coordinators: slots, bookings, the
day schedule (conversations.views.rounds)."""

from __future__ import annotations

urlpatterns: list = []
