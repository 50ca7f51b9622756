"""Choosing the encoder's weight and consult_below (bench.encoder_vote), on votes made up to show each rule."""

import pytest

from bench.encoder_vote import THRESHOLDS, WEIGHTS, Voted, choose, score, split


def _row(truth: str, model_a: float, encoded_a: float) -> Voted:
    """A complaint between categories a and b: the linear model's share for a, the encoder's score for a (and
    minus it for b); the rules have no opinion."""
    return Voted(truth, {"a": model_a, "b": 1 - model_a}, {"a": 0.5, "b": 0.5}, {"a": encoded_a, "b": -encoded_a})


def test_the_encoder_is_asked_only_below_the_threshold_and_its_scores_join_at_the_weight() -> None:
    # the model leans to a at 0.55 (unsure); the encoder says b firmly; truth is b
    rows = [_row("b", 0.55, -2.0)]
    assert score(rows, 0.0, {}, None, 1.01) == (0, 0)  # never asked: the model's a stands
    assert score(rows, 0.0, {}, 1.0, 0.5) == (0, 0)  # 0.55 is not under 0.5: not asked
    assert score(rows, 0.0, {}, 1.0, 0.6) == (1, 1)  # asked, and its b wins
    assert score(rows, 0.0, {}, 0.01, 0.6) == (0, 1)  # asked, but too light to change the vote


def test_with_few_rows_the_pair_chosen_gets_most_right_then_asks_least_then_weighs_least() -> None:
    # a sure model right on its own, and two unsure ones the encoder puts right: asking below 0.6 is enough
    rows = [_row("a", 0.95, -1.0), _row("b", 0.55, -3.0), _row("b", 0.58, -3.0)]
    (weight, threshold), grid = choose(rows, 0.0, {})
    assert set(grid) == {(w, t) for w in WEIGHTS for t in THRESHOLDS}
    assert grid[(weight, threshold)] == (3, 2)
    assert threshold == 0.6 and weight == min(w for w in WEIGHTS if grid[(w, 0.6)][0] == 3)
    assert grid[(3.0, 1.01)][0] == 2, "asking the sure complaint too lets the encoder outvote it"


def test_a_pair_asking_fewer_is_chosen_when_the_most_right_is_ahead_by_less_than_a_standard_error() -> None:
    # 80 sure and right, 9 sure and wrong; 10 unsure at 0.55 and one at 0.75 that the encoder puts right. Asking
    # below 0.8 gets one more right than below 0.6 (91 against 90 of 100; a standard error is ~2.9 rows) for one
    # more asked.
    rows = ([_row("a", 0.95, -1.0)] * 80 + [_row("b", 0.99, 3.0)] * 9 + [_row("b", 0.55, -3.0)] * 10
            + [_row("b", 0.75, -3.0)])
    (weight, threshold), grid = choose(rows, 0.0, {})
    assert max(right for right, _ in grid.values()) == 91
    assert (threshold, grid[(weight, threshold)]) == (0.6, (90, 10))
    assert weight == min(w for w in WEIGHTS if grid[(w, 0.6)][0] == 90)
    assert grid[(1.0, 0.5)] == (80, 0), "asking nobody is further than a standard error from the best: not chosen"


def test_the_writers_set_aside_must_leave_some_to_learn_from() -> None:
    with pytest.raises(SystemExit, match="--writers"):
        split("telecom", 0)
    with pytest.raises(SystemExit, match="--writers"):
        split("telecom", 100)
