"""Log-probs of both completions of preference pairs: what every offline preference loss reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from transformers import PreTrainedTokenizerBase

from alignzoo.algorithms.rows import SHARED, RowSliced
from alignzoo.data.records import PreferencePair
from alignzoo.models.logprobs import per_sequence
from alignzoo.models.shared_prompt import share_prompts
from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions


@dataclass(frozen=True)
class PairLogprobs:
    """Summed log-probs of the chosen and rejected completions and their token counts, [B]."""

    chosen: torch.Tensor
    rejected: torch.Tensor
    chosen_tokens: torch.Tensor
    rejected_tokens: torch.Tensor

    @property
    def chosen_mean(self) -> torch.Tensor:
        """Per-token average log-prob of each chosen completion."""
        return self.chosen / self.chosen_tokens.clamp(min=1)

    @property
    def rejected_mean(self) -> torch.Tensor:
        """Per-token average log-prob of each rejected completion."""
        return self.rejected / self.rejected_tokens.clamp(min=1)


@dataclass(frozen=True)
class StepPairs(RowSliced):
    """The pairs of one optimizer step, sliced into micro-batches by the updater, with the
    step's mean chosen length, which a token-mean term reads whatever the slice."""

    pairs: Sequence[PreferencePair]
    #: tokens per chosen completion over the whole step (None: nothing reads it)
    chosen_tokens: float | None = field(default=None, metadata=SHARED)


def mean_chosen_tokens(
    tokenizer: PreTrainedTokenizerBase, pairs: Sequence[PreferencePair], max_length: int
) -> float:
    """Tokens per chosen completion as the log-probs count them (cut to ``max_length``)."""
    rows = tokenize_completions(
        tokenizer, [p.prompt for p in pairs], [p.chosen for p in pairs], max_length
    )
    return float(completion_tokens(rows).mean())


def completion_tokens(tokens: TokenizedCompletions) -> torch.Tensor:
    """Tokens of each completion, the ones its summed log-prob adds up; [B], float (per
    example, packed rows)."""
    return per_sequence(tokens.completion_mask[:, 1:].float(), tokens)


def pair_logprobs(
    logprobs: Callable[[TokenizedCompletions], torch.Tensor],
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[PreferencePair],
    max_length: int,
    device: torch.device,
    concatenated: bool = True,
    packed: bool = False,
) -> PairLogprobs:
    """``logprobs`` (summed per row: a policy's or the reference's) of chosen and rejected, in
    one forward of 2B rows (``concatenated``) or two of B; ``packed``: each pair's prompt is
    computed once for both completions and the pairs share rows of ``max_length`` tokens (no
    padding to the longest), see ``alignzoo.models.shared_prompt``."""
    prompts = [p.prompt for p in pairs]
    chosen = [p.chosen for p in pairs]
    rejected = [p.rejected for p in pairs]

    def tokenize(prompts: list[str], completions: list[str]) -> TokenizedCompletions:
        return tokenize_completions(tokenizer, prompts, completions, max_length).to(device)

    if concatenated or packed:
        rows = tokenize_completions(tokenizer, prompts + prompts, chosen + rejected, max_length)
        if packed:  # the same rows, laid out with shared prompts
            rows = share_prompts(rows, max_length, tokenizer.pad_token_id or 0)
        rows = rows.to(device)
        both, lengths, b = logprobs(rows), completion_tokens(rows), len(pairs)
        return PairLogprobs(both[:b], both[b:], lengths[:b], lengths[b:])
    chosen_rows, rejected_rows = tokenize(prompts, chosen), tokenize(prompts, rejected)
    return PairLogprobs(
        logprobs(chosen_rows),
        logprobs(rejected_rows),
        completion_tokens(chosen_rows),
        completion_tokens(rejected_rows),
    )
