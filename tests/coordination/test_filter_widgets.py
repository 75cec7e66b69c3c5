"""The filter form writes its fields in Python: the same HTML as Django's
widget templates, whatever was chosen, invalid choices and names that need
escaping included."""

from __future__ import annotations

import copy

import pytest
from django import forms
from django.http import QueryDict

from conversations.coordination_forms import (
    FilterForm,
    PlainDateInput,
    PlainNumberInput,
    PlainSelect,
)
from families.models import Group
from families.school_year import current_school_year

STOCK = {
    PlainSelect: forms.Select,
    PlainDateInput: forms.DateInput,
    PlainNumberInput: forms.NumberInput,
}


def _groups() -> list[Group]:
    year = current_school_year()
    return [
        Group(pk=1, name="Groep 1a", school_year=year),
        Group(pk=2, name='De "Uil" & <Vos>', school_year=year),
        Group(pk=3, name="Groep 8", school_year=year - 1),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "group=2&kind=concern&since=2026-01-01&until=2026-03-01&weeks=4",
        f"year={current_school_year() - 1}&group=3",
        "year=1999&group=abc&kind=zz&since=nope&weeks=x",
        "kind=&weeks=99",
    ],
)
def test_it_writes_what_the_widget_templates_write(query):
    form = FilterForm(QueryDict(query), groups=_groups())
    form.filters()
    for field in form:
        widget = field.field.widget
        stock = copy.deepcopy(widget)
        stock.__class__ = STOCK[type(widget)]
        assert str(field) == field.as_widget(widget=stock)


def test_it_escapes_group_names():
    form = FilterForm(QueryDict("group=2"), groups=_groups())
    form.filters()
    assert '<option value="2" selected>De &quot;Uil&quot; &amp; &lt;Vos&gt;</option>' in str(
        form["group"]
    )
