"""RLAIF: the AI judge replaces the human rater, then DPO learns from its labels."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import (
    Algorithm,
    AlgorithmContext,
    Evaluator,
    Metrics,
    Updater,
)
from alignzoo.data.records import PreferencePair
from alignzoo.rewards.judge import Judge, debiased_preference
from alignzoo.rewards.judgement_cache import CachedJudge
from alignzoo_rlaif.config import DPO, RLAIFConfig, RLAIFTraits
from alignzoo_rlaif.local_judge import LocalJudge


class RLAIFAlgorithm(RLAIFTraits, Algorithm[PreferencePair]):
    """Relabels every training pair with the judge, then optimises the policy with DPO on them.

    The pairs' two responses are kept and their human (or simulated) labels are discarded:
    the judge sees both orders and its averaged preference decides which is chosen (Lee et al.
    2023, "canonical RLAIF" with DPO in place of reward model + PPO). Evaluation adds the
    judge's agreement with the held-out gold order as ``eval/judge_agreement``.
    """

    def __init__(self, config: RLAIFConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        local = LocalJudge(config.judge, context.registry)
        self.judge: Judge = CachedJudge(local) if config.judge.cache else local
        dpo, dpo_config = context.required_algorithm(config.dpo, DPO)
        self.dpo: Algorithm[PreferencePair] = dpo.factory(dpo_config, context)
        self._ai_labelled: dict[PreferencePair, PreferencePair] = {}
        self._judge_agreement: float | None = None
        self._flipped = 0.0

    def prepare(self, train_records: Sequence[PreferencePair]) -> None:
        """Label every pair with the judge, then let DPO precompute its reference log-probs."""
        pairs = list(dict.fromkeys(train_records))
        prompts = [p.prompt for p in pairs]
        first_wins = debiased_preference(
            self.judge, prompts, [p.chosen for p in pairs], [p.rejected for p in pairs]
        )
        for pair, p_first in zip(pairs, first_wins.tolist(), strict=True):
            keep = p_first >= 0.5
            self._ai_labelled[pair] = (
                pair if keep else PreferencePair(pair.prompt, pair.rejected, pair.chosen)
            )
        self._flipped = float((first_wins < 0.5).float().mean())
        self.dpo.prepare(list(self._ai_labelled.values()))

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        """A DPO step on the judge's labels of ``batch``."""
        relabelled = [self._ai_labelled.get(pair, pair) for pair in batch]
        return self.dpo.train_step(relabelled, updater) | {"rlaif/flipped_labels": self._flipped}

    def evaluate(self, evaluator: Evaluator) -> Metrics:
        """The policy's held-out metrics, plus the judge's agreement with the gold order."""
        if self._judge_agreement is None and evaluator.pairs:
            pairs = evaluator.pairs
            preference = debiased_preference(
                self.judge,
                [p.prompt for p in pairs],
                [p.chosen for p in pairs],
                [p.rejected for p in pairs],
            )
            self._judge_agreement = evaluator.agreement(preference - 0.5)
        extra = (
            {} if self._judge_agreement is None else {"eval/judge_agreement": self._judge_agreement}
        )
        return self.dpo.evaluate(evaluator) | extra
