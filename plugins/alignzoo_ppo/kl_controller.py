"""The coefficient of the KL penalty: fixed, or adapted toward a target KL (Ziegler et al. 2019)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FixedKLController:
    """beta stays where it was set."""

    value: float

    def update(self, current_kl: float, n_steps: int) -> None:
        """Nothing to adapt."""


@dataclass
class AdaptiveKLController:
    """beta <- beta (1 + K_beta e), e = clip(KL/KL_target - 1, -0.2, 0.2), K_beta = n/horizon.

    Ziegler et al. 2019, §2.2: a proportional controller that raises beta when the policy
    drifts past the target KL and lowers it when the policy stays close.
    """

    value: float
    target: float
    horizon: int

    def update(self, current_kl: float, n_steps: int) -> None:
        """Adapt beta after ``n_steps`` samples had mean KL ``current_kl``."""
        error = min(max(current_kl / self.target - 1.0, -0.2), 0.2)
        self.value *= 1.0 + error * n_steps / self.horizon
