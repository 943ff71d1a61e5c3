"""Commit once per request, and work that waits for the commit.

Operations change state and flush; they never commit. A page or API request commits once, after
its view, when its answer is a success (below 400) and rolls back otherwise, so a refused step
leaves nothing half-written. A failure at that commit (a concurrent change, a taken unique key, a
locked database) is answered by its error handler (409, 503) instead of the view's answer.

``after_commit(fn)`` queues work that must happen only once the change is stored (sending a text
message): ``fn`` runs once after the transaction it was queued in commits, and never if that
transaction (or the savepoint it was queued in) rolls back. Commands commit explicitly; the
queue works the same for them.
"""

from collections.abc import Callable

from flask import Flask, Response, g
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from hwc.extensions import db

_QUEUE = "hwc_after_commit"


def after_commit(fn: Callable[[], object]) -> None:
    """Run ``fn`` (no arguments) once the current transaction commits; drop it if the transaction
    or the savepoint it is queued in rolls back."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_QUEUE, []).append((transaction, fn))


def keep_on_error() -> None:
    """Commit this request's changes even though it answers with an error: a failed login still
    counts against the account, photos accepted beside a refused one stay."""
    g.hwc_keep_on_error = True


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``ended`` or nested inside it (None: the root, not yet begun)."""
    if transaction is None:
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _run_queue(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: its work waits for the transaction around it
    queued = session.info.pop(_QUEUE, [])
    for _transaction, fn in queued:
        try:
            fn()
        except Exception:  # the change is stored: one failed follow-up must not undo the answer
            from flask import current_app

            current_app.logger.exception("work queued after a commit failed")


def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    queued = session.info.get(_QUEUE)
    if queued:
        session.info[_QUEUE] = [(t, fn) for t, fn in queued if not _within(t, previous)]


def settle(app: Flask, response: Response) -> Response:
    """Commit the request's transaction if ``response`` is a success (or the view asked to keep
    its changes), roll it back otherwise; a commit that fails is answered by the error's
    handler, or raised when there is none."""
    session = db.session()
    if not session.in_transaction() and not session.info.get(_QUEUE):
        return response
    if response.status_code >= 400 and not g.get("hwc_keep_on_error"):
        session.rollback()
        return response
    try:
        session.commit()
    except Exception as error:
        session.rollback()
        return app.make_response(app.handle_user_exception(error))
    return response


class HWCFlask(Flask):
    """Flask, with the request's transaction settled before the response is finished."""

    def finalize_request(self, rv, from_error_handler: bool = False) -> Response:
        return super().finalize_request(settle(self, self.make_response(rv)),
                                        from_error_handler)


def init_session_events() -> None:
    """Install the queue's listeners once per process."""
    target = db.session
    if not event.contains(target, "after_commit", _run_queue):
        event.listen(target, "after_commit", _run_queue)
        event.listen(target, "after_soft_rollback", _drop_rolled_back)
