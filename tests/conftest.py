"""The order the test modules run in: those marked `long` first.

`make test` spreads the modules over its workers, a whole module to one worker,
in the order they were collected (`--no-loadscope-reorder`: by default
pytest-xdist hands out the modules with the most tests first, which put the
API fuzzing, one test of three minutes, last of all). A module that takes
minutes, run last, runs alone while the other workers wait; started first, it
runs beside the short ones.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: within each group, and within every module, the collected order is kept.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
