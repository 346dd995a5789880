"""GRPO's advantage: each completion's reward against the others sampled for the same prompt."""

from __future__ import annotations

import torch

from alignzoo_grpo.config import ScaleRewards

#: keeps a group whose rewards are all equal at advantage 0 instead of 0/0
EPSILON = 1e-4


def group_advantages(scores: torch.Tensor, group_size: int, scale: ScaleRewards) -> torch.Tensor:
    """A_i = (r_i - mean(r_group)) / (std + eps), one value per completion; shape [N].

    ``scores`` holds contiguous groups of ``group_size`` (the rollout engine's order). The
    std is the group's (GRPO), the batch's, or none (Dr. GRPO); both are unbiased (n - 1).
    """
    grouped = scores.view(-1, group_size)
    centred = (grouped - grouped.mean(dim=1, keepdim=True)).view(-1)
    if scale is ScaleRewards.none:
        return centred
    if scale is ScaleRewards.group:
        std = grouped.std(dim=1, keepdim=True).expand_as(grouped).reshape(-1)
    else:
        std = scores.std().expand_as(scores)
    return centred / (std + EPSILON)


def per_source_advantages(
    source_scores: dict[str, tuple[float, torch.Tensor]], group_size: int
) -> torch.Tensor:
    """GDPO (arXiv 2601.05242): each source normalised by its own group's mean and std, the
    weighted sum of those, then that sum normalised over the batch:

        s_i = sum_k w_k (r_ki - mean_g(r_k)) / (std_g(r_k) + eps)
        A_i = (s_i - mean(s)) / (std(s) + eps)

    ``scale_rewards`` does not apply here: every source is scaled by its group's std and the
    sum by the batch's, so the advantage has unit scale whatever the sources' number and
    weights (TRL's ``multi_objective_aggregation="normalize_then_sum"``, the same).
    """
    total = torch.zeros(0)
    for weight, scores in source_scores.values():
        normalised = weight * group_advantages(scores, group_size, ScaleRewards.group)
        total = normalised if total.numel() == 0 else total + normalised
    return (total - total.mean()) / (total.std() + EPSILON)


def informative_groups(scores: torch.Tensor, group_size: int) -> torch.Tensor:
    """Per completion, whether its group's rewards differ at all (DAPO's dynamic sampling)."""
    grouped = scores.view(-1, group_size)
    varied = (grouped != grouped[:, :1]).any(dim=1)
    return varied.repeat_interleave(group_size)
