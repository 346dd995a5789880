"""SFT: maximum likelihood of the chosen completions, the first stage of the RLHF pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from alignzoo.algorithms import (
    Algorithm,
    AlgorithmContext,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.algorithms.batching import step_token_mean
from alignzoo.algorithms.rows import SHARED, RowSliced
from alignzoo.data.records import PreferencePair
from alignzoo.models.logprobs import token_logprobs
from alignzoo.models.packing import check_packing_supported, pack_completions
from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions
from alignzoo_sft.config import SFTConfig, SFTTraits


@dataclass
class SFTBatch(RowSliced):
    """Token rows, and the size of the whole step they are part of (tokens learnt, rows)."""

    rows: TokenizedCompletions
    step_tokens: float = field(metadata=SHARED)
    step_rows: int = field(metadata=SHARED)


class SFTAlgorithm(SFTTraits, Algorithm[PreferencePair]):
    """Supervised fine-tuning: L = -(1/N) sum over the step's completion tokens of
    log pi(y_t | x, y_<t), N the step's completion tokens (a token mean over the whole batch,
    whatever its micro-batches). Conversational data arrives rendered with the tokenizer's chat
    template, so the prompt ends where the assistant's turn begins. No reference model.
    With ``packing``, the step's examples share rows (first-fit decreasing), each attending
    to itself only.
    """

    def __init__(self, config: SFTConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        if config.packing:
            check_packing_supported(context.bare_policy)

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        """Tokenize (and pack) the chosen completions once, then one optimizer step on them."""
        ctx = self.ctx
        rows = tokenize_completions(
            ctx.tokenizer, [p.prompt for p in batch], [p.chosen for p in batch], ctx.max_length
        )
        if not self.config.completion_only:  # learn the prompt too: every real token
            rows = TokenizedCompletions(rows.input_ids, rows.attention_mask, rows.attention_mask)
        if self.config.packing:
            rows = pack_completions(rows, ctx.max_length, ctx.tokenizer.pad_token_id or 0)
        rows = rows.to(ctx.device)
        learnt = float(rows.completion_mask[:, 1:].sum())
        return updater.update(SFTBatch(rows, learnt, len(rows)), self.loss_on)

    def loss_on(self, part: SFTBatch) -> LossAndMetrics:
        """The NLL of ``part``'s tokens over the whole step's token count.

        ``step_token_mean`` undoes the updater's weighting by rows, so the step's loss is the
        token mean over the whole batch.
        """
        nll = -token_logprobs(self.ctx.policy, part.rows).sum()
        tokens = part.rows.completion_mask[:, 1:].sum().clamp(min=1)
        loss = step_token_mean(nll, len(part), part.step_tokens, part.step_rows)
        return loss, {"sft/nll_per_token": nll.detach() / tokens}
