"""Make the audit trail append-only in PostgreSQL itself.

The app never changes or deletes an audit entry (families.models.AuditEntry
refuses to), but someone with the app's database login could. This installs
a trigger that refuses UPDATE, DELETE and TRUNCATE on the table for every
role, the table's owner included. Run it once after `migrate`; running it
again changes nothing. `--sql` prints the statements instead, for a database
administrator to run, together with the REVOKE that takes the rights away
from the app's role as well.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from families.models import AuditEntry

TABLE = AuditEntry._meta.db_table
FUNCTION = f"{TABLE}_refuse_change"

TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % on {TABLE} is refused.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE};
CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};
CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
""".strip()


def revoke_sql(role: str) -> str:
    return f"REVOKE UPDATE, DELETE, TRUNCATE ON {TABLE} FROM {role};"


class Command(BaseCommand):
    help = "Refuse UPDATE, DELETE and TRUNCATE on the audit trail in PostgreSQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sql",
            action="store_true",
            help="Print the SQL (trigger and REVOKE) instead of running it.",
        )
        parser.add_argument(
            "--role",
            default="samenspraak_app",
            help="The app's database role, for the printed REVOKE (default: samenspraak_app).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sql"]:
            self.stdout.write(TRIGGER_SQL)
            self.stdout.write(revoke_sql(options["role"]))
            return
        if connection.vendor != "postgresql":
            raise CommandError(
                "This needs PostgreSQL. On SQLite (local development) the app's own "
                "refusal is all there is."
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(TRIGGER_SQL)
        self.stdout.write(self.style.SUCCESS(f"{TABLE} now refuses UPDATE, DELETE and TRUNCATE."))
