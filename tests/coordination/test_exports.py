"""The CSV exports open well in (Dutch) Excel and cannot smuggle in formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.exports import cell
from conversations.models import Agreement
from families.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.usefixtures("english_clients")


def _rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=";"))


def test_it_writes_excel_friendly_csv(coordinator_client, location, held):
    response = coordinator_client.get(reverse("coordination_coverage_csv", args=[location.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="bereik-')
    assert response["Content-Disposition"].endswith('.csv"')
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    header = raw[3:].split(b"\r\n")[0].decode()
    assert header.count(";") == 7
    assert header.split(";")[:4] == ["Group", "Child", "Family", "Reached"]


def test_it_exports_who_has_been_reached_per_group(
    coordinator_client, location, group, held, other_child
):
    factories.make_child(factories.make_family(location, name="Familie Jansen"), group)

    rows = _rows(coordinator_client.get(reverse("coordination_coverage_csv", args=[location.pk])))

    by_family = {row[2]: row for row in rows[1:]}
    emre = by_family["Familie Yilmaz"]
    assert emre[0] == "Groep 3"
    assert emre[3] == "held"
    assert emre[4] == held.date.strftime("%d-%m-%Y")  # dd-mm-jjjj, as Dutch Excel reads dates
    assert emre[6] == f"{held.date:%d-%m-%Y} (held)"
    assert by_family["Familie Jansen"][3] == "not yet"
    assert by_family["Familie De Vries"][0] == "Groep 5"
    assert by_family["Familie Jansen"][7] == ""  # no positive contact yet


def test_it_guards_against_formulas_in_cells(coordinator_client, location, group, held):
    for name in ('=HYPERLINK("http://x")', "+31 6 1234", "-1", "@SUM(A1)"):
        factories.make_child(factories.make_family(location, name=name), group)
    Agreement.objects.create(
        conversation=held,
        who=Agreement.Who.PARENT,
        what="=1+1",
        due_on=timezone.localdate(),
    )

    coverage = _rows(
        coordinator_client.get(reverse("coordination_coverage_csv", args=[location.pk]))
    )
    families = {row[2] for row in coverage[1:]}
    assert {'\'=HYPERLINK("http://x")', "'+31 6 1234", "'-1", "'@SUM(A1)"} <= families
    agreements = _rows(
        coordinator_client.get(
            reverse("coordination_agreements_csv", args=[location.pk]), {"kind": ""}
        )
    )
    assert "'=1+1" in {row[6] for row in agreements[1:]}


def test_it_exports_the_agreements_of_the_location(coordinator_client, location, held):
    rows = _rows(coordinator_client.get(reverse("coordination_agreements_csv", args=[location.pk])))

    assert rows[0][:3] == ["Child", "Family", "Conversation"]
    [agreement] = rows[1:]
    assert agreement[0] == "Emre Yilmaz"
    assert agreement[6] == "Samen lezen voor het slapengaan"
    assert agreement[7] == (timezone.localdate() - dt.timedelta(days=2)).strftime("%d-%m-%Y")
    assert agreement[9] == "yes"  # past its date


def test_it_follows_the_filters(coordinator_client, location, other_group, held, other_child):
    url = reverse("coordination_coverage_csv", args=[location.pk])
    rows = _rows(coordinator_client.get(url, {"group": other_group.pk}))
    assert [row[1] for row in rows[1:]] == ["Noor de Vries"]


def test_it_logs_every_export(coordinator_client, coordinator, location):
    coordinator_client.get(reverse("coordination_agreements_csv", args=[location.pk]))
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.object_id) == (
        coordinator,
        AuditEntry.Action.EXPORT,
        location.pk,
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("Gewoon", "Gewoon"),
        (None, ""),
        (dt.date(2027, 3, 5), "05-03-2027"),
    ],
)
def test_it_makes_each_cell_safe(value, written):
    assert cell(value) == written
