"""Named domain errors.

Handlers map them to HTTP answers in one place; task functions let them
propagate so the state machine catches them by name (the error type name is
what Step Functions sees as the error).
"""

from __future__ import annotations


class ComplaintError(Exception):
    """Base of every domain error. Messages never contain customer data."""

    status_code = 500


class ComplaintNotFound(ComplaintError):
    status_code = 404


class Conflict(ComplaintError):
    """The request is well formed but the complaint's state does not allow it."""

    status_code = 409


class VersionConflict(Conflict):
    """Someone else changed the complaint first."""


class ConditionFailed(Conflict):
    """A conditional write found its item other than it expected: already there, gone, or moved on."""


class NotAwaiting(Conflict):
    """The workflow is not waiting for this action on this complaint."""


class DuplicateMismatch(Conflict):
    """A portal reused an external id for a different complaint body."""


class Unauthorized(ComplaintError):
    status_code = 401


class Forbidden(ComplaintError):
    status_code = 403

    def __init__(self, message: str, department: str | None = None) -> None:
        super().__init__(message)
        self.department = department  # whose leads may act, so the refused operator knows whom to ask


class LinkNotFound(ComplaintError):
    """A customer's link that this desk did not sign."""

    status_code = 404


class LinkExpired(ComplaintError):
    status_code = 410


class LinkUsed(Conflict):
    """A customer's link was already answered, or what it asked about is over."""


class QuietHours(Conflict):
    """Customers are not called in quiet hours unless the complaint is urgent."""


class NoAgentAvailable(ComplaintError):
    """No agent of the department can take the complaint now."""


class WorkflowUnavailable(ComplaintError):
    """Step Functions did not take the decision; nothing was changed."""

    status_code = 503


class WorkflowUncertain(ComplaintError):
    """Step Functions did not answer (a timeout, a dropped connection): it may or may not have the decision."""

    status_code = 503


class BadRequest(ComplaintError):
    status_code = 400


class InvalidField(ComplaintError):
    """A field passed the schema but not the domain's rules (an impossible phone number)."""

    status_code = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"invalid request: {field}: {reason}")
        self.field = field
        self.reason = reason


class PayloadTooLarge(ComplaintError):
    status_code = 413


class UnsupportedMediaType(ComplaintError):
    status_code = 415


class SupervisorRequired(ComplaintError):
    """The complaint was passed around too often: a supervisor assigns it by hand."""
