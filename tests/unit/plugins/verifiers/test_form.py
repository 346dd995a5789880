"""The rewards of form (a required structure) and length (DAPO's soft overlong punishment)."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_verifiers.config import FormatConfig, FormatPreset, OverlongConfig
from alignzoo_verifiers.form import FormatReward, OverlongReward


def test_the_think_answer_structure_must_hold_for_the_whole_completion() -> None:
    reward = FormatReward(FormatConfig())
    completions = [
        "<think>2 + 2 is 4</think>\n<answer>4</answer>",
        "<think>\nmulti\nline\n</think><answer>4</answer>\n",
        "<answer>4</answer>",  # no reasoning
        "<think>x</think><answer>4</answer> and more",  # text after the answer
    ]
    assert reward.score(["p"] * 4, completions).tolist() == [1.0, 1.0, 0.0, 0.0]


def test_other_presets_and_a_pattern_of_ones_own() -> None:
    boxed = FormatReward(FormatConfig(preset=FormatPreset.boxed))
    assert boxed.score(["p"] * 2, [r"so \boxed{3}.", "3"]).tolist() == [1.0, 0.0]
    hashes = FormatReward(FormatConfig(preset=FormatPreset.hashes))
    assert hashes.score(["p"] * 2, ["work\n#### 12", "#### "]).tolist() == [1.0, 0.0]
    mine = FormatReward(FormatConfig(pattern=r"Answer: \d+", miss_score=-1.0))
    assert mine.score(["p"] * 2, ["Answer: 12", "Answer: twelve"]).tolist() == [1.0, -1.0]
    with pytest.raises(ConfigError, match="is no regex"):
        FormatReward(FormatConfig(pattern="(unclosed"))


def test_overlong_is_daPOs_soft_punishment_of_the_sampled_token_count() -> None:
    # L = 20, C = 8: 0 up to 12 tokens, then (12 - n) / 8, -1 beyond 20 (Yu et al. 2025, eq. 13)
    reward = OverlongReward(OverlongConfig(max_tokens=20, buffer_tokens=8))
    counts = [5, 12, 13, 16, 20, 21]
    rows = [{"completion_tokens": n} for n in counts]
    scores = reward.score_examples(["p"] * 6, ["c"] * 6, rows).tolist()
    assert scores == pytest.approx([0.0, 0.0, -1 / 8, -4 / 8, -1.0, -1.0])
    with pytest.raises(ConfigError, match="exceeds reward.max_tokens"):
        OverlongConfig(max_tokens=4, buffer_tokens=8)
