"""Forms for planning a meeting round: the round itself, a day of slots with
its breaks, and the choice of a time when a professional books, or moves a
booking, for a family.

The forms validate and convert; conversations.booking does the writing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from conversations.models import SLOT_MINUTES, Kind, MeetingRound
from families.models import Group, Guardian

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import QuerySet
    from django.http import HttpRequest, QueryDict

    from conversations.booking import Option

# A day of slots holds at most this many breaks (more is a different day).
MAX_BREAKS = 6
# Slots are planned at most this far ahead.
MAX_DAYS_AHEAD = 730
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

# The model's own messages for its constraints, shown on the field they concern.
DEADLINE_AFTER_OPENING = _("The deadline must be after the opening moment.")
EARLY_BEFORE_OPENING = _("Families with several children open earlier than the others, not later.")


def bound_data(request: HttpRequest) -> QueryDict | None:
    """What a page binds its form to: the posted data, also when empty (then
    the form says what is missing); None on GET."""
    return request.POST if request.method == "POST" else None


def _moment_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class GroupChoiceField(forms.ModelMultipleChoiceField):
    """Groups by name, with their location's name when there is a choice of
    locations."""

    with_location = False

    def label_from_instance(self, obj: Group) -> str:
        return f"{obj.name} ({obj.location.name})" if self.with_location else obj.name


class RoundForm(forms.ModelForm):
    """A new round, or an existing one changed. `groups` are the groups the
    user may plan; all chosen groups must be at one location."""

    groups = GroupChoiceField(
        label=_("Groups"),
        queryset=Group.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every child in these groups gets a conversation in the round."),
        error_messages={"required": _("Choose at least one group.")},
    )

    class Meta:
        model = MeetingRound
        fields = [
            "name",
            "kind",
            "groups",
            "slot_minutes",
            "opens_at",
            "opens_early_at",
            "closes_at",
            "separate_bookings",
        ]
        widgets = {
            "slot_minutes": forms.RadioSelect,
            "opens_at": _moment_widget(),
            "opens_early_at": _moment_widget(),
            "closes_at": _moment_widget(),
        }
        help_texts = {
            "opens_early_at": _(
                "Optional. So that families with children in several groups can still "
                "find times back to back."
            ),
        }

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = list(groups.select_related("location").order_by("location__name", "name"))
        self.fields["groups"].queryset = groups
        self.fields["groups"].with_location = len({each.location_id for each in choices}) > 1
        self.fields["groups"].choices = [
            (each.pk, self.fields["groups"].label_from_instance(each)) for each in choices
        ]
        self.fields["slot_minutes"].choices = [
            (minutes, _("%(minutes)s minutes") % {"minutes": minutes}) for minutes in SLOT_MINUTES
        ]
        self.fields["kind"].choices = [
            (value, label) for value, label in Kind.choices if value != Kind.INFORMAL
        ]
        self.fields["slot_minutes"].help_text = _(
            "Days you add from now on get slots of this length."
        )
        if self.instance.pk is not None:
            # The conversations in the round have this kind already.
            del self.fields["kind"]
            self.fields["groups"].help_text = _(
                "Children in an added group get a conversation in the round. A group can "
                "only be taken out while none of its families has booked."
            )
        for name in ("opens_at", "opens_early_at", "closes_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]

    def clean_groups(self) -> list[Group]:
        groups = list(self.cleaned_data["groups"])
        if len({group.location_id for group in groups}) > 1:
            raise forms.ValidationError(_("Choose groups of one location."))
        if self.instance.pk is not None and groups[0].location_id != self.instance.location_id:
            raise forms.ValidationError(_("Choose groups of one location."))
        return groups

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        early = cleaned.get("opens_early_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", DEADLINE_AFTER_OPENING)
        if opens_at and early and early >= opens_at:
            self.add_error("opens_early_at", EARLY_BEFORE_OPENING)
        return cleaned


def new_round_initial() -> dict[str, Any]:
    """What a new round's form proposes: a progress conversation of 10
    minutes, open from the next whole hour for two weeks."""
    opens_at = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    opens_at += dt.timedelta(hours=1)
    return {
        "kind": Kind.PROGRESS,
        "slot_minutes": 10,
        "opens_at": opens_at,
        "closes_at": opens_at + dt.timedelta(days=14),
    }


class SlotsForm(forms.Form):
    """A day of slots for one professional: from, to, the breaks, and where.

    The number of break rows comes with the form (`breaks`), so a page
    without JavaScript can ask for another row and keep what was typed."""

    professional = forms.TypedChoiceField(
        label=_("For"),
        coerce=int,
        error_messages={
            "invalid_choice": _(
                "You can add times for yourself, and a coordinator for the professionals "
                "of the round's groups."
            )
        },
    )
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label=pgettext_lazy("a day of slots", "From"),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    end = forms.TimeField(
        label=pgettext_lazy("a day of slots", "Until"),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    place = forms.CharField(
        label=_("Room"),
        max_length=200,
        required=False,
        help_text=_("As parents will read it, e.g. Lokaal groep 3."),
    )
    video_link = forms.URLField(
        label=_("Video link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("For parents who join by video call."),
    )
    breaks = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        professionals: Sequence[AbstractBaseUser],
        break_count: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["professional"].choices = [
            (user.pk, user.get_full_name() or user.get_username()) for user in professionals
        ]
        if len(professionals) == 1:
            self.fields["professional"].widget = forms.HiddenInput()
            self.fields["professional"].initial = professionals[0].pk
        if break_count is None:
            break_count = self.posted_break_count(self.data) if self.is_bound else 1
        self.break_count = min(max(break_count, 1), MAX_BREAKS)
        self.initial["breaks"] = self.break_count
        for number in range(1, self.break_count + 1):
            self.fields[f"break_{number}_start"] = forms.TimeField(
                label=_("Break from"),
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[f"break_{number}_end"] = forms.TimeField(
                label=_("Break until"),
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )

    @staticmethod
    def posted_break_count(data: Any) -> int:
        """How many break rows the posted page had (at least one)."""
        try:
            count = int(data.get("breaks") or 1)
        except (TypeError, ValueError):
            count = 1
        return min(max(count, 1), MAX_BREAKS)

    def break_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"break_{number}_start"], self[f"break_{number}_end"])
            for number in range(1, self.break_count + 1)
        ]

    @property
    def can_add_break(self) -> bool:
        return self.break_count < MAX_BREAKS

    def clean_day(self) -> dt.date:
        day = self.cleaned_data["day"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("Choose a day from today on."))
        if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(_("Choose a day within the next two years."))
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        nowhere = not cleaned.get("place") and not cleaned.get("video_link")
        if nowhere and "place" not in self.errors and "video_link" not in self.errors:
            self.add_error(
                "place", _("Fill in a room or a video link, so parents know where to go.")
            )
        breaks = []
        for number in range(1, self.break_count + 1):
            pause_start = cleaned.get(f"break_{number}_start")
            pause_end = cleaned.get(f"break_{number}_end")
            if pause_start is None and pause_end is None:
                continue
            if pause_start is None or pause_end is None:
                self.add_error(
                    f"break_{number}_start", _("Fill in when the break starts and ends.")
                )
                continue
            if pause_end <= pause_start:
                self.add_error(f"break_{number}_end", _("A break ends after it starts."))
                continue
            breaks.append((pause_start, pause_end))
        cleaned["break_times"] = sorted(breaks)
        return cleaned


BOTH_PARENTS = "both"


class TimeChoiceForm(forms.Form):
    """A time out of the options offered (conversations.booking.booking_options),
    and, for parents who book separately, for whom it is."""

    choice = forms.ChoiceField(
        label=_("Time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a time."),
            "invalid_choice": _("This time is not free any more. Choose another time."),
        },
    )
    party = forms.ChoiceField(
        label=_("For whom"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Choose both parents or one of the parents.")},
    )

    def __init__(
        self,
        *args: Any,
        options: Iterable[Option],
        guardians: Sequence[Guardian] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(option.value, option.value) for option in options]
        self.guardians = {str(guardian.pk): guardian for guardian in guardians}
        if self.guardians:
            self.fields["party"].choices = [
                (BOTH_PARENTS, _("Both parents together")),
                *(
                    (pk, f"{guardian.full_name} ({guardian.get_relation_display()})")
                    for pk, guardian in self.guardians.items()
                ),
            ]
            self.fields["party"].initial = BOTH_PARENTS
        else:
            del self.fields["party"]

    def guardian(self) -> Guardian | None:
        """The parent the time is for alone, or None for both together."""
        party = self.cleaned_data.get("party") or BOTH_PARENTS
        return self.guardians.get(party)
