"""`{{ option|option_input }}`: the <input> of one radio button or checkbox.

The same markup as `option.tag` (Django's input_option widget template,
without a wrapping label), written here instead of through the form renderer:
a template render per option was most of the time of a parent's question page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from django.forms.boundfield import BoundWidget

register = template.Library()


@register.filter
def option_input(option: BoundWidget) -> SafeString:
    """As django/forms/widgets/input.html and attrs.html: the attributes in
    their order, True as a bare attribute, False left out."""
    data = option.data
    value = "" if data["value"] is None else format_html(' value="{}"', data["value"])
    attrs = mark_safe(  # noqa: S308 (each part is escaped by format_html)
        "".join(
            format_html(" {}", name) if given is True else format_html(' {}="{}"', name, given)
            for name, given in data["attrs"].items()
            if given is not False
        )
    )
    return format_html('<input type="{}" name="{}"{}{}>', data["type"], data["name"], value, attrs)
