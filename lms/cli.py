"""`flask --app lms lms <command>`, also installed as the console script `lms <command>`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup
from flask_migrate import upgrade

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
@click.option("--locale", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
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
        user = create_user(
            email, name, roles=[Role(r) for r in roles], organisation_id=organisation_id,
            password=password, locale=locale,
        )
    except (AccountError, WeakPassword) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.email} with roles {', '.join(sorted(r.value for r in user.roles))}")


@lms_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load demo data (idempotent) and print the demo logins: `<role> <email> <password>`."""
    from lms.demo import seed_demo

    if current_app.config["LMS_MODE"] == "production":
        raise click.ClickException("seed-demo refuses to run in production mode")
    for role, email, password in seed_demo():
        click.echo(f"{role} {email} {password}")


def main() -> None:
    """The `lms` console script: the `lms` command group with the app loaded."""
    from lms import create_app

    cli = FlaskGroup(
        name="lms", create_app=create_app, add_default_commands=False, add_version_option=False,
        load_dotenv=False, help="Kompetenscentret's own commands.",
    )
    for name, command in lms_cli.commands.items():
        cli.add_command(command, name)
    cli.main(prog_name="lms")
