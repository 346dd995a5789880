"""The best of each prompt's n samples (best-of-n and rejection sampling pick with it)."""

from __future__ import annotations

import torch

from alignzoo.rollout.selection import best_of_groups


def test_the_best_of_each_group_is_picked_first_of_ties() -> None:
    scores = torch.tensor([0.1, 0.7, 0.3, 0.5, 0.5, 0.2, -1.0, -3.0, -2.0])
    assert best_of_groups(scores, 3).tolist() == [1, 3, 6]
