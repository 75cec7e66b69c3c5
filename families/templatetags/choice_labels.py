"""`{{ agreement|choice_label:"who" }}`: what `agreement.get_who_display` gives.

Django's `get_FOO_display` builds a dict of all the field's choices on every
call, translating each label to hash it: tens of microseconds per value, which
adds up on a page that lists contacts or agreements. Here the labels are
translated once per process and language.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django import template
from django.utils.translation import get_language

if TYPE_CHECKING:
    from django.db.models import Field, Model

register = template.Library()


@functools.cache
def _labels(field: Field, language: str | None) -> dict[Any, str]:
    """The field's labels in the active language, `language`."""
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def choice_label(instance: Model, field_name: str) -> Any:
    """The label of the field's value, or the value itself when it is not one
    of the choices, as `get_FOO_display`."""
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname)
    return _labels(field, get_language()).get(value, value)
