from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from families.models import Location


def staff_navigation(request: HttpRequest) -> dict[str, Any]:
    """The locations a signed-in coordinator can open from the navigation.

    Evaluated lazily: pages that never show the navigation never query it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_locations": Location.objects.coordinated_by(user).only("pk", "name")}
