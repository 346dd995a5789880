"""The SFT term that preference losses add on the chosen completion (RPO, MPO, CPO-SimPO), and
the two ways it is averaged. Torch-free at import: configs name ``SFTNormalization``."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor


class SFTNormalization(StrEnum):
    """How the chosen completions' negative log-likelihood becomes one number per pair."""

    #: -log pi(y_c|x) / |y_c| for each pair, then the mean over pairs: every pair weighs the
    #: same whatever its length (RPO, Pang et al. 2024, eq. 3; the default)
    completion = "completion"
    #: -sum log pi(y_c|x) / sum |y_c| over every chosen token of the step: long answers weigh
    #: more (TRL's ``sft`` loss and CPO's ``cpo_alpha``)
    token = "token"


def sft_nll(
    policy_chosen: Tensor,
    chosen_tokens: Tensor,
    normalization: SFTNormalization,
    step_chosen_tokens: float | None = None,
) -> Tensor:
    """The SFT term per pair, [B], whose mean over the step's pairs is the term.

    ``policy_chosen`` holds summed log-probs. For ``token``, each pair's sum is divided by the
    step's mean chosen length (``step_chosen_tokens``): the mean of that over the step's pairs
    is the step's token mean, however the step is cut into micro-batches.
    """
    if normalization is SFTNormalization.completion:
        return -policy_chosen / chosen_tokens.clamp(min=1)
    if step_chosen_tokens is None:
        raise ValueError("a token-mean SFT term needs the step's mean chosen length")
    return -policy_chosen / max(step_chosen_tokens, 1.0)
