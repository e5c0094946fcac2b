"""A cycle's attendance version: a number the database moves whenever something that a cycle's
attendance figures are made of changes, namely its sessions, its seats, its records or its rule
for excused absences.

The coordinator's dashboard keeps each cycle's roll-up (lms/reports/roll_ups.py) and reads only
this number to know whether it still holds. Triggers move it, not the application: a roll call, a
check-in, the certificate sweep's bulk update, a person's erasure and a fix typed into psql all
change these tables, and every one of them must be seen.

On PostgreSQL the triggers are deferred to the commit and move each cycle's number once per
transaction. A roll call then locks its cycle's row only while it commits. Taken at the first
statement instead, that lock would be held across the whole transaction, and a learner checking
in at the same moment could deadlock with it. SQLite has one writer at a time, so plain triggers
are enough there.

The migration that adds the column (0014) creates these triggers with `shared_statements` and
`create_statements`; the tests' `create_all` does the same through `watch`.
"""
from __future__ import annotations

from sqlalchemy import DDL, MetaData, event

#: the tables a cycle's attendance figures come from, with the SQL that finds a row's cycle
#: (`{row}` is NEW or OLD)
WATCHED: dict[str, str] = {
    "class_sessions": "{row}.cycle_id",
    "enrolments": "{row}.cycle_id",
    "attendance_rules": "{row}.cycle_id",
    "attendances": "(SELECT cycle_id FROM class_sessions WHERE id = {row}.session_id)",
}

_TOUCH_ONCE = """
CREATE OR REPLACE FUNCTION lms_touch_cycle(cycle integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cycle IS NULL OR current_setting('lms.touched_cycle_' || cycle, true) = '1' THEN
        RETURN;
    END IF;
    UPDATE cycles SET attendance_version = attendance_version + 1 WHERE id = cycle;
    PERFORM set_config('lms.touched_cycle_' || cycle, '1', true);
END $$
"""


def _postgresql(table: str) -> list[str]:
    cycle = WATCHED[table]
    return [
        f"""
CREATE OR REPLACE FUNCTION lms_{table}_touch_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM lms_touch_cycle({cycle.format(row="NEW")});
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM lms_touch_cycle({cycle.format(row="OLD")});
    END IF;
    RETURN NULL;
END $$
""",
        f"CREATE CONSTRAINT TRIGGER {table}_touch_cycle AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lms_{table}_touch_cycle()",
    ]


def _sqlite(table: str) -> list[str]:
    cycle = WATCHED[table]
    touch = "UPDATE cycles SET attendance_version = attendance_version + 1 WHERE id IN ({cycles});"
    return [
        f"CREATE TRIGGER {table}_touch_cycle_on_{event} AFTER {event.upper()} ON {table} BEGIN "
        f"{touch.format(cycles=', '.join(cycle.format(row=row) for row in rows))} END"
        for event, rows in (("insert", ["NEW"]), ("update", ["NEW", "OLD"]), ("delete", ["OLD"]))
    ]


def shared_statements(dialect: str) -> list[str]:
    """The SQL every table's triggers call (PostgreSQL's once-per-transaction touch), made first."""
    return [_TOUCH_ONCE] if dialect == "postgresql" else []


def create_statements(dialect: str, table: str) -> list[str]:
    """The SQL that makes `table` move its cycles' attendance version."""
    return _postgresql(table) if dialect == "postgresql" else _sqlite(table)


def drop_statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_touch_cycle ON {table}",
                f"DROP FUNCTION IF EXISTS lms_{table}_touch_cycle()"]
    return [f"DROP TRIGGER IF EXISTS {table}_touch_cycle_on_{event}" for event in ("insert", "update", "delete")]


def drop_shared_statements(dialect: str) -> list[str]:
    return ["DROP FUNCTION IF EXISTS lms_touch_cycle(integer)"] if dialect == "postgresql" else []


def watch(metadata: MetaData) -> None:
    """Create the triggers whenever the metadata creates the watched tables (the tests' `create_all`)."""
    for statement in shared_statements("postgresql"):
        event.listen(metadata, "before_create", DDL(statement).execute_if(dialect="postgresql"))
    for name in WATCHED:
        for dialect in ("postgresql", "sqlite"):
            for statement in create_statements(dialect, name):
                event.listen(metadata.tables[name], "after_create", DDL(statement).execute_if(dialect=dialect))
