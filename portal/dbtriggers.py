"""Database triggers that make tables (or frozen rows) refuse changes.

The same definitions serve the migrations that install them and the test
helper that lifts them for a moment (to prove that tampering is detected,
and so that pytest can flush tables between transactional tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class Guard:
    """Refuse UPDATE/DELETE on ``table``; ``when`` (SQL on OLD) narrows it to some rows."""

    table: str
    name: str
    message: str
    when: str = ""
    refuse_delete: bool = True
    refuse_truncate: bool = True

    def sqlite_create(self) -> list[str]:
        when = f" WHEN {self.when}" if self.when else ""
        statements = [
            f"CREATE TRIGGER IF NOT EXISTS {self.name}_no_update BEFORE UPDATE ON {self.table}"
            f"{when} BEGIN SELECT RAISE(ABORT, '{self.message}'); END;"
        ]
        if self.refuse_delete:
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {self.name}_no_delete BEFORE DELETE ON {self.table}"
                f"{when} BEGIN SELECT RAISE(ABORT, '{self.message}'); END;"
            )
        return statements

    def sqlite_drop(self) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {self.name}_no_update;",
            f"DROP TRIGGER IF EXISTS {self.name}_no_delete;",
        ]

    def postgresql_create(self) -> list[str]:
        condition = self.when or "TRUE"
        operations = "UPDATE OR DELETE" if self.refuse_delete else "UPDATE"
        statements = [
            f"""CREATE OR REPLACE FUNCTION {self.name}_refuse() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION '{self.message}';
    END IF;
    IF {condition} THEN
        RAISE EXCEPTION '{self.message}';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""",
            f"DROP TRIGGER IF EXISTS {self.name}_guard ON {self.table};",
            f"CREATE TRIGGER {self.name}_guard BEFORE {operations} ON {self.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {self.name}_refuse();",
        ]
        if self.refuse_truncate:
            statements += [
                f"DROP TRIGGER IF EXISTS {self.name}_no_truncate ON {self.table};",
                f"CREATE TRIGGER {self.name}_no_truncate BEFORE TRUNCATE ON {self.table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {self.name}_refuse();",
            ]
        return statements

    def postgresql_drop(self) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {self.name}_guard ON {self.table};",
            f"DROP TRIGGER IF EXISTS {self.name}_no_truncate ON {self.table};",
            f"DROP FUNCTION IF EXISTS {self.name}_refuse();",
        ]

    def create(self, connection: BaseDatabaseWrapper) -> None:
        statements = self.postgresql_create() if connection.vendor == "postgresql" else self.sqlite_create()
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def drop(self, connection: BaseDatabaseWrapper) -> None:
        statements = self.postgresql_drop() if connection.vendor == "postgresql" else self.sqlite_drop()
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


AUDIT_GUARD = Guard(
    table="portal_auditevent", name="portal_auditevent", message="the audit trail is append-only"
)

CHECKPOINT_GUARD = Guard(
    table="portal_auditcheckpoint",
    name="portal_auditcheckpoint",
    message="audit checkpoints are append-only",
)

#: Every guard of the project, so that tests can lift them all around a flush.
GUARDS: list[Guard] = [AUDIT_GUARD, CHECKPOINT_GUARD]


def register(guard: Guard) -> Guard:
    GUARDS.append(guard)
    return guard


@contextmanager
def guards_lifted(connection: BaseDatabaseWrapper, guards: list[Guard] | None = None) -> Iterator[None]:
    """Drop the guards for the duration of the block and put them back after.

    Only for tests and deliberate maintenance: the production code never calls it.
    """
    chosen = GUARDS if guards is None else guards
    for guard in chosen:
        guard.drop(connection)
    try:
        yield
    finally:
        for guard in chosen:
            guard.create(connection)
