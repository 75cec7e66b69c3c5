"""Who: locations, groups, staff, families, guardians and children.

Every QuerySet that reaches a view goes through `visible_to(user)`: a
professional sees the children of the groups they work with, a coordinator
sees their whole location, and nobody sees another location.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Q
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Lower
from django.db.models.query import ValuesIterable
from django.db.models.sql import Query
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from families import school_year
from families.languages import Language

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


class LocationQuerySet(models.QuerySet["Location"]):
    def coordinated_by(self, user: AnyUser) -> LocationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.coordinated_by_id(user.pk)

    def coordinated_by_id(self, user_id: int) -> LocationQuerySet:
        return self.filter(
            memberships__user=user_id, memberships__role=StaffMembership.Role.COORDINATOR
        )


class Location(models.Model):
    """A school, daycare or kindcentrum: one address with its own staff."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    has_school = models.BooleanField(_("primary school"), default=False)
    has_daycare = models.BooleanField(_("daycare (kdv)"), default=False)
    has_after_school_care = models.BooleanField(_("after-school care (bso)"), default=False)
    has_early_education = models.BooleanField(_("early education (vve)"), default=False)

    objects = LocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(has_school=True)
                | Q(has_daycare=True)
                | Q(has_after_school_care=True)
                | Q(has_early_education=True),
                name="location_offers_something",
                violation_error_message=_("A location offers at least one kind of care or school."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("location_overview", args=[self.pk])


class GroupQuerySet(models.QuerySet["Group"]):
    def visible_to(self, user: AnyUser) -> GroupQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=visible_group_ids(user))

    def current(self) -> GroupQuerySet:
        return self.filter(school_year=school_year.current_school_year())


class Group(models.Model):
    """A group (groep, klas, stamgroep) at one location for one school year."""

    class Setting(models.TextChoices):
        SCHOOL = "school", _("school")
        DAYCARE = "daycare", _("daycare (kdv)")
        AFTER_SCHOOL = "after_school", _("after-school care (bso)")
        EARLY_EDUCATION = "early_education", _("early education (vve)")

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="groups", verbose_name=_("location")
    )
    name = models.CharField(_("name"), max_length=100)
    setting = models.CharField(_("setting"), max_length=20, choices=Setting.choices)
    school_year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("The year the school year starts in: 2026 for 2026-2027.")
    )
    min_age = models.PositiveSmallIntegerField(_("youngest age (years)"))
    max_age = models.PositiveSmallIntegerField(_("oldest age (years)"))

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["-school_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "school_year", "name"],
                name="group_unique_name_per_location_year",
                violation_error_message=_(
                    "This location already has a group with this name in this school year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_age__lte=models.F("max_age")) & Q(max_age__lte=13),
                name="group_age_range_valid",
                violation_error_message=_(
                    "The youngest age must not be above the oldest, and children are at most 13."
                ),
            ),
            models.CheckConstraint(
                condition=Q(school_year__gte=2000) & Q(school_year__lte=2100),
                name="group_school_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year_label})"

    def get_absolute_url(self) -> str:
        return reverse("group_detail", args=[self.pk])

    @property
    def school_year_label(self) -> str:
        return school_year.label(self.school_year)


class StaffMembership(models.Model):
    """A user's role at one location, and the groups a professional works with."""

    class Role(models.TextChoices):
        PROFESSIONAL = "professional", _("professional")
        COORDINATOR = "coordinator", _("coordinator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("location")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(
        _("job title"),
        max_length=100,
        blank=True,
        help_text=_("As colleagues and parents know it, e.g. teacher or intern begeleider."),
    )
    groups = models.ManyToManyField(
        Group, blank=True, related_name="staff_memberships", verbose_name=_("groups")
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "location"],
                name="membership_one_per_user_location",
                violation_error_message=_("This person already has a role at this location."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.location}"


# Stands for the user while a scope's SQL is compiled: no user has this id,
# and no other value in a scope is likely to equal it.
_ANY_USER_ID = -7_391_024_613


class UserScope(Protocol):
    """A scope made by `compiled_per_user`."""

    build: Callable[[int], models.QuerySet]

    def __call__(self, user: AnyUser) -> RawSQL: ...


def compiled_per_user(build: Callable[[int], models.QuerySet]) -> UserScope:
    """Turn `build(user_id)`, a scope written with the ORM, into a function that
    gives the scope's ids for a user as a subquery expression, to filter with
    `pk__in=` or `child__in=`. Another scope's `build` uses `scope.build(user_id)`.

    Building and compiling a scope of joins and a UNION costs a few
    milliseconds on every request, more than running it. Its SQL depends only on
    the user's id, so it is compiled once per process, for a stand-in user, and
    each call puts the user's id in its parameters. Nothing read from the
    database is kept."""

    @functools.cache
    def compiled(vendor: str) -> tuple[str, tuple[object, ...]]:
        # As Django compiles a QuerySet given to `__in`: unordered, with its
        # own table aliases.
        scope = build(_ANY_USER_ID)
        query = scope.query.resolve_expression(Query(scope.model))
        query.clear_ordering(clear_default=True)
        sql, params = query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
        if _ANY_USER_ID not in params:
            raise ValueError(f"{build.__name__} does not depend on the user")
        if any(isinstance(p, dt.date) for p in params):
            # A date would be frozen at the day the process compiled it.
            raise ValueError(f"{build.__name__} depends on a date: it cannot be compiled once")
        return sql, tuple(params)

    @functools.wraps(build)
    def scoped(user: AnyUser) -> RawSQL:
        sql, params = compiled(connections[DEFAULT_DB_ALIAS].vendor)
        user_id = user.pk
        # The SQL comes from the ORM; values travel as parameters.
        return RawSQL(sql, tuple(user_id if p == _ANY_USER_ID else p for p in params))  # noqa: S611

    scoped.build = build  # type: ignore[attr-defined]
    return scoped  # type: ignore[return-value]


# Stands for today while a query of rows is compiled: no request is served on
# this day, and no date a page shows is this old.
_ANY_DAY = dt.date(1, 2, 3)


class Rows(Protocol):
    """Rows made by `compiled_rows`."""

    build: Callable[..., models.QuerySet]

    def __call__(self, *ids: int | str, **values: Any) -> list[dict[str, Any]]: ...


class UserRows(Protocol):
    """Rows made by `compiled_rows_per_user`."""

    build: Callable[..., models.QuerySet]

    def __call__(self, user: AnyUser, **values: Any) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class _CompiledRows:
    sql: str
    params: tuple[object, ...]
    # The row's keys, and the expressions its values are read with.
    names: tuple[str, ...]
    columns: tuple[Expression, ...]
    # The stand-in day as this database is sent it, when there is one.
    day: object


# Stand for the ids a query of rows is keyed on while it is compiled, one for
# each key, so that each is put back where it belongs: no row has these ids,
# and no other value in a query is likely to equal them.
# The ids a database stores as an integer (a bigint; SQLite's too).
_SMALLEST_ID, _LARGEST_ID = -(2**63), 2**63 - 1
_ANY_IDS = (_ANY_USER_ID, -7_391_024_627, -7_391_024_639, -7_391_024_651)
# The same for a key that is a text: no stored text is likely to equal these.
_ANY_TEXTS = tuple(f"<any text {n}: 7391024613>" for n in range(len(_ANY_IDS)))


class TextKey(str):
    """A key of `compiled_rows` that is a text (a token's hash), where the
    others are integer ids: `keys=("round", TextKey("token hash"))`."""

    __slots__ = ()


def _stand_ins(keys: tuple[str, ...]) -> tuple[int | str, ...]:
    """What stands for each key while a query is compiled."""
    return tuple(
        _ANY_TEXTS[n] if isinstance(key, TextKey) else _ANY_IDS[n] for n, key in enumerate(keys)
    )


# How many sets of `per_value` values a compiled query keeps compiled: the
# values come from a small set (school years, kinds of conversation), and this
# bounds the memory should a caller pass more.
COMPILED_PER_VALUE = 64


def _per_value(
    build: Callable[..., models.QuerySet], per_value: tuple[str, ...], given: dict[str, object]
) -> tuple[object, ...]:
    """The `per_value` arguments of a call, in their order: all of them, no other."""
    if given.keys() != set(per_value):
        named = ", ".join(per_value) or "none"
        raise TypeError(f"{build.__name__} takes the values {named}, not {sorted(given)}")
    values = tuple(given[name] for name in per_value)
    try:
        hash(values)
    except TypeError:
        # They key the compiled query: a list would be a tuple.
        raise TypeError(f"{build.__name__} takes values that can be hashed") from None
    return values


def compiled_rows(
    *, keys: tuple[str, ...], per_day: bool = False, per_value: tuple[str, ...] = ()
) -> Callable[[Callable[..., models.QuerySet]], Rows]:
    """Turn `build(*ids)`, or `build(*ids, today)` when `per_day`, a `values()`
    query written with the ORM (its columns, ordering and slice) that depends on
    the integer ids named by `keys`, into a function that gives the query's rows
    for those ids, today, as the ORM gives them: a list of dicts. A key named
    as a `TextKey` is a text compared as a whole (`field=value`), not an id.

    Building and compiling such a query can cost more than running it, so it
    is compiled once per process (and database vendor) for a stand-in id per
    key and a stand-in day, and each call puts the ids and
    `timezone.localdate()` in its parameters, where the stand-ins are. Nothing
    read from the database is kept.

    `per_value` names keyword arguments that shape the query but cannot stand
    in for an id: a school year (a stand-in id would fall outside its column's
    range, where the ORM leaves the comparison out), a kind of conversation,
    the relations to read along. The query is compiled once per set of their
    values, which must be hashable and come from a small set: `build(*ids,
    school_year=...)` is called as `rows(*ids, school_year=...)`."""
    if not 0 < len(keys) <= len(_ANY_IDS):
        raise ValueError(f"compiled_rows takes 1 to {len(_ANY_IDS)} keys")
    stand_ins = _stand_ins(keys)

    def decorate(build: Callable[..., models.QuerySet]) -> Rows:
        @functools.lru_cache(maxsize=COMPILED_PER_VALUE)
        def compiled(vendor: str, values: tuple[object, ...]) -> _CompiledRows:
            connection = connections[DEFAULT_DB_ALIAS]
            given = dict(zip(per_value, values, strict=True))
            day = (_ANY_DAY,) if per_day else ()
            queryset = build(*stand_ins, *day, **given)
            if queryset._iterable_class is not ValuesIterable:
                raise ValueError(f"{build.__name__} is not a values() query")
            query = queryset.query
            compiler = query.get_compiler(DEFAULT_DB_ALIAS)
            sql, params = compiler.as_sql()
            for key, stand_in in zip(keys, stand_ins, strict=True):
                if stand_in not in params:
                    raise ValueError(f"{build.__name__} does not depend on the {key}")
                if str(stand_in) in sql or (
                    isinstance(key, TextKey)
                    and any(isinstance(p, str) and p != stand_in and stand_in in p for p in params)
                ):
                    # Only a parameter that is the value itself is put back:
                    # not one in the SQL text, nor a pattern made of it (LIKE).
                    raise ValueError(f"{build.__name__} uses the {key} other than as a value")
            day = connection.ops.adapt_datefield_value(_ANY_DAY) if per_day else None
            if per_day and day not in params:
                raise ValueError(f"{build.__name__} does not depend on the day")
            if any(isinstance(p, dt.date) and p != day for p in params):
                # Any other date would be frozen at the day the process compiled it.
                raise ValueError(f"{build.__name__} depends on a date: it cannot be compiled once")
            # As ValuesIterable names a row's values.
            names = query.selected or [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
            columns = tuple(column for column, _, _ in compiler.select[: compiler.col_count])
            return _CompiledRows(sql, tuple(params), tuple(names), columns, day)

        @functools.wraps(build)
        def read(*ids: int | str, **given: object) -> list[dict[str, Any]]:
            values = _per_value(build, per_value, given)
            if any(
                type(each) is not type(stand_in)
                for each, stand_in in zip(ids, stand_ins, strict=True)
            ):
                # None would be compared with "= NULL" and match nothing, where
                # the ORM asks "IS NULL": a compiled query only takes real ids.
                raise TypeError(f"{build.__name__} takes ids, not {ids!r}")
            if any(type(each) is int and not _SMALLEST_ID <= each <= _LARGEST_ID for each in ids):
                # An id from an address beyond what the database stores as an
                # integer: the ORM finds no row for it, and so does this.
                return []
            connection = connections[DEFAULT_DB_ALIAS]
            query = compiled(connection.vendor, values)
            replaced = list(zip(stand_ins, ids, strict=True))
            if per_day:
                today = connection.ops.adapt_datefield_value(timezone.localdate())
                replaced.append((query.day, today))
            params = [
                next((value for stand_in, value in replaced if p == stand_in), p)
                for p in query.params
            ]
            with connection.cursor() as cursor:
                cursor.execute(query.sql, params)
                fetched = cursor.fetchall()
            # As the ORM converts what the database gives, with this connection.
            converters = [
                (pos, convs, column)
                for pos, column in enumerate(query.columns)
                if (
                    convs := connection.ops.get_db_converters(column)
                    + column.get_db_converters(connection)
                )
            ]
            rows = []
            for values in map(list, fetched):
                for pos, convs, column in converters:
                    for converter in convs:
                        values[pos] = converter(values[pos], column, connection)
                rows.append({name: values[i] for i, name in enumerate(query.names)})
            return rows

        read.build = build  # type: ignore[attr-defined]
        return read  # type: ignore[return-value]

    return decorate


def compiled_rows_per_user(
    *, per_day: bool, per_value: tuple[str, ...] = ()
) -> Callable[[Callable[..., models.QuerySet]], UserRows]:
    """`compiled_rows` for a query keyed on the signed-in user: `build(user)`,
    or `build(user, today)` when `per_day`, may use nothing of the user but the
    id (it is compiled for a stand-in user who has only an id). For anyone not
    signed in, the query is built and run as the ORM would."""

    def decorate(build: Callable[..., models.QuerySet]) -> UserRows:
        @compiled_rows(keys=("user",), per_day=per_day, per_value=per_value)
        @functools.wraps(build)
        def rows(user_id: int, *today: dt.date, **given: object) -> models.QuerySet:
            return build(get_user_model()(pk=user_id), *today, **given)

        @functools.wraps(build)
        def read(user: AnyUser, **given: object) -> list[dict[str, Any]]:
            if not user.is_authenticated:
                # The compiled query stands for a signed-in user.
                _per_value(build, per_value, given)
                day = (timezone.localdate(),) if per_day else ()
                return list(build(user, *day, **given))
            return rows(user.pk, **given)

        read.build = build  # type: ignore[attr-defined]
        return read  # type: ignore[return-value]

    return decorate


def _read_along(
    model: type[models.Model], related: tuple[str, ...]
) -> dict[str, type[models.Model]]:
    """The objects a query reads with select_related(*related), by the prefix
    of their columns in a values() query, each after the one it belongs to.
    With `_read_along_columns` and `_from_row`, `compiled_objects` gives model
    objects as select_related() would."""
    read = {"": model}
    for path in related:
        prefix, each = "", model
        for name in path.split("__"):
            each = each._meta.get_field(name).related_model
            prefix += f"{name}__"
            read[prefix] = each
    return read


def _read_along_columns(objects: dict[str, type[models.Model]]) -> list[str]:
    """The values() columns for `objects`, as `_read_along` gives them."""
    return [
        prefix + field.attname
        for prefix, model in objects.items()
        for field in model._meta.concrete_fields
    ]


def _from_row(row: dict[str, Any], objects: dict[str, type[models.Model]]) -> models.Model:
    """An object and those read along with it, as select_related() gives
    them, from a row of a values() query of `_read_along_columns(objects)`."""
    read: dict[str, models.Model | None] = {}
    for prefix, model in objects.items():
        names = [field.attname for field in model._meta.concrete_fields]
        instance = None
        if row[prefix + model._meta.pk.attname] is not None:
            instance = model.from_db(DEFAULT_DB_ALIAS, names, [row[prefix + n] for n in names])
        read[prefix] = instance
        if prefix:
            *path, name = prefix.removesuffix("__").split("__")
            belongs_to = read["".join(f"{each}__" for each in path)]
            if belongs_to is not None:
                setattr(belongs_to, name, instance)
    return read[""]  # type: ignore[return-value]


class Objects(Protocol):
    """Objects made by `compiled_objects`; `rows` is the compiled query."""

    build: Callable[..., models.QuerySet]
    rows: Rows

    def __call__(self, *ids: int | str, **values: Any) -> list[models.Model]: ...


def _selected_related(queryset: models.QuerySet) -> tuple[str, ...]:
    """The relations `queryset.select_related(...)` names, each path once."""
    chosen = queryset.query.select_related
    if chosen is True:
        raise ValueError("name the relations to read along: select_related() without names")
    paths: list[str] = []

    def walk(tree: dict[str, dict], prefix: str) -> None:
        for name, below in tree.items():
            paths.append(prefix + name)
            walk(below, f"{prefix}{name}__")

    walk(chosen or {}, "")
    return tuple(paths)


def compiled_objects(
    *, keys: tuple[str, ...], per_day: bool = False, per_value: tuple[str, ...] = ()
) -> Callable[[Callable[..., models.QuerySet]], Objects]:
    """`compiled_rows` for a query of model objects: `build(*ids)` (or
    `build(*ids, today)`) is the queryset as the code would run it, and the
    function gives what it would give: the objects, those it reads along with
    `select_related(...)` set on them, and each of its annotations set."""

    def decorate(build: Callable[..., models.QuerySet]) -> Objects:
        def shape(queryset: models.QuerySet) -> tuple[dict, tuple[str, ...]]:
            objects = _read_along(queryset.model, _selected_related(queryset))
            return objects, tuple(queryset.query.annotation_select)

        @compiled_rows(keys=keys, per_day=per_day, per_value=per_value)
        @functools.wraps(build)
        def rows(*args: object, **given: object) -> models.QuerySet:
            queryset = build(*args, **given)
            objects, annotations = shape(queryset)
            return queryset.values(*_read_along_columns(objects), *annotations)

        @functools.lru_cache(maxsize=COMPILED_PER_VALUE)
        def known_shape(values: tuple[object, ...]) -> tuple[dict, tuple[str, ...]]:
            day = (_ANY_DAY,) if per_day else ()
            given = dict(zip(per_value, values, strict=True))
            return shape(build(*_stand_ins(keys), *day, **given))

        @functools.wraps(build)
        def read(*ids: int | str, **given: object) -> list[models.Model]:
            found = rows(*ids, **given)
            if not found:
                return []
            objects, annotations = known_shape(tuple(given[name] for name in per_value))
            made = []
            for row in found:
                each = _from_row(row, objects)
                for name in annotations:
                    setattr(each, name, row[name])
                made.append(each)
            return made

        read.build = build  # type: ignore[attr-defined]
        read.rows = rows  # type: ignore[attr-defined]
        return read  # type: ignore[return-value]

    return decorate


def coordinated_locations(user: AnyUser) -> LocationQuerySet:
    """Locations where the user is a coordinator (a lazy subquery)."""
    return Location.objects.coordinated_by(user)


def taught_by(user: AnyUser, group_prefix: str = "group__") -> Q:
    """Rows whose group the user works with, through a membership at that group's
    own location (a membership elsewhere never opens a group)."""
    return Q(
        **{
            f"{group_prefix}staff_memberships__user": user,
            f"{group_prefix}staff_memberships__location": models.F(f"{group_prefix}location"),
        }
    )


class FamilyQuerySet(models.QuerySet["Family"]):
    def visible_to(self, user: AnyUser) -> FamilyQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=visible_family_ids(user))


class Family(models.Model):
    """A household as the location knows it. Separated parents share one family
    record for their children but each has their own guardian record."""

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="families", verbose_name=_("location")
    )
    name = models.CharField(
        _("family name"), max_length=200, help_text=_("How staff refer to the family.")
    )
    home_language = models.CharField(
        _("home language"), max_length=8, choices=Language.choices, default=Language.DUTCH
    )
    interpreter_wanted = models.BooleanField(_("interpreter wanted"), default=False)
    contact_notes = models.TextField(
        _("contact notes"),
        blank=True,
        help_text=_("Practical notes for contact, e.g. best time to call. No judgements."),
    )

    objects = FamilyQuerySet.as_manager()

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        ordering = ["name", "pk"]
        indexes = [models.Index(Lower("name"), "location", name="family_name_location_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("family_detail", args=[self.pk])


class Guardian(models.Model):
    """A parent or carer, with their own contact details and language."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        PARENT = "parent", _("parent")
        FOSTER_PARENT = "foster_parent", _("foster parent")
        GUARDIAN = "guardian", _("legal guardian")
        CARER = "carer", _("carer")
        OTHER = "other", _("other")

    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("family")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    relation = models.CharField(_("relation to the child"), max_length=20, choices=Relation.choices)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.DUTCH
    )
    has_parental_authority = models.BooleanField(_("has parental authority (gezag)"), default=True)
    lives_with_children = models.BooleanField(
        _("children live with this guardian"),
        default=True,
        help_text=_("Untick for a parent who lives elsewhere, e.g. after a separation."),
    )

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["family", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "family",
                condition=~Q(email=""),
                name="guardian_unique_email_per_family",
                violation_error_message=_("This family already has a guardian with this email."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ChildQuerySet(models.QuerySet["Child"]):
    def visible_to(self, user: AnyUser) -> ChildQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=visible_child_ids(user))

    def search(self, text: str) -> ChildQuerySet:
        """Match every word against the child's or the family's name."""
        result = self
        for word in text.split():
            result = result.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(family__name__icontains=word)
            )
        return result


class Child(models.Model):
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="children", verbose_name=_("family")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    left_on = models.DateField(
        _("left on"), null=True, blank=True, help_text=_("The day the child left the location.")
    )
    groups = models.ManyToManyField(
        Group, through="Enrolment", related_name="children", verbose_name=_("groups")
    )

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["first_name", "last_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=dt.date(2000, 1, 1)),
                name="child_born_this_century",
                violation_error_message=_("This date of birth is too long ago for a child here."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("child_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: dt.date) -> int:
        had_birthday = (day.month, day.day) >= (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - (0 if had_birthday else 1)


@compiled_per_user
def visible_child_ids(user_id: int) -> models.QuerySet:
    """The ids of the children a logged-in user may see: at a location they
    coordinate, or in a group they work with. One UNION of two queries that
    each start from the user's memberships, so a filter on these ids reads the
    user's few children through indexes instead of testing every child."""
    at_locations = Child.objects.filter(
        family__location__in=Location.objects.coordinated_by_id(user_id)
    )
    return at_locations.values("pk").union(taught_child_ids.build(user_id))


@compiled_per_user
def taught_child_ids(user_id: int) -> models.QuerySet:
    """The ids of the children in the groups a user works with, this year or
    before."""
    return Enrolment.objects.filter(taught_by(user_id)).values("child_id")


@compiled_per_user
def visible_family_ids(user_id: int) -> models.QuerySet:
    """The ids of the families a logged-in user may see, as `visible_child_ids`."""
    at_locations = Family.objects.filter(location__in=Location.objects.coordinated_by_id(user_id))
    taught = Enrolment.objects.filter(taught_by(user_id)).values("child__family_id")
    return at_locations.values("pk").union(taught)


@compiled_per_user
def visible_group_ids(user_id: int) -> models.QuerySet:
    """The ids of the groups a logged-in user may see: every group at a location
    they coordinate, and the groups they work with."""
    assigned = Group.objects.filter(taught_by(user_id, group_prefix=""))
    return Group.objects.filter(
        Q(location__in=Location.objects.coordinated_by_id(user_id)) | Q(pk__in=assigned)
    ).values("pk")


class Enrolment(models.Model):
    """A child in a group for a school year. Rows are kept when the child moves
    on, so last year's group and its conversations stay reachable."""

    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("child")
    )
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("group")
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "group"],
                name="enrolment_once_per_group",
                violation_error_message=_("This child is already in this group."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} – {self.group}"


class AppendOnlyError(Exception):
    """The audit trail is never changed or deleted through the app."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def bulk_update(self, *args: object, **kwargs: object) -> int:
        raise AppendOnlyError("Audit entries cannot be changed.")


class AuditEntry(models.Model):
    """Who read which record, when, and from which page: one row per read or
    export (families.audit writes them) and per erasure of a family's data
    (families.privacy), never changed or deleted.

    The record is named by its kind and id, not by a foreign key: the trail
    outlives the records it speaks of (retention deletes those), and a
    deleted record must not take its reads with it."""

    class Action(models.TextChoices):
        VIEW = "view", _("read")
        EXPORT = "export", _("exported")
        ERASE = "erase", _("erased")

    class Record(models.TextChoices):
        CONVERSATION = "conversation", _("conversation record")
        PARENT_ANSWERS = "parent_answers", _("parents' answers")
        AGREEMENT = "agreement", _("agreement")
        CHILD = "child", _("child")
        FAMILY = "family", _("family")
        LOCATION = "location", _("location")

    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    record = models.CharField(_("record"), max_length=20, choices=Record.choices)
    object_id = models.PositiveBigIntegerField(_("record id"))
    # The page (URL name and path) that showed the record, and the path of the
    # page the reader came from on this site. Paths only: never a query string.
    url_name = models.CharField(_("page"), max_length=60)
    path = models.CharField(_("address"), max_length=300)
    referrer = models.CharField(_("came from"), max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["record", "object_id", "-at"], name="audit_record_idx"),
            models.Index(fields=["-at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.record} {self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")
