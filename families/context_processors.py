from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from families.models import Location


def staff_navigation(request: HttpRequest) -> dict[str, Any]:
    """The locations a signed-in coordinator can open from the navigation.

    A user signed in earlier brings them along: families.auth reads them with
    the user, afresh on every request. Otherwise (the request that signs in)
    they are asked on first use, so pages that never show the navigation, or
    pass their own `nav_locations`, never query them.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    coordinated = getattr(user, "coordinated_locations", None)
    if coordinated is not None:
        return {"nav_locations": coordinated}
    return {
        "nav_locations": SimpleLazyObject(
            lambda: list(Location.objects.coordinated_by(user).only("pk", "name"))
        )
    }
