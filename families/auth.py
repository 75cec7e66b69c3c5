from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from families.models import Location, StaffMembership

UserModel = get_user_model()

# The user of a signed-in request with the locations they coordinate, for the
# menu (families.context_processors): one row per location, or one row with
# no location. Every staff page needs both; asked through the ORM as two
# queries they cost three times as long in Python as this one.
SIGNED_IN_USER_SQL = f"""
    SELECT signed_in.*,
        location.id AS nav_location_id,
        location.name AS nav_location_name
    FROM {UserModel._meta.db_table} AS signed_in
    LEFT JOIN {StaffMembership._meta.db_table} AS membership
        ON membership.user_id = signed_in.{UserModel._meta.pk.column} AND membership.role = %s
    LEFT JOIN {Location._meta.db_table} AS location ON location.id = membership.location_id
    WHERE signed_in.{UserModel._meta.pk.column} = %s
    ORDER BY location.name
"""  # noqa: S608 (names from the models; the values are parameters)


class EmailOrUsernameBackend(ModelBackend):
    """Staff sign in with their username or their email address."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username and "@" in username:
            matches = list(UserModel._default_manager.filter(email__iexact=username)[:2])
            # An address shared by two accounts identifies nobody.
            if len(matches) == 1:
                username = matches[0].get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user, as ModelBackend gives it, with the locations they
        coordinate (by name, only id and name loaded) as `coordinated_locations`.
        """
        try:
            pk = UserModel._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        coordinator = StaffMembership.Role.COORDINATOR
        rows = list(UserModel._default_manager.raw(SIGNED_IN_USER_SQL, [coordinator, pk]))
        if not rows or not self.user_can_authenticate(rows[0]):
            return None
        user = rows[0]
        user.coordinated_locations = [
            Location.from_db(
                user._state.db, ["id", "name"], [row.nav_location_id, row.nav_location_name]
            )
            for row in rows
            if row.nav_location_id is not None
        ]
        return user
