"""What the domain asks of the world outside it, as protocols the adapters implement."""

from __future__ import annotations

from typing import Protocol

from complaints.core.enums import Channel, Service
from complaints.core.values import Classification


class Classifier(Protocol):
    def classify(self, text: str, *, service: Service | None, channel: Channel, vip: bool,
                 repeat: bool = False) -> Classification: ...
