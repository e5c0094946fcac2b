"""`lms credentials`: the key that signs verifiable credentials (create it, show it, rotate it)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from lms.core.unit_of_work import unit_of_work
from lms.db_types import utcnow

@click.group("credentials", cls=AppGroup, invoke_without_command=True)
@click.pass_context
def credentials_cli(context: click.Context) -> None:
    """The signing key of the verifiable credentials (Open Badges); alone, the same as `init`."""
    if context.invoked_subcommand is None:
        context.invoke(init_command)


@credentials_cli.command("init")
def init_command() -> None:
    """Generate the signing key unless there is one, and say which key signs (also: `lms credentials`)."""
    from lms.certificates import keys

    path = keys.key_file()
    with unit_of_work():
        created = keys.create_key_ring(path, utcnow())
        if created:
            keys.audit_created(path)
    ring = keys.key_ring(path)
    click.echo(f"{'Generated' if created else 'Kept'} {path}: key {ring.kid} signs, "
               f"{len(ring.published)} key(s) published as {keys.issuer_did()}.")


@credentials_cli.command("show")
def show_command() -> None:
    """Print the published keys (the JWKS at /.well-known/jwks.json)."""
    from lms.certificates import keys

    click.echo(json.dumps(keys.jwks(keys.key_ring(now=utcnow())), indent=2))


@credentials_cli.command("rotate-key")
@click.option("--as", "actor_email", help="E-mail of the person rotating the key (recorded in the audit log).")
def rotate_key_command(actor_email: str | None) -> None:
    """A new key signs from now on; the earlier keys stay published, so issued credentials still verify."""
    from lms.auth.service import find_user_by_email
    from lms.certificates import keys

    actor = find_user_by_email(actor_email) if actor_email else None
    if actor_email and actor is None:
        raise click.BadParameter(f"no account for {actor_email}", param_hint="--as")
    with unit_of_work():
        old_kid, new_kid = keys.rotate_key(now=utcnow(), actor_id=actor.id if actor else None)
    click.echo(f"Key {new_kid} signs from now on; {old_kid} stays published for the credentials it signed.")
