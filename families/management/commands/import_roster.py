"""`manage.py import_roster --location "Kindcentrum De Linde" groep3.csv [--commit]`.

Without --commit this is a dry run: it prints what would happen and saves
nothing. The file format is described in families/roster.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from families.models import Location
from families.roster import RosterPreview, roster_import


class Command(BaseCommand):
    help = "Import a group roster from a CSV file. Without --commit nothing is saved."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file.")
        parser.add_argument("--location", required=True, help="The location's name or id (number).")
        parser.add_argument(
            "--commit", action="store_true", help="Save the import; without it, only show it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        location = self._location(options["location"])
        path: Path = options["path"]
        try:
            file_bytes = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        preview = roster_import(
            location=location, file_bytes=file_bytes, dry_run=not options["commit"]
        )
        self._report(preview)
        if preview.errors:
            for error in preview.errors:
                self.stderr.write(error)
            count = len(preview.errors)
            raise CommandError(
                ngettext(
                    "Nothing was imported: the file has %(count)s error.",
                    "Nothing was imported: the file has %(count)s errors.",
                    count,
                )
                % {"count": count}
            )
        self.stdout.write(self.style.SUCCESS(preview.summary()))
        if not preview.imported:
            self.stdout.write(_("This was a dry run: nothing was saved. Add --commit to import."))

    def _location(self, wanted: str) -> Location:
        locations = Location.objects.all()
        found = (
            locations.filter(pk=int(wanted))
            if wanted.isdigit()
            else locations.filter(name__iexact=wanted)
        ).first()
        if found is None:
            names = ", ".join(locations.values_list("name", flat=True))
            raise CommandError(f"No location {wanted!r}. Known locations: {names or 'none'}.")
        return found

    def _report(self, preview: RosterPreview) -> None:
        for row in preview.rows:
            if row.errors:
                continue
            guardians = ", ".join(f"{g.name} ({g.label})" for g in row.guardians)
            self.stdout.write(
                _("Row %(row)s: %(child)s, %(group)s: %(child_status)s")
                % {
                    "row": row.number,
                    "child": row.child_name,
                    "group": row.group_name,
                    "child_status": row.child_label,
                }
                + f"; {row.family_name}: {row.family_label}"
                + (f"; {guardians}" if guardians else "")
            )
