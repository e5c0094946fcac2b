"""One unit of work per request, per CLI command and per scheduler job.

A request's changes are committed once, after its view returns, and rolled back if anything is
raised; views and services never commit (services flush when they need an id). Work that must
wait for the commit (sending an account e-mail at once, waking the dispatcher) is registered with
`after_commit` and runs only once the commit has succeeded, so nothing is sent for a change that
was not kept. This is Indico's request handler in the shape of a Flask app: every view function
is wrapped by `init_unit_of_work`, after the blueprints are registered.

A service refuses with a `DomainError` (each package has its subclass: `EnrolmentError`, ...).
A view that wants its own message and page catches it inside `refusal_flashed(back)`: the work is
rolled back, the message flashed, and the person sent back. A refusal nobody catches is answered
by `lms/core/errors.py` with the error's message and `status`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from flask import Flask, abort, flash, g, has_app_context, redirect
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.extensions import db


class DomainError(ValueError):
    """A rule of the domain refused what was asked; `str(error)` is meant for the person.

    `status` is the HTTP status the refusal is answered with when no view catches it: 409 when
    the state of things does not allow it (full, closed, already done), 422 for a value that can
    never be right.
    """

    status = 409


def after_commit(callback: Callable[[], Any]) -> None:
    """Run `callback` once the current unit of work has committed; never if it rolls back.

    The callback belongs to the innermost unit of work (a consumer's own inside a request's runs
    its callbacks itself); outside any, to the next `commit()`. A rollback of the transaction,
    also a bare `db.session.rollback()`, drops what waited.
    """
    _waiting().append(callback)


def commit() -> None:
    """Commit the unit of work, then run what waited for it (each callback once, in order)."""
    db.session.commit()
    waiting = _waiting() if has_app_context() else []
    callbacks, waiting[:] = list(waiting), []
    for callback in callbacks:
        callback()


def rollback() -> None:
    """Undo the unit of work; what waited for its commit is dropped."""
    db.session.rollback()
    _drop_waiting()


def commit_batch() -> None:
    """End one batch's unit of work and begin the next: for a job that keeps its progress batch
    by batch on purpose (a stopped sweep keeps what it did; the next run does the rest)."""
    commit()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did, or roll it back if it raised: for CLI commands and jobs."""
    frames = g.setdefault("_units_of_work", [])
    frames.append([])
    try:
        try:
            yield
        except BaseException:
            rollback()
            raise
        commit()
    finally:
        frames.pop()


def _waiting() -> list[Callable[[], Any]]:
    """The callbacks of the innermost unit of work (or of work done outside any)."""
    frames = g.get("_units_of_work")
    return frames[-1] if frames else g.setdefault("_after_commit", [])


def _drop_waiting(*_args: Any) -> None:
    if has_app_context():
        _waiting().clear()


def in_unit_of_work(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def run_in_unit_of_work(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work():
            return view(*args, **kwargs)

    run_in_unit_of_work.runs_in_unit_of_work = True  # type: ignore[attr-defined]
    return run_in_unit_of_work


@contextmanager
def refusal_flashed(back: str, category: str = "error") -> Iterator[None]:
    """Inside a view: on a `DomainError`, roll back, flash its message and redirect to `back`."""
    try:
        yield
    except DomainError as refusal:
        rollback()
        flash(str(refusal), category)
        abort(redirect(back))


@contextmanager
def refusal_undone() -> Iterator[None]:
    """Undo only the block's own changes if it is refused; what the request did before is kept.

    For a view that must keep a record of the attempt (a failed log-in counted, a token's last use)
    while the refused change itself is undone: the block runs in a savepoint and the refusal is
    raised on for the view, or the error handler, to answer.
    """
    _begin_before_a_savepoint()
    savepoint = db.session.begin_nested()
    try:
        yield
    except DomainError:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    if savepoint.is_active:
        savepoint.commit()


def _begin_before_a_savepoint() -> None:
    """Make sure the unit of work's transaction has begun before a savepoint is taken.

    pysqlite begins a transaction only before a write: a SAVEPOINT taken before any write starts
    one itself, and releasing that savepoint commits at once, so a later rollback of the request
    would no longer undo the block. IMMEDIATE, as the block is there to write: a deferred
    transaction that reads first could not take the write lock once another writer committed.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_unit_of_work(app: Flask) -> None:
    """Wrap every view registered so far; call it after the blueprints are registered."""
    if not event.contains(Session, "after_rollback", _drop_waiting):  # also a bare rollback drops
        event.listen(Session, "after_rollback", _drop_waiting)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = in_unit_of_work(view)
