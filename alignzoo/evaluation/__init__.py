"""Evaluation of a policy on held-out prompts and pairs."""

from alignzoo.evaluation.heldout import HeldoutEvaluator

__all__ = ["HeldoutEvaluator"]
