"""`manage.py makemessages_parents [-l CODE ...]`: refresh the catalogs of the
languages only parents see (settings.PARENT_LANGUAGES that are not in LANGUAGES:
Arabic, Turkish, Polish, Ukrainian).

Those catalogs hold only the parent-facing texts, so that a translator gets the
questionnaire, the parent pages and the emails, not every staff screen. Plain
`makemessages` would put every text into them, and run on locale/ it would also
rewrite the Dutch and English catalogs; so this extracts from a temporary copy
of the sources into a temporary locale folder, keeps the entries that occur in
at least one parent-facing file (PARENT_FACING) and merges those into
locale/<code>/LC_MESSAGES/django.po. Translations already there are kept; a
translation whose text left the sources stays at the end as an obsolete (#~)
entry, to be reused when the text comes back reworded.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import get_language_info

# Where the texts a parent reads live, relative to BASE_DIR (fnmatch: `*` also
# matches `/`).
PARENT_FACING = (
    "conversations/questionnaire.py",
    "conversations/parent_*.py",
    "conversations/views/parents.py",
    "templates/parents/*",
    # The privacy page, which the parent pages link to in their language.
    "templates/privacy/*",
    # The language names offered in the interpreter question.
    "families/languages.py",
)

# A new parent language needs its line here (from the gettext manual or CLDR).
PLURAL_FORMS = {
    "ar": (
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
        ": n%100>=11 && n%100<=99 ? 4 : 5);"
    ),
    "pl": (
        "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
    ),
    "tr": "nplurals=2; plural=(n != 1);",
    "uk": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 "
        "&& (n%100<10 || n%100>=20) ? 1 : 2);"
    ),
}

SOURCE_SUFFIXES = {".py", ".html", ".txt"}
# Nothing a parent reads lives here; skipping them keeps the extraction quick.
SKIPPED_FOLDERS = {"locale", "migrations", "node_modules", "static", "tests", "var"}
# gettext's own line width, so that the catalogs look as makemessages writes them.
WRAP_WIDTH = 79

Key = tuple[str | None, str]


def is_parent_facing(path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in PARENT_FACING)


def parent_only_languages() -> list[str]:
    staff_languages = {code for code, _name in settings.LANGUAGES}
    return [code for code in settings.PARENT_LANGUAGES if code not in staff_languages]


def catalog_path(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"


def key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def extract_parent_messages(source: Path, workdir: Path) -> polib.POFile:
    """Run makemessages on a copy of `source` inside `workdir` and return the
    template (empty translations) of the entries that occur in a parent-facing file."""
    _copy_sources(source, workdir / "src")
    locale_dir = workdir / "locale"
    # makemessages writes into LOCALE_PATHS[0] (and into ./locale): point both
    # at the temporary folder, never at the project's locale/.
    with override_settings(LOCALE_PATHS=[locale_dir]), contextlib.chdir(workdir / "src"):
        call_command(
            "makemessages", locale=["en"], keep_pot=True, verbosity=0, stdout=io.StringIO()
        )
    pot = polib.pofile(str(locale_dir / "django.pot"), wrapwidth=WRAP_WIDTH)
    template = polib.POFile(wrapwidth=WRAP_WIDTH)
    template.metadata = pot.metadata
    for entry in pot:
        if any(is_parent_facing(path) for path, _line in entry.occurrences):
            template.append(entry)
    return template


def _copy_sources(source: Path, target: Path) -> None:
    for folder, subfolders, files in os.walk(source):
        subfolders[:] = [
            name for name in subfolders if name not in SKIPPED_FOLDERS and not name.startswith(".")
        ]
        for name in files:
            original = Path(folder, name)
            if original.suffix in SOURCE_SUFFIXES:
                copy = target / original.relative_to(source)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(original, copy)


def merge_catalog(
    template: polib.POFile,
    catalog: polib.POFile | None,
    language: str,
    *,
    keep_obsolete: bool = True,
) -> polib.POFile:
    """The template's entries with the translations `catalog` already has;
    with keep_obsolete, also the translations no entry uses any more, as #~ entries."""
    if language not in PLURAL_FORMS:
        raise CommandError(
            f"Add the Plural-Forms of {language!r} to PLURAL_FORMS in {Path(__file__).name}."
        )
    nplurals = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
    merged = polib.POFile(wrapwidth=WRAP_WIDTH)
    name = get_language_info(language)["name"]
    merged.header = (
        catalog.header
        if catalog is not None
        else f"Samenspraak: the texts parents read, in {name}.\n"
        "Refresh with `make messages-parents` (manage.py makemessages_parents)."
    )
    now = timezone.now().strftime("%Y-%m-%d %H:%M%z")
    merged.metadata = {
        "Project-Id-Version": "Samenspraak",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": now,
        "PO-Revision-Date": now,
        "Last-Translator": "",
        "Language-Team": name,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        **(catalog.metadata if catalog is not None else {}),
        "Language": language,
        "Plural-Forms": PLURAL_FORMS[language],
    }
    previous = {key(entry): entry for entry in catalog or ()}
    for entry in template:
        old = previous.pop(key(entry), None)
        new = polib.POEntry(
            msgctxt=entry.msgctxt,
            msgid=entry.msgid,
            msgid_plural=entry.msgid_plural,
            occurrences=entry.occurrences,
            comment=entry.comment,
            flags=[flag for flag in entry.flags if flag != "fuzzy"],
        )
        if old is not None:
            new.tcomment = old.tcomment
            new.msgstr = old.msgstr
            new.msgstr_plural = old.msgstr_plural
            if old.fuzzy:
                new.flags.append("fuzzy")
        if entry.msgid_plural:
            # One msgstr per plural form, empty where no translation fits.
            new.msgstr_plural = {n: new.msgstr_plural.get(n, "") for n in range(nplurals)}
        merged.append(new)
    for old in previous.values() if keep_obsolete else ():
        if old.msgstr or any(old.msgstr_plural.values()):
            old.obsolete = True
            old.occurrences = []
            merged.append(old)
    return merged


def untranslated(catalog: polib.POFile) -> list[polib.POEntry]:
    return [
        entry
        for entry in catalog
        if not entry.obsolete
        and (
            entry.fuzzy
            or not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
        )
    ]


class Command(BaseCommand):
    help = (
        "Extract the parent-facing texts into the catalogs of the parent-only languages "
        "(locale/ar, tr, pl, uk), keeping their translations. Never touches nl or en."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-l",
            "--locale",
            action="append",
            default=[],
            help="Only this language (repeatable). Default: every parent-only language.",
        )
        parser.add_argument(
            "--no-obsolete",
            action="store_true",
            help="Drop the translations of texts that left the sources.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        languages = options["locale"] or parent_only_languages()
        for language in languages:
            if language not in parent_only_languages():
                raise CommandError(
                    f"{language!r} is not a parent-only language; its catalog holds every "
                    "text and comes from plain makemessages."
                )
        with tempfile.TemporaryDirectory(prefix="parent-messages-") as workdir:
            template = extract_parent_messages(Path(settings.BASE_DIR), Path(workdir))
        for language in languages:
            path = catalog_path(language)
            existing = polib.pofile(str(path), wrapwidth=WRAP_WIDTH) if path.exists() else None
            merged = merge_catalog(
                template, existing, language, keep_obsolete=not options["no_obsolete"]
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            merged.save(str(path))
            missing = untranslated(merged)
            self.stdout.write(
                f"{language}: {len(template)} parent-facing texts, {len(missing)} to translate"
            )
            if options["verbosity"] > 1:
                for entry in missing:
                    self.stdout.write(f"  {entry.msgid!r}")
