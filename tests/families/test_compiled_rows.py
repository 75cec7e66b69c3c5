"""The home page's lists, read from queries compiled once per process
(families.models.compiled_rows_per_user), against the ORM queries they stand
for; and queries keyed on other ids (families.models.compiled_rows)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import Agreement, Conversation, ReviewComment, ReviewSeen
from conversations.reviews import comment_add
from families.models import (
    COMPILED_PER_VALUE,
    Enrolment,
    TextKey,
    compiled_objects,
    compiled_rows,
    compiled_rows_per_user,
)
from families.views import _new_comment_rows, _open_agreement_rows
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _on(monkeypatch, day: dt.date) -> None:
    """Make `day` today, for the code under test and the ORM query alike."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def _agreement(conversation, due_in: int, **kwargs) -> Agreement:
    kwargs.setdefault("who", Agreement.Who.PARENT)
    kwargs.setdefault("what", f"Due in {due_in} days")
    return Agreement.objects.create(
        conversation=conversation, due_on=TODAY + dt.timedelta(days=due_in), **kwargs
    )


@pytest.fixture
def agreements(conversation, other_child, teacher2, coordinator):
    for due_in in (-3, 0, 2, 5):
        _agreement(conversation, due_in)
    _agreement(conversation, -10, status=Agreement.Status.DONE)
    theirs = factories.make_conversation(other_child, teacher2)
    for due_in in (-1, 4):
        _agreement(theirs, due_in)
    # A coordinator's own conversation about a child in the teacher's group.
    own = factories.make_conversation(conversation.child, coordinator)
    _agreement(own, 1)


def test_it_gives_the_orm_rows_for_each_user_on_each_day(
    monkeypatch, agreements, teacher, teacher2, coordinator, other_coordinator
):
    seen_rows = 0
    for days in (-20, -1, 0, 1, 3, 30):
        day = TODAY + dt.timedelta(days=days)
        _on(monkeypatch, day)
        for user in (teacher, teacher2, coordinator, other_coordinator, teacher):
            rows = _open_agreement_rows(user)
            assert rows == list(_open_agreement_rows.build(user, day))
            seen_rows += len(rows)
    assert seen_rows


def test_it_counts_overdue_agreements_on_the_day_it_is_asked(monkeypatch, agreements, teacher):
    def overdue_on(days: int) -> int:
        _on(monkeypatch, TODAY + dt.timedelta(days=days))
        return _open_agreement_rows(teacher)[0]["overdue_total"]

    # One compiled query, asked on day after day, as a process that runs for days.
    assert [overdue_on(days) for days in (-5, 0, 1, 3, 6, 1)] == [0, 1, 2, 4, 5, 2]


def test_the_home_page_follows_the_day_without_a_restart(
    monkeypatch, english_clients, teacher_client, agreements
):
    _on(monkeypatch, TODAY)
    assert "1 agreement is past its date." in teacher_client.get(reverse("home")).text
    _on(monkeypatch, TODAY + dt.timedelta(days=3))
    assert "4 agreements are past their date." in teacher_client.get(reverse("home")).text


def test_it_gives_the_orm_rows_of_new_comments_to_each_user(
    teacher, teacher2, coordinator, other_coordinator, conversation, other_child, location, group
):
    colleague = factories.make_staff("colleague", location, groups=(group,))
    comment_add(conversation=conversation, author=coordinator, body="Mooi gedaan.")
    comment_add(conversation=conversation, author=colleague, body="Eens.")
    theirs = factories.make_conversation(other_child, teacher2)
    comment_add(conversation=theirs, author=coordinator, body="Goed gesprek.")
    users = (teacher, teacher2, coordinator, other_coordinator, colleague)

    def matches_orm() -> list[int]:
        sizes = []
        for user in users:
            rows = _new_comment_rows(user)
            assert rows == list(_new_comment_rows.build(user))
            sizes.append(len(rows))
        return sizes

    # The colleague saw the coordinator's comment when they answered it.
    assert matches_orm() == [2, 1, 1, 0, 0]
    ReviewSeen.objects.create(user=teacher, conversation=conversation, seen_at=timezone.now())
    assert matches_orm() == [0, 1, 1, 0, 0]
    assert _new_comment_rows(teacher2)[0]["new_total"] == 1
    assert ReviewComment.objects.count() == 3


def test_it_asks_the_orm_for_an_anonymous_visitor(agreements):
    assert _open_agreement_rows(AnonymousUser()) == []


def test_it_builds_and_compiles_a_query_once(teacher, teacher2, coordinator, child, group):
    built = []

    @compiled_rows_per_user(per_day=False)
    def enrolled(user):
        built.append(user.pk)
        return Enrolment.objects.filter(group__staff_memberships__user=user).values("child_id")

    assert enrolled(teacher) == [{"child_id": child.pk}]
    assert enrolled(teacher2) == []
    assert enrolled(teacher) == [{"child_id": child.pk}]
    assert len(built) == 1
    assert built[0] not in {teacher.pk, teacher2.pk, coordinator.pk}


def test_it_replaces_the_stand_ins_only_where_they_are_parameters(teacher, conversation):
    @compiled_rows_per_user(per_day=True)
    def spelled_out(user, today):
        # The stand-ins as text: parameters that are not the stand-ins themselves.
        return (
            Agreement.objects.filter(conversation__owner=user, due_on__lt=today)
            .exclude(what=f"{user.pk} {today}")
            .values("what")
        )

    _agreement(conversation, -1, what="Late")
    assert spelled_out(teacher) == [{"what": "Late"}]


def _anyone(user, *today):
    return Agreement.objects.values("pk")


@pytest.mark.parametrize(
    ("per_day", "build", "refusal"),
    [
        (False, _anyone, "does not depend on the user"),
        (
            True,
            lambda user, today: Agreement.objects.filter(conversation__owner=user).values("pk"),
            "does not depend on the day",
        ),
        (
            False,
            lambda user: Agreement.objects.filter(
                conversation__owner=user, due_on__lt=TODAY
            ).values("pk"),
            "depends on a date",
        ),
        (
            True,
            lambda user, today: Agreement.objects.filter(
                conversation__owner=user, due_on__lt=today, created_at__gte=timezone.now()
            ).values("pk"),
            "depends on a date",
        ),
        (
            False,
            lambda user: Agreement.objects.filter(conversation__owner=user),
            "is not a values\\(\\) query",
        ),
        (
            False,
            lambda user: Agreement.objects.filter(conversation__owner=user).values_list("pk"),
            "is not a values\\(\\) query",
        ),
    ],
)
def test_it_refuses_a_query_it_cannot_compile_once(teacher, per_day, build, refusal):
    with pytest.raises(ValueError, match=refusal):
        compiled_rows_per_user(per_day=per_day)(build)(teacher)


def test_it_puts_each_id_back_where_it_belongs(teacher, teacher2, conversation, other_child):
    theirs = factories.make_conversation(other_child, teacher2)
    built = []

    @compiled_rows(keys=("owner", "child"))
    def owned(owner_id, child_id):
        built.append((owner_id, child_id))
        return Agreement.objects.filter(
            conversation__owner=owner_id, conversation__child=child_id
        ).values("what")

    _agreement(conversation, 1, what="Mine")
    _agreement(theirs, 1, what="Theirs")
    child = conversation.child
    assert owned(teacher.pk, child.pk) == [{"what": "Mine"}]
    assert owned(teacher2.pk, other_child.pk) == [{"what": "Theirs"}]
    assert owned(teacher.pk, other_child.pk) == []
    assert owned(teacher2.pk, child.pk) == []
    assert len(built) == 1
    assert len(set(built[0])) == 2


def test_it_refuses_a_query_that_does_not_depend_on_each_key(teacher, child):
    @compiled_rows(keys=("owner", "child"))
    def owned(owner_id, child_id):
        return Agreement.objects.filter(conversation__owner=owner_id).values("pk")

    with pytest.raises(ValueError, match="does not depend on the child"):
        owned(teacher.pk, child.pk)


@pytest.mark.parametrize("missing", [None, "7", True])
def test_it_takes_only_real_ids(teacher, missing):
    # The ORM would ask "IS NULL" for None; compiled, "= NULL" would quietly match nothing.
    @compiled_rows(keys=("owner", "round"))
    def owned(owner_id, round_id):
        return Conversation.objects.filter(owner=owner_id, meeting_round=round_id).values("pk")

    with pytest.raises(TypeError, match="takes ids"):
        owned(teacher.pk, missing)


@pytest.mark.parametrize("huge", [2**63, -(2**63) - 1, 10**25])
def test_it_finds_no_row_for_an_id_no_database_stores(teacher, huge):
    # As the ORM: an id from an address beyond a bigint matches nothing (SQLite
    # would refuse it as a parameter).
    @compiled_rows(keys=("owner", "child"))
    def owned(owner_id, child_id):
        return Conversation.objects.filter(owner=owner_id, child=child_id).values("pk")

    assert owned(teacher.pk, huge) == []


def test_it_gives_objects_as_the_queryset_would(teacher, conversation):
    # Related objects from select_related(), annotations set, all from one compiled query.
    _agreement(conversation, 1, what="Samen lezen")

    @compiled_objects(keys=("owner",))
    def owned(owner_id):
        return (
            Agreement.objects.filter(conversation__owner=owner_id)
            .select_related("conversation__child")
            .annotate(child_name=F("conversation__child__first_name"))
        )

    [compiled] = owned(teacher.pk)
    [expected] = owned.build(teacher.pk)
    assert (compiled.pk, compiled.what, compiled.child_name) == (
        expected.pk,
        expected.what,
        expected.child_name,
    )
    with CaptureQueriesContext(connection) as queries:
        assert compiled.conversation.child.first_name == conversation.child.first_name
    assert len(queries) == 0
    assert owned(teacher.pk + 1000) == []


# Django deprecates select_related() without names; until it is gone, refuse it.
@pytest.mark.filterwarnings("ignore:Calling select_related\\(\\) with no arguments")
def test_it_wants_the_relations_named_to_read_them_along(teacher):
    @compiled_objects(keys=("owner",))
    def owned(owner_id):
        return Agreement.objects.filter(conversation__owner=owner_id).select_related()

    with pytest.raises(ValueError, match="name the relations"):
        owned(teacher.pk)


# A key that is a text (TextKey), such as a parent link's token hash


@compiled_rows(keys=("owner", TextKey("what")))
def _owned_by_what(owner_id, what):
    return Agreement.objects.filter(conversation__owner=owner_id, what=what).values("pk")


def test_it_gives_the_orm_rows_for_each_text(teacher, teacher2, conversation):
    mine = _agreement(conversation, 1, what="Samen lezen")
    _agreement(conversation, 2, what="Samen rekenen")

    for owner, what in [
        (teacher, "Samen lezen"),
        (teacher, "Samen rekenen"),
        (teacher, "samen lezen"),
        (teacher, ""),
        (teacher2, "Samen lezen"),
        (teacher, "x' OR '1'='1"),
    ]:
        assert _owned_by_what(owner.pk, what) == list(_owned_by_what.build(owner.pk, what))
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert _owned_by_what(teacher.pk, "Samen lezen") == [{"pk": mine.pk}]
    # The text travels as a parameter, never in the SQL text.
    [(sql, params)] = sent
    assert "Samen lezen" in params
    assert "Samen lezen" not in sql


def _by_pattern(owner_id, what):
    return Agreement.objects.filter(conversation__owner=owner_id, what__startswith=what).values(
        "pk"
    )


def _as_value_and_pattern(owner_id, what):
    return (
        Agreement.objects.filter(conversation__owner=owner_id, what=what)
        .exclude(what__icontains=what)
        .values("pk")
    )


def _as_value_and_in_sql(owner_id, what):
    written = RawSQL(f"'{what}'", ())  # noqa: S611
    return (
        Agreement.objects.filter(conversation__owner=owner_id, what=what)
        .annotate(shown=written)
        .values("pk", "shown")
    )


@pytest.mark.parametrize(
    ("build", "refusal"),
    [
        # A pattern made of the text (LIKE) would keep the stand-in in it.
        (_by_pattern, "does not depend on the what"),
        (_as_value_and_pattern, "uses the what other than as a value"),
        (_as_value_and_in_sql, "uses the what other than as a value"),
    ],
)
def test_it_refuses_a_text_used_other_than_as_a_value(teacher, build, refusal):
    values = compiled_rows(keys=("owner", TextKey("what")))(build)
    with pytest.raises(ValueError, match=refusal):
        values(teacher.pk, "Samen")


@pytest.mark.parametrize("wrong", [None, 7, b"Samen", True])
def test_it_takes_only_a_text_for_a_text_key(teacher, wrong):
    with pytest.raises(TypeError, match="takes ids"):
        _owned_by_what(teacher.pk, wrong)


def test_it_takes_an_id_where_a_text_key_is_not(teacher):
    with pytest.raises(TypeError, match="takes ids"):
        _owned_by_what(str(teacher.pk), "Samen lezen")


# Values that shape a query but stand in for no id (per_value)


def test_it_compiles_once_per_value_and_gives_the_orm_rows_for_each(teacher, conversation):
    _agreement(conversation, 1, what="Samen lezen")
    built = []

    @compiled_rows(keys=("owner",), per_value=("column",))
    def read_column(owner_id, *, column):
        built.append(column)
        return Agreement.objects.filter(conversation__owner=owner_id).values(column)

    for column in ("what", "who", "what", "due_on", "who"):
        rows = read_column(teacher.pk, column=column)
        assert rows == list(Agreement.objects.filter(conversation__owner=teacher).values(column))
        assert list(rows[0]) == [column]
    assert built == ["what", "who", "due_on"]


def test_it_compiles_per_value_for_a_user_and_asks_the_orm_for_a_visitor(teacher, conversation):
    _agreement(conversation, 1, what="Samen lezen")
    _agreement(conversation, -1, what="Te laat")

    @compiled_rows_per_user(per_day=True, per_value=("late",))
    def agreements(user, today, *, late):
        mine = Agreement.objects.filter(conversation__owner=user.pk)
        return (mine.filter(due_on__lt=today) if late else mine.filter(due_on__gte=today)).values(
            "what"
        )

    assert agreements(teacher, late=True) == [{"what": "Te laat"}]
    assert agreements(teacher, late=False) == [{"what": "Samen lezen"}]
    assert agreements(AnonymousUser(), late=True) == []


def test_it_reads_along_what_each_value_names(teacher, conversation):
    _agreement(conversation, 1, what="Samen lezen")

    @compiled_objects(keys=("owner",), per_value=("related",))
    def owned(owner_id, *, related):
        return Agreement.objects.filter(conversation__owner=owner_id).select_related(*related)

    [alone] = owned(teacher.pk, related=("conversation",))
    [along] = owned(teacher.pk, related=("conversation__child",))
    with CaptureQueriesContext(connection) as queries:
        assert along.conversation.child.first_name == conversation.child.first_name
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert alone.conversation.child.first_name == conversation.child.first_name
    assert len(queries) == 1


@pytest.mark.parametrize(
    "given",
    [{}, {"column": "what", "other": 1}, {"colum": "what"}],
)
def test_it_wants_exactly_its_values(teacher, given):
    @compiled_rows(keys=("owner",), per_value=("column",))
    def read_column(owner_id, *, column):
        return Agreement.objects.filter(conversation__owner=owner_id).values(column)

    @compiled_rows_per_user(per_day=False, per_value=("column",))
    def for_user(user, *, column):
        return Agreement.objects.filter(conversation__owner=user).values(column)

    with pytest.raises(TypeError, match="takes the values column"):
        read_column(teacher.pk, **given)
    for user in (teacher, AnonymousUser()):
        with pytest.raises(TypeError, match="takes the values column"):
            for_user(user, **given)
    with pytest.raises(TypeError, match="takes the values none"):
        _owned_by_what(teacher.pk, "Samen lezen", column="what")


def test_it_wants_values_that_key_the_compiled_query(teacher):
    @compiled_objects(keys=("owner",), per_value=("related",))
    def owned(owner_id, *, related):
        return Agreement.objects.filter(conversation__owner=owner_id).select_related(*related)

    with pytest.raises(TypeError, match="takes values that can be hashed"):
        owned(teacher.pk, related=["conversation"])
    assert owned(teacher.pk, related=("conversation",)) == []


def test_it_keeps_a_bounded_number_of_values_compiled(teacher):
    built = []

    @compiled_rows(keys=("owner",), per_value=("number",))
    def numbered(owner_id, *, number):
        built.append(number)
        return Agreement.objects.filter(conversation__owner=owner_id).exclude(pk=-number).values()

    for number in range(COMPILED_PER_VALUE):
        numbered(teacher.pk, number=number)
    numbered(teacher.pk, number=0)
    assert len(built) == COMPILED_PER_VALUE
    # One more pushes out the value used longest ago, which then compiles again.
    numbered(teacher.pk, number=COMPILED_PER_VALUE)
    numbered(teacher.pk, number=1)
    assert built[-2:] == [COMPILED_PER_VALUE, 1]
