"""Reward modelling: the Bradley-Terry loss, overfitting a few pairs, and scoring when saved."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from accelerate import Accelerator
from transformers import LlamaForSequenceClassification

from alignzoo.algorithms import AlgorithmContext
from alignzoo.config.schema import LoraAdapterConfig, ModelConfig
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.policy import load_policy_and_reference
from alignzoo.models.tokenize import tokenize_completions
from alignzoo.runner.checkpoint import save_policy
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo_reward_model.algorithm import RewardModelAlgorithm
from alignzoo_reward_model.config import LearnedRewardConfig, RewardModelConfig
from alignzoo_reward_model.loss import bradley_terry_loss, centering_penalty
from alignzoo_reward_model.reward import LearnedReward
from alignzoo_reward_model.scoring import reward_logits


@pytest.fixture
def classifier(tiny_llama_config) -> LlamaForSequenceClassification:
    torch.manual_seed(0)
    return LlamaForSequenceClassification(tiny_llama_config(num_labels=1))


def train_reward_model(
    model, tok, pairs, steps: int, lr: float, config: RewardModelConfig | None = None
) -> tuple[dict, dict]:
    """Metrics of the first and the last of ``steps`` Bradley-Terry steps on ``pairs``."""
    context = AlgorithmContext(
        policy=model.train(),
        reference=None,
        tokenizer=tok,
        device=torch.device("cpu"),
        max_length=32,
    )
    algorithm = RewardModelAlgorithm(config or RewardModelConfig(), context)
    parameters = list(algorithm.trainable_parameters())
    optimizer = torch.optim.AdamW(parameters, lr=lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    updater = OptimizerUpdater(Accelerator(cpu=True), optimizer, scheduler, parameters, 1.0)
    first = algorithm.train_step(pairs, updater)
    for _ in range(steps - 1):
        last = algorithm.train_step(pairs, updater)
    return first, last


@pytest.fixture
def base_dir(tok, tiny_llama, tmp_path) -> Path:
    """A saved tiny Llama and tokenizer: the base LoRA reward models and policies load."""
    tiny_llama(seed=2).save_pretrained(tmp_path / "base")
    tok.save_pretrained(tmp_path / "base")
    return tmp_path / "base"


def lora_model(base_dir: Path, tok, kind: str):
    """A LoRA model of ``kind`` ("causal_lm" or "reward_model") on the saved base."""
    model, _ = load_policy_and_reference(
        str(base_dir),
        ModelConfig(),
        kind,
        torch.device("cpu"),
        lora=LoraAdapterConfig(r=4),
        pad_token_id=tok.pad_token_id,
    )
    return model


def test_bradley_terry_loss_on_hand_values() -> None:
    chosen, rejected = torch.tensor([2.0, 0.0]), torch.tensor([1.0, 1.0])
    expected = [-math.log(1 / (1 + math.exp(-1.0))), -math.log(1 / (1 + math.exp(1.0)))]
    torch.testing.assert_close(bradley_terry_loss(chosen, rejected), torch.tensor(expected))
    with_margin = bradley_terry_loss(chosen, rejected, margin=1.0)
    torch.testing.assert_close(with_margin[0], torch.tensor(math.log(2.0)))


def test_per_pair_margins_and_the_centering_penalty_on_hand_values() -> None:
    chosen, rejected = torch.tensor([2.0, 0.0]), torch.tensor([1.0, 1.0])
    per_pair = bradley_terry_loss(chosen, rejected, margin=torch.tensor([1.0, -1.0]))
    # gaps less margins: 1 - 1 = 0 and -1 + 1 = 0: both log 2
    torch.testing.assert_close(per_pair, torch.tensor([math.log(2.0)] * 2))
    torch.testing.assert_close(centering_penalty(chosen, rejected), torch.tensor([9.0, 1.0]))


def test_the_centering_term_pulls_the_mean_reward_to_zero(tok, classifier, pairs) -> None:
    with torch.no_grad():  # start far from zero: every reward about +5
        classifier.score.bias = torch.nn.Parameter(
            torch.full_like(classifier.score.weight[:, 0], 5.0)
        )
    config = RewardModelConfig(center_rewards_coefficient=1.0)
    first, last = train_reward_model(classifier, tok, pairs, steps=30, lr=3e-2, config=config)
    assert first["rewards/centering"] > 50  # (5 + 5)^2
    centre = (last["rewards/chosen"] + last["rewards/rejected"]) / 2
    assert abs(centre) < 0.5 < 5


def test_a_pairs_own_margin_replaces_the_configured_one(tok, classifier, pairs) -> None:
    import dataclasses

    wide = [dataclasses.replace(pair, margin=4.0) for pair in pairs]
    plain, _ = train_reward_model(classifier, tok, pairs, steps=2, lr=0.0)
    margined, _ = train_reward_model(classifier, tok, wide, steps=2, lr=0.0)
    assert margined["loss"] > plain["loss"] + 1.0  # a gap of 4 more is asked for


def test_reward_model_overfits_a_handful_of_pairs(tok, classifier, pairs) -> None:
    first, last = train_reward_model(classifier, tok, pairs, steps=41, lr=3e-3)
    assert last["loss"] < 0.1 < first["loss"]
    assert last["rewards/accuracy"] == 1.0 and last["rewards/margins"] > 2.0


def test_learned_reward_scores_like_the_saved_model(tok, classifier, tmp_path, pairs) -> None:
    classifier.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    reward = LearnedReward(LearnedRewardConfig(path=str(tmp_path), batch_size=3, device="cpu"))
    prompts = [p.prompt for p in pairs]
    completions = [p.chosen for p in pairs]
    expected = reward_logits(
        classifier.eval(), tokenize_completions(tok, prompts, completions, 128)
    )
    torch.testing.assert_close(reward.score(prompts, completions), expected.detach())
    shifted = LearnedReward(LearnedRewardConfig(path=str(tmp_path), offset=1.5, device="cpu"))
    torch.testing.assert_close(shifted.score(prompts, completions), expected.detach() - 1.5)
    normalised = LearnedReward(
        LearnedRewardConfig(path=str(tmp_path), normalize=True, device="cpu")
    )
    scores = normalised.score(prompts, completions)
    assert abs(scores.mean().item()) < 1e-5 and scores.std(unbiased=False).item() == pytest.approx(
        1, abs=1e-3
    )


def test_learned_reward_errors_name_the_path(tok, classifier, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"reward.path=.*no reward model there"):
        LearnedReward(LearnedRewardConfig(path=str(tmp_path / "missing")))
    classifier.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    with pytest.raises(ConfigError, match=r"reward.center=true needs reward_stats.json"):
        LearnedReward(LearnedRewardConfig(path=str(tmp_path), center=True, device="cpu"))


def test_lora_reward_model_trains_adapter_and_head_and_loads_as_learned_reward(
    tok, base_dir, tmp_path, pairs
) -> None:
    model = lora_model(base_dir, tok, "reward_model")
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert any("score" in n for n in trainable)  # the new scalar head trains in full
    assert all("lora_" in n or "score" in n for n in trainable)
    first, last = train_reward_model(model, tok, pairs, steps=31, lr=1e-2)
    assert last["loss"] < first["loss"] and last["rewards/accuracy"] == 1.0

    saved = save_policy(model, tok, tmp_path / "reward_model")
    assert (saved / "adapter_config.json").exists()
    reward = LearnedReward(LearnedRewardConfig(path=str(saved), device="cpu"))
    prompts, completions = [p.prompt for p in pairs], [p.chosen for p in pairs]
    expected = reward_logits(model.eval(), tokenize_completions(tok, prompts, completions, 128))
    torch.testing.assert_close(reward.score(prompts, completions), expected.detach())
    # the same adapter on a 4-bit base still ranks chosen above rejected
    quantized = LearnedReward(LearnedRewardConfig(path=str(saved), device="cpu", quant="4bit"))
    margins = quantized.score(prompts, completions) - quantized.score(
        prompts, [p.rejected for p in pairs]
    )
    assert (margins > 0).all()
    with pytest.raises(ConfigError, match=r"reward.quant='3bit'"):
        LearnedReward(LearnedRewardConfig(path=str(saved), device="cpu", quant="3bit"))


def test_shared_base_reward_scores_like_its_own_model_without_a_second_base(
    tok, base_dir, tmp_path, pairs, storage_bytes
) -> None:
    def trained(kind: str, seed: int):
        model = lora_model(base_dir, tok, kind)
        torch.manual_seed(seed)
        with torch.no_grad():  # adapters (and the head) away from their initial values
            for p in model.parameters():
                if p.requires_grad:
                    p.add_(torch.randn_like(p) * 0.3)
        return model

    save_policy(trained("reward_model", seed=5), tok, tmp_path / "rm")
    prompts, completions = [p.prompt for p in pairs], [p.chosen for p in pairs]
    own = LearnedReward(LearnedRewardConfig(path=str(tmp_path / "rm"), device="cpu"))
    expected = own.score(prompts, completions)

    policy = trained("causal_lm", seed=6)
    shared = LearnedReward(
        LearnedRewardConfig(path=str(tmp_path / "rm"), device="cpu", share_base=True)
    )
    with pytest.raises(ConfigError, match="cannot score before"):
        shared.score(prompts, completions)
    before_bytes = storage_bytes(policy)
    trainable = {n for n, p in policy.named_parameters() if p.requires_grad}
    tokens = tokenize_completions(tok, prompts, completions, 64)
    policy_logps = sequence_logprobs(policy.eval(), tokens).detach()
    policy.train()

    shared.share_policy_base(policy)
    torch.testing.assert_close(shared.score(prompts, completions), expected)
    # only the reward adapter and head were added: no second copy of the base
    added = storage_bytes(policy) - before_bytes
    adapter = sum(p.numel() * 4 for n, p in policy.named_parameters() if ".reward." in n)
    assert added == adapter and added < before_bytes / 4
    # the policy is as it was: its adapter active and trainable, the reward adapter frozen
    assert policy.active_adapter == "default" and policy.training
    assert {n for n, p in policy.named_parameters() if p.requires_grad} == trainable
    torch.testing.assert_close(sequence_logprobs(policy.eval(), tokens).detach(), policy_logps)


def test_shared_base_needs_a_lora_policy(tok, base_dir, tiny_llama, tmp_path) -> None:
    rm = lora_model(base_dir, tok, "reward_model")
    save_policy(rm, tok, tmp_path / "rm")
    shared = LearnedReward(
        LearnedRewardConfig(path=str(tmp_path / "rm"), device="cpu", share_base=True)
    )
    with pytest.raises(ConfigError, match="needs a LoRA policy"):
        shared.share_policy_base(tiny_llama(seed=2))
