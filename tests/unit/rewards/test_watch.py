"""The training reward's watch: a constant reward is named in a warning; a bad shape is refused."""

from __future__ import annotations

import warnings

import pytest
import torch

from alignzoo.errors import PluginError
from alignzoo.rewards import RewardSource
from alignzoo.rewards.watch import ConstantRewardWarning, ConstantRewardWatch


class Scripted(RewardSource):
    """Returns the next scripted row of scores on each call."""

    name = "scripted"

    def __init__(self, rows: list[list[float]]) -> None:
        self.rows = iter(rows)

    def score(self, prompts, completions):
        return torch.tensor(next(self.rows))


def _score(watch: ConstantRewardWatch, n: int = 3) -> torch.Tensor:
    return watch.score(["p"] * n, ["c"] * n)


def test_three_constant_batches_in_a_row_warn_once_naming_the_reward() -> None:
    watch = ConstantRewardWatch(Scripted([[0.0] * 3] * 5), "regex")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _score(watch), _score(watch)
        assert not caught
        _score(watch)
        _score(watch), _score(watch)
    (warning,) = caught
    assert issubclass(warning.category, ConstantRewardWarning)
    assert "reward=regex gave every completion the same score (0) in 3 batches" in str(
        warning.message
    )


def test_a_batch_that_varies_resets_the_count() -> None:
    rows = [[1.0] * 3, [1.0] * 3, [0.0, 1.0, 1.0], [1.0] * 3, [1.0] * 3]
    watch = ConstantRewardWatch(Scripted(rows), "keywords")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = [_score(watch) for _ in rows]
    assert scores[2].tolist() == [0.0, 1.0, 1.0]  # scores pass through unchanged


def test_a_score_of_the_wrong_shape_is_refused_naming_the_reward() -> None:
    watch = ConstantRewardWatch(Scripted([[1.0, 2.0]]), "mine")
    with pytest.raises(PluginError, match=r"reward=mine: score\(\) returned \(2,\) for 3"):
        _score(watch)
