"""`manage.py apply_retention [--dry-run]`: delete the records of children who
left more than RETENTION_YEARS years ago (families.privacy.retention_apply).

Run it once a day (see the README). It prints and logs counts per kind of
record, never a name. Running it twice deletes nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from families.privacy import retention_apply


class Command(BaseCommand):
    help = (
        "Delete the records of children who left more than RETENTION_YEARS years ago, "
        "and families with no child left. --dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        result = retention_apply(dry_run=dry_run)
        cutoff = result.cutoff.isoformat()
        years = settings.RETENTION_YEARS
        if dry_run:
            heading = ngettext(
                "Dry run, nothing is deleted. Children who left before %(cutoff)s "
                "(more than %(years)s year ago):",
                "Dry run, nothing is deleted. Children who left before %(cutoff)s "
                "(more than %(years)s years ago):",
                years,
            )
        else:
            heading = ngettext(
                "Deleted: children who left before %(cutoff)s (more than %(years)s year ago):",
                "Deleted: children who left before %(cutoff)s (more than %(years)s years ago):",
                years,
            )
        self.stdout.write(heading % {"cutoff": cutoff, "years": years})
        if not result.counts:
            self.stdout.write(_("Nothing to delete."))
        for kind, number in sorted(result.counts.items()):
            self.stdout.write(f"  {kind}: {number}")
