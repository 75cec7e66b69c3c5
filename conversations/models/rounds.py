"""Meeting rounds: an evening of progress talks, or the weeks of start-of-year
conversations, for which parents book a time through their own link.

A round covers one or more groups of a location. Each child in those groups has
one conversation in the round (`Conversation.meeting_round`). Professionals
publish their slots; a booking holds one or more consecutive slots of one
professional for one conversation (more than one when an interpreter takes
part, or the professional extends it).

Two rules are kept by the database itself, so that no race between parents
clicking at the same moment can break them:
- a slot belongs to at most one booking (`BookingSlot.slot` is unique);
- a conversation has at most one booking for both parents together, and at
  most one per parent booking alone (two partial unique constraints).
The booking services (conversations.booking) lock the slot rows first, so a
parent who loses the race gets a clean "just taken" and never an error.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models.prompts import Kind
from families.models import Group, Guardian, Location, coordinated_locations, taught_by

if TYPE_CHECKING:
    from families.models import AnyUser

SLOT_MINUTES = (10, 15, 20)


class MeetingRoundQuerySet(models.QuerySet["MeetingRound"]):
    def visible_to(self, user: AnyUser) -> MeetingRoundQuerySet:
        """Rounds at a location the user coordinates, or for a group the user
        works with."""
        if not user.is_authenticated:
            return self.none()
        taught = Group.objects.filter(taught_by(user, group_prefix=""))
        return self.filter(
            Q(location__in=coordinated_locations(user)) | Q(groups__in=taught)
        ).distinct()


class MeetingRound(models.Model):
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="meeting_rounds",
        verbose_name=_("location"),
    )
    name = models.CharField(
        _("name"),
        max_length=120,
        help_text=_("As parents will read it, e.g. Progress talks November."),
    )
    kind = models.CharField(
        _("kind of conversation"), max_length=20, choices=Kind.choices, default=Kind.PROGRESS
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    groups = models.ManyToManyField(Group, related_name="meeting_rounds", verbose_name=_("groups"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("minutes per slot"), choices=[(minutes, str(minutes)) for minutes in SLOT_MINUTES]
    )
    opens_at = models.DateTimeField(_("parents can book from"))
    # Families with children in more than one group of the round may start
    # earlier, so they can still find slots back to back.
    opens_early_at = models.DateTimeField(
        _("families with several children can book from"), null=True, blank=True
    )
    closes_at = models.DateTimeField(
        _("parents can book and change until"),
        help_text=_("After this moment only the professionals can change bookings."),
    )
    separate_bookings = models.BooleanField(
        _("parents may each book their own time"),
        default=True,
        help_text=_("For parents who live apart: each can book a time alone, or one for both."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting round")
        verbose_name_plural = _("meeting rounds")
        ordering = ["-opens_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="round_closes_after_opening",
                violation_error_message=_("The deadline must be after the opening moment."),
            ),
            models.CheckConstraint(
                condition=Q(opens_early_at__isnull=True) | Q(opens_early_at__lt=F("opens_at")),
                name="round_opens_early_before_opening",
                violation_error_message=_(
                    "Families with several children open earlier than the others, not later."
                ),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__in=SLOT_MINUTES), name="round_slot_minutes_allowed"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def opens_for(self, *, several_children: bool) -> dt.datetime:
        if several_children and self.opens_early_at is not None:
            return self.opens_early_at
        return self.opens_at

    def is_open_for(self, *, several_children: bool, now: dt.datetime | None = None) -> bool:
        """Whether parents can book, change and cancel now."""
        now = now or timezone.now()
        return self.opens_for(several_children=several_children) <= now < self.closes_at


class SlotQuerySet(models.QuerySet["Slot"]):
    def free(self) -> SlotQuerySet:
        """Not blocked, not booked and not yet begun."""
        return self.filter(blocked=False, booking_slot__isnull=True, starts_at__gt=timezone.now())


class Slot(models.Model):
    """A time a professional has for one family in a round."""

    meeting_round = models.ForeignKey(MeetingRound, on_delete=models.CASCADE, related_name="slots")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slots"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("room"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    blocked = models.BooleanField(_("blocked"), default=False)

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "professional"]
        indexes = [
            models.Index(
                fields=["meeting_round", "professional", "starts_at"],
                name="slot_round_person_time_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["professional", "starts_at"],
                name="slot_once_per_professional_and_time",
                violation_error_message=_("You already have a slot at this time."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} – {self.professional}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Booking(models.Model):
    """A time booked for one conversation: for both parents together
    (`guardian` empty) or for one parent alone, when parents live apart."""

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="bookings"
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bookings",
        help_text=_("Empty when the time is for both parents together."),
    )
    # The first slot's start and the last slot's end, kept with the booking
    # for lists, the calendar and the reminder job.
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    made_by_link = models.ForeignKey(
        "conversations.ParentLink",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised on every change of time, so calendars replace the earlier entry.
    sequence = models.PositiveIntegerField(default=0)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at"]
        indexes = [
            models.Index(
                fields=["starts_at"],
                condition=Q(reminder_sent_at__isnull=True),
                name="booking_reminder_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(guardian__isnull=True),
                name="booking_once_together",
            ),
            models.UniqueConstraint(
                fields=["conversation", "guardian"],
                condition=Q(guardian__isnull=False),
                name="booking_once_per_parent",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} – {self.conversation_id}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def calendar_uid(self) -> str:
        """Stable across moves, so a calendar updates the entry in place."""
        return f"booking-{self.pk}@samenspraak"


class BookingSlot(models.Model):
    """One slot held by a booking. `slot` is unique: the database refuses a
    second booking of the same slot, whatever the application does."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="booked_slots")
    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="booking_slot")

    class Meta:
        verbose_name = _("booked slot")
        verbose_name_plural = _("booked slots")

    def __str__(self) -> str:
        return f"{self.booking_id} – {self.slot_id}"


class CalendarFeed(models.Model):
    """A professional's private calendar address. Like a parent link, the token
    is never stored: only its hash, and the salt it is derived from."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    salt = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The staff language the feed's texts come in: a calendar app asks in none.
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"
