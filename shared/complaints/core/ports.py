"""What the domain asks of the world outside it, as protocols the adapters implement."""

from __future__ import annotations

from typing import Protocol

from complaints.core.values import Channel, Classification, Service


class Classifier(Protocol):
    def classify(self, text: str, *, service: Service | None, channel: Channel, vip: bool,
                 repeat: bool = False) -> Classification: ...
