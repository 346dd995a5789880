"""Best-of-n: the reference's best of n samples under the training reward, evaluated; no step
is trained. The baseline every RL method must beat at the same KL."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import Algorithm, Evaluator, Metrics, Updater
from alignzoo.data.records import PromptRecord
from alignzoo.models.generation import prompt_budget
from alignzoo.rollout.engine import sample_fields
from alignzoo.rollout.selection import best_of_groups
from alignzoo_best_of_n.config import BestOfNTraits
from alignzoo_best_of_n.kl import best_of_n_kl


class BestOfNAlgorithm(BestOfNTraits, Algorithm[PromptRecord]):
    """Sample n completions of each held-out prompt from the starting policy, keep the one the
    training reward scores highest, and report its gold reward at the analytic KL
    log n - (n - 1)/n. Nothing is trained (the runner takes no step); a sweep over n draws
    its curve on the frontier plot.
    """

    def train_step(self, batch: Sequence[PromptRecord], updater: Updater) -> Metrics:
        """Never called: best-of-n trains nothing (``trains = False``)."""
        raise NotImplementedError("best-of-n takes no training step")

    def evaluate(self, evaluator: Evaluator) -> Metrics:
        """The held-out metrics of each prompt's best of n reference samples."""
        n, prompts = self.config.n, list(evaluator.prompts)
        repeated = [prompt for prompt in prompts for _ in range(n)]
        samples = self.ctx.sampler.sample(
            repeated,
            evaluator.config.sampling,
            batch_size=evaluator.config.batch_size,
            max_prompt_tokens=prompt_budget(self.ctx.max_length, evaluator.config.sampling),
        )
        texts, rows = samples.texts, samples.rows
        fields = sample_fields(
            [row for row in evaluator.fields for _ in range(n)], rows.completion_mask
        )
        scores = self.ctx.reward_source().score_examples(repeated, texts, fields).float()
        best = best_of_groups(scores, n).tolist()
        metrics = evaluator.score_completions(self.ctx.bare_policy, [texts[i] for i in best])
        return metrics | {"eval/kl": best_of_n_kl(n), "eval/best_of_n": float(n)}
