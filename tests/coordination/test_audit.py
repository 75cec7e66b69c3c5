"""The audit trail: every read of a record is logged, outsiders' 404s are not,
nothing sensitive lands in it, and it cannot be changed or deleted."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from conversations.models import Agreement
from conversations.views.coordination import PAGE_LABELS
from families.audit import LOGGED_PAGES, PARENT_ANSWERS_STEP
from families.models import AppendOnlyError, AuditEntry
from tests.test_authorization_matrix import URLS

pytestmark = pytest.mark.usefixtures("english_clients")
Record = AuditEntry.Record


@pytest.fixture
def agreement(conversation):
    return Agreement.objects.create(
        conversation=conversation, who=Agreement.Who.PARENT, what="Lezen", due_on="2030-01-01"
    )


def _only_entry() -> AuditEntry:
    [entry] = AuditEntry.objects.all()
    return entry


@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("conversation_detail", Record.CONVERSATION),
        ("conversation_review", Record.CONVERSATION),
        ("meeting_mode", Record.CONVERSATION),
        ("agreement_list", Record.CONVERSATION),
        ("summary_edit", Record.CONVERSATION),
        ("summary_print", Record.CONVERSATION),
        ("reflection_edit", Record.CONVERSATION),
        ("preparation_print", Record.PARENT_ANSWERS),
    ],
)
def test_it_logs_each_read_of_a_conversation_record(
    coordinator_client, coordinator, conversation, name, record
):
    url = reverse(name, args=[conversation.pk])
    assert coordinator_client.get(url).status_code == 200

    entry = _only_entry()
    assert (entry.user, entry.action, entry.record, entry.object_id) == (
        coordinator,
        AuditEntry.Action.VIEW,
        record,
        conversation.pk,
    )
    assert (entry.url_name, entry.path) == (name, url)


def test_it_logs_a_preparation_step_as_the_record_and_the_parents_step_as_their_answers(
    teacher_client, conversation
):
    teacher_client.get(reverse("preparation_step", args=[conversation.pk, "wat-gaat-goed"]))
    teacher_client.get(reverse("preparation_step", args=[conversation.pk, PARENT_ANSWERS_STEP]))

    records = list(AuditEntry.objects.order_by("pk").values_list("record", "object_id"))
    assert records == [
        (Record.CONVERSATION, conversation.pk),
        (Record.PARENT_ANSWERS, conversation.pk),
    ]


def test_it_logs_reads_of_a_child_a_family_and_an_agreement(
    teacher_client, teacher, child, family, agreement
):
    teacher_client.get(reverse("child_detail", args=[child.pk]))
    teacher_client.get(reverse("family_detail", args=[family.pk]))
    teacher_client.get(reverse("agreement_update", args=[agreement.pk]))

    assert list(AuditEntry.objects.order_by("pk").values_list("user", "record", "object_id")) == [
        (teacher.pk, Record.CHILD, child.pk),
        (teacher.pk, Record.FAMILY, family.pk),
        (teacher.pk, Record.AGREEMENT, agreement.pk),
    ]


def test_it_logs_an_htmx_read_of_a_step_too(teacher_client, conversation):
    url = reverse("preparation_step", args=[conversation.pk, "wat-gaat-goed"])
    assert teacher_client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert _only_entry().record == Record.CONVERSATION


def test_it_logs_exports_as_exports(coordinator_client, location):
    coordinator_client.get(reverse("coordination_coverage_csv", args=[location.pk]))
    coordinator_client.get(reverse("coordination_agreements_csv", args=[location.pk]))

    entries = AuditEntry.objects.order_by("pk")
    assert [(e.action, e.record, e.object_id) for e in entries] == [
        (AuditEntry.Action.EXPORT, Record.LOCATION, location.pk),
        (AuditEntry.Action.EXPORT, Record.LOCATION, location.pk),
    ]
    assert [e.url_name for e in entries] == [
        "coordination_coverage_csv",
        "coordination_agreements_csv",
    ]


def test_it_logs_nothing_for_outsiders_and_anonymous_visitors(
    teacher2_client, other_coordinator_client, client, conversation, child, family, location
):
    urls = [
        reverse("conversation_detail", args=[conversation.pk]),
        reverse("conversation_review", args=[conversation.pk]),
        reverse("preparation_step", args=[conversation.pk, PARENT_ANSWERS_STEP]),
        reverse("child_detail", args=[child.pk]),
        reverse("family_detail", args=[family.pk]),
        reverse("coordination_coverage_csv", args=[location.pk]),
    ]
    for each in (teacher2_client, other_coordinator_client, client):
        for url in urls:
            assert each.get(url).status_code in (302, 404), url

    assert not AuditEntry.objects.exists()


def test_it_logs_no_writes_and_no_pages_without_records(teacher_client, conversation, group):
    teacher_client.post(reverse("review_comment_add", args=[conversation.pk]), {"body": "Hoi"})
    teacher_client.get(reverse("home"))
    teacher_client.get(reverse("group_detail", args=[group.pk]))
    assert not AuditEntry.objects.exists()


def test_it_keeps_the_referrers_path_on_this_site_only(coordinator_client, conversation):
    url = reverse("conversation_detail", args=[conversation.pk])
    coordinator_client.get(url, headers={"Referer": "http://testserver/locaties/1/?q=Emre#top"})
    coordinator_client.get(url, headers={"Referer": "https://elders.example/zoek?q=Emre"})
    coordinator_client.get(url, headers={"Referer": "http://testserver/ouder/geheim-token/vragen/"})
    coordinator_client.get(url)

    referrers = list(AuditEntry.objects.order_by("pk").values_list("referrer", flat=True))
    assert referrers == ["/locaties/1/", "", "/ouder/[token]/vragen/", ""]


def test_it_never_stores_the_query_string_of_the_page(coordinator_client, location):
    url = reverse("coordination_coverage_csv", args=[location.pk])
    coordinator_client.get(url, {"year": "2026", "kind": ""})
    assert _only_entry().path == url


def test_it_logs_the_reflections_page_once_not_each_suggestion(teacher_client, conversation):
    url = reverse("reflection_edit", args=[conversation.pk])
    teacher_client.get(url)
    teacher_client.get(url, {"parent_relatedness": "2"}, headers={"HX-Request": "true"})
    assert AuditEntry.objects.count() == 1


def test_every_logged_page_exists_and_has_a_label():
    names = {name for name, _kwargs in URLS.items()}
    for name, page in LOGGED_PAGES.items():
        assert name in names, f"{name} is logged but is not a URL name"
        assert page.kwarg in URLS[name], f"{name} has no URL kwarg {page.kwarg}"
        assert name in PAGE_LABELS, name


# Append-only


def test_it_refuses_to_change_or_delete_an_entry(coordinator_client, conversation):
    coordinator_client.get(reverse("conversation_detail", args=[conversation.pk]))
    entry = _only_entry()

    entry.path = "/iets-anders/"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(path="/iets-anders/")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().path == reverse("conversation_detail", args=[conversation.pk])


def test_it_offers_no_add_change_or_delete_in_the_admin(rf: RequestFactory, coordinator):
    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/beheer/")
    request.user = coordinator
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_it_makes_the_table_append_only_in_postgresql(coordinator_client, conversation):
    coordinator_client.get(reverse("conversation_detail", args=[conversation.pk]))
    call_command("audit_append_only", stdout=open("/dev/null", "w"))  # noqa: SIM115

    for statement in (
        "UPDATE families_auditentry SET path = 'x'",
        "DELETE FROM families_auditentry",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.count() == 1
    # New reads are still logged.
    coordinator_client.get(reverse("conversation_detail", args=[conversation.pk]))
    assert AuditEntry.objects.count() == 2


def test_it_prints_the_sql_for_a_database_administrator(capsys):
    call_command("audit_append_only", "--sql", "--role", "app_role")
    printed = capsys.readouterr().out
    assert "BEFORE UPDATE OR DELETE ON families_auditentry" in printed
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON families_auditentry FROM app_role;" in printed


# The trail of a child


def test_it_shows_a_coordinator_who_read_what_about_a_child(
    teacher_client, coordinator_client, teacher, child, conversation, other_child
):
    detail = reverse("conversation_detail", args=[conversation.pk])
    teacher_client.get(detail, headers={"Referer": f"http://testserver{child.get_absolute_url()}"})
    teacher_client.get(reverse("preparation_step", args=[conversation.pk, PARENT_ANSWERS_STEP]))
    coordinator_client.get(reverse("child_detail", args=[other_child.pk]))  # someone else

    response = coordinator_client.get(reverse("child_audit_log", args=[child.pk]))

    entries = list(response.context["page"].object_list)
    assert [(e.user, e.url_name) for e in entries] == [
        (teacher, "preparation_step"),
        (teacher, "conversation_detail"),
    ]
    assert "parents' answers" in response.text
    assert "Conversation page" in response.text
    assert "Child page" in response.text  # where the teacher came from
    # Reading the trail is not itself a read of the child's record.
    assert AuditEntry.objects.count() == 3


def test_it_paginates_the_trail_of_a_child(coordinator_client, teacher, child):
    AuditEntry.objects.bulk_create(
        AuditEntry(
            user=teacher,
            action=AuditEntry.Action.VIEW,
            record=Record.CHILD,
            object_id=child.pk,
            url_name="child_detail",
            path=child.get_absolute_url(),
        )
        for _ in range(60)
    )
    url = reverse("child_audit_log", args=[child.pk])
    assert len(coordinator_client.get(url).context["page"].object_list) == 50
    assert len(coordinator_client.get(url, {"page": 2}).context["page"].object_list) == 10


def test_it_keeps_the_trail_when_the_record_is_deleted(teacher_client, conversation):
    teacher_client.get(reverse("conversation_detail", args=[conversation.pk]))
    conversation.delete()
    assert _only_entry().record == Record.CONVERSATION
