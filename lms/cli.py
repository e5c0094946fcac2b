"""`flask --app lms lms <command>`, also installed as the console script `lms <command>`.

Each command's changes are one unit of work (lms/core/unit_of_work.py): committed when it ends,
rolled back if it fails; a sweep keeps its progress batch by batch.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup
from flask_migrate import upgrade

from lms.core.unit_of_work import commit_batch, unit_of_work
from lms.extensions import db

lms_cli = AppGroup("lms", help="Kompetenscentret's own commands.")


@lms_cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema by running the migrations."""
    upgrade()
    click.echo(f"Database is up to date: {db.engine.url.render_as_string(hide_password=True)}")


@lms_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", "roles", multiple=True, default=["learner"], show_default=True,
    type=click.Choice(["learner", "trainer", "coordinator", "organisation_contact", "admin"]),
    help="Repeat for several roles.",
)
@click.option("--organisation", help="Name of an existing organisation.")
@click.option("--locale", type=click.Choice(["sv", "en", "ar"]), default="sv", show_default=True)
@click.password_option(help="Prompted for when not given.")
def create_user_command(email, name, roles, organisation, locale, password) -> None:
    """Create an account (for example the first administrator)."""
    from sqlalchemy import select

    from lms.auth.models import Organisation, Role
    from lms.auth.passwords import WeakPassword
    from lms.auth.service import AccountError, create_user

    organisation_id = None
    if organisation:
        organisation_id = db.session.execute(
            select(Organisation.id).where(Organisation.name == organisation)
        ).scalar_one_or_none()
        if organisation_id is None:
            raise click.BadParameter(f"no organisation called {organisation!r}", param_hint="--organisation")
    try:
        with unit_of_work():
            user = create_user(
                email, name, roles=[Role(r) for r in roles], organisation_id=organisation_id,
                password=password, locale=locale,
            )
    except (AccountError, WeakPassword) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.email} with roles {', '.join(sorted(r.value for r in user.roles))}")


@lms_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load demo data (idempotent) and print the demo logins: `<role> <email> <password>`."""
    from lms.demo import seed_demo

    if current_app.config["LMS_MODE"] == "production":
        raise click.ClickException("seed-demo refuses to run in production mode")
    with unit_of_work():
        logins = seed_demo()
    for role, email, password in logins:
        click.echo(f"{role} {email} {password}")


content_cli = AppGroup("content", help="Check and import courses_content/.")
lms_cli.add_command(content_cli)


def _content_path(path: str | None) -> Path:
    return Path(path or current_app.config["LMS_CONTENT_DIR"])


def _print_errors(errors) -> None:  # type: ignore[no-untyped-def]
    for error in errors:
        click.echo(str(error), err=True)
    click.echo(f"{len(errors)} error(s); nothing was imported or changed.", err=True)


@content_cli.command("check")
@click.argument("path", required=False, type=click.Path(file_okay=False))
def content_check(path: str | None) -> None:
    """Check every course under PATH (default: courses_content/) and report every error."""
    from lms.catalog.content import load_content

    report = load_content(_content_path(path))
    if not report.ok:
        _print_errors(report.errors)
        raise SystemExit(1)
    modules = sum(len(c.modules) for c in report.courses)
    competences = sum(len(f.competences) for f in report.frameworks)
    click.echo(f"OK: {len(report.courses)} courses, {modules} modules, "
               f"{len(report.frameworks)} frameworks with {competences} competences.")


@content_cli.command("import")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--as", "actor_email", help="E-mail of the person importing (recorded in the history).")
@click.option("--force", is_flag=True, help="Import also over courses last changed in the browser.")
def content_import(path: str | None, actor_email: str | None, force: bool) -> None:
    """Check, then import every course under PATH in one transaction."""
    from lms.auth.service import find_user_by_email
    from lms.catalog.content import load_content
    from lms.catalog.service import edited_in_the_browser, import_content

    actor = find_user_by_email(actor_email) if actor_email else None
    if actor_email and actor is None:
        raise click.BadParameter(f"no account for {actor_email}", param_hint="--as")
    report = load_content(_content_path(path))
    if not report.ok:
        _print_errors(report.errors)
        raise SystemExit(1)
    newer = edited_in_the_browser(report.courses)
    if newer and not force:
        for source, version in newer:
            who = version.imported_by.name if version.imported_by else "someone"
            click.echo(f"{source.slug}: changed in the browser by {who} on {version.imported_at:%Y-%m-%d %H:%M} UTC, "
                       "and its files here say something else. Download the course from the browser "
                       f"(/courses/{source.slug}/package.zip) into {source.folder}, or import with --force "
                       "to replace that edit.", err=True)
        raise SystemExit(1)
    with unit_of_work(), click.progressbar(length=len(report.courses), label="Importing courses") as bar:
        result = import_content(report.courses, report.errors, actor_id=actor.id if actor else None,
                                on_course=lambda _course: bar.update(1), frameworks=report.frameworks)
    click.echo(f"Imported: {len(result.created)} created, {len(result.updated)} updated, "
               f"{len(result.unchanged)} unchanged.")


def commands() -> AppGroup:
    """The `lms` group with the other packages' commands, as `register_cli` adds it to the app."""
    from lms.certificates.cli import credentials_cli
    from lms.notifications.cli import COMMANDS

    for command in [*COMMANDS, credentials_cli]:
        lms_cli.add_command(command)
    return lms_cli


certificates_cli = AppGroup("certificates", help="Completion and certificates.")
lms_cli.add_command(certificates_cli)


@certificates_cli.command("sweep")
@click.option("--full", is_flag=True, help="Look at every seat, not only what changed since the last sweep "
              "(as the nightly certificate-full-sweep job does).")
def certificates_sweep(full: bool) -> None:
    """Issue the certificates of the learners who have completed a cycle (also a scheduled job)."""
    from lms.certificates.sweep import full_sweep, sweep
    from lms.db_types import utcnow

    with unit_of_work():
        issued = (full_sweep if full else sweep)(utcnow(), after_each=commit_batch)
    click.echo(f"{issued} certificate(s) issued.")


@lms_cli.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def backup_command(path: str | None) -> None:
    """Write a consistent backup of the database (default: instance/backups/lms-<time>.*)."""
    from lms.backups import BackupError, backup, default_path

    target = Path(path) if path else default_path(current_app.instance_path, db.engine.url)
    try:
        written = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {written}")


@lms_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the current content is to be replaced.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the database's content with a backup. Stop the web and scheduler processes first."""
    from lms.backups import BackupError, restore

    if not yes:
        raise click.ClickException("restore replaces every row of the database: add --yes to go ahead")
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(path))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored from {path}")


@lms_cli.command("doctor")
@click.option("--repair", is_flag=True, help="Set each drifted cycle's seat count to its enrolments.")
def doctor_command(repair: bool) -> None:
    """Check that every cycle's taken seats equal its enrolments holding a seat (exit 1 on drift)."""
    from lms.audit.service import record_event
    from lms.enrolment.consistency import repair_seats, seat_drift

    with unit_of_work():
        drift = repair_seats() if repair else seat_drift()
        for item in drift:
            click.echo(f"cycle {item.cycle_id} ({item.title}): seats_taken={item.seats_taken}, "
                       f"holding a seat={item.holding}, capacity={item.capacity}"
                       + (f" -> repaired to {min(item.holding, item.capacity)}" if repair else ""))
            if repair:
                record_event(None, "cycle.seats_repaired", "cycle", item.cycle_id,
                             seats_taken=item.seats_taken, holding=item.holding)
    if not drift:
        click.echo("No drift: every cycle's taken seats equal its enrolments holding a seat.")
    elif not repair:
        raise SystemExit(1)


def main() -> None:
    """The `lms` console script: the `lms` command group with the app loaded."""
    from lms import create_app

    cli = FlaskGroup(
        name="lms", create_app=create_app, add_default_commands=False, add_version_option=False,
        load_dotenv=False, help="Kompetenscentret's own commands.",
    )
    for name, command in commands().commands.items():  # includes the `content` group
        cli.add_command(command, name)
    cli.main(prog_name="lms")
