"""A judge endpoint that now and then answers off format ('not amazing' where A or B was
asked) does not end the run: the answer is asked again, then scored as unknown (0.5, the
middle of the scale), warned about and counted as ``judge/unreadable``; the run stops, naming
``reward.max_unreadable_rate``, only when the share of unreadable answers passes it. Options
that appear among the top logprobs are used even when others do not."""

from __future__ import annotations

import math

import pytest
import torch

from alignzoo.errors import ConfigError
from alignzoo.rewards.judge import Judge, JudgeReward
from alignzoo.rewards.judgement_cache import CachedJudge
from alignzoo_rlaif.http_judge import (
    MIN_ANSWERS_FOR_RATE,
    HTTPJudge,
    HTTPJudgeConfig,
    JudgeUnreadableError,
    JudgeUnreadableWarning,
    read_verdict,
)
from tests.unit.plugins.rlaif.conftest import chat


def judge(url: str, **fields: object) -> HTTPJudge:
    config = HTTPJudgeConfig(
        base_url=url,
        model="m",
        api_key_env=None,
        pairwise_template="{response_a}|{response_b}",
        pointwise_template="{response}",
        backoff_s=0.0,
        **fields,
    )
    return HTTPJudge(config)


def test_options_among_the_top_logprobs_are_used_even_when_others_are_absent() -> None:
    # "B" is not among the top logprobs: "A" (listed twice, once with a space) decides
    weights, _ = read_verdict(chat("A", [("A", -0.5), (" A", -2.0), ("C", -1.0)]), "AB", True)
    assert weights == pytest.approx([math.exp(-0.5) + math.exp(-2.0), 0.0])
    # neither listed: the text decides, decoration aside
    assert read_verdict(chat("'B'.", [("Well", -0.1)]), ["A", "B"], True) == ([0.0, 1.0], "'B'.")
    assert read_verdict(chat("not amazing", [("not", -0.1)]), ["A", "B"], True) == (
        None,
        "not amazing",
    )
    assert read_verdict(chat("A or B"), ["A", "B"], False)[0] is None
    with pytest.raises(KeyError):
        read_verdict({"error": "no choices"}, ["A", "B"], True)


def test_an_unreadable_answer_is_asked_again_then_scored_unknown_and_named(serve) -> None:
    def answer(text: str, attempt: int) -> dict:
        if text.startswith("junk"):
            return chat("not amazing", [("not", -0.1)])
        return chat("A", [("A", math.log(0.8)), ("B", math.log(0.2))])

    url, seen = serve(answer)
    http = judge(url)
    with pytest.warns(JudgeUnreadableWarning) as caught:
        p_first = http.compare(["p"] * 3, ["good", "junk", "fine"], ["x", "y", "z"])
    assert p_first.tolist() == pytest.approx([0.8, 0.5, 0.8])
    assert http.unreadable_rows() == [1] and (http.answers, http.unreadable) == (3, 1)
    assert seen["junk|y"] == 2 and seen["good|x"] == 1  # asked again once (the default)
    message = str(caught[0].message)
    assert f"judge endpoint {url}/chat/completions: 1 of 3 answers" in message
    assert "'not amazing'" in message and "0.5 preference" in message
    with pytest.warns(JudgeUnreadableWarning, match=r"the middle rating, 5\.5"):
        assert judge(url).rate(["p"], ["junk"]).tolist() == [5.5]


def test_an_answer_read_on_the_retry_counts_as_read(serve) -> None:
    url, seen = serve(lambda text, attempt: chat("maybe" if attempt == 1 else "B"))
    http = judge(url, use_logprobs=False)
    assert http.compare(["p"], ["a"], ["b"]).tolist() == [0.0]
    assert http.unreadable_rows() == [] and seen == {"a|b": 2}


def test_too_many_unreadable_answers_stop_naming_the_field(serve) -> None:
    url, _ = serve(lambda text, attempt: chat("not amazing" if "junk" in text else "7"))
    http = judge(url, use_logprobs=False, unreadable_retries=0, max_unreadable_rate=0.2)
    few = MIN_ANSWERS_FOR_RATE // 2
    with pytest.warns(JudgeUnreadableWarning):  # 50%, but too few answers to be a rate
        http.rate(["p"] * few, ["junk"] * (few // 2) + ["ok"] * (few - few // 2))
    with pytest.raises(JudgeUnreadableError) as caught:
        http.rate(["p"] * few, ["junk"] * (few // 2) + ["ok"] * (few - few // 2))
    message = str(caught.value)
    assert message.startswith("reward.max_unreadable_rate=0.2: 10 of the 20 answers")
    assert "(50%; e.g. 'not amazing'" in message and "\n" not in message


def test_a_rate_below_the_threshold_never_stops(serve) -> None:
    url, _ = serve(lambda text, attempt: chat("?" if text == "r0" else "7"))
    http = judge(url, use_logprobs=False)
    for _ in range(3):
        with pytest.warns(JudgeUnreadableWarning):
            http.rate(["p"] * 10, [f"r{i}" for i in range(10)])
    assert (http.answers, http.unreadable) == (30, 3)


def test_the_reward_reports_the_share_and_the_cache_keeps_no_unknown(serve, tmp_path) -> None:
    url, seen = serve(lambda text, attempt: chat("not amazing" if text == "junk" else "3"))
    reward = JudgeReward(CachedJudge(judge(url, use_logprobs=False), tmp_path / "j.sqlite"))
    with pytest.warns(JudgeUnreadableWarning):
        scores = reward.score(["p"] * 4, ["junk", "a", "b", "c"])
    assert scores.tolist() == [5.5, 3.0, 3.0, 3.0]
    assert reward.metrics() == {"judge/unreadable": 0.25}
    with pytest.warns(JudgeUnreadableWarning):
        reward.score(["p"] * 2, ["junk", "a"])  # "a" from the cache, "junk" asked again
    assert reward.metrics() == {"judge/unreadable": 0.5}
    assert seen == {"junk": 4, "a": 1, "b": 1, "c": 1}


def test_the_threshold_is_a_checked_config_field() -> None:
    assert HTTPJudgeConfig(base_url="u", model="m").max_unreadable_rate == 0.2
    with pytest.raises(ConfigError, match=r"reward.max_unreadable_rate must be in \[0, 1\]"):
        HTTPJudgeConfig(base_url="u", model="m", max_unreadable_rate=1.5)
    with pytest.raises(ConfigError, match="reward.unreadable_retries"):
        HTTPJudgeConfig(base_url="u", model="m", unreadable_retries=-1)


def test_a_judge_that_always_reads_reports_nothing() -> None:
    class Always(Judge):
        identity = "always"

        def compare(self, prompts, first, second):  # type: ignore[no-untyped-def]
            return torch.full((len(prompts),), 0.5)

        def rate(self, prompts, responses):  # type: ignore[no-untyped-def]
            return torch.ones(len(prompts))

    reward = JudgeReward(Always())
    reward.score(["p"], ["a"])
    assert reward.metrics() == {}  # no judge/unreadable for a judge that cannot miss
