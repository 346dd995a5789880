"""The shared rollout engine: n samples per prompt, grouped, scored and log-probbed together."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.algorithms import AlgorithmContext
from alignzoo.config.schema import SamplingConfig
from alignzoo.models.logprobs import token_logprobs
from alignzoo.models.reference import ReferenceModel
from alignzoo.rewards import RewardSource
from alignzoo.rollout import collect_rollout

PROMPTS = ["yesterday i watched the movie and", "last week we stayed at the hotel ,"]
SAMPLING = SamplingConfig(max_new_tokens=5, temperature=0.7)


class PromptAndWords(RewardSource):
    """Scores that tell which prompt a completion was paired with: 100 x prompt words + words."""

    name = "tagged"

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        pairs = zip(prompts, completions, strict=True)
        return torch.tensor([100.0 * len(p.split()) + len(c.split()) for p, c in pairs])

    def metrics(self) -> dict[str, float]:
        return {"rewards/tagged_calls": 1.0}


def _context(tok, tiny_llama, with_reference: bool = True) -> AlgorithmContext:
    policy = tiny_llama(seed=3)
    return AlgorithmContext(
        policy=policy,
        reference=ReferenceModel.frozen_copy_of(policy) if with_reference else None,
        tokenizer=tok,
        device=torch.device("cpu"),
        max_length=32,
        reward=PromptAndWords(),
    )


def test_n_samples_per_prompt_are_adjacent_grouped_and_scored_with_their_prompt(
    tok, tiny_llama
) -> None:
    torch.manual_seed(0)
    rollout = collect_rollout(_context(tok, tiny_llama), PROMPTS, SAMPLING, samples_per_prompt=3)
    assert len(rollout) == 6 and rollout.group.tolist() == [0, 0, 0, 1, 1, 1]
    assert rollout.prompts == [PROMPTS[0]] * 3 + [PROMPTS[1]] * 3
    expected = [
        100.0 * len(p.split()) + len(c.split())
        for p, c in zip(PROMPTS[:1] * 3 + PROMPTS[1:] * 3, rollout.completions, strict=True)
    ]
    assert rollout.scores.tolist() == expected and rollout.scores.dtype == torch.float32
    assert rollout.reward_metrics == {"rewards/tagged_calls": 1.0}
    assert (
        rollout.mask.shape
        == rollout.policy_logprobs.shape
        == (6, rollout.rows.input_ids.shape[1] - 1)
    )


def test_ended_means_an_eos_was_sampled_else_the_budget_was_used(tok, tiny_llama) -> None:
    torch.manual_seed(1)
    rollout = collect_rollout(_context(tok, tiny_llama), PROMPTS * 4, SAMPLING)
    sampled = rollout.rows.input_ids[:, 1:]
    for row in range(len(rollout)):
        actions = sampled[row][rollout.mask[row] > 0].tolist()
        assert rollout.ended[row].item() == (tok.eos_token_id in actions)
        if not rollout.ended[row]:
            assert len(actions) == SAMPLING.max_new_tokens


def test_log_probs_are_of_the_sampled_tokens_at_the_sampling_temperature(tok, tiny_llama) -> None:
    torch.manual_seed(2)
    context = _context(tok, tiny_llama)
    rollout = collect_rollout(context, PROMPTS, SAMPLING, samples_per_prompt=2)
    policy, reference = rollout.policy_logprobs, rollout.reference_logprobs
    assert policy is not None and reference is not None
    torch.testing.assert_close(policy, reference)  # the reference is an untouched copy
    assert (policy[rollout.mask == 0] == 0).all() and (policy[rollout.mask > 0] < 0).all()
    at_sampling = token_logprobs(context.bare_policy, rollout.rows, SAMPLING.temperature)
    torch.testing.assert_close(policy, at_sampling)
    at_one = token_logprobs(context.bare_policy, rollout.rows, 1.0)
    assert not torch.allclose(policy, at_one)


def test_without_a_reference_or_when_asked_not_to_nothing_is_computed(tok, tiny_llama) -> None:
    torch.manual_seed(3)
    bare = collect_rollout(_context(tok, tiny_llama, with_reference=False), PROMPTS, SAMPLING)
    assert bare.reference_logprobs is None and bare.policy_logprobs is not None
    skipped = collect_rollout(_context(tok, tiny_llama), PROMPTS, SAMPLING, policy_logprobs=False)
    assert skipped.policy_logprobs is None and skipped.reference_logprobs is not None


def test_a_slice_keeps_every_field_aligned(tok, tiny_llama) -> None:
    torch.manual_seed(4)
    rollout = collect_rollout(_context(tok, tiny_llama), PROMPTS, SAMPLING, samples_per_prompt=2)
    part = rollout[torch.tensor([3, 0])]
    assert part.prompts == [rollout.prompts[3], rollout.prompts[0]]
    assert part.completions == [rollout.completions[3], rollout.completions[0]]
    assert part.scores.tolist() == [rollout.scores[3].item(), rollout.scores[0].item()]
    assert part.group.tolist() == [1, 0]
    torch.testing.assert_close(part.mask, rollout.mask[[3, 0]])
    assert len(rollout[1:3]) == 2 and rollout[1:3].prompts == rollout.prompts[1:3]


class Words(RewardSource):
    name = "words"

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        return torch.tensor([float(len(c.split())) for c in completions])


def test_a_composite_rewards_sources_are_kept_per_row_and_sum_to_the_score(tok, tiny_llama) -> None:
    from alignzoo.rewards.composite import CompositeReward
    from alignzoo.rewards.composite_config import CompositeRewardConfig, RewardComponent

    sources = {"tagged": PromptAndWords(), "words": Words()}
    composite = CompositeReward(
        CompositeRewardConfig(
            [RewardComponent("tagged", weight=0.5), RewardComponent("words", weight=-2.0)]
        ),
        lambda name, fields: sources[name],
    )
    context = _context(tok, tiny_llama)
    context.reward = composite
    torch.manual_seed(0)
    rollout = collect_rollout(context, PROMPTS, SAMPLING, samples_per_prompt=2)
    assert set(rollout.source_scores) == {"tagged", "words"}
    (w_tagged, tagged), (w_words, words) = rollout.source_scores.values()
    assert (w_tagged, w_words) == (0.5, -2.0)
    assert words.tolist() == [float(len(c.split())) for c in rollout.completions]
    torch.testing.assert_close(rollout.scores, w_tagged * tagged + w_words * words)
    # slicing keeps each source's rows
    assert rollout[torch.tensor([3])].source_scores["words"][1].tolist() == words[3:].tolist()


def test_a_single_source_is_one_term_of_weight_one(tok, tiny_llama) -> None:
    rollout = collect_rollout(_context(tok, tiny_llama), PROMPTS, SAMPLING)
    assert list(rollout.source_scores) == ["tagged"]
    weight, scores = rollout.source_scores["tagged"]
    assert weight == 1.0 and torch.equal(scores, rollout.scores)


class EchoesFields(RewardSource):
    """A verifier-shaped source: remembers the fields each completion arrived with."""

    name = "echo"

    def __init__(self) -> None:
        self.seen: list[dict] = []

    def score(self, prompts, completions, fields=None) -> torch.Tensor:
        self.seen.extend(dict(row) for row in fields or [])
        return torch.tensor([float(row["answer"]) for row in fields or []])


def test_each_sample_carries_its_rows_fields_in_order_with_its_token_count(tok, tiny_llama) -> None:
    from alignzoo.data.records import PromptRecord

    context = _context(tok, tiny_llama)
    context.reward = echo = EchoesFields()
    records = [PromptRecord(p, {"answer": str(i), "tests": [i]}) for i, p in enumerate(PROMPTS)]
    torch.manual_seed(0)
    rollout = collect_rollout(context, records, SAMPLING, samples_per_prompt=3)
    assert [row["answer"] for row in echo.seen] == ["0", "0", "0", "1", "1", "1"]
    assert [row["tests"] for row in echo.seen] == [[0]] * 3 + [[1]] * 3
    assert [row["completion_tokens"] for row in echo.seen] == rollout.mask.sum(-1).int().tolist()
    assert rollout.scores.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    assert rollout.fields == echo.seen
    picked = rollout[torch.tensor([5, 0])]  # micro-batches keep each row's fields
    assert [row["answer"] for row in picked.fields] == ["1", "0"]
    assert [row["answer"] for row in rollout[1:4].fields] == ["0", "0", "1"]


def test_a_source_written_before_fields_still_scores_records(tok, tiny_llama) -> None:
    from alignzoo.data.records import PromptRecord

    records = [PromptRecord(p, {"answer": "7"}) for p in PROMPTS]
    torch.manual_seed(0)
    rollout = collect_rollout(_context(tok, tiny_llama), records, SAMPLING, samples_per_prompt=2)
    assert rollout.scores[0].item() == 100.0 * len(PROMPTS[0].split()) + len(
        rollout.completions[0].split()
    )
