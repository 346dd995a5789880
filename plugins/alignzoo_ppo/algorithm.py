"""PPO with a KL penalty to the reference: one rollout-and-update step read top to bottom."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch

from alignzoo.algorithms import (
    Algorithm,
    AlgorithmContext,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.algorithms.batching import mean_over_updates, shuffled_minibatches
from alignzoo.algorithms.kl import KL_ESTIMATORS, clamp_kl, kl_metrics, kl_penalised_rewards
from alignzoo.algorithms.masked import masked_mean, masked_var, whiten
from alignzoo.data.records import PromptRecord
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import causal_forward, completion_logprobs
from alignzoo.models.tokenize import TokenizedCompletions
from alignzoo.rollout import collect_rollout
from alignzoo_ppo.advantages import generalized_advantages
from alignzoo_ppo.config import PPOConfig, PPOTraits
from alignzoo_ppo.kl_controller import AdaptiveKLController, FixedKLController
from alignzoo_ppo.loss import (
    clipped_policy_loss,
    clipped_value_loss,
    entropy_from_logits,
)
from alignzoo_ppo.rollout import PPOBatch


class PPOAlgorithm(PPOTraits, Algorithm[PromptRecord]):
    """RLHF's classic optimizer: sample, score, penalise KL per token, then clipped PPO updates.

    Supports: sampling knobs (temperature, top-k, top-p, max new tokens) and a missing-EOS
    penalty; reward scaling and clipping; k1 or k3 KL estimators; fixed or adaptive KL
    coefficient; GAE; advantage whitening; clipped policy and value losses; a value head that
    shares the policy's trunk; several epochs over mini-batches per rollout; an entropy bonus.
    Raises ``ConfigError`` for an impossible mini-batch split.
    """

    def __init__(self, config: PPOConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        hidden = context.bare_policy.config.get_text_config().hidden_size
        # the value head reads the policy's last hidden state: one trunk, two heads
        self.value_head = torch.nn.Linear(hidden, 1).to(context.device)
        torch.nn.init.zeros_(self.value_head.weight)
        torch.nn.init.zeros_(self.value_head.bias)
        self.kl_estimator = KL_ESTIMATORS[config.kl_estimator]
        self.kl_control = (
            AdaptiveKLController(config.kl_coef, config.target_kl, config.kl_horizon)
            if config.adaptive_kl
            else FixedKLController(config.kl_coef)
        )

    def state_dict(self) -> dict[str, Any]:
        """The KL coefficient, which the adaptive controller moves from step to step (the
        value head is a trained parameter: the runner saves it)."""
        return {"kl_coef": self.kl_control.value}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back the KL coefficient."""
        self.kl_control.value = float(state["kl_coef"])

    def updates_per_step(self) -> int:
        """One optimizer step per mini-batch per epoch."""
        return self.config.ppo_epochs * self.config.num_minibatches

    def trainable_parameters(self) -> Iterable[torch.nn.Parameter]:
        """The policy and its value head."""
        yield from super().trainable_parameters()
        yield from self.value_head.parameters()

    def train_step(self, batch: Sequence[PromptRecord], updater: Updater) -> Metrics:
        """Roll out on ``batch``'s prompts, then run the PPO epochs over the rollout."""
        cfg, temperature = self.config, self.config.rollout.temperature
        if len(batch) % cfg.num_minibatches:
            raise ConfigError(
                f"train.batch_size={len(batch)} is not divisible by "
                f"algorithm.num_minibatches={cfg.num_minibatches}"
            )

        # --- rollout: sample, score, reference log-probs (the shared engine) ---
        rollout = collect_rollout(self.ctx, batch, cfg.rollout, policy_logprobs=False)
        rows, mask = rollout.rows, rollout.mask
        reference_logprobs = rollout.reference_logprobs
        assert reference_logprobs is not None  # PPO needs a reference: the runner loads one

        # --- scores scaled, clipped, penalised without EOS ---
        scores = rollout.scores
        if cfg.missing_eos_penalty is not None:
            scores = scores - cfg.missing_eos_penalty * (~rollout.ended).float()
        scores = scores * cfg.reward_scale
        if cfg.reward_clip is not None:
            scores = scores.clamp(-cfg.reward_clip, cfg.reward_clip)

        # --- the old policy's log-probs and values, in one forward ---
        with torch.no_grad():
            old_logprobs, old_values, _ = self._forward(rows, temperature)

        # --- per-token rewards: -beta * KL at every token, plus the score at the last one ---
        kl = clamp_kl(self.kl_estimator(old_logprobs, reference_logprobs), cfg.kl_clamp) * mask
        rewards = kl_penalised_rewards(scores, kl, mask, self.kl_control.value)

        # --- advantages (GAE), optionally whitened ---
        advantages, returns = generalized_advantages(rewards, old_values, mask, cfg.gamma, cfg.lam)
        if cfg.whiten_advantages:
            advantages = whiten(advantages, mask)

        # --- PPO epochs over shuffled mini-batches, one optimizer step each ---
        batch_of_rows = PPOBatch(rollout, old_logprobs, old_values, advantages, returns)
        updates = [
            updater.update(minibatch.as_step(), self.loss_on)
            for minibatch in shuffled_minibatches(
                batch_of_rows, cfg.num_minibatches, cfg.ppo_epochs, self.ctx.device
            )
        ]

        # --- adapt the KL coefficient to the KL this rollout had ---
        sequence_kl = kl.sum(dim=1)
        beta = self.kl_control.value
        self.kl_control.update(sequence_kl.mean().item(), n_steps=len(batch))
        residual = masked_var(returns - old_values, mask) / masked_var(returns, mask).clamp(1e-8)
        return (
            mean_over_updates(updates)
            | {
                "objective/scores": rollout.scores.mean().item(),
                "objective/rlhf_reward": (scores - beta * sequence_kl).mean().item(),
                "value/explained_variance": (1.0 - residual).item(),
                "ppo/kl_coef": beta,
            }
            | kl_metrics(kl, mask)
            | rollout.reward_metrics
        )

    def loss_on(self, part: PPOBatch) -> LossAndMetrics:
        """The clipped policy and value losses and the entropy bonus on ``part`` of a rollout,
        each a token mean over the whole mini-batch ``part`` belongs to, so the step's
        gradient does not depend on ``train.micro_batch_size``."""
        cfg, mask = self.config, part.rollout.mask
        assert part.step is not None  # train_step marks each mini-batch as_step()
        mean = part.step.token_mean
        logprobs, values, entropy = self._forward(part.rollout.rows, cfg.rollout.temperature)
        policy = clipped_policy_loss(
            logprobs,
            part.old_logprobs,
            part.advantages,
            mask,
            cfg.cliprange,
            mean,
            part.rollout.importance_weights,
        )
        value_loss, value_clipfrac = clipped_value_loss(
            values, part.old_values, part.returns, mask, cfg.cliprange_value, mean
        )
        entropy_term = mean(entropy, mask)
        loss = policy.loss + cfg.vf_coef * value_loss - cfg.entropy_coef * entropy_term
        return loss, {
            "policy/loss": policy.loss,
            "policy/clipfrac": policy.clipfrac,
            "policy/approxkl": policy.approxkl,
            "policy/entropy": masked_mean(entropy.detach(), mask),
            "value/loss": value_loss,
            "value/clipfrac": value_clipfrac,
        }

    def _forward(
        self, rows: TokenizedCompletions, temperature: float
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-token log-probs, values and entropies of the completion tokens; each [B, T-1]."""
        output = causal_forward(self.ctx.policy, rows, output_hidden_states=True)
        logprobs = completion_logprobs(output.logits, rows, temperature)
        values = self.value_head(output.hidden_states[-1][:, :-1].float()).squeeze(-1)
        entropy = entropy_from_logits(output.logits[:, :-1] / temperature)
        return logprobs, values, entropy
