"""`lms scheduler`, `lms reminders` and `lms outbox`: running and looking after the notifications."""
from __future__ import annotations

import signal
import threading
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.core.unit_of_work import unit_of_work
from lms.db_types import utcnow


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once now and stop (no lock, no waiting).")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the scheduler: reminders, change notices, the outbox dispatcher and clean-up."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from lms.notifications.scheduler import JOBS, LeaderLock, build_scheduler, run_job, wait_for_leadership

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        for job in JOBS:
            click.echo(f"{job.id}: {run_job(app, job)}")
        return
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    lock = LeaderLock(app.config["SQLALCHEMY_DATABASE_URI"])
    waiting = lambda: click.echo("Another scheduler is active; waiting to take over.", err=True)  # noqa: E731
    try:
        if not wait_for_leadership(lock, threading.Event(), waiting):
            return
        click.echo(f"Scheduler running: {', '.join(job.id for job in JOBS)}")
        build_scheduler(app, BlockingScheduler, lock=lock).start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")
    finally:
        lock.release()


def _exit_on_sigterm(*_args) -> None:  # type: ignore[no-untyped-def]
    raise SystemExit(0)


@click.command("reminders")
@click.option("--dry-run", is_flag=True, help="Only list the reminders; queue nothing.")
@click.option("--hours", default=168, show_default=True, help="With --dry-run: how far ahead to look.")
@with_appcontext
def reminders_command(dry_run: bool, hours: int) -> None:
    """Queue the reminders that are due now, or (--dry-run) list the coming ones: when, to whom."""
    from lms.notifications.reminders import planned_reminders, queue_due_reminders

    now = utcnow()
    if dry_run:
        planned = planned_reminders(now, now + timedelta(hours=hours))
        for reminder in planned:
            _echo_reminder(reminder, now)
        click.echo(f"{len(planned)} reminder(s) in the next {hours} hours; nothing was queued.")
        return
    with unit_of_work():
        queued = queue_due_reminders(now)
    for reminder in queued:
        _echo_reminder(reminder, now)
    click.echo(f"{len(queued)} reminder(s) queued.")


def _echo_reminder(reminder, now) -> None:  # type: ignore[no-untyped-def]
    from lms.planning.service import local_zone

    zone = local_zone()
    when = "now" if reminder.send_at <= now else f"{reminder.send_at.astimezone(zone):%Y-%m-%d %H:%M}"
    session = reminder.session
    how = "e-mail+app" if reminder.email else "app"
    click.echo(f"{when}\t{reminder.hours}h\t{reminder.user.email}\t{how}\t"
               f"{session.cycle.course.title} ({session.cycle.title}) "
               f"{session.starts_at.astimezone(zone):%Y-%m-%d %H:%M}")


@click.group("outbox", invoke_without_command=True)
@with_appcontext
@click.pass_context
def outbox_command(context: click.Context) -> None:
    """The outbox's health; `list`, `dispatch` and `retry` below."""
    if context.invoked_subcommand is None:
        from lms.notifications.outbox import health

        state = health(utcnow())
        oldest = state.oldest_due_at.isoformat(timespec="seconds") if state.oldest_due_at else "-"
        click.echo(f"pending {state.pending}  sending {state.sending}  sent {state.sent}  "
                   f"failed {state.failed}  expired {state.expired}  superseded {state.superseded}  "
                   f"stuck {state.stuck}  due since {oldest}")


@outbox_command.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed", "expired", "superseded"]))
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def outbox_list(status: str | None, limit: int) -> None:
    """The newest messages, one per line: id, status, attempts, recipient, subject, last error."""
    from lms.notifications.models import MessageStatus
    from lms.notifications.outbox import messages

    for row in messages(MessageStatus(status) if status else None, limit):
        click.echo(f"{row.id}\t{row.status.value}\t{row.attempts}\t{row.recipient}\t{row.subject}"
                   + (f"\t{row.last_error}" if row.last_error else ""))


@outbox_command.command("dispatch")
@with_appcontext
def outbox_dispatch() -> None:
    """Send what is due now (the dispatcher's tick, by hand)."""
    from lms.notifications.outbox import dispatch
    from lms.notifications.transports import transport_from_config

    report = dispatch(transport_from_config(current_app.config), utcnow())
    click.echo(f"sent {report.sent}, to retry {report.retrying}, failed {report.failed}, "
               f"not sent (no longer true) {report.dropped}, reclaimed {report.reclaimed}")


@outbox_command.command("retry")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Every failed message.")
@with_appcontext
def outbox_retry(message_ids: tuple[int, ...], all_failed: bool) -> None:
    """Give failed messages a fresh set of attempts; the dispatcher sends them at its next tick."""
    from lms.notifications.models import MessageStatus
    from lms.notifications.outbox import messages, retry

    ids = list(message_ids)
    if all_failed:
        ids += [row.id for row in messages(MessageStatus.FAILED, limit=100_000)]
    if not ids:
        raise click.UsageError("give message ids, or --all-failed")
    now = utcnow()
    with unit_of_work():
        done = [message_id for message_id in ids if retry(message_id, now)]
    for message_id in sorted(set(ids) - set(done)):
        click.echo(f"{message_id}: not failed (or no such message); left as it is", err=True)
    click.echo(f"{len(done)} message(s) will be retried.")


COMMANDS = [scheduler_command, reminders_command, outbox_command]
