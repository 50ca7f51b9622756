"""The one clock every deadline is computed from.

On AWS it is the system clock. The embedded local stack moves it forward so a
demo or a test can let days pass in seconds; nothing else changes it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def advance(delta: timedelta) -> datetime:
    """Move the clock forward (local stack and tests only)."""
    global _offset
    if delta < timedelta(0):
        raise ValueError("the clock only moves forward")
    with _lock:
        _offset += delta
    return now()


def offset() -> timedelta:
    """How far the clock has been moved forward (the local stack hands it to each function's container)."""
    return _offset


def reset() -> None:
    global _offset
    with _lock:
        _offset = timedelta(0)


def iso(moment: datetime) -> str:
    """Sortable UTC timestamp used in keys and stored attributes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
