"""Professionals' private calendar feeds (conversations.views.calendar)."""

from __future__ import annotations

urlpatterns: list = []
