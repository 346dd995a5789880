"""The rollout engine every sampling algorithm shares: sample, score, log-probs, one record."""

from alignzoo.rollout.engine import collect_rollout
from alignzoo.rollout.record import Rollout, ScoredRollout

__all__ = ["Rollout", "ScoredRollout", "collect_rollout"]
