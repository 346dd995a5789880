"""Judges: position-bias cancellation, judges as rewards, and cached judgements."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.rewards.judge import Judge, JudgeReward, debiased_preference
from alignzoo.rewards.judgement_cache import CachedJudge


class AlwaysA(Judge):
    """A judge with pure position bias: response A always wins."""

    identity = "always-a"

    def compare(self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]):
        return torch.ones(len(prompts))

    def rate(self, prompts: Sequence[str], responses: Sequence[str]):
        return torch.ones(len(prompts))


class Longer(Judge):
    """Prefers the longer response, whatever its position; counts its calls."""

    def __init__(self, name: str = "longer") -> None:
        self.name, self.calls = name, 0

    @property
    def identity(self) -> str:
        return self.name

    def compare(self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]):
        self.calls += len(prompts)
        return torch.tensor([float(len(a) > len(b)) for a, b in zip(first, second, strict=True)])

    def rate(self, prompts: Sequence[str], responses: Sequence[str]):
        self.calls += len(prompts)
        return torch.tensor([float(len(r)) for r in responses])


def test_a_judge_that_always_prefers_a_yields_one_half() -> None:
    prefs = debiased_preference(AlwaysA(), ["p", "q"], ["x", "yy"], ["zzz", "w"])
    torch.testing.assert_close(prefs, torch.tensor([0.5, 0.5]))


def test_an_unbiased_judge_keeps_its_verdict() -> None:
    prefs = debiased_preference(Longer(), ["p", "q"], ["long one", "a"], ["b", "longer"])
    torch.testing.assert_close(prefs, torch.tensor([1.0, 0.0]))


def test_judge_reward_is_the_pointwise_rating() -> None:
    scores = JudgeReward(Longer()).score(["p", "p"], ["ab", "abcd"])
    torch.testing.assert_close(scores, torch.tensor([2.0, 4.0]))


def test_cache_hit_on_rerun_and_across_instances(tmp_path) -> None:
    inner = Longer()
    cached = CachedJudge(inner, tmp_path / "j.sqlite")
    first = cached.compare(["p", "q"], ["aa", "b"], ["c", "dd"])
    assert inner.calls == 2 and cached.misses == 2
    again = CachedJudge(inner, tmp_path / "j.sqlite").compare(["q", "p"], ["b", "aa"], ["dd", "c"])
    assert inner.calls == 2  # both answered from disk, in the order asked
    torch.testing.assert_close(again, first.flip(0))
    mixed = cached.rate(["p", "p"], ["seen?", "new"])
    assert inner.calls == 4 and mixed.tolist() == [5.0, 3.0]
    cached.rate(["p"], ["new"])
    assert inner.calls == 4 and cached.hits == 1


def test_different_judges_do_not_share_judgements(tmp_path) -> None:
    path = tmp_path / "j.sqlite"
    CachedJudge(Longer("one"), path).rate(["p"], ["x"])
    other = Longer("two")
    CachedJudge(other, path).rate(["p"], ["x"])
    assert other.calls == 1
