"""Reward sources: the interface every learned, rules-based or AI-feedback reward implements."""

from alignzoo.rewards.source import RewardSource

__all__ = ["RewardSource"]
