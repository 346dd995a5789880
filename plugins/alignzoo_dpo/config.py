"""The typed config of ``algorithm=dpo``: every field is an override (``algorithm.beta=0.5``).

With ``DPOTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from alignzoo.algorithms.sft_term import SFTNormalization
from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.ranges import POSITIVE, FieldRanges, between, config_problems, raise_problems
from alignzoo.config.schema import TrainConfig

#: every loss ``algorithm.loss`` may name, in the order messages list them, and its class in
#: ``loss.py``: the one list of DPO's losses (here, by class name, so that checking a config
#: imports no torch; ``loss.LOSSES`` maps the same names to the classes)
LOSS_CLASSES: dict[str, str] = {
    "sigmoid": "DPOLoss",
    "cdpo": "ConservativeDPOLoss",
    "robust": "RobustDPOLoss",
    "ipo": "IPOLoss",
    "hinge": "HingeLoss",
    "exo_pair": "ExoPairLoss",
    "nca_pair": "NCAPairLoss",
    "bco_pair": "BCOPairLoss",
    "sppo_hard": "SPPOHardLoss",
    "aot": "AOTLoss",
    "aot_unpaired": "AOTUnpairedLoss",
    "apo_zero": "APOZeroLoss",
    "apo_down": "APODownLoss",
    "discopop": "DiscoPOPLoss",
    "sigmoid_norm": "NormalizedDPOLoss",
    "sft": "SFTLoss",
}
LOSS_NAMES: tuple[str, ...] = tuple(LOSS_CLASSES)


def loss_names(loss: str | Sequence[str]) -> list[str]:
    """``algorithm.loss`` as a list of names: one name, or a list for a weighted mixture."""
    names = [loss] if isinstance(loss, str) else [str(name) for name in loss]
    unknown = [name for name in names if name not in LOSS_NAMES]
    if not names or unknown:
        valid = ", ".join(repr(n) for n in LOSS_NAMES)
        what = f"unknown loss {unknown[0]!r}" if unknown else "no loss given"
        raise ValueError(f"algorithm.loss: {what}; valid names are {valid}")
    return names


def loss_weights_problem(names: Sequence[str], weights: Sequence[float] | None) -> str | None:
    """Why ``algorithm.loss_weights`` does not fit ``algorithm.loss`` (one weight per loss),
    or None; checked with the config so a mismatch is named before any model loads."""
    if weights is None or len(weights) == len(names):
        return None
    return (
        f"algorithm.loss_weights has {len(weights)} weight{'s' if len(weights) != 1 else ''} "
        f"for the {len(names)} losses of algorithm.loss ({', '.join(names)}); give one per loss"
    )


@dataclass
class DPOConfig:
    """Direct Preference Optimization and its loss variants."""

    #: strength of the KL constraint: higher keeps the policy closer to the reference
    beta: float = 0.1
    #: one of ``LOSS_NAMES`` (sigmoid is DPO's own), or a list of them summed with
    #: ``loss_weights`` (``algorithm.loss=[sigmoid,sft]``, as MPO mixes them)
    loss: Any = "sigmoid"
    #: one weight per loss of a list (None: 1 each)
    loss_weights: list[float] | None = None
    #: assumed label-flip rate, for cdpo, robust, exo_pair and the aot losses only
    label_smoothing: float = 0.0
    #: average each log-ratio over its tokens (None: each loss's own form; ipo and sigmoid_norm
    #: average, as their authors do, the others sum)
    length_normalize: bool | None = None
    #: the sft loss's average: per token of each chosen completion, then over pairs
    #: (``completion``, RPO's form: each pair weighs the same) or over every chosen token of
    #: the step (``token``, TRL's: long answers weigh more)
    sft_normalization: SFTNormalization = SFTNormalization.completion
    #: temperature of discopop's blend of logistic and exponential losses
    discopop_tau: float = 0.05
    #: compute reference log-probs once before training instead of at every step
    precompute_reference: bool = True
    #: score chosen and rejected in one forward pass of 2B rows instead of two passes
    concatenated_forward: bool = True
    #: each pair as one segment ``prompt, chosen, rejected`` (the prompt computed once, a 4-D
    #: mask keeping rejected blind to chosen), segments packed into rows of
    #: ``model.max_length``: no padding to the longest row (29% of a padded batch of the
    #: built-in pairs) and no second prompt (a quarter of their tokens); the model must keep
    #: to custom 4-D attention masks (checked at the start). None (the default): packed when
    #: the model passes that check and chosen and rejected share a forward, padded otherwise
    packing: bool | None = None

    field_ranges: ClassVar[FieldRanges] = {
        "beta": POSITIVE,
        # a flip rate past 1/2 turns the preferences around (robust divides by 1 - 2 eps)
        "label_smoothing": between(0, 0.5),
        "discopop_tau": POSITIVE,
    }

    def __post_init__(self) -> None:
        """A loss name that no class implements, or a nonsense value, is refused here, naming
        its key, before any model loads."""
        problems = config_problems(self, "algorithm")
        try:
            names = loss_names(self.loss)
        except ValueError as error:
            problems.append(str(error))
        else:
            problem = loss_weights_problem(names, self.loss_weights)
            if problem:
                problems.append(problem)
        raise_problems(problems)


#: pairs scored at once when precomputing reference log-probs (fewer with a smaller
#: train.micro_batch_size: the vocabulary-wide logits of large models need the room). Small
#: on purpose: on 2 CPU cores, scoring the built-in 2,000 pairs with a 20M model in chunks of
#: 64 raised the process's peak RSS by 367 MB (chunks of varying width fragment the heap) and
#: took 43 s; in chunks of 16, by 157 MB in 36 s.
REFERENCE_BATCH = 16


class DPOTraits(AlgorithmTraits):
    """DPOAlgorithm's class-level facts."""

    consumes = "pairs"

    @classmethod
    def memory_traits(cls, config: DPOConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """Chosen and rejected rows of a micro-batch; reference scoring in chunks, no gradients."""
        rows = 2 * (train.micro_batch_size or train.batch_size)
        chunk = min(REFERENCE_BATCH, train.micro_batch_size or REFERENCE_BATCH)
        reference_rows = 2 * chunk if config.precompute_reference else rows
        return MemoryTraits(train_rows=rows, no_grad_rows=reference_rows)

    @classmethod
    def needs_reference_for(cls, config: DPOConfig) -> bool:
        """Only to score pairs as they come: precomputed, the reference's log-probs are read
        from the policy itself before its first update (as TRL does), so full fine-tuning
        holds no frozen copy (evaluation loads one for its KL)."""
        return not config.precompute_reference
