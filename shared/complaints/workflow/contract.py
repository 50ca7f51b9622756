"""The names the state machine (statemachine/complaint.asl.json) and the code share.

Step Functions routes by name: a Retry or Catch matches an error by the name
a task Lambda raised (the exception's class name) or the name sent to a
waiting task with SendTaskFailure, and the console, the tests and operators
looking at an execution's history name its states. A name changed on one side
only is a silent break, so every such name is written once here (the errors
the code sends are `WorkflowError`, in core, so the stages below the workflow
can send them) and tests/unit/test_asl_contract.py holds them and the ASL to
each other, both ways.
"""

from __future__ import annotations

from enum import StrEnum

from complaints.core.enums import Stage, WorkflowError
from complaints.core.errors import ComplaintError, NoAgentAvailable, SupervisorRequired, VersionConflict


class State(StrEnum):
    """Every state of the workflow, in the order a complaint meets them."""

    RESUME = "Resume"
    CLASSIFY = "Classify"
    ASSIGN = "Assign"
    AWAIT_ASSIGNMENT = "AwaitAssignment"
    AWAIT_ACCEPTANCE = "AwaitAcceptance"
    AWAIT_RESOLUTION = "AwaitResolution"
    AWAIT_QUALITY_CHECK = "AwaitQualityCheck"
    HOLD_TRACKING = "HoldTracking"
    AWAIT_CONFIRMATION = "AwaitConfirmation"
    CLOSE = "Close"
    MARK_FAILED = "MarkFailed"
    FAILED = "Failed"
    RESUME_REFUSED = "ResumeRefused"


# The state that waits for each stage an execution waits through: its task token is what the park step stores
# on the complaint. The other stages (HELD_STAGES) are held by the complaint's timer with no execution open.
WAITS: dict[Stage, State] = {
    Stage.ASSIGNMENT: State.AWAIT_ASSIGNMENT,
    Stage.ACCEPTANCE: State.AWAIT_ACCEPTANCE,
    Stage.RESOLUTION: State.AWAIT_RESOLUTION,
    Stage.QUALITY_CHECK: State.AWAIT_QUALITY_CHECK,
    Stage.CONFIRMATION: State.AWAIT_CONFIRMATION,
}

# The step that hands a held stage over to its timer, where the execution ends (the survey and the review are
# held by Close and by the survey's answer, outside the state machine).
HOLDS: dict[Stage, State] = {Stage.TRACKING: State.HOLD_TRACKING}

# Where a new execution of a complaint may start (its input's resume.stage): every wait, and the automatic
# steps a complaint can stand before. Any other name ends the execution at RESUME_REFUSED.
RESUMABLE: tuple[State, ...] = (State.CLASSIFY, State.ASSIGN, State.AWAIT_ASSIGNMENT, State.AWAIT_ACCEPTANCE,
                                State.AWAIT_RESOLUTION, State.AWAIT_QUALITY_CHECK, State.HOLD_TRACKING,
                                State.AWAIT_CONFIRMATION, State.CLOSE)

# The waits that catch each error sent to a waiting task, and so may receive it. The survey's and the review's
# errors reach only executions of the earlier definition still waiting there (Step Functions runs an execution
# on the definition it started with); the code sends them only when the complaint holds such a task token.
SENT_TO: dict[WorkflowError, frozenset[State]] = {
    WorkflowError.ACCEPTANCE_TIMED_OUT: frozenset({State.AWAIT_ACCEPTANCE}),
    WorkflowError.TRANSFERRED: frozenset({State.AWAIT_ACCEPTANCE, State.AWAIT_RESOLUTION}),
    WorkflowError.APPEALED: frozenset(),
    WorkflowError.SURVEY_TIMED_OUT: frozenset(),
    WorkflowError.QUALITY_CHECK_REQUIRED: frozenset({State.AWAIT_RESOLUTION}),
    WorkflowError.DEFERRED: frozenset({State.AWAIT_RESOLUTION, State.AWAIT_QUALITY_CHECK}),
    WorkflowError.QUALITY_CHECK_FAILED: frozenset({State.AWAIT_QUALITY_CHECK}),
    WorkflowError.NOT_FIXED: frozenset({State.AWAIT_CONFIRMATION}),
}

# Domain errors a task Lambda raises that the workflow catches or retries by their class name.
RAISED: tuple[type[ComplaintError], ...] = (VersionConflict, NoAgentAvailable, SupervisorRequired)
# Where the raised errors that change the path are caught (VersionConflict is retried at every task).
RAISED_AT: dict[str, frozenset[State]] = {
    NoAgentAvailable.__name__: frozenset({State.ASSIGN}),
    SupervisorRequired.__name__: frozenset({State.ASSIGN}),
}

# The Lambda service's own transient errors, retried with backoff at every task.
LAMBDA_TRANSIENT = frozenset({"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                              "Lambda.TooManyRequestsException"})

# Every error name the workflow matches in a Retry or Catch, besides Step Functions' own States.*.
ERRORS = frozenset({*(error for error, states in SENT_TO.items() if states), *(error.__name__ for error in RAISED),
                    *LAMBDA_TRANSIENT})

# The error a failed complaint's execution ends with (the Fail state's), after MarkFailed recorded why.
COMPLAINT_FAILED = "ComplaintFailed"
# The error of an execution started with a resume stage the machine does not have.
UNKNOWN_RESUME_STAGE = "Complaint.UnknownResumeStage"
