"""The managers' summary against a scripted set of complaints whose outcomes are known.

A fresh local stack per module, so these four complaints are all it has seen.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
COVERAGE = "小区里信号弱，经常掉话，已经持续两周了。"


def _complaint(n: int, phone: str, text: str, area: str) -> dict[str, Any]:
    return {"channel": "hotline", "external_id": f"REPORT-{n}", "service": "mobile_voice",
            "customer": {"name": "报表测试", "phone": phone}, "text": text,
            "location": {"area": area, "cell_id": f"CELL-R{n}"}}


@pytest.fixture(scope="module")
def scripted(stack: LocalStack, client: DeskClient) -> dict[str, str]:
    # A: fixed first time, rated 10.
    a = client.submit("demo-portal", _complaint(1, "13900001111", COVERAGE, "east-area"))["complaint_id"]
    owner = scenarios.to_confirmation(client, a)
    scenarios.close_and_rate(stack, client, a, owner, 10)
    # B: not fixed at the callback, fixed the second time, rated 4 for speed.
    b = client.submit("demo-portal", _complaint(2, "13900002222", COVERAGE, "north-area"))["complaint_id"]
    owner = scenarios.to_confirmation(client, b)
    client.act(b, "callbacks", owner, {"outcome": "not_fixed"})
    client.wait_for(b, owner, awaiting="resolution")
    scenarios.resolve(client, b, owner)
    scenarios.close_and_rate(stack, client, b, owner, 4, speed="unsatisfied", attitude="satisfied")
    # C: a coverage complaint still open in the east.
    c = client.submit("demo-portal", _complaint(3, "13900003333", COVERAGE, "east-area"))["complaint_id"]
    client.wait_for(c, "mgr-qian", awaiting="acceptance")
    # D: A's customer again about the same trouble, reported from the north: a repeat complaint, open.
    d = client.submit("demo-portal", _complaint(4, "13900001111", COVERAGE, "north-area"))["complaint_id"]
    client.wait_for(d, "mgr-qian", awaiting="acceptance")
    return {"A": a, "B": b, "C": c, "D": d}


def _period(client: DeskClient) -> tuple[str, str]:
    today = client.now().date()
    return (today - timedelta(days=2)).isoformat(), (today + timedelta(days=2)).isoformat()


def test_the_summary_counts_what_happened(client: DeskClient, scripted: dict[str, str]) -> None:
    report = client.summary("mgr-qian", *_period(client))
    assert report["received"] == 4
    assert report["by_channel"] == {"hotline": 4}
    assert report["by_category"] == {"network.coverage": 4}
    assert report["by_department"] == {"network_optimisation": 4}
    assert report["by_area"] == {"east-area": 2, "north-area": 2}
    assert report["closed_confirmed"] == 2
    assert report["first_time_fix_rate"] == 0.5 and report["reopen_rate"] == 0.5
    assert report["reopened"] == 1
    assert report["repeats"] == 1 and report["repeat_share"] == 0.25
    assert report["surveyed"] == 2 and report["mean_score"] == 7.0
    assert report["share_of_10"] == 0.5 and report["low_score_share"] == 0.5
    assert report["low_score_reasons"] == {"speed": 1}
    # Unresolved network complaints, now: C and D (A and B are closed).
    assert report["hotspots"] == {"east-area": 1, "north-area": 1}
    assert report["promises"]["acknowledge"]["kept"] == 4
    assert report["promises"]["acknowledge"]["missed"] == 0


def test_the_summary_exports_as_csv_and_needs_a_lead(client: DeskClient, scripted: dict[str, str]) -> None:
    start, end = _period(client)
    rows = list(csv.reader(io.StringIO(client.summary_csv("mgr-qian", start, end))))
    # The keys the API uses, and beside each what the desk calls it (Chinese unless asked otherwise).
    assert rows[0] == ["section", "item", "value", "name"]
    assert ["hotspot", "east-area", "1", "east-area"] in rows
    assert ["received", "total", "4", "受理量"] in rows
    assert ["low_score_reason", "speed", "1", "处理速度"] in rows
    assert ["category", "network.coverage", "4", "信号覆盖"] in rows
    from infra.cli.client import ApiError

    with pytest.raises(ApiError) as refused:
        client.summary("a-chen", start, end)
    assert refused.value.status == 403


def test_an_empty_period_reports_zeros_not_errors(client: DeskClient, scripted: dict[str, str]) -> None:
    report = client.summary("mgr-qian", "2020-01-01", "2020-01-31")
    assert report["received"] == 0 and report["first_time_fix_rate"] is None and report["by_category"] == {}
