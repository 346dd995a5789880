"""The DPO preference-loss family: one small class per paper, each beside its equation.

Every variant takes the summed sequence log-probs of the chosen and rejected completions under
the policy and the frozen reference model (all shape [B]) and works on the log-ratio margin

    h = (log pi(y_c|x) - log pi_ref(y_c|x)) - (log pi(y_r|x) - log pi_ref(y_r|x)).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class PreferenceLossOutput:
    """Per-pair losses (differentiable) and the detached implicit rewards, all shape [B]."""

    losses: Tensor
    chosen_rewards: Tensor
    rejected_rewards: Tensor


class PreferenceLoss(Protocol):
    """A pairwise preference loss over summed sequence log-probs."""

    def __call__(
        self,
        policy_chosen_logps: Tensor,
        policy_rejected_logps: Tensor,
        reference_chosen_logps: Tensor,
        reference_rejected_logps: Tensor,
    ) -> PreferenceLossOutput:
        """Return per-pair losses and implicit rewards for a batch of B pairs."""
        ...


@dataclass(frozen=True)
class _MarginLoss:
    """Shared plumbing: checks inputs, forms the margin h, computes implicit rewards."""

    beta: float = 0.1

    def __post_init__(self) -> None:
        if not self.beta > 0:
            raise ValueError(f"beta must be > 0, got {self.beta}")

    def __call__(
        self,
        policy_chosen_logps: Tensor,
        policy_rejected_logps: Tensor,
        reference_chosen_logps: Tensor,
        reference_rejected_logps: Tensor,
    ) -> PreferenceLossOutput:
        """Return per-pair losses and implicit rewards beta*(log pi - log pi_ref)."""
        shape = policy_chosen_logps.shape
        others = (policy_rejected_logps, reference_chosen_logps, reference_rejected_logps)
        if len(shape) != 1 or any(t.shape != shape for t in others):
            got = [tuple(t.shape) for t in (policy_chosen_logps, *others)]
            raise ValueError(f"expected four log-prob tensors of the same shape [B], got {got}")
        chosen_logratios = policy_chosen_logps - reference_chosen_logps
        rejected_logratios = policy_rejected_logps - reference_rejected_logps
        losses = self._loss(chosen_logratios - rejected_logratios)
        return PreferenceLossOutput(
            losses=losses,
            chosen_rewards=(self.beta * chosen_logratios).detach(),
            rejected_rewards=(self.beta * rejected_logratios).detach(),
        )

    def _loss(self, h: Tensor) -> Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class DPOLoss(_MarginLoss):
    """DPO, sigmoid loss: -log sigmoid(beta*h) (Rafailov et al. 2023, eq. 7)."""

    def _loss(self, h: Tensor) -> Tensor:
        return -F.logsigmoid(self.beta * h)


@dataclass(frozen=True)
class ConservativeDPOLoss(_MarginLoss):
    """cDPO: -(1-eps) log sigmoid(beta*h) - eps log sigmoid(-beta*h), eps = label_smoothing.

    Mitchell 2023, "A note on DPO with noisy preferences & relationship to IPO": each label is
    assumed flipped with probability eps, so the target preference probability is 1 - eps.
    """

    label_smoothing: float = 0.1

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.label_smoothing <= 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5], got {self.label_smoothing}")

    def _loss(self, h: Tensor) -> Tensor:
        eps, z = self.label_smoothing, self.beta * h
        return -(1 - eps) * F.logsigmoid(z) - eps * F.logsigmoid(-z)


@dataclass(frozen=True)
class RobustDPOLoss(_MarginLoss):
    """rDPO: [-(1-eps) log sigmoid(beta*h) + eps log sigmoid(-beta*h)] / (1 - 2*eps).

    Chowdhury et al. 2024, "Provably Robust DPO: Aligning Language Models with Noisy Feedback":
    an unbiased estimate of the clean DPO loss when labels flip with probability eps < 1/2.
    """

    label_smoothing: float = 0.1

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {self.label_smoothing}")

    def _loss(self, h: Tensor) -> Tensor:
        eps, z = self.label_smoothing, self.beta * h
        return (-(1 - eps) * F.logsigmoid(z) + eps * F.logsigmoid(-z)) / (1 - 2 * eps)


@dataclass(frozen=True)
class IPOLoss(_MarginLoss):
    """IPO: (h - 1/(2*beta))^2 (Azar et al. 2023, "A General Theoretical Paradigm...", eq. 17).

    The paper's regulariser tau is our beta; the loss is minimised at h = 1/(2*beta).
    """

    def _loss(self, h: Tensor) -> Tensor:
        return (h - 1 / (2 * self.beta)) ** 2


@dataclass(frozen=True)
class HingeLoss(_MarginLoss):
    """SLiC-HF hinge loss: max(0, 1 - beta*h) (Zhao et al. 2023, "SLiC-HF")."""

    def _loss(self, h: Tensor) -> Tensor:
        return torch.relu(1 - self.beta * h)


LOSSES: dict[str, type[_MarginLoss] | type[DPOLoss]] = {
    "sigmoid": DPOLoss,
    "cdpo": ConservativeDPOLoss,
    "robust": RobustDPOLoss,
    "ipo": IPOLoss,
    "hinge": HingeLoss,
}


def _takes_label_smoothing(cls: Any) -> bool:
    return "label_smoothing" in {f.name for f in dataclasses.fields(cls)}


def make_loss(name: str, beta: float, label_smoothing: float) -> PreferenceLoss:
    """Build the loss named by config field ``algorithm.loss``."""
    if name not in LOSSES:
        valid = ", ".join(repr(n) for n in LOSSES)
        raise ValueError(f"algorithm.loss: unknown loss {name!r}; valid names are {valid}")
    cls: Any = LOSSES[name]
    if _takes_label_smoothing(cls):
        return cls(beta=beta, label_smoothing=label_smoothing)
    if label_smoothing != 0:
        takers = "/".join(n for n, c in LOSSES.items() if _takes_label_smoothing(c))
        raise ValueError(
            f"label_smoothing={label_smoothing} only applies to {takers}, "
            f"not algorithm.loss={name!r}; set it to 0"
        )
    return cls(beta=beta)
