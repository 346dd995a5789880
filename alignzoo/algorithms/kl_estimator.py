"""The names of the per-token KL estimators, apart from their torch code: an algorithm's config
picks one (``algorithm.kl_estimator=k3``) and registering it must import no torch."""

from __future__ import annotations

from enum import StrEnum


class KLEstimator(StrEnum):
    """Per-token estimator of KL(pi || pi_ref) an algorithm's config may pick."""

    k1 = "k1"
    k3 = "k3"
