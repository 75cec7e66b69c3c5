"""Every text a parent reads exists in Arabic, Turkish, Polish and Ukrainian.

Those catalogs hold only the parent-facing texts and come from
`make messages-parents` (conversations/management/commands/makemessages_parents.py).
A new text on a parent page, in a parent email or in the questionnaire fails
test_it_has_every_parent_text_of_the_sources until it is extracted and translated.
"""

from __future__ import annotations

import re
import subprocess
from typing import TYPE_CHECKING

import polib
import pytest
from django.conf import settings
from django.utils import translation

from conversations.management.commands.makemessages_parents import (
    catalog_path,
    extract_parent_messages,
    is_parent_facing,
    key,
    parent_only_languages,
)

if TYPE_CHECKING:
    from collections.abc import Callable

LANGUAGES = ["ar", "tr", "pl", "uk"]

# Which plural form a count takes, written out here rather than read from the
# catalog, so that a wrong Plural-Forms header fails.
PLURAL_INDEX: dict[str, Callable[[int], int]] = {
    "ar": lambda n: (
        0
        if n == 0
        else 1
        if n == 1
        else 2
        if n == 2
        else 3
        if 3 <= n % 100 <= 10
        else 4
        if 11 <= n % 100 <= 99
        else 5
    ),
    "tr": lambda n: int(n != 1),
    "pl": lambda n: 0 if n == 1 else 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2,
    "uk": lambda n: (
        0
        if n % 10 == 1 and n % 100 != 11
        else 1
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14
        else 2
    ),
}
NPLURALS = {"ar": 6, "tr": 2, "pl": 3, "uk": 3}

# %(name)s, %d, %%, {name}, and HTML tags: a translation keeps each of them.
PLACEHOLDER = re.compile(
    r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]|\{\w*\}|</?[a-zA-Z][^>]*>"
)


def parent_entries(catalog: polib.POFile) -> list[polib.POEntry]:
    return [
        entry
        for entry in catalog
        if not entry.obsolete and any(is_parent_facing(path) for path, _line in entry.occurrences)
    ]


def translations_of(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def is_translated(entry: polib.POEntry) -> bool:
    return not entry.fuzzy and all(translations_of(entry))


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def catalogs() -> dict[str, polib.POFile]:
    return {language: polib.pofile(str(catalog_path(language))) for language in LANGUAGES}


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> polib.POFile:
    return extract_parent_messages(settings.BASE_DIR, tmp_path_factory.mktemp("parent-messages"))


def test_it_covers_every_parent_only_language():
    assert parent_only_languages() == LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_translates_every_parent_text_in_the_catalog(language, catalogs):
    entries = parent_entries(catalogs[language])
    assert len(entries) > 100
    assert [entry.msgid for entry in entries if not is_translated(entry)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_every_parent_text_of_the_sources(language, catalogs, fresh_template):
    translated = {key(entry) for entry in catalogs[language] if not entry.obsolete}
    translated -= {key(entry) for entry in catalogs[language] if not is_translated(entry)}
    missing = [entry.msgid for entry in fresh_template if key(entry) not in translated]
    assert missing == [], (
        "New parent-facing texts: run `make messages-parents`, translate them in "
        f"locale/{language}/LC_MESSAGES/django.po, then `make messages`."
    )


def test_it_extracts_only_parent_facing_texts(fresh_template):
    msgids = {entry.msgid for entry in fresh_template}
    # From the questionnaire, a parent template and a parent email.
    assert "What would you like to talk about?" in msgids
    paths = {path for entry in fresh_template for path, _line in entry.occurrences}
    assert "templates/parents/emails/invitation.txt" in paths
    # A staff-only text.
    assert "My groups" not in msgids


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_keeps_every_placeholder(language, catalogs):
    wrong = []
    for entry in parent_entries(catalogs[language]):
        expected = placeholders(entry.msgid_plural or entry.msgid)
        wrong += [
            (entry.msgid, text) for text in translations_of(entry) if placeholders(text) != expected
        ]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_declares_the_language_and_its_plural_forms(language, catalogs):
    catalog = catalogs[language]
    assert catalog.metadata["Language"] == language
    assert catalog.metadata["Plural-Forms"].startswith(f"nplurals={NPLURALS[language]};")
    plural_entries = [entry for entry in parent_entries(catalog) if entry.msgid_plural]
    assert all(len(entry.msgstr_plural) == NPLURALS[language] for entry in plural_entries)


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_passes_msgfmt_check(language):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalog_path(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr
    assert "untranslated" not in result.stderr
    assert "warning" not in result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_compiled_catalog(language, catalogs):
    by_msgid = {entry.msgid: entry for entry in parent_entries(catalogs[language])}
    question = by_msgid["What would you like to talk about?"]
    with translation.override(language):
        shown = translation.gettext(question.msgid)
        assert shown == question.msgstr, "compile the catalogs first: make messages"
        assert shown != question.msgid
        for entry in by_msgid.values():
            if not entry.msgid_plural:
                continue
            for count in (1, 2, 3, 5, 11, 22, 101):
                assert (
                    translation.ngettext(entry.msgid, entry.msgid_plural, count)
                    == (entry.msgstr_plural[PLURAL_INDEX[language](count)])
                )
