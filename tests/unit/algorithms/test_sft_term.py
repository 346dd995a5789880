"""The SFT term of DPO's ``sft`` loss and SimPO's ``sft_weight``, averaged per completion
(RPO's form, the default) or over every chosen token of the step (TRL's)."""

from __future__ import annotations

import pytest
import torch

from alignzoo.algorithms.sft_term import SFTNormalization, sft_nll

#: summed chosen log-probs and lengths of a step of three pairs
LOGPS = torch.tensor([-2.0, -9.0, -1.0])
TOKENS = torch.tensor([2.0, 6.0, 1.0])


def test_per_completion_weighs_every_pair_the_same() -> None:
    """RPO (Pang et al. 2024, eq. 3): -log pi(y_c|x) / |y_c|, then the mean over pairs."""
    per_pair = sft_nll(LOGPS, TOKENS, SFTNormalization.completion)
    assert per_pair.mean().item() == pytest.approx((2 / 2 + 9 / 6 + 1 / 1) / 3)


def test_token_mean_over_the_step_as_trl_takes_it_whatever_the_micro_batches() -> None:
    """TRL 1.16 trl/trainer/dpo_trainer.py:1495-1501 (loss_type "sft":
    ``-chosen_per_token_logps[chosen_mask.bool()].mean()``) and
    trl/experimental/cpo/cpo_trainer.py:826-838 (cpo_alpha's cross-entropy): the NLL summed
    over every chosen token of the batch, divided by their number:
    (2 + 9 + 1) / (2 + 6 + 1), so the long second answer weighs 6/9 of the term."""
    step_mean = float(TOKENS.mean())
    whole = sft_nll(LOGPS, TOKENS, SFTNormalization.token, step_mean).mean()
    assert whole.item() == pytest.approx(12 / 9)
    # the updater weights micro-batches [0, 1] and [2] by their share of the rows
    parts = [
        sft_nll(LOGPS[rows], TOKENS[rows], SFTNormalization.token, step_mean).mean() * share
        for rows, share in ((slice(0, 2), 2 / 3), (slice(2, 3), 1 / 3))
    ]
    assert sum(parts).item() == pytest.approx(12 / 9)
    with pytest.raises(ValueError, match="step's mean chosen length"):
        sft_nll(LOGPS, TOKENS, SFTNormalization.token)
