"""The order the test modules run in: those marked `long` first.

`make test` spreads the modules over its workers, a whole module to one worker,
in the order they were collected. A module that takes minutes, collected last,
would run alone at the end while the other workers wait; started first, it
runs beside the short ones.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: within each group, and within every module, the collected order is kept.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
