"""The roster import, fed files no school administration would export.

Whatever the coordinator uploads (random bytes, a spreadsheet in the wrong
encoding, a file without column names, ragged or endless rows, NUL bytes, only
a byte-order mark, commas and semicolons mixed), the page answers with a
message that says what is wrong, and nothing is half imported: the import
saves only after a preview, and only a file without errors gets one.
"""

from __future__ import annotations

import codecs
import html

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from families import roster
from families.models import Child, Family, Guardian

pytestmark = pytest.mark.django_db

HEADER = (
    "groep;voornaam kind;achternaam kind;geboortedatum;ouder 1 voornaam;ouder 1 achternaam;"
    "ouder 1 email"
)
GOOD_ROW = "Groep 3;Hanna;Haile;04-03-2020;Saba;Haile;saba.haile@example.org"

# What the page shows when it refuses a file or a row.
ERROR_MARKERS = ('class="notice notice--error" role="alert"', 'class="field__errors"')


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _cell() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=12),
        st.sampled_from(["Groep 3", "Hanna", "04-03-2020", "31-02-2020", "x" * 500, '"', '""']),
    )


def _row() -> st.SearchStrategy[str]:
    return st.builds(
        lambda cells, separators: "".join(
            cell + separator for cell, separator in zip(cells, separators, strict=False)
        ),
        st.lists(_cell(), max_size=9),
        st.lists(st.sampled_from([";", ",", "\t", ";,", ""]), min_size=9, max_size=9),
    )


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


MALFORMED = st.one_of(
    st.binary(max_size=2000),
    # Text files with a header that may or may not be right, and ragged rows.
    st.builds(
        lambda header, rows, encoding, newline: _encoded(newline.join([header, *rows]), encoding),
        st.one_of(st.just(HEADER), st.just(HEADER.replace(";", ",")), _row()),
        st.lists(st.one_of(_row(), st.just(GOOD_ROW)), max_size=6),
        st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "utf-32"]),
        st.sampled_from(["\r\n", "\n", "\r"]),
    ),
    st.sampled_from(
        [
            codecs.BOM_UTF8,
            codecs.BOM_UTF16_LE,
            codecs.BOM_UTF16_BE,
            codecs.BOM_UTF16_LE + b"\x00\xd8",  # a lone surrogate
            b"\x00" * 100,
            b"PK\x03\x04" + b"\x00" * 40,  # what an .xlsx starts with
            (HEADER + "\n" + GOOD_ROW + "\x00\n").encode(),
            (HEADER + "\n" + "x" * 1_000_000).encode(),  # one huge line
            (HEADER + "\n" + "Groep 3;" * 50_000).encode(),  # one row, endless cells
            (HEADER + "\n" + '"Groep 3;Hanna\n' * 3).encode(),  # a quote never closed
            (HEADER + "\n" + "\n" * 5000).encode(),
            ("\n".join([HEADER] + [GOOD_ROW] * (roster.MAX_ROWS + 1))).encode(),
            b"\r\r\r\r",
            "groep;voornaam kind\n\u202eGroep 3;👨‍👩‍👧\n".encode(),
        ]
    ),
)


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/html")
    return html.unescape(response.content.decode())


def _counts() -> tuple[int, int, int]:
    return Child.objects.count(), Family.objects.count(), Guardian.objects.count()


def test_it_survives_malformed_files(coordinator, location, group):
    url = reverse("roster_import", args=[location.pk])

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        # One coordinator and location for all examples; each example rolls back.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=MALFORMED, name=st.sampled_from(["groep3.csv", "groep3.txt", "GROEP3.CSV"]))
    @example(data=f"{HEADER}\r\n{GOOD_ROW}\r\n".encode("utf-16"), name="groep3.csv")
    @example(data=f"{HEADER}\n{GOOD_ROW}\n;;;\n".encode("cp1252"), name="groep3.txt")
    @example(data=codecs.BOM_UTF8, name="groep3.csv")
    @example(data=b"\x00\x01\x02\xff", name="groep3.csv")
    @example(data=(HEADER + "\n" + "x" * 1_000_000).encode(), name="groep3.csv")
    def upload(data: bytes, name: str) -> None:
        client = Client()
        client.force_login(coordinator)
        before = _counts()
        with transaction.atomic():
            response = client.post(url, {"file": SimpleUploadedFile(name, data)})
            content = _page(response)
            valid = "Confirm import" in content
            if not valid:
                assert any(marker in content for marker in ERROR_MARKERS), content[:2000]
            token = client.session.get("roster_import", {}).get("token")
            if token:
                confirmed = client.post(url, {"token": token})
                assert confirmed.status_code == 302, confirmed.status_code
                assert _counts()[0] > before[0]
            # Nothing is saved unless the file was good enough for a preview.
            assert valid or _counts() == before
            transaction.set_rollback(True)

    upload()


def test_it_refuses_an_upload_larger_than_the_limit_politely(coordinator_client, location, group):
    """Larger than FILE_UPLOAD_MAX_MEMORY_SIZE, so Django spools it to disk;
    the form then refuses it with the import's own message."""
    size = django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1
    data = (HEADER + "\n" + (GOOD_ROW + "\n") * (size // len(GOOD_ROW) + 1)).encode()
    assert len(data) > size > roster.MAX_BYTES

    response = coordinator_client.post(
        reverse("roster_import", args=[location.pk]),
        {"file": SimpleUploadedFile("groep3.csv", data)},
    )

    content = _page(response)
    assert roster.too_large_message() in content
    assert 'class="notice notice--error" role="alert"' in content
    assert not Child.objects.exists()
