"""The DPO preference-loss family: one small class per paper, each beside its equation.

Every variant reads the summed sequence log-probs of the chosen and rejected completions under
the policy and the frozen reference model (all shape [B]), and their token counts. Most work on
the log-ratios c = log pi(y_c|x) - log pi_ref(y_c|x) and r = log pi(y_r|x) - log pi_ref(y_r|x),
and on their margin h = c - r. With ``length_normalize`` (IPO's and sigmoid_norm's default)
c and r are first divided by their completion's token count: per-token averages, so the margin
target 1/(2 beta) of IPO is in nats per token, as its authors use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import torch
import torch.nn.functional as F
from torch import Tensor

from alignzoo.algorithms.sft_term import SFTNormalization, sft_nll
from alignzoo_dpo.config import LOSS_CLASSES, loss_names


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
        chosen_tokens: Tensor | None = None,
        rejected_tokens: Tensor | None = None,
        step_chosen_tokens: float | None = None,
    ) -> PreferenceLossOutput:
        """Return per-pair losses and implicit rewards for a batch of B pairs."""
        ...


@dataclass(frozen=True)
class PairTerms:
    """What a loss reads: the (maybe length-normalised) log-ratios c and r, and the raw sums."""

    chosen: Tensor
    rejected: Tensor
    policy_chosen: Tensor
    policy_rejected: Tensor
    reference_chosen: Tensor
    reference_rejected: Tensor
    chosen_tokens: Tensor | None
    #: the step's mean chosen length, for a token-mean SFT term (None: not known)
    step_chosen_tokens: float | None = None

    @property
    def margin(self) -> Tensor:
        """h = c - r."""
        return self.chosen - self.rejected


@dataclass(frozen=True)
class _MarginLoss:
    """Shared plumbing: checks inputs, forms c, r and h, and the implicit rewards beta c, beta r."""

    beta: float = 0.1
    #: divide each log-ratio by its completion's token count (None: the loss's own default)
    length_normalize: bool | None = field(default=None, kw_only=True)
    #: the form the loss's authors use
    normalized_by_default: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not self.beta > 0:
            raise ValueError(f"beta must be > 0, got {self.beta}")

    @property
    def normalizes(self) -> bool:
        """Whether log-ratios are per-token averages for this loss."""
        if self.length_normalize is None:
            return self.normalized_by_default
        return self.length_normalize

    def __call__(
        self,
        policy_chosen_logps: Tensor,
        policy_rejected_logps: Tensor,
        reference_chosen_logps: Tensor,
        reference_rejected_logps: Tensor,
        chosen_tokens: Tensor | None = None,
        rejected_tokens: Tensor | None = None,
        step_chosen_tokens: float | None = None,
    ) -> PreferenceLossOutput:
        """Return per-pair losses and implicit rewards beta*(log pi - log pi_ref)."""
        shape = policy_chosen_logps.shape
        others = (policy_rejected_logps, reference_chosen_logps, reference_rejected_logps)
        if len(shape) != 1 or any(t.shape != shape for t in others):
            got = [tuple(t.shape) for t in (policy_chosen_logps, *others)]
            raise ValueError(f"expected four log-prob tensors of the same shape [B], got {got}")
        chosen = policy_chosen_logps - reference_chosen_logps
        rejected = policy_rejected_logps - reference_rejected_logps
        if self.normalizes:
            if chosen_tokens is None or rejected_tokens is None:
                raise ValueError(
                    f"{type(self).__name__} length-normalises: pass chosen_tokens and "
                    "rejected_tokens, or build it with length_normalize=False"
                )
            chosen = chosen / chosen_tokens.clamp(min=1)
            rejected = rejected / rejected_tokens.clamp(min=1)
        terms = PairTerms(
            chosen,
            rejected,
            policy_chosen_logps,
            policy_rejected_logps,
            reference_chosen_logps,
            reference_rejected_logps,
            chosen_tokens,
            step_chosen_tokens,
        )
        return PreferenceLossOutput(
            losses=self._pair_loss(terms),
            chosen_rewards=(self.beta * chosen).detach(),
            rejected_rewards=(self.beta * rejected).detach(),
        )

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        """The loss of each pair; most losses read only the margin h."""
        return self._loss(terms.margin)

    def _loss(self, h: Tensor) -> Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class DPOLoss(_MarginLoss):
    """DPO, sigmoid loss: -log sigmoid(beta*h) (Rafailov et al. 2023, eq. 7)."""

    def _loss(self, h: Tensor) -> Tensor:
        return -F.logsigmoid(self.beta * h)


@dataclass(frozen=True)
class NormalizedDPOLoss(DPOLoss):
    """sigmoid_norm: DPO on per-token average log-ratios, -log sigmoid(beta (c/|y_c| - r/|y_r|))."""

    normalized_by_default: ClassVar[bool] = True


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

    The paper's regulariser tau is our beta; the loss is minimised at h = 1/(2*beta). Its
    authors' form averages each log-ratio over its tokens (the default here, as in TRL).
    """

    normalized_by_default: ClassVar[bool] = True

    def _loss(self, h: Tensor) -> Tensor:
        return (h - 1 / (2 * self.beta)) ** 2


@dataclass(frozen=True)
class HingeLoss(_MarginLoss):
    """SLiC-HF hinge loss: max(0, 1 - beta*h) (Zhao et al. 2023, "SLiC-HF")."""

    def _loss(self, h: Tensor) -> Tensor:
        return torch.relu(1 - self.beta * h)


@dataclass(frozen=True)
class ExoPairLoss(_MarginLoss):
    """EXO-pref (Ji et al. 2024, "Towards Efficient Exact Optimization of LM Alignment", eq. 16):
    KL(q || p) between q = softmax over {chosen, rejected} of beta times the log-ratios and the
    smoothed label p = (1 - eps, eps):
    q_w (log q_w - log(1 - eps)) + q_l (log q_l - log eps), q_w = sigmoid(beta h) = 1 - q_l.
    eps = label_smoothing, which must be > 0: log 0 is undefined (the paper uses 1e-3; TRL
    refuses 0 as well, rather than putting a value in for it).
    """

    label_smoothing: float = 1e-3

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.label_smoothing < 1:
            raise ValueError(
                "algorithm.loss=exo_pair needs algorithm.label_smoothing in (0, 1), the "
                f"smoothed label's eps (log eps is undefined at 0; the paper uses 1e-3), got "
                f"{self.label_smoothing}"
            )

    def _loss(self, h: Tensor) -> Tensor:
        eps = self.label_smoothing
        z = self.beta * h
        win, lose = torch.sigmoid(z), torch.sigmoid(-z)
        return win * (F.logsigmoid(z) - torch.log1p(torch.tensor(-eps))) + lose * (
            F.logsigmoid(-z) - torch.log(torch.tensor(eps))
        )


@dataclass(frozen=True)
class NCAPairLoss(_MarginLoss):
    """NCA (Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit
    Rewards"), pairwise: -log sigmoid(beta c) - 1/2 log sigmoid(-beta c) - 1/2 log sigmoid(-beta r).
    It pushes the chosen likelihood up in absolute terms, not only relative to the rejected."""

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        c, r = self.beta * terms.chosen, self.beta * terms.rejected
        return -F.logsigmoid(c) - 0.5 * F.logsigmoid(-c) - 0.5 * F.logsigmoid(-r)


@dataclass(frozen=True)
class BCOPairLoss(_MarginLoss):
    """BCO (Jung et al. 2024, "Binary Classifier Optimization"), on pairs: chosen classified as
    good, rejected as bad, -log sigmoid(beta c) - log sigmoid(-beta r) (TRL's pair form, without
    BCO's running reward shift)."""

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        return -F.logsigmoid(self.beta * terms.chosen) - F.logsigmoid(-self.beta * terms.rejected)


@dataclass(frozen=True)
class SPPOHardLoss(_MarginLoss):
    """SPPO (Wu et al. 2024, "Self-Play Preference Optimization", eq. 4.7) with hard labels
    (P = 1 for the winner, 0 for the loser): (c - 1/(2 beta))^2 + (r + 1/(2 beta))^2."""

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        target = 0.5 / self.beta
        return (terms.chosen - target) ** 2 + (terms.rejected + target) ** 2


@dataclass(frozen=True)
class AOTLoss(_MarginLoss):
    """AOT (Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via Optimal
    Transport"), paired: DPO's smoothed logistic loss on delta = sort(log pi_c - log pi_r)
    - sort(log pi_ref_c - log pi_ref_r), the batch's policy and reference log-ratio margins each
    sorted: first-order stochastic dominance of the policy's margins over the reference's.
    Sorting runs over the batch a loss sees, so micro-batches change it."""

    label_smoothing: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.label_smoothing <= 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5], got {self.label_smoothing}")

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        policy, _ = torch.sort(terms.policy_chosen - terms.policy_rejected)
        reference, _ = torch.sort(terms.reference_chosen - terms.reference_rejected)
        return self._smoothed(policy - reference)

    def _smoothed(self, delta: Tensor) -> Tensor:
        eps, z = self.label_smoothing, self.beta * delta
        return -(1 - eps) * F.logsigmoid(z) - eps * F.logsigmoid(-z)


@dataclass(frozen=True)
class AOTUnpairedLoss(AOTLoss):
    """AOT, unpaired: delta = sort(c) - sort(r), the chosen log-ratios dominating the rejected
    ones as distributions, whichever pair each came from."""

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        chosen, _ = torch.sort(terms.chosen)
        rejected, _ = torch.sort(terms.rejected)
        return self._smoothed(chosen - rejected)


@dataclass(frozen=True)
class APOZeroLoss(_MarginLoss):
    """APO-zero (D'Oosterlinck et al. 2024, "Anchored Preference Optimization", eq. 7), for
    chosen answers better than the model's own: (1 - sigmoid(beta c)) + sigmoid(beta r), the
    chosen likelihood pushed up and the rejected down, each against the reference."""

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        return (
            1 - torch.sigmoid(self.beta * terms.chosen) + torch.sigmoid(self.beta * terms.rejected)
        )


@dataclass(frozen=True)
class APODownLoss(_MarginLoss):
    """APO-down (D'Oosterlinck et al. 2024, eq. 8), for chosen answers worse than the model's
    own: sigmoid(beta c) + (1 - sigmoid(beta h)), both likelihoods down, the rejected more."""

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        return torch.sigmoid(self.beta * terms.chosen) + 1 - torch.sigmoid(self.beta * terms.margin)


@dataclass(frozen=True)
class DiscoPOPLoss(_MarginLoss):
    """DiscoPOP (Lu et al. 2024, "Discovering Preference Optimization Algorithms with and for
    LLMs", eq. 5): a blend of the logistic and exponential losses of z = beta h, weighted by
    m = sigmoid(z / tau): (1 - m)(-log sigmoid(z)) + m exp(-z)."""

    tau: float = 0.05

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.tau > 0:
            raise ValueError(f"discopop_tau must be > 0, got {self.tau}")

    def _loss(self, h: Tensor) -> Tensor:
        z = self.beta * h
        mix = torch.sigmoid(z / self.tau)
        return (1 - mix) * -F.logsigmoid(z) + mix * torch.exp(-z)


@dataclass(frozen=True)
class SFTLoss(_MarginLoss):
    """The SFT term: the chosen completion's negative log-likelihood, per token of each
    completion, -log pi(y_c|x) / |y_c| (RPO, Pang et al. 2024; MPO mixes it with a preference
    loss), or with ``normalization=token`` over every chosen token of the step (TRL's).
    beta only scales the implicit rewards it reports."""

    normalization: SFTNormalization = field(default=SFTNormalization.completion, kw_only=True)

    def _pair_loss(self, terms: PairTerms) -> Tensor:
        if terms.chosen_tokens is None:
            raise ValueError("the sft loss needs chosen_tokens, the chosen completions' lengths")
        return sft_nll(
            terms.policy_chosen,
            terms.chosen_tokens,
            self.normalization,
            terms.step_chosen_tokens,
        )


#: the class of each name in ``alignzoo_dpo.config.LOSS_CLASSES`` (the one list), in its order
LOSSES: dict[str, type[_MarginLoss]] = {name: globals()[cls] for name, cls in LOSS_CLASSES.items()}


@dataclass(frozen=True)
class WeightedLosses:
    """sum_k w_k loss_k per pair (MPO-style mixtures, e.g. sigmoid + 0.05 sft); the implicit
    rewards are the first loss's."""

    parts: tuple[tuple[float, PreferenceLoss], ...]

    def __call__(
        self,
        policy_chosen_logps: Tensor,
        policy_rejected_logps: Tensor,
        reference_chosen_logps: Tensor,
        reference_rejected_logps: Tensor,
        chosen_tokens: Tensor | None = None,
        rejected_tokens: Tensor | None = None,
        step_chosen_tokens: float | None = None,
    ) -> PreferenceLossOutput:
        """The weighted sum of every part's per-pair losses."""
        inputs = (
            policy_chosen_logps,
            policy_rejected_logps,
            reference_chosen_logps,
            reference_rejected_logps,
            chosen_tokens,
            rejected_tokens,
            step_chosen_tokens,
        )
        outputs = [(weight, loss(*inputs)) for weight, loss in self.parts]
        first = outputs[0][1]
        total = sum(
            (weight * out.losses for weight, out in outputs), torch.zeros_like(first.losses)
        )
        return PreferenceLossOutput(total, first.chosen_rewards, first.rejected_rewards)


def _takes(cls: Any, name: str) -> bool:
    return name in {f.name for f in dataclasses.fields(cls)}


def make_loss(
    name: str | Sequence[str],
    beta: float,
    label_smoothing: float,
    weights: Sequence[float] | None = None,
    length_normalize: bool | None = None,
    discopop_tau: float = 0.05,
    sft_normalization: SFTNormalization = SFTNormalization.completion,
) -> PreferenceLoss:
    """Build the loss named by config field ``algorithm.loss`` (a list: their weighted sum)."""
    names = loss_names(name)
    if weights is not None and len(weights) != len(names):
        raise ValueError(
            f"algorithm.loss_weights has {len(weights)} weights for {len(names)} losses "
            f"({', '.join(names)}); give one per loss"
        )
    smoothing_takers = [n for n, c in LOSSES.items() if _takes(c, "label_smoothing")]
    if label_smoothing != 0 and not any(n in smoothing_takers for n in names):
        raise ValueError(
            f"label_smoothing={label_smoothing} only applies to {'/'.join(smoothing_takers)}, "
            f"not algorithm.loss={'+'.join(names)}; set it to 0"
        )
    built: list[PreferenceLoss] = []
    for each in names:
        cls: Any = LOSSES[each]
        options: dict[str, Any] = {"beta": beta, "length_normalize": length_normalize}
        if _takes(cls, "label_smoothing"):
            options["label_smoothing"] = label_smoothing
        if _takes(cls, "tau"):
            options["tau"] = discopop_tau
        if _takes(cls, "normalization"):
            options["normalization"] = sft_normalization
        built.append(cls(**options))
    if len(built) == 1 and weights is None:
        return built[0]
    return WeightedLosses(tuple(zip(weights or [1.0] * len(built), built, strict=True)))
