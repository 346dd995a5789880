"""Held-out evaluation: gold reward, KL to the reference, win-rate and preference accuracy.

The same prompts, sampling seed and reference completions are used at every evaluation and
by every algorithm, so numbers compare across steps and across runs.

In a multi-process run every process evaluates: the prompts and pairs are cut into chunks of
``eval.batch_size``, each process samples and scores every ``n``-th chunk, and the per-row
results are gathered, so every process ends with the figures of the whole held-out set. Each
chunk is sampled with a seed of its own, so the figures do not depend on how many processes
shared the work.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from accelerate.utils import gather_object
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.config.schema import EvalConfig, SamplingConfig
from alignzoo.data.records import Fields, PreferencePair, with_completion_tokens
from alignzoo.models.generation import (
    completions_ended,
    prompt_budget,
    sample_completions,
    stop_token_ids,
)
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.reference import ReferenceModel
from alignzoo.models.sampler import Sampler
from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions
from alignzoo.rewards.source import RewardSource

T = TypeVar("T")
#: seeds of successive chunks lie this far apart (policy and reference draws start 1 apart)
CHUNK_SEED_STRIDE = 7919
#: the index of a chunk a process runs only to keep in step with the others (its results are
#: dropped): a sharded model's forward passes are collective
PADDING_CHUNK = -1


@dataclass
class _ReferenceSamples:
    texts: list[str]
    gold: torch.Tensor | None
    tokens: torch.Tensor


class HeldoutEvaluator:
    """Scores a policy on held-out prompts and pairs against the fixed reference.

    Metrics: ``eval/gold_reward`` (mean gold reward of policy samples) beside
    ``eval/reference_gold_reward``; ``eval/kl`` (Monte-Carlo KL(policy || reference) per
    sequence, on policy samples); ``eval/completion_tokens`` (mean length, EOS included),
    ``eval/truncated`` (share cut at ``max_new_tokens`` without EOS) and ``eval/entropy``
    (nats per token, -log pi of the policy's own samples), which the degeneration guards
    read; ``eval/win_rate`` (policy sample beats the reference sample of the same prompt
    under the gold reward, ties count half); ``eval/preference_accuracy``
    (the policy's implicit reward log pi/pi_ref orders held-out pairs as the gold reward does,
    or as their labels do when there is no gold reward); ``eval/proxy_reward`` (the training
    reward of policy samples, if any: its gap to the gold reward shows over-optimisation).
    Where the gold reward checks correctness (a reasoning task's verifier), also
    ``eval/accuracy`` (greedy completions solved), ``eval/pass@k`` (prompts with at least one
    of ``eval.pass_k`` samples solved) and ``eval/format_rate`` (greedy completions whose
    answer could be read).
    """

    def __init__(
        self,
        prompts: Sequence[str],
        pairs: Sequence[PreferencePair],
        tokenizer: PreTrainedTokenizerBase,
        reference: ReferenceModel | None,
        gold_reward: RewardSource | None,
        config: EvalConfig,
        max_length: int,
        seed: int,
        proxy_reward: RewardSource | None = None,
        load_reference: Callable[[], ReferenceModel] | None = None,
        process_index: int = 0,
        num_processes: int = 1,
        fields: Sequence[Fields] | None = None,
        sampler: Sampler | None = None,
        lockstep: bool = False,
    ) -> None:
        """``sampler``: the run's sampling engine, which draws the policy's samples (the
        reference's are always drawn with ``generate``); None: ``generate`` for both.
        ``lockstep``: every process runs the same number of chunks (a sharded model)."""
        self.prompts = list(prompts[: config.num_prompts])
        self.sampler = sampler
        #: each prompt's per-example fields (its row's other columns), for the rewards
        self.fields: list[Fields] = list(fields or [{} for _ in prompts])[: config.num_prompts]
        if len(self.fields) != len(self.prompts):
            raise ValueError(f"{len(self.fields)} rows of fields for {len(self.prompts)} prompts")
        self.pairs = list(pairs)
        self.tokenizer, self.reference, self.gold = tokenizer, reference, gold_reward
        #: loads the reference for one evaluation when training holds none (``eval.kl``)
        self.load_reference = load_reference
        self.proxy = proxy_reward
        self.config, self.max_length, self.seed = config, max_length, seed
        #: this process's place among those sharing the work (every one must evaluate)
        self.process_index, self.num_processes = process_index, num_processes
        self.lockstep = lockstep
        self._reference: _ReferenceSamples | None = None
        self._pair_directions = self._gold_directions() if self.pairs else None

    def __call__(self, policy: PreTrainedModel) -> dict[str, float]:
        """Evaluate ``policy`` (a bare model: in eval mode, without gradients) against the
        reference.

        When training holds no reference (a reference-free algorithm, full fine-tuning) it is
        loaded for this evaluation only and freed after it, if the runner gave a loader
        (``eval.kl``, the default). Without either, the first policy evaluated, the runner's
        step 0, stands in for the reference's samples, and KL and preference accuracy, which
        need the reference's log-probs, are not reported.
        """
        reference = self.reference
        if reference is None and self.load_reference is not None:
            reference = self.load_reference()
        metrics: dict[str, float] = {}
        with torch.no_grad():
            if self.prompts:
                metrics |= self._sampled_metrics(policy, reference)
                if getattr(self.gold, "checks_correctness", False):
                    metrics |= self._correctness_metrics(policy)
            if self.pairs and reference is not None:
                metrics["eval/preference_accuracy"] = self._preference_accuracy(policy, reference)
        if reference is not self.reference:  # borrowed: training never holds a second copy
            del reference
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        return metrics

    def _sampled_metrics(
        self, policy: PreTrainedModel, reference_model: ReferenceModel | None
    ) -> dict[str, float]:
        reference = self._reference_samples(policy, reference_model)
        mine = []
        for chunk, prompts in self._my_chunks(self.prompts):
            texts, rows = self._sample(policy, prompts, chunk, offset=0)
            tokens = rows.completion_mask.sum(-1).float()
            logps, kl = self._logprobs_and_kl(policy, reference_model, rows)
            ended = completions_ended(rows, stop_token_ids(policy, self.tokenizer))
            mine.append((chunk, (texts, tokens, logps, kl, ended)))
        parts = self._gathered(mine)
        texts = [text for part in parts for text in part[0]]
        tokens, logps, ended = (torch.cat([part[i] for part in parts]) for i in (1, 2, 4))
        metrics = {
            "eval/completion_tokens": tokens.mean().item(),
            # -log pi of its own samples per token: a Monte-Carlo estimate of the policy's
            # entropy (exact in expectation at sampling temperature 1, the default)
            "eval/entropy": (-logps.sum() / tokens.sum().clamp(min=1)).item(),
        }
        if len(ended):
            metrics["eval/truncated"] = 1.0 - ended.float().mean().item()
        if reference_model is not None:
            metrics["eval/kl"] = torch.cat([part[3] for part in parts]).mean().item()
        return metrics | self._reward_metrics(texts, tokens, reference)

    def _correctness_metrics(self, policy: PreTrainedModel) -> dict[str, float]:
        """Accuracy and format rate of greedy completions; pass@k of sampled ones."""
        assert self.gold is not None
        greedy = dataclasses.replace(self.config.sampling, top_k=1)
        k = self.config.pass_k
        mine = []
        for chunk, prompts in self._my_chunks(self.prompts):
            texts, rows = self._sample(policy, prompts, chunk, offset=2, sampling=greedy)
            tokens = rows.completion_mask.sum(-1).cpu()
            # k rounds of one sample per prompt: no more rows at once than any evaluation
            rounds = [self._sample(policy, prompts, chunk, offset=3 + r)[0] for r in range(k)]
            samples = [rounds[r][i] for i in range(len(prompts)) for r in range(k)]
            mine.append((chunk, (texts, tokens, samples)))
        parts = self._gathered(mine)
        texts = [text for part in parts for text in part[0]]
        tokens = torch.cat([part[1] for part in parts])
        solved = self._scored(self.gold, texts, tokens)
        unread = self.gold.metrics().get(f"{self.gold.name}/no_answer", 0.0)
        metrics = {"eval/accuracy": solved.mean().item(), "eval/format_rate": 1.0 - unread}
        if k:
            samples = [text for part in parts for text in part[2]]
            per_sample = [row for row in self.fields for _ in range(k)]
            prompts = [prompt for prompt in self.prompts for _ in range(k)]
            scores = self.gold.score_examples(prompts, samples, per_sample).view(-1, k)
            metrics[f"eval/pass@{k}"] = (scores >= 1.0).any(dim=1).float().mean().item()
        return metrics

    def _my_chunks(self, items: Sequence[T]) -> list[tuple[int, list[T]]]:
        """(index, items) of the ``eval.batch_size`` chunks of ``items`` this process takes."""
        size = self.config.batch_size
        count = math.ceil(len(items) / size)
        mine = [
            (chunk, list(items[chunk * size : (chunk + 1) * size]))
            for chunk in range(self.process_index, count, self.num_processes)
        ]
        if self.lockstep:  # a sharded model: every process runs as many chunks as the first
            last = list(items[(count - 1) * size :])
            mine += [(PADDING_CHUNK, last)] * (math.ceil(count / self.num_processes) - len(mine))
        return mine

    def _gathered(self, mine: list[tuple[int, Any]]) -> list[Any]:
        """Every process's (chunk, result) pairs, as results in chunk order."""
        everything = gather_object(mine) if self.num_processes > 1 else mine
        kept = [pair for pair in everything if pair[0] != PADDING_CHUNK]
        return [result for _, result in sorted(kept, key=lambda pair: pair[0])]

    def _sample(
        self,
        model: PreTrainedModel,
        prompts: list[str],
        chunk: int,
        offset: int,
        sampling: SamplingConfig | None = None,
        from_policy: bool = True,
    ) -> tuple[list[str], TokenizedCompletions]:
        """One completion per prompt of ``chunk``, with that chunk's own seed; the policy's
        through the run's sampling engine."""
        seed = self.seed + offset + CHUNK_SEED_STRIDE * chunk
        sampling = sampling or self.config.sampling
        if self.sampler is not None and from_policy:
            samples = self.sampler.sample(
                prompts,
                sampling,
                batch_size=len(prompts),
                max_prompt_tokens=prompt_budget(self.max_length, sampling),
                seed=seed,
            )
            return samples.texts, samples.rows
        return sample_completions(
            model,
            self.tokenizer,
            prompts,
            sampling,
            len(prompts),
            seed=seed,
            max_prompt_tokens=prompt_budget(self.max_length, sampling),
        )

    def score_completions(
        self, starting_policy: PreTrainedModel, completions: Sequence[str]
    ) -> dict[str, float]:
        """Gold reward, win rate and proxy reward of ``completions`` of ``self.prompts`` made
        some other way than sampling the policy once (best-of-n). ``starting_policy`` stands in
        for the reference's samples where the run holds no reference. No KL: the caller knows
        how its completions were drawn."""
        if len(completions) != len(self.prompts):
            raise ValueError(
                f"score_completions needs one completion per held-out prompt "
                f"({len(self.prompts)}), got {len(completions)}"
            )
        with torch.no_grad():
            reference = self._reference_samples(starting_policy, self.reference)
            tokens = tokenize_completions(
                self.tokenizer, self.prompts, list(completions), self.max_length
            ).completion_mask.sum(-1)
            return self._reward_metrics(list(completions), tokens, reference)

    def _scored(self, reward: RewardSource, texts: list[str], tokens: torch.Tensor) -> torch.Tensor:
        """``reward``'s scores of one completion per held-out prompt, with the prompt's fields
        and each completion's token count."""
        fields = with_completion_tokens(self.fields, tokens.round().long().tolist())
        return reward.score_examples(self.prompts, texts, fields)

    def _reward_metrics(
        self, texts: list[str], tokens: torch.Tensor, reference: _ReferenceSamples
    ) -> dict[str, float]:
        """Proxy and gold reward of ``texts``, and how often they beat the reference's."""
        metrics = {}
        if self.proxy is not None:  # the training reward beside the gold: over-optimisation
            metrics["eval/proxy_reward"] = self._scored(self.proxy, texts, tokens).mean().item()
        if self.gold is not None and reference.gold is not None:
            gold = self._scored(self.gold, texts, tokens)
            wins = (gold > reference.gold).float() + 0.5 * (gold == reference.gold).float()
            metrics |= {
                "eval/gold_reward": gold.mean().item(),
                "eval/reference_gold_reward": reference.gold.mean().item(),
                "eval/win_rate": wins.mean().item(),
            }
        return metrics

    def _logprobs_and_kl(
        self,
        policy: PreTrainedModel,
        reference: ReferenceModel | None,
        rows: TokenizedCompletions,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per-sequence log pi(y|x) of the policy's samples ``rows``, and log pi(y|x) -
        log pi_ref(y|x) where there is a reference: its mean is a Monte-Carlo estimate of
        KL(policy || reference)."""
        chunk = rows.to(next(policy.parameters()).device)
        logps = sequence_logprobs(policy, chunk)
        if reference is None:
            return logps.cpu(), None
        return logps.cpu(), (logps - reference.sequence_logprobs(chunk)).cpu()

    def _reference_samples(
        self, first_policy: PreTrainedModel, reference_model: ReferenceModel | None
    ) -> _ReferenceSamples:
        """Reference completions, sampled once with a seed of their own (without a reference
        model, from the first policy evaluated: the starting point)."""
        if self._reference is None:
            with (
                reference_model.active()
                if reference_model is not None
                else contextlib.nullcontext(first_policy)
            ) as reference:
                mine = []
                for chunk, prompts in self._my_chunks(self.prompts):
                    texts, rows = self._sample(
                        reference, prompts, chunk, offset=1, from_policy=False
                    )
                    mine.append((chunk, (texts, rows.completion_mask.sum(-1).cpu())))
            parts = self._gathered(mine)
            texts = [text for part in parts for text in part[0]]
            tokens = torch.cat([part[1] for part in parts]) if parts else torch.zeros(0)
            gold = self._scored(self.gold, texts, tokens) if self.gold is not None else None
            self._reference = _ReferenceSamples(texts, gold, tokens)
        return self._reference

    def _gold_directions(self) -> torch.Tensor:
        """+1 where chosen is truly better, -1 where worse, 0 where the gold reward ties; the
        labels where there is no gold reward, or where it checks answers a pair does not carry
        (a reasoning task's pairs are labelled by their answers already)."""
        if self.gold is None or getattr(self.gold, "checks_correctness", False):
            return torch.ones(len(self.pairs))
        prompts = [p.prompt for p in self.pairs]
        chosen = self.gold.score(prompts, [p.chosen for p in self.pairs])
        rejected = self.gold.score(prompts, [p.rejected for p in self.pairs])
        return torch.sign(chosen - rejected)

    def score_pairs(self, reward: RewardSource) -> dict[str, float]:
        """Held-out accuracy of a reward model: r(chosen) - r(rejected) against the gold order."""
        prompts = [p.prompt for p in self.pairs]
        with torch.no_grad():
            margins = reward.score(prompts, [p.chosen for p in self.pairs]) - reward.score(
                prompts, [p.rejected for p in self.pairs]
            )
        return {"eval/preference_accuracy": self.agreement(margins.float().cpu())}

    def agreement(self, margins: torch.Tensor) -> float:
        """Share of gold-ordered pairs whose margin has the gold sign (a zero margin: half)."""
        directions = self._pair_directions
        assert directions is not None
        decided = directions != 0  # pairs the gold reward cannot order say nothing
        predicted = torch.sign(margins)
        agree = (predicted == directions).float() + 0.5 * (predicted == 0).float()
        return agree[decided].mean().item()

    def _preference_accuracy(self, policy: PreTrainedModel, reference: ReferenceModel) -> float:
        device = next(policy.parameters()).device
        mine = []
        for index, chunk in self._my_chunks(self.pairs):
            prompts = [p.prompt for p in chunk] * 2
            completions = [p.chosen for p in chunk] + [p.rejected for p in chunk]
            tokens = tokenize_completions(self.tokenizer, prompts, completions, self.max_length).to(
                device
            )
            log_ratio = sequence_logprobs(policy, tokens) - reference.sequence_logprobs(tokens)
            mine.append((index, (log_ratio[: len(chunk)] - log_ratio[len(chunk) :]).cpu()))
        return self.agreement(torch.cat(self._gathered(mine)))
