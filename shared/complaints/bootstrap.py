"""Wiring: settings, policy, table, workflow, notifier and classifier, built once per process.

The one module that picks concrete adapters from the settings and gives the
table the reports' counting; every handler asks it for the desk, and tests
and the local stack reset it when they change the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from complaints.adapters.dynamodb import Tables
from complaints.adapters.notify import make_notifier
from complaints.adapters.stepfunctions import Workflow
from complaints.core.policy import Policy, load_policy, load_policy_file
from complaints.core.ports import Classifier
from complaints.core.settings import Settings, get_settings
from complaints.desk.context import Desk
from complaints.reporting.counting import counting


def _classifier(settings: Settings, policy: Policy) -> Classifier:
    """Built when a function first classifies: the others never import the classifier nor load its model."""
    from complaints.triage.classifier import text_classifier

    keywords = text_classifier(policy)
    if settings.classifier == "comprehend":
        from complaints.adapters.comprehend import ComprehendClassifier

        if not settings.comprehend_endpoint_arn:
            raise ValueError("COMPREHEND_ENDPOINT_ARN must be set when CLASSIFIER=comprehend")
        return ComprehendClassifier(settings.comprehend_endpoint_arn, keywords, policy.categories)
    return keywords


@lru_cache(maxsize=1)
def desk() -> Desk:
    settings = get_settings()
    policy = load_policy_file(Path(settings.policy_file)) if settings.policy_file else load_policy(
        settings.policy_profile)
    return Desk(
        settings=settings,
        base_policy=policy,
        tables=Tables.build(settings.table_name, settings.timer_shards,
                            counting(policy.calendar.zone, policy.hotspots),
                            indexes={"timers": settings.timers_index, "queue": settings.queue_index,
                                     "owner": settings.owner_index},
                            outage_group=policy.clusters.group_of),
        workflow=Workflow(settings.state_machine_arn),
        notifier=make_notifier(settings.notify_adapter, settings.outbox_path, settings.sender_email),
        classifier_factory=lambda: _classifier(settings, policy),
    )


def reset() -> None:
    """Forget the wiring (tests and the local stack change the environment).

    The AWS clients kept beside it go too (Powertools' parameter providers, the idempotency store), as a
    new deployment's containers start without them: a client made for an earlier local stack would
    bypass the next one's checks.
    """
    from aws_lambda_powertools.utilities import parameters

    from complaints.intake import receive

    desk.cache_clear()
    get_settings.cache_clear()
    parameters.clear_caches()
    receive.forget_clients()
