"""The filters of the coordinator's overview and the lists behind its numbers,
and the forms for comments and "please think along"."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from conversations.models import Kind
from conversations.models.review import MAX_COMMENT_LENGTH
from families.school_year import current_school_year, label

if TYPE_CHECKING:
    from django.http import QueryDict

    from families.models import Group

ALL = ""
MAX_WEEKS = 52


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the coordinator looks at: a school year, one group or all, one kind
    of conversation or all, an optional period, and the weeks that count as
    "recent" for positive contact."""

    year: int
    group: Group | None
    kind: str
    since: dt.date | None
    until: dt.date | None
    weeks: int

    def query(self, **extra: object) -> str:
        """The filters as a query string, for links to the lists and exports."""
        params: dict[str, object] = {"year": self.year, "kind": self.kind, "weeks": self.weeks}
        if self.group is not None:
            params["group"] = self.group.pk
        if self.since:
            params["since"] = self.since.isoformat()
        if self.until:
            params["until"] = self.until.isoformat()
        params.update({key: value for key, value in extra.items() if value is not None})
        return urlencode(params)

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label) if self.kind else ""

    @property
    def year_label(self) -> str:
        return label(self.year)

    @property
    def positive_since(self) -> dt.datetime:
        return timezone.now() - dt.timedelta(weeks=self.weeks)


def _attrs(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """A select that writes the same HTML as Django's templates, in Python.

    The filters show on every page of the overview, and rendering their
    options through the widget templates (an include and its attributes loop
    per option) took a fifth of the overview's rendering time."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:  # Not written here; the templates do it.
                return super().render(name, value, attrs, renderer)
            parts.extend(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - each part escaped above


class _PlainInput:
    """An input that writes the same HTML as django/forms/widgets/input.html, in Python."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        shown = widget["value"]
        value_attr = "" if shown is None else f' value="{conditional_escape(str(shown))}"'
        return mark_safe(  # noqa: S308 - each part escaped
            f'<input type="{conditional_escape(widget["type"])}"'
            f' name="{conditional_escape(widget["name"])}"{value_attr}{_attrs(widget["attrs"])}>'
        )


class PlainDateInput(_PlainInput, forms.DateInput):
    pass


class PlainNumberInput(_PlainInput, forms.NumberInput):
    pass


class FilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("School year"), coerce=int, required=False, widget=PlainSelect
    )
    group = forms.TypedChoiceField(label=_("Group"), coerce=int, required=False, widget=PlainSelect)
    kind = forms.ChoiceField(
        label=_("Kind of conversation"),
        choices=[(ALL, _("All kinds")), *Kind.choices],
        required=False,
        widget=PlainSelect,
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=PlainDateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=PlainDateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    weeks = forms.IntegerField(
        label=_("Weeks without positive contact"),
        min_value=1,
        max_value=MAX_WEEKS,
        required=False,
        widget=PlainNumberInput,
    )

    def __init__(self, data: QueryDict, *, groups: list[Group]) -> None:
        """`groups`: all the location's groups, every year. The group choices are
        those of the chosen school year. A filter left out of `data` takes its
        usual value, so the form always shows what the page counts."""
        self.all_groups = groups
        years = sorted({group.school_year for group in groups} | {current_school_year()})
        # Without any filter the page opens on this year's welbevindengesprekken.
        self.usual = {
            "year": current_school_year(),
            "group": ALL,
            "kind": Kind.WELLBEING,
            "since": "",
            "until": "",
            "weeks": settings.NO_POSITIVE_CONTACT_WEEKS,
        }
        chosen = {name: data.get(name, value) for name, value in self.usual.items()}
        super().__init__(chosen)
        self.fields["year"].choices = [(year, label(year)) for year in reversed(years)]
        year = self._chosen_year(chosen["year"])
        self.fields["group"].choices = [(ALL, _("All groups"))] + [
            (group.pk, group.name) for group in groups if group.school_year == year
        ]

    def _chosen_year(self, value: object) -> int:
        try:
            year = int(str(value))
        except ValueError:
            return current_school_year()
        known = {year for year, _label in self.fields["year"].choices}
        return year if year in known else current_school_year()

    def _value(self, name: str) -> Any:
        """The cleaned value, or the usual one when it is invalid (the form says so)."""
        if name in self.errors:
            return self.usual[name] or None
        return self.cleaned_data.get(name)

    def filters(self) -> Filters:
        self.is_valid()
        year = self._value("year") or current_school_year()
        group_id = self._value("group")
        group = next(
            (g for g in self.all_groups if g.pk == group_id and g.school_year == year), None
        )
        since, until = self._value("since"), self._value("until")
        if since and until and since > until:
            since, until = until, since
        return Filters(
            year=year,
            group=group,
            kind=self._value("kind") or ALL,
            since=since,
            until=until,
            weeks=self._value("weeks") or settings.NO_POSITIVE_CONTACT_WEEKS,
        )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=True,
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Where to go back to: the read-only review page or the record itself.
    return_to = forms.ChoiceField(
        choices=[("review", "review"), ("record", "record")],
        required=False,
        widget=forms.HiddenInput,
    )


class ReviewRequestForm(forms.Form):
    question = forms.CharField(
        label=_("What would you like the coordinator to think along about? (optional)"),
        max_length=MAX_COMMENT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=True,
    )
