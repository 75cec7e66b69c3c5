"""`manage.py send_booking_reminders`: email the parents whose conversation is
tomorrow. Meant for cron, for example every hour from 07:00 to 21:00.

Safe to run as often as you like, and twice at the same time: each booking
gets its reminder once (conversations.booking_mail.booking_reminders_send).
A booking whose message the mail server refused is tried again on the next
run. Prints only how many bookings were reminded: no names, no addresses.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from conversations.booking_mail import booking_reminders_send


class Command(BaseCommand):
    help = "Email the day-before reminders for tomorrow's booked conversations (safe to repeat)."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = booking_reminders_send()
        self.stdout.write(f"Reminders sent for {reminded} booking(s).")
