"""The rollout engine every sampling algorithm shares: sample, score, log-probs, one record."""

from alignzoo.rollout.engine import collect_rollout
from alignzoo.rollout.record import Rollout

__all__ = ["Rollout", "collect_rollout"]
