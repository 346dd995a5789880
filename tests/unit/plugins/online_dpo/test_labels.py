"""Online DPO's labels: the higher-scored of a prompt's two samples is chosen; ties make none."""

from __future__ import annotations

import torch

from alignzoo.data.records import PreferencePair
from alignzoo_online_dpo.labels import pairs_from_scores


def test_the_higher_score_is_chosen_and_a_tie_is_dropped() -> None:
    prompts = ["p", "p", "q", "q", "r", "r"]
    completions = ["a", "b", "c", "d", "e", "f"]
    pairs = pairs_from_scores(prompts, completions, torch.tensor([0.1, 0.9, 0.7, 0.2, 0.5, 0.5]))
    assert pairs == [PreferencePair("p", "b", "a"), PreferencePair("q", "c", "d")]
