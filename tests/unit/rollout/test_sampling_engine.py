"""The sampling engine behind ``ctx.sampler`` (``rollout.engine``): an engine that is not the
policy returns its own log-probs, the rollout carries them with truncated importance weights
(Yao et al. 2025) and the mismatch is measured; vLLM's samples are laid out exactly as
``generate``'s; a missing vLLM is named in one line."""

from __future__ import annotations

import copy

import pytest
import torch

from alignzoo.algorithms import AlgorithmContext
from alignzoo.config.schema import RolloutConfig, RolloutEngine, SamplingConfig
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import token_logprobs
from alignzoo.models.sampler import PolicySampler, Sampler, Samples, sampler_for
from alignzoo.models.vllm_sampler import completion_rows, import_vllm
from alignzoo.rollout import collect_rollout
from alignzoo.rollout.importance import engine_mismatch, importance_weights
from tests.unit.rollout.test_engine import PROMPTS, PromptAndWords

SAMPLING = SamplingConfig(max_new_tokens=5, temperature=0.7)


class OtherWeights(Sampler):
    """An engine holding a copy of the policy whose weights differ (as vLLM's kernels and
    precision make its probabilities differ): samples from the copy, with the copy's
    log-probs."""

    name = "copy"

    def __init__(self, model, tokenizer, noise: float) -> None:
        super().__init__()
        self.model = copy.deepcopy(model)
        with torch.no_grad():
            for parameter in self.model.parameters():
                parameter.add_(noise * torch.randn_like(parameter))
        self.inner = PolicySampler(lambda: self.model, tokenizer)

    def sample(self, prompts, sampling, *, batch_size, max_prompt_tokens=None, seed=None):
        drawn = self.inner.sample(
            prompts, sampling, batch_size=batch_size, max_prompt_tokens=max_prompt_tokens
        )
        logprobs = token_logprobs(self.model, drawn.rows, sampling.temperature)
        mask = drawn.rows.completion_mask[:, 1:].float()
        return Samples(drawn.texts, drawn.rows, logprobs * mask)


def _context(tok, policy, sampler: Sampler) -> AlgorithmContext:
    return AlgorithmContext(
        policy=policy,
        reference=None,
        tokenizer=tok,
        device=torch.device("cpu"),
        max_length=32,
        reward=PromptAndWords(),
        sampler=sampler,
    )


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_an_engine_copy_gives_truncated_importance_weights_and_a_mismatch(
    tok, tiny_llama, noise: float
) -> None:
    policy = tiny_llama(seed=3)
    engine = OtherWeights(policy, tok, noise)
    engine.importance_cap = 1.5
    torch.manual_seed(0)
    rollout = collect_rollout(_context(tok, policy, engine), PROMPTS, SAMPLING, 2, False, False)
    assert rollout.policy_logprobs is None  # not asked for: computed only for the weights
    trainer = token_logprobs(policy, rollout.rows, SAMPLING.temperature)
    expected = torch.exp(trainer - rollout.engine_logprobs).clamp(max=1.5) * rollout.mask
    assert rollout.importance_weights is not None
    torch.testing.assert_close(rollout.importance_weights, expected)
    metrics = engine.take_metrics()
    assert engine.take_metrics() == {}  # taken once, with the step
    if noise == 0.0:  # the same weights: every weight 1, no mismatch
        torch.testing.assert_close(rollout.importance_weights, rollout.mask)
        assert metrics["rollout/engine_kl"] == pytest.approx(0.0, abs=1e-6)
        assert metrics["rollout/importance_truncated"] == 0.0
    else:
        assert metrics["rollout/engine_kl"] > 1e-4
        assert metrics["rollout/engine_logprob_gap"] > 0.0
    half = rollout[torch.tensor([0, 3])]  # the weights slice with the rows
    torch.testing.assert_close(half.importance_weights, rollout.importance_weights[[0, 3]])


def test_without_a_cap_no_weights_but_the_mismatch_is_still_measured(tok, tiny_llama) -> None:
    policy = tiny_llama(seed=3)
    engine = OtherWeights(policy, tok, 0.05)
    rollout = collect_rollout(_context(tok, policy, engine), PROMPTS, SAMPLING)
    assert rollout.importance_weights is None and rollout.engine_logprobs is not None
    assert set(engine.take_metrics()) == {"rollout/engine_kl", "rollout/engine_logprob_gap"}


def test_the_weights_and_the_mismatch_on_hand_numbers() -> None:
    trainer = torch.log(torch.tensor([[0.5, 0.9, 0.2]]))
    engine = torch.log(torch.tensor([[0.25, 0.9, 0.4]]))
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    weights = importance_weights(trainer, engine, mask, cap=1.5)
    torch.testing.assert_close(weights, torch.tensor([[1.5, 1.0, 0.0]]))  # 2 truncated to 1.5
    metrics = engine_mismatch(trainer, engine, mask, weights, cap=1.5)
    k3 = (2 - 1 - torch.log(torch.tensor(2.0))).item() / 2  # r = 2 at one token, 1 at the other
    assert metrics["rollout/engine_kl"] == pytest.approx(k3)
    assert metrics["rollout/engine_logprob_gap"] == pytest.approx(
        torch.log(torch.tensor(2.0)).item() / 2
    )
    assert metrics["rollout/importance_weight"] == pytest.approx(1.25)
    assert metrics["rollout/importance_truncated"] == pytest.approx(0.5)
    assert importance_weights(trainer, engine, mask, cap=None) is None


def test_vllm_samples_are_laid_out_as_generates(tok, tiny_llama) -> None:
    """Rows rebuilt from prompt and sampled ids (what vLLM returns) equal ``generate``'s, and
    the sampled tokens' log-probs land at their next-token positions."""
    policy = tiny_llama(seed=3)
    torch.manual_seed(0)
    drawn = PolicySampler(lambda: policy, tok).sample(PROMPTS * 2, SAMPLING, batch_size=4)
    rows = drawn.rows
    prompt_ids, sampled = [], []
    for ids, attention, completion in zip(
        rows.input_ids, rows.attention_mask, rows.completion_mask, strict=True
    ):
        prompt_ids.append(ids[(attention > 0) & (completion == 0)].tolist())
        sampled.append(ids[completion > 0].tolist())
    trainer = token_logprobs(policy, rows, SAMPLING.temperature)
    mask = rows.completion_mask[:, 1:].float()
    per_token = [trainer[i][mask[i] > 0].tolist() for i in range(len(sampled))]
    rebuilt, logprobs = completion_rows(
        prompt_ids, sampled, per_token, tok.pad_token_id, [tok.eos_token_id]
    )
    width = rebuilt.input_ids.shape[1]
    assert width <= rows.input_ids.shape[1]  # generate pads to the longest sample it drew
    for name in ("input_ids", "attention_mask", "completion_mask"):
        original = getattr(rows, name)[:, :width]
        torch.testing.assert_close(getattr(rebuilt, name), original)
    torch.testing.assert_close(logprobs, (trainer * mask)[:, : width - 1])


def test_tokens_after_eos_are_not_kept() -> None:
    rows, logprobs = completion_rows(
        [[5, 6], [7]], [[8, 2, 9], [10]], [[-1.0, -2.0, -3.0], [-4.0]], 0, [2]
    )
    assert rows.input_ids.tolist() == [[5, 6, 8, 2], [0, 7, 10, 0]]
    assert rows.completion_mask.tolist() == [[0, 0, 1, 1], [0, 0, 1, 0]]
    assert rows.attention_mask.tolist() == [[1, 1, 1, 1], [0, 1, 1, 0]]
    assert logprobs.tolist() == [[0.0, -1.0, -2.0], [0.0, -4.0, 0.0]]


def test_the_correction_is_on_with_vllm_only_unless_set() -> None:
    assert not RolloutConfig().corrects_importance
    assert RolloutConfig(engine=RolloutEngine.vllm).corrects_importance
    assert not RolloutConfig(
        engine=RolloutEngine.vllm, importance_correction=False
    ).corrects_importance
    assert RolloutConfig(importance_correction=True).corrects_importance


def test_asking_for_vllm_without_it_installed_is_one_line(tok, tiny_llama) -> None:
    try:
        import vllm  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("vLLM is installed here")
    with pytest.raises(
        ConfigError, match=r"rollout.engine=vllm needs vLLM: pip install 'alignzoo\[vllm\]'"
    ):
        import_vllm()
    policy = tiny_llama(seed=3)
    with pytest.raises(ConfigError, match="needs vLLM"):
        sampler_for(RolloutConfig(engine=RolloutEngine.vllm), lambda: policy, tok, "x", 32)
    hf = sampler_for(RolloutConfig(importance_correction=True), lambda: policy, tok, "x", 32)
    assert isinstance(hf, PolicySampler) and hf.importance_cap == 2.0
