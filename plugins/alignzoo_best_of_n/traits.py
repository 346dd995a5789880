"""What the planner and the runner know of best-of-n before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits


class BestOfNTraits(AlgorithmTraits):
    """BestOfNAlgorithm's class-level facts."""

    consumes = "prompts"
    needs_reference = False  # it samples from the untrained policy: the reference itself
    trains = False  # the runner evaluates it once and takes no step
