"""Named reasons a workflow step is refused; the API maps each to its HTTP status."""


class WorkflowError(Exception):
    status = 400

    def __init__(self, message: str = "", errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ClaimNotFound(WorkflowError):
    """Not there, or outside the actor's jurisdiction: both look the same."""

    status = 404


class UnknownAction(WorkflowError):
    status = 422


class RoleNotAllowed(WorkflowError):
    """The actor's role may not take this action."""

    status = 403


class DutiesNotSeparated(RoleNotAllowed):
    """The actor already did an earlier step of this claim (filed, verified or approved it)."""


class InvalidTransition(WorkflowError):
    """The action is not possible from the claim's current status."""

    status = 409


class StaleClaim(WorkflowError):
    """The claim changed since the actor loaded it (row version mismatch)."""

    status = 409


class TransitionRefused(WorkflowError):
    """The action's data or a required condition is missing; ``errors`` says which."""

    status = 422


class OnNotice(WorkflowError):
    """The claim is on public notice (公示) and cannot be paid until the notice ends."""

    status = 409
