"""Business metrics: written so that the dashboard's and the alarms' metric (the service dimension alone) exists."""

import json

import pytest

from complaints.core.observability import count


def _written(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_a_metric_with_dimensions_is_written_under_the_service_alone_and_under_its_dimensions(
        capsys: pytest.CaptureFixture[str]) -> None:
    count("StatusPushesDeadLettered", portal="p1")
    aggregate, detailed = _written(capsys)
    assert aggregate["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]  # type: ignore[index]
    assert "portal" not in aggregate and aggregate["StatusPushesDeadLettered"] == [1.0]
    assert sorted(detailed["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == ["portal", "service"]  # type: ignore[index]
    assert detailed["portal"] == "p1" and detailed["StatusPushesDeadLettered"] == [1.0]


def test_a_metric_without_dimensions_is_written_once(capsys: pytest.CaptureFixture[str]) -> None:
    count("SurveySmsUnmatched")
    (only,) = _written(capsys)
    assert only["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]  # type: ignore[index]
