"""Direct Preference Optimization (Rafailov et al. 2023), one step read top to bottom."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import torch
from transformers import PreTrainedModel

from alignzoo.algorithms import (
    Algorithm,
    AlgorithmContext,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.algorithms.batching import micro_batches
from alignzoo.algorithms.sft_term import SFTNormalization
from alignzoo.data.records import PreferencePair
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.pairs import PairLogprobs, StepPairs, mean_chosen_tokens, pair_logprobs
from alignzoo.models.reference import ReferenceModel
from alignzoo.models.shared_prompt import (
    check_shared_prompts_supported,
    shared_prompts_supported,
)
from alignzoo.models.tokenize import TokenizedCompletions
from alignzoo_dpo.config import REFERENCE_BATCH, DPOConfig, DPOTraits, loss_names
from alignzoo_dpo.loss import make_loss

logger = logging.getLogger(__name__)


class DPOAlgorithm(DPOTraits, Algorithm[PreferencePair]):
    """Fits the policy to preference pairs directly, with the reference as implicit-reward anchor.

    Supports sixteen preference losses and their weighted mixtures (``algorithm.loss``,
    ``alignzoo_dpo/loss.py``), on summed or per-token log-ratios; reference
    log-probs precomputed once or computed every step; chosen and rejected in one concatenated
    forward pass or two, padded or packed; gradient accumulation over ``train.micro_batch_size``
    (the updater's).
    Raises ``ConfigError`` for a bad ``beta``, ``loss`` or ``label_smoothing``.
    """

    def __init__(self, config: DPOConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        try:
            self.loss = make_loss(
                config.loss,
                config.beta,
                config.label_smoothing,
                weights=config.loss_weights,
                length_normalize=config.length_normalize,
                discopop_tau=config.discopop_tau,
                sft_normalization=config.sft_normalization,
            )
        except ValueError as error:  # a loss refusing its settings: one line, by name
            raise ConfigError(str(error)) from error
        self._cached_reference: dict[PreferencePair, tuple[float, float]] = {}
        self.packing = use_packing(config, context.bare_policy)

    def prepare(self, train_records: Sequence[PreferencePair]) -> None:
        """Precompute reference log-probs of every training pair once, if configured."""
        if not self.config.precompute_reference:
            return
        pairs = list(dict.fromkeys(train_records))  # unique, in order
        size = min(REFERENCE_BATCH, self.ctx.micro_batch_size or REFERENCE_BATCH)
        # untrained yet, the policy is the reference (with LoRA, the base with the adapter off)
        reference = self.ctx.reference or ReferenceModel.policy_before_training(
            self.ctx.bare_policy
        )
        for chunk in micro_batches(pairs, size):
            scored = self._score(reference.sequence_logprobs, chunk)
            for pair, c, r in zip(
                chunk, scored.chosen.tolist(), scored.rejected.tolist(), strict=True
            ):
                self._cached_reference[pair] = (c, r)

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        """One optimizer step on ``batch`` (the updater accumulates over micro-batches)."""
        ctx, step = self.ctx, StepPairs(batch)
        if self._reads_step_chosen_tokens:  # a token-mean SFT term: over the whole step
            step = StepPairs(batch, mean_chosen_tokens(ctx.tokenizer, batch, ctx.max_length))
        return updater.update(step, self.loss_on)

    @property
    def _reads_step_chosen_tokens(self) -> bool:
        return "sft" in loss_names(self.config.loss) and (
            self.config.sft_normalization is SFTNormalization.token
        )

    def loss_on(self, step: StepPairs) -> LossAndMetrics:
        """The mean preference loss over the pairs of ``step``, and its metrics."""
        pairs = step.pairs
        # --- policy log-probs of chosen and rejected completions, and their lengths ---
        policy = self._score(self._policy_logprobs, pairs)
        policy_chosen, policy_rejected = policy.chosen, policy.rejected
        # --- reference log-probs: cached, or a no-grad forward now ---
        reference_chosen, reference_rejected = self._reference_logprobs(pairs)
        # --- the preference loss (some average the log-ratios over each completion's tokens) ---
        out = self.loss(
            policy_chosen,
            policy_rejected,
            reference_chosen,
            reference_rejected,
            policy.chosen_tokens,
            policy.rejected_tokens,
            step.chosen_tokens,
        )
        margins = out.chosen_rewards - out.rejected_rewards
        return out.losses.mean(), {
            "rewards/chosen": out.chosen_rewards.mean(),
            "rewards/rejected": out.rejected_rewards.mean(),
            "rewards/margins": margins.mean(),
            "rewards/accuracy": (margins > 0).float().mean(),
            "logps/chosen": policy_chosen.mean(),
            "logps/rejected": policy_rejected.mean(),
        }

    def _policy_logprobs(self, tokens: TokenizedCompletions) -> torch.Tensor:
        return sequence_logprobs(self.ctx.policy, tokens)

    def _reference_logprobs(
        self, pairs: Sequence[PreferencePair]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        cached = [self._cached_reference.get(pair) for pair in pairs]
        if not self.config.precompute_reference or None in cached:
            # not precomputed, or a pair prepare() did not see (online DPO's): score them now
            scored = self._score(self.ctx.reference_model().sequence_logprobs, pairs)
            return scored.chosen, scored.rejected
        values = torch.tensor(cached, device=self.ctx.device)
        return values[:, 0], values[:, 1]

    def _score(
        self,
        logprobs: Callable[[TokenizedCompletions], torch.Tensor],
        pairs: Sequence[PreferencePair],
    ) -> PairLogprobs:
        """Summed log-probs of chosen and rejected, in one forward of 2B rows or two of B."""
        ctx = self.ctx
        return pair_logprobs(
            logprobs,
            ctx.tokenizer,
            pairs,
            ctx.max_length,
            ctx.device,
            self.config.concatenated_forward,
            self.packing,
        )


def use_packing(config: DPOConfig, model: PreTrainedModel) -> bool:
    """``algorithm.packing``, or when it is None (the default) whether ``model`` keeps to the
    4-D mask packing needs: a model that does not (a flash-attention kernel, an old custom
    architecture) trains padded rather than failing, with one line in the log."""
    if config.packing is not None:
        if config.packing:
            check_shared_prompts_supported(model)
        return config.packing
    if not config.concatenated_forward:
        return False
    try:
        supported = shared_prompts_supported(model)
    except (RuntimeError, ValueError, TypeError) as error:  # a kernel that refuses 4-D masks
        logger.info("algorithm.packing: the probe forward failed (%s)", error)
        supported = False
    if not supported:
        logger.info(
            "algorithm.packing: %s does not keep to a custom 4-D attention mask; "
            "pairs train padded",
            type(model).__name__,
        )
    return supported
