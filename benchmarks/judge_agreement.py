"""How often the AI judge agrees with the gold preferences on the built-in task's held-out pairs.

The judge is a model (by default the tagged base model in likelihood mode), not the gold
lexicon, so its agreement measures how real, and how imperfect, its signal is. Pairs the gold
reward ties are skipped. Both presentation orders are averaged (position-bias correction).

    python benchmarks/judge_agreement.py [reward.mode=choice ...]  (LocalJudgeConfig fields)
"""

from __future__ import annotations

import sys
import time

import torch
from omegaconf import OmegaConf

from alignzoo.rewards.judge import debiased_preference
from alignzoo.tasks.sentiment.gold_reward import GoldSentimentReward
from alignzoo.tasks.sentiment.task import SentimentTask, SentimentTaskConfig
from alignzoo_rlaif.config import LocalJudgeConfig
from alignzoo_rlaif.local_judge import LocalJudge


def main() -> None:
    """Print agreement, the number of decided pairs and the judging time."""
    fields = OmegaConf.from_dotlist([arg.removeprefix("reward.") for arg in sys.argv[1:]])
    config = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(LocalJudgeConfig), fields))
    pairs = SentimentTask(SentimentTaskConfig()).preference_pairs("heldout")
    prompts = [p.prompt for p in pairs]
    chosen, rejected = [p.chosen for p in pairs], [p.rejected for p in pairs]
    gold = GoldSentimentReward()
    direction = torch.sign(gold.score(prompts, chosen) - gold.score(prompts, rejected))
    judge = LocalJudge(config)  # type: ignore[arg-type]
    started = time.perf_counter()
    preference = debiased_preference(judge, prompts, chosen, rejected)
    seconds = time.perf_counter() - started
    decided = direction != 0
    judged = torch.sign(preference - 0.5)
    agreement = ((judged == direction).float() + 0.5 * (judged == 0).float())[decided].mean()
    print(f"judge: {config.mode.value} mode, model {judge.model_name}")
    print(
        f"agreement with gold preferences: {agreement:.3f} on {int(decided.sum())} held-out "
        f"pairs ({len(pairs)} with ties), {seconds:.1f} s for {2 * len(pairs)} judgements"
    )


if __name__ == "__main__":
    main()
