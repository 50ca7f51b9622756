"""SQS event source: post the status events of the batch, each complaint's in turn and the complaints' at once.

A message whose delivery could not be settled (the table or the secrets store
failed) is reported as a batch item failure and handed out again by the queue;
a portal's own failures are settled with a retry or a dead letter.
"""

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from complaints.bootstrap import desk
from complaints.core.observability import lambda_handler, logger
from complaints.intake import portals
from complaints.workflow import pushing

processor = AsyncBatchProcessor(event_type=EventType.SQS)
# One thread per message of the largest batch the template's event source hands over.
posting = ThreadPoolExecutor(max_workers=10, thread_name_prefix="push")


@lambda_handler()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = desk()
    secret_name = current.settings.required("portal_secrets_name")
    outcomes: Counter[str] = Counter()

    def secrets() -> dict[str, list[str]]:
        return portals.portal_secrets(secret_name)

    async def record_handler(record: SQSRecord) -> list[str]:
        loop = asyncio.get_running_loop()
        settled = await loop.run_in_executor(posting, pushing.deliver, current, record.body, secrets)
        outcomes.update(settled)
        return settled

    answer = async_process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                            context=context)
    logger.info("status pushes sent", extra={"outcomes": dict(outcomes),
                                             "unsettled": len(answer.get("batchItemFailures", []))})
    return dict(answer)
