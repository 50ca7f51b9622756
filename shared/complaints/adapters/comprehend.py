"""Amazon Comprehend custom classification as the category classifier.

A deployment that has trained a Comprehend custom classifier on its own
complaints (class names = the policy's category keys) sets
CLASSIFIER=comprehend and COMPREHEND_ENDPOINT_ARN. Comprehend decides the
category when it is confident enough; nature, priority, evidence and the
triage rule still come from the text classifier (phrase rules and model),
which also answers alone whenever Comprehend is unsure or unavailable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from complaints.core.observability import logger
from complaints.core.policy_sections import Category
from complaints.core.ports import Classifier
from complaints.core.values import Channel, Classification, Service

_MAX_TEXT_BYTES = 5000


class ComprehendClassifier:
    def __init__(self, endpoint_arn: str, keywords: Classifier, categories: Mapping[str, Category], *,
                 min_score: float = 0.6, client: Any = None) -> None:
        self.endpoint_arn = endpoint_arn
        self.keywords = keywords
        self.categories = categories
        self.min_score = min_score
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("comprehend")
        return self._client

    def classify(self, text: str, *, service: Service | None, channel: Channel, vip: bool,
                 repeat: bool = False) -> Classification:
        base = self.keywords.classify(text, service=service, channel=channel, vip=vip, repeat=repeat)
        try:
            answer = self.client.classify_document(
                Text=text.encode("utf-8")[:_MAX_TEXT_BYTES].decode("utf-8", errors="ignore"),
                EndpointArn=self.endpoint_arn)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("comprehend unavailable; text classification used",
                           extra={"error": type(exc).__name__})
            return base
        classes = sorted(answer.get("Classes", []), key=lambda c: -float(c["Score"]))
        categories = self.categories
        if not classes or classes[0]["Name"] not in categories or float(classes[0]["Score"]) < self.min_score:
            return base
        category, score = str(classes[0]["Name"]), round(float(classes[0]["Score"]), 3)
        return base.model_copy(update={
            "category": category, "confidence": score, "needs_triage": False,
            "department": categories[category].department,
            "alternatives": {str(c["Name"]): round(float(c["Score"]), 3) for c in classes[:3]},
        })
