"""How long a test waits on the local stack before it calls the wait a failure.

Every wait ends as soon as its condition holds, so a long bound costs a passing
test nothing. The bounds are for a busy 2-core machine, where a container's
cold start (a fresh interpreter importing the function's code, two at a time
across the stack) and each step of the workflow can take many times what they
take on an idle one: shorter bounds made tests fail that passed on a rerun.
"""

from __future__ import annotations

# An HTTP answer: the local gateway waits up to API Gateway's 30 s for the function once it has a container,
# and starting one is not counted in those 30 s (infra.local.runtime.INIT_SECONDS bounds it).
ANSWER_SECONDS = 180.0
# The workflow reaching a stage or an end, one step after another.
WAIT_SECONDS = 120.0
