"""Online DPO: each step, the policy's own samples, labelled by the reward, make DPO's pairs."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import (
    Algorithm,
    AlgorithmContext,
    Metrics,
    Updater,
)
from alignzoo.data.records import PreferencePair, PromptRecord
from alignzoo.rollout import collect_rollout
from alignzoo_online_dpo.config import DPO, OnlineDPOConfig, OnlineDPOTraits
from alignzoo_online_dpo.labels import pairs_from_scores


class OnlineDPOAlgorithm(OnlineDPOTraits, Algorithm[PromptRecord]):
    """Online DPO (Guo et al. 2024): sample two completions per prompt from the current policy,
    let the training reward pick the better, take a DPO step on those pairs.

    Any reward source labels: rules, a reward model, or ``reward=judge`` (an AI judge, which
    makes this online RLAIF, the paper's OAIF). Any DPO loss steps (``algorithm.dpo.loss``);
    the pairs are new every step, so their reference log-probs are computed as they come.
    """

    def __init__(self, config: OnlineDPOConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        dpo, dpo_config = context.required_algorithm(config.dpo, DPO)
        self.dpo: Algorithm[PreferencePair] = dpo.factory(dpo_config, context)

    def train_step(self, batch: Sequence[PromptRecord], updater: Updater) -> Metrics:
        """Sample two completions per prompt, label them by score, one DPO step on the pairs."""
        # --- rollout: two completions per prompt from the current policy, scored ---
        rollout = collect_rollout(
            self.ctx,
            batch,  # records: each sample carries its row's fields to the reward
            self.config.rollout,
            samples_per_prompt=2,
            policy_logprobs=False,
            reference_logprobs=False,
        )
        # --- the reward labels each pair: the higher-scored sample is chosen ---
        pairs = pairs_from_scores(rollout.prompts, rollout.completions, rollout.scores)
        sampled = {
            "objective/scores": rollout.scores.mean().item(),
            "online_dpo/labelled_pairs": len(pairs) / len(batch),
            "online_dpo/completion_tokens": rollout.mask.sum(-1).mean().item(),
        } | rollout.reward_metrics
        if not pairs:  # every pair tied: nothing to prefer, no step
            return sampled
        # --- DPO's step on the pairs (its loss, its reference log-probs) ---
        return self.dpo.train_step(pairs, updater) | sampled
