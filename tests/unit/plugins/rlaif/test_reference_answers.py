"""A judge's pointwise template may name ``{reference}``: each completion is then rated
against its own row's reference answer (a per-example field), locally or at an endpoint; pairs
carry none, so the pairwise template may not ask for one; a judge without a reference is
untouched."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

from alignzoo.errors import ConfigError
from alignzoo.rewards.judge import Judge, JudgeReward
from alignzoo.rewards.judgement_cache import CachedJudge
from alignzoo_rlaif.config import HTTPJudgeConfig, LocalJudgeConfig
from alignzoo_rlaif.http_judge import HTTPJudge
from alignzoo_rlaif.templates import pointwise_texts, reference_field
from tests.unit.plugins.rlaif.conftest import chat

WITH_REFERENCE = "Q: {prompt}\nReference: {reference}\nAnswer: {response}\nRating:"


class Matches(Judge):
    """Rates 1 where the response equals its reference; records what it was shown."""

    identity = "matches"
    reference_field = "solution"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def compare(self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]):
        raise AssertionError("not asked")

    def rate(self, prompts, responses, references=None):  # type: ignore[no-untyped-def]
        assert references is not None
        self.seen += list(zip(responses, references, strict=True))
        return torch.tensor([float(r == a) for r, a in zip(responses, references, strict=True)])


class Plain(Judge):
    """A judge written before references: ``rate`` takes two arguments."""

    identity = "plain"

    def compare(self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]):
        raise AssertionError("not asked")

    def rate(self, prompts: Sequence[str], responses: Sequence[str]):
        return torch.tensor([float(len(r)) for r in responses])


def test_each_completion_is_rated_against_its_own_rows_reference() -> None:
    judge = Matches()
    fields = [{"solution": "4"}, {"solution": "4"}, {"solution": "9"}, {"solution": "9"}]
    scores = JudgeReward(judge).score_examples(
        ["2+2", "2+2", "3*3", "3*3"], ["4", "5", "6", "9"], fields
    )
    assert scores.tolist() == [1.0, 0.0, 0.0, 1.0]
    assert judge.seen == [("4", "4"), ("5", "4"), ("6", "9"), ("9", "9")]


def test_a_judge_without_a_reference_ignores_fields() -> None:
    scores = JudgeReward(Plain()).score_examples(["p", "p"], ["ab", "abc"], [{"answer": "x"}] * 2)
    assert scores.tolist() == [2.0, 3.0]


def test_a_row_without_the_field_is_named_with_the_fields_it_has() -> None:
    with pytest.raises(
        ConfigError, match=r"row 1's fields have no 'solution' \(they have \['answer'\]\)"
    ):
        JudgeReward(Matches()).score_examples(
            ["p", "q"], ["a", "b"], [{"solution": "a"}, {"answer": "b"}]
        )
    with pytest.raises(ConfigError, match="carry no per-example fields"):
        JudgeReward(Matches()).score(["p"], ["a"])


def test_the_reference_is_part_of_a_cached_judgements_key(tmp_path) -> None:
    inner = Matches()
    cached = CachedJudge(inner, tmp_path / "j.sqlite")
    assert cached.reference_field == "solution"
    assert cached.rate(["p", "p"], ["4", "4"], ["4", "5"]).tolist() == [1.0, 0.0]
    assert cached.rate(["p", "p"], ["4", "4"], ["5", "4"]).tolist() == [0.0, 1.0]
    assert len(inner.seen) == 2 and cached.hits == 2  # the same two judgements, reordered


def test_a_template_names_the_reference_only_where_it_can_be_filled() -> None:
    config = LocalJudgeConfig(mode="choice", pointwise_template=WITH_REFERENCE)
    assert reference_field(config) == "answer"
    assert pointwise_texts(config, ["2+2"], ["5"], ["4"]) == [
        "Q: 2+2\nReference: 4\nAnswer: 5\nRating:"
    ]
    with pytest.raises(ValueError, match="pass references"):
        pointwise_texts(config, ["2+2"], ["5"])
    assert reference_field(LocalJudgeConfig()) is None
    with pytest.raises(
        ConfigError, match=r"reward.pairwise_template names \{reference\}.*a pair has no"
    ):
        LocalJudgeConfig(pairwise_template="{prompt} {response_a} {response_b} {reference}")
    with pytest.raises(ConfigError, match=r"reward.pointwise_template names \{answer\}"):
        HTTPJudgeConfig(base_url="http://x", model="m", pointwise_template="{answer}")


def test_an_endpoint_judge_is_shown_each_rows_reference(serve, monkeypatch) -> None:
    monkeypatch.setenv("ALIGNZOO_TEST_KEY", "k")
    url, seen = serve(lambda text, attempt: chat("9" if "Reference: 4\nAnswer: 4" in text else "2"))
    judge = HTTPJudge(
        HTTPJudgeConfig(
            base_url=url,
            model="m",
            api_key_env="ALIGNZOO_TEST_KEY",
            pointwise_template=WITH_REFERENCE,
            reference_field="gold",
            use_logprobs=False,
            cache=False,
        )
    )
    reward = JudgeReward(judge)
    scores = reward.score_examples(["2+2", "2+2"], ["4", "5"], [{"gold": 4}, {"gold": 4}])
    assert scores.tolist() == [9.0, 2.0]
    assert sorted(seen) == [
        "Q: 2+2\nReference: 4\nAnswer: 4\nRating:",
        "Q: 2+2\nReference: 4\nAnswer: 5\nRating:",
    ]
