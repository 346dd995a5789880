"""Reward sources: the interface every learned, rules-based or AI-feedback reward implements.

``RewardSource`` is imported on first use: a reward's config module imports no torch.
"""

from typing import TYPE_CHECKING

from alignzoo.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from alignzoo.rewards.source import RewardSource

__all__ = ["RewardSource"]
__getattr__ = lazy_exports(__name__, {"RewardSource": "alignzoo.rewards.source"})
