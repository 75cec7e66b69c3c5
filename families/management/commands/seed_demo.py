"""`manage.py seed_demo`: the demo kindcentrum, and demo logins when DEBUG is on."""

from __future__ import annotations

import os
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from conversations.parent_links import link_path, token_of
from families import demo
from families.school_year import current_school_year, label

# The same seed always draws the same families, so a second run writes nothing.
SEED = 20260801


class Command(BaseCommand):
    help = (
        "Build or update the demo location Kindcentrum De Vlinderboom with invented "
        "families, and the demo logins when DEMO_USERS_ENABLED (DEBUG) is on. "
        "Safe to run again: it changes nothing that is already in place."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with_users = settings.DEMO_USERS_ENABLED
        summary = demo.demo_seed(
            rng=random.Random(SEED), year=current_school_year(), with_users=with_users
        )
        self.stdout.write(
            f"{summary.location.name} ({label(summary.school_year)}): "
            f"{summary.current_groups} groups, {summary.children} children "
            f"in {summary.families} families."
        )
        if not with_users:
            self.stdout.write("Demo users are off (DEBUG is off): no logins created.")
            return
        self.stdout.write(f"Demo logins (password: {demo.DEMO_PASSWORD}):")
        width = max(len(staff.username) for staff in summary.logins)
        for staff in summary.logins:
            where = ", ".join(group.name for group in staff.groups) or "whole location"
            self.stdout.write(f"  {staff.username:<{width}}  {staff.title}, {where}")
        # The address `make run` serves on (PORT, as in the Makefile).
        port = os.environ.get("PORT") or "8000"
        link = summary.parent_link
        if link is not None:
            self.stdout.write(
                f"Demo parent link ({link.guardian.full_name}, for "
                f"{link.conversation.child.first_name}'s welbevindengesprek):\n"
                f"  http://127.0.0.1:{port}{link_path(link)}"
            )
        link = summary.booking_link
        if link is not None:
            self.stdout.write(
                f"Demo booking link ({link.guardian.full_name}, to book a time for "
                f"{link.conversation.child.first_name}'s progress talk):\n"
                f"  http://127.0.0.1:{port}{reverse('parent_booking', args=[token_of(link)])}"
            )
