from __future__ import annotations

import codecs
import datetime as dt
import html
import io
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from families.models import Child, Enrolment, Family, Guardian
from families.roster import MAX_ROWS, roster_import
from families.school_year import current_school_year
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = [
    "groep",
    "voornaam kind",
    "achternaam kind",
    "geboortedatum",
    "ouder 1 voornaam",
    "ouder 1 achternaam",
    "ouder 1 relatie",
    "ouder 1 email",
    "ouder 1 telefoon",
    "ouder 1 taal",
    "ouder 2 voornaam",
    "ouder 2 achternaam",
    "ouder 2 relatie",
    "ouder 2 email",
    "ouder 2 telefoon",
    "ouder 2 woont bij kind",
    "thuistaal",
    "tolk gewenst",
]

# Two sisters sharing their mother's email, and a boy whose separated parents
# each have their own contact details.
SISTER_1 = {
    "groep": "Groep 3",
    "voornaam kind": "Hanna",
    "achternaam kind": "Haile",
    "geboortedatum": "04-03-2020",
    "ouder 1 voornaam": "Saba",
    "ouder 1 achternaam": "Haile",
    "ouder 1 relatie": "moeder",
    "ouder 1 email": "saba.haile@example.org",
    "ouder 1 telefoon": "06-11122233",
    "ouder 1 taal": "Tigrinya",
    "thuistaal": "Tigrinya",
    "tolk gewenst": "ja",
}
SISTER_2 = {**SISTER_1, "groep": "Groep 5", "voornaam kind": "Lidya", "geboortedatum": "1-9-2017"}
SEPARATED = {
    "groep": "Groep 3",
    "voornaam kind": "Daan",
    "achternaam kind": "de Boer",
    "geboortedatum": "2020-01-15",
    "ouder 1 voornaam": "Petra",
    "ouder 1 achternaam": "de Boer",
    "ouder 1 relatie": "moeder",
    "ouder 1 email": "petra.deboer@example.org",
    "ouder 1 telefoon": "06-22233344",
    "ouder 2 voornaam": "Marco",
    "ouder 2 achternaam": "Rossi",
    "ouder 2 relatie": "vader",
    "ouder 2 email": "marco.rossi@example.org",
    "ouder 2 telefoon": "+39 333 1234567",
    "ouder 2 woont bij kind": "nee",
}
EXAMPLE_FILE = Path(django_settings.BASE_DIR) / "static" / "examples" / "roster-example.csv"


@pytest.fixture(autouse=True)
def _english(settings):
    # Assert on the English source texts, whatever translations are compiled.
    settings.LANGUAGE_CODE = "en"


def _csv(
    *rows: dict[str, str],
    header: list[str] = HEADER,
    separator: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    lines = [separator.join(header)]
    lines += [separator.join(row.get(column, "") for column in header) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _import(location, data: bytes, *, dry_run: bool = False):
    return roster_import(location=location, file_bytes=data, dry_run=dry_run)


def _url(location) -> str:
    return reverse("roster_import", args=[location.pk])


def _upload(data: bytes, name: str = "groep3.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _text(response) -> str:
    return html.unescape(response.content.decode())


# The service


def test_it_imports_a_good_file(location, group, other_group):
    preview = _import(location, _csv(SISTER_1, SISTER_2, SEPARATED))

    assert preview.errors == []
    assert preview.imported
    hanna = Child.objects.get(first_name="Hanna")
    lidya = Child.objects.get(first_name="Lidya")
    assert hanna.family == lidya.family
    assert hanna.family.name == "Familie Haile"
    assert hanna.family.location == location
    assert hanna.family.home_language == "ti"
    assert hanna.family.interpreter_wanted
    assert list(hanna.groups.all()) == [group]
    assert list(lidya.groups.all()) == [other_group]
    assert lidya.date_of_birth == dt.date(2017, 9, 1)
    saba = Guardian.objects.get(family=hanna.family)
    assert (saba.full_name, saba.relation, saba.preferred_language) == (
        "Saba Haile",
        "mother",
        "ti",
    )

    daan = Child.objects.get(first_name="Daan")
    assert daan.date_of_birth == dt.date(2020, 1, 15)
    petra, marco = daan.family.guardians.order_by("-first_name")
    assert (petra.email, petra.phone, petra.lives_with_children) == (
        "petra.deboer@example.org",
        "06-22233344",
        True,
    )
    assert (marco.email, marco.phone, marco.lives_with_children) == (
        "marco.rossi@example.org",
        "+39 333 1234567",
        False,
    )
    assert (preview.counts.new_children, preview.counts.new_families) == (3, 2)
    assert preview.summary() == (
        "Children added: 3. Children already known: 0. Families added: 2. Families updated: 0."
    )


def test_it_saves_nothing_on_a_dry_run(location, group, other_group):
    preview = _import(location, _csv(SISTER_1, SISTER_2, SEPARATED), dry_run=True)

    assert preview.errors == []
    assert not preview.imported
    assert [
        (row.number, row.child_name, row.child_label, row.family_label) for row in preview.rows
    ] == [
        (2, "Hanna Haile", "New child", "New family"),
        (3, "Lidya Haile", "New child", "New family"),
        (4, "Daan de Boer", "New child", "New family"),
    ]
    assert [(g.name, g.label) for g in preview.rows[2].guardians] == [
        ("Petra de Boer", "new"),
        ("Marco Rossi", "new"),
    ]
    assert preview.counts.new_families == 2
    assert not Child.objects.exists()
    assert not Family.objects.exists()


def test_it_reports_bad_rows_in_plain_words_and_imports_nothing(location, group):
    bad_rows = [
        SISTER_1,
        {**SEPARATED, "groep": "Groep 8"},
        {**SEPARATED, "voornaam kind": "Sem", "geboortedatum": "31-02-2020"},
        {**SEPARATED, "voornaam kind": "Tess", "ouder 1 email": "petra at home"},
        {**SEPARATED, "voornaam kind": "", "ouder 2 voornaam": ""},
        {
            **SEPARATED,
            "voornaam kind": "Jip",
            "ouder 1 taal": "Klingon",
            "tolk gewenst": "misschien",
        },
    ]

    preview = _import(location, _csv(*bad_rows))

    year = f"{current_school_year()}-{current_school_year() + 1}"
    assert preview.errors == [
        f"Row 3: group “Groep 8” does not exist at this location for {year}.",
        "Row 4, column “geboortedatum”: “31-02-2020” is not a date we can read. "
        "Write day-month-year, for example 17-05-2019.",
        "Row 5, column “ouder 1 email”: “petra at home” is not an email address.",
        "Row 6, column “voornaam kind”: this cell is empty.",
        "Row 6: parent 2 needs a first name and a last name, "
        "or leave all columns of parent 2 empty.",
        "Row 7, column “ouder 1 taal”: we do not know the language “Klingon”. Write it in "
        "Dutch or English, for example Arabisch or Arabic, or write “anders” for another "
        "language.",
        "Row 7, column “tolk gewenst”: “misschien” is not yes or no. Write ja or nee.",
    ]
    assert not preview.imported
    assert not Child.objects.exists()
    assert not Family.objects.exists()
    assert not Guardian.objects.exists()


def test_it_does_not_duplicate_anything_on_a_second_import(location, group, other_group):
    data = _csv(SISTER_1, SISTER_2, SEPARATED)
    _import(location, data)

    again = _import(location, data)

    assert again.errors == []
    assert (again.counts.new_children, again.counts.known_children) == (0, 3)
    assert (again.counts.new_families, again.counts.known_families) == (0, 2)
    assert (again.counts.new_guardians, again.counts.updated_guardians) == (0, 0)
    assert again.counts.new_enrolments == 0
    assert [row.child_label for row in again.rows] == ["Known child, already in this group"] * 3
    assert Child.objects.count() == 3
    assert Family.objects.count() == 2
    assert Guardian.objects.count() == 3
    assert Enrolment.objects.count() == 3


def test_it_reuses_a_known_child_and_adds_the_new_group(location, child, group, other_group):
    row = {
        "groep": "groep 5",
        "voornaam kind": "EMRE",
        "achternaam kind": "yilmaz",
        "geboortedatum": "17-5-2019",
    }

    preview = _import(location, _csv(row))

    assert preview.rows[0].child_label == "Known child, added to this group"
    assert preview.rows[0].family_name == "Familie Yilmaz"
    assert Child.objects.count() == 1
    assert set(child.groups.all()) == {group, other_group}


def test_it_adds_a_new_child_to_the_family_of_a_known_parent_email(location, family, child, group):
    ayse = family.guardians.get()
    known_email = ayse.email
    row = {
        **SISTER_1,
        "voornaam kind": "Zeynep",
        "achternaam kind": "Yilmaz",
        "ouder 1 voornaam": "Ayşe",
        "ouder 1 achternaam": "Yilmaz",
        "ouder 1 email": ayse.email.upper(),
        "ouder 1 telefoon": "06-98765432",
    }

    preview = _import(location, _csv(row))

    assert preview.rows[0].family_label == "Existing family"
    assert [(g.name, g.label) for g in preview.rows[0].guardians] == [
        ("Ayşe Yilmaz", "details updated")
    ]
    assert Child.objects.get(first_name="Zeynep").family == family
    assert Family.objects.count() == 1
    ayse.refresh_from_db()
    assert ayse.phone == "06-98765432"
    assert ayse.email == known_email
    assert family.guardians.count() == 1


def test_it_matches_a_parent_without_email_by_name_and_keeps_known_details(
    location, family, child, group
):
    ayse = family.guardians.get()
    row = {
        "groep": "Groep 3",
        "voornaam kind": "Emre",
        "achternaam kind": "Yilmaz",
        "geboortedatum": "17-05-2019",
        "ouder 1 voornaam": "ayşe",
        "ouder 1 achternaam": "YILMAZ",
        "ouder 1 telefoon": "06-55544433",
    }

    _import(location, _csv(row))

    assert family.guardians.count() == 1
    ayse.refresh_from_db()
    assert ayse.phone == "06-55544433"
    assert ayse.email.startswith("ouder")
    assert ayse.relation == "mother"


def test_it_never_matches_children_or_families_of_another_location(location, group, other_location):
    elsewhere = factories.make_family(other_location, name="Familie Haile")
    factories.make_guardian(elsewhere, email="saba.haile@example.org")
    factories.make_child(
        elsewhere, first_name="Hanna", last_name="Haile", date_of_birth=dt.date(2020, 3, 4)
    )

    preview = _import(location, _csv(SISTER_1))

    assert preview.rows[0].child_label == "New child"
    assert preview.rows[0].family_label == "New family"
    assert Child.objects.filter(family__location=location).count() == 1
    assert Family.objects.count() == 2


def test_it_only_knows_groups_of_this_location_this_school_year(location, other_location):
    factories.make_group(other_location, name="Groep 3")
    factories.make_group(location, name="Groep 3", school_year=current_school_year() - 1)

    preview = _import(location, _csv(SISTER_1))

    assert len(preview.errors) == 1
    assert "group “Groep 3” does not exist at this location" in preview.errors[0]
    assert not Child.objects.exists()


def test_it_reads_a_semicolon_file_with_a_byte_order_mark_as_excel_writes_it(location, group):
    data = codecs.BOM_UTF8 + _csv(SISTER_1, separator=";")

    preview = _import(location, data)

    assert preview.errors == []
    assert Guardian.objects.get().first_name == "Saba"
    assert Child.objects.get().first_name == "Hanna"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16"])
def test_it_reads_files_in_older_encodings(location, group, encoding):
    row = {
        **SEPARATED,
        "voornaam kind": "Zoë",
        "ouder 1 voornaam": "Daniëlle",
        "ouder 2 achternaam": "Müller",
    }

    preview = _import(location, _csv(row, separator=";", encoding=encoding))

    assert preview.errors == []
    assert Child.objects.get().first_name == "Zoë"
    assert set(Guardian.objects.values_list("first_name", "last_name")) == {
        ("Daniëlle", "de Boer"),
        ("Marco", "Müller"),
    }


def test_it_reads_english_column_names_in_any_case(location, group):
    header = ["Group", "CHILD FIRST NAME", "Child last name", "Date of birth", "Parent 1 E-mail"]
    header += ["Parent1 First Name", "parent 1 last name", "Home language", "Notes"]
    row = {
        "Group": "Groep 3",
        "CHILD FIRST NAME": "Ava",
        "Child last name": "Smith",
        "Date of birth": "2020-06-30",
        "Parent 1 E-mail": "jo.smith@example.org",
        "Parent1 First Name": "Jo",
        "parent 1 last name": "Smith",
        "Home language": "English",
        "Notes": "likes drawing",
    }

    preview = _import(location, _csv(row, header=header))

    assert preview.errors == []
    assert preview.ignored_columns == ["Notes"]
    ava = Child.objects.get()
    assert (ava.full_name, ava.family.home_language) == ("Ava Smith", "en")
    assert ava.family.guardians.get().email == "jo.smith@example.org"


def test_it_names_missing_columns(location, group):
    preview = _import(location, _csv({"groep": "Groep 3"}, header=["groep", "naam"]))

    assert preview.errors == [
        "The first row must name the columns. These columns are missing: voornaam kind, "
        "achternaam kind, geboortedatum. The example file shows how."
    ]


def test_it_refuses_a_file_over_2_mb(location, group):
    data = _csv(SISTER_1) + b"," * (2 * 1024 * 1024)

    preview = _import(location, data)

    assert preview.errors == [
        "The file is larger than 2 MB. Split it into smaller files, for example one per group."
    ]


def test_it_refuses_more_than_2000_children(location, group):
    rows = [{**SISTER_1, "voornaam kind": f"Kind {n}"} for n in range(MAX_ROWS + 1)]

    preview = _import(location, _csv(*rows))

    assert preview.errors == [
        "The file has more than 2000 children. Split it into smaller files, "
        "for example one per group."
    ]
    assert not Child.objects.exists()


def test_it_refuses_the_same_email_for_both_parents(location, group):
    row = {**SEPARATED, "ouder 2 email": "PETRA.deboer@example.org"}

    preview = _import(location, _csv(row))

    assert preview.errors == [
        "Row 2: parent 1 and parent 2 have the same email address. Each parent needs their "
        "own address; leave it empty for one of them."
    ]


def test_it_imports_the_example_file(location, group, other_group):
    preview = _import(location, EXAMPLE_FILE.read_bytes())

    assert preview.errors == []
    assert preview.counts.new_children == 7
    assert preview.counts.new_families == 6  # Emre and Elif Yilmaz are brother and sister


# The page


def test_it_shows_the_upload_form_to_the_coordinator(coordinator_client, location):
    response = coordinator_client.get(_url(location))

    assert response.status_code == 200
    content = _text(response)
    assert "<h1>Import a group list</h1>" in content
    assert 'enctype="multipart/form-data"' in content
    assert "/static/examples/roster-example" in content
    assert "Confirm import" not in content


@pytest.mark.parametrize(
    "client_name", ["teacher_client", "teacher2_client", "other_coordinator_client"]
)
def test_it_hides_the_import_from_everyone_but_the_coordinator(
    request, client_name, location, group
):
    client = request.getfixturevalue(client_name)

    assert client.get(_url(location)).status_code == 404
    response = client.post(_url(location), {"file": _upload(_csv(SISTER_1))})
    assert response.status_code == 404
    assert not Child.objects.exists()


def test_it_sends_anonymous_visitors_to_login(client, location):
    response = client.get(_url(location))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={_url(location)}"


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_refuses_other_methods(coordinator_client, location, method):
    assert getattr(coordinator_client, method)(_url(location)).status_code == 405


def test_it_previews_an_upload_and_saves_nothing(coordinator_client, location, group, other_group):
    response = coordinator_client.post(
        _url(location), {"file": _upload(_csv(SISTER_1, SISTER_2, SEPARATED))}
    )

    assert response.status_code == 200
    content = _text(response)
    assert "Hanna Haile" in content
    assert "Daan de Boer" in content
    assert "Marco Rossi" in content
    assert "New children: 3" in content
    assert "Confirm import" in content
    assert not Child.objects.exists()


def test_it_imports_on_confirmation_without_a_second_upload(
    coordinator_client, location, group, other_group
):
    preview = coordinator_client.post(
        _url(location), {"file": _upload(_csv(SISTER_1, SISTER_2, SEPARATED))}
    )
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)

    response = coordinator_client.post(_url(location), {"token": token}, follow=True)

    assert response.redirect_chain == [(reverse("location_overview", args=[location.pk]), 302)]
    assert (
        "Children added: 3. Children already known: 0. Families added: 2. Families updated: 0."
        in _text(response)
    )
    assert Child.objects.filter(family__location=location).count() == 3
    assert Family.objects.count() == 2
    # The stored file is used once: confirming again imports nothing twice.
    again = coordinator_client.post(_url(location), {"token": token})
    assert "This preview is no longer available" in _text(again)
    assert Child.objects.count() == 3


def test_it_shows_row_errors_and_offers_no_confirmation(coordinator_client, location, group):
    response = coordinator_client.post(
        _url(location), {"file": _upload(_csv(SISTER_1, {**SEPARATED, "geboortedatum": "morgen"}))}
    )

    assert response.status_code == 200
    content = _text(response)
    assert 'role="alert"' in content
    assert "Nothing has been imported." in content
    assert "Row 3, column “geboortedatum”: “morgen” is not a date we can read." in content
    assert "Confirm import" not in content
    assert 'name="token"' not in content
    assert not Child.objects.exists()


def test_it_checks_the_file_again_on_confirmation(coordinator_client, location, group):
    preview = coordinator_client.post(_url(location), {"file": _upload(_csv(SISTER_1))})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    group.delete()

    response = coordinator_client.post(_url(location), {"token": token})

    assert response.status_code == 200
    assert "Row 2: group “Groep 3” does not exist at this location" in _text(response)
    assert not Child.objects.exists()


def test_it_refuses_an_unknown_token(coordinator_client, location, group):
    response = coordinator_client.post(_url(location), {"token": "made-up"})

    assert response.status_code == 200
    assert "This preview is no longer available. Please upload the file again." in _text(response)
    assert not Child.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Choose a CSV file to upload."),
        ({"file": _upload(b"", "leeg.csv")}, "The file is empty."),
        ({"file": _upload(b"PK\x03\x04\x00\x00", "groep3.xlsx")}, "This is not a CSV file."),
        ({"file": _upload(b"PK\x03\x04\x00\x00", "groep3.csv")}, "This is not a CSV file."),
        (
            {"file": _upload(b"a" * (2 * 1024 * 1024 + 1))},
            "The file is larger than 2 MB.",
        ),
    ],
)
def test_it_explains_what_is_wrong_with_the_upload(coordinator_client, location, files, message):
    response = coordinator_client.post(_url(location), files)

    assert response.status_code == 200
    assert message in _text(response)
    assert "Confirm import" not in _text(response)


# The management command


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "groep.csv"
    path.write_bytes(data)
    return path


def test_it_dry_runs_from_the_command_line(tmp_path, location, group):
    path = _write(tmp_path, _csv(SISTER_1))
    out = io.StringIO()

    call_command("import_roster", str(path), "--location", "kindcentrum de linde", stdout=out)

    out = out.getvalue()
    assert "Row 2: Hanna Haile, Groep 3: New child; Familie Haile: New family" in out
    assert "This was a dry run: nothing was saved. Add --commit to import." in out
    assert not Child.objects.exists()


def test_it_imports_from_the_command_line_with_commit(tmp_path, location, group):
    path = _write(tmp_path, _csv(SISTER_1, SEPARATED))
    out = io.StringIO()

    call_command("import_roster", str(path), "--location", str(location.pk), "--commit", stdout=out)

    assert "Children added: 2." in out.getvalue()
    assert Child.objects.filter(family__location=location).count() == 2


def test_it_fails_from_the_command_line_on_bad_rows(tmp_path, location, group):
    path = _write(tmp_path, _csv(SISTER_1, {**SEPARATED, "groep": "Groep 8"}))
    err = io.StringIO()

    with pytest.raises(
        CommandError, match=re.escape("Nothing was imported: the file has 1 error.")
    ):
        call_command(
            "import_roster",
            str(path),
            "--location",
            location.name,
            "--commit",
            stdout=io.StringIO(),
            stderr=err,
        )

    assert "Row 3: group “Groep 8” does not exist" in err.getvalue()
    assert not Child.objects.exists()


def test_it_fails_from_the_command_line_for_an_unknown_location(tmp_path, location):
    path = _write(tmp_path, _csv(SISTER_1))

    with pytest.raises(CommandError, match="No location 'Nergens'"):
        call_command("import_roster", str(path), "--location", "Nergens")
