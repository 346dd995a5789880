"""One rollout: prompts -> n completions each (KV-cached generate, stop at EOS) -> scores from
the training reward (one call for the batch) -> per-token policy and reference log-probs.

Every sampling algorithm (PPO, GRPO, RLOO, REINFORCE++, online DPO, best-of-n) starts its step
here, so its own file holds only what its paper adds: an advantage estimate and a loss.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.algorithms import AlgorithmContext
from alignzoo.config.schema import SamplingConfig
from alignzoo.data.records import Fields, PromptRecord, with_completion_tokens
from alignzoo.models.generation import completions_ended, prompt_budget, stop_token_ids
from alignzoo.models.logprobs import token_logprobs
from alignzoo.rollout.importance import engine_mismatch, importance_weights
from alignzoo.rollout.record import Rollout


@torch.no_grad()
def collect_rollout(
    ctx: AlgorithmContext,
    prompts: Sequence[str] | Sequence[PromptRecord],
    sampling: SamplingConfig,
    samples_per_prompt: int = 1,
    policy_logprobs: bool = True,
    reference_logprobs: bool = True,
) -> Rollout:
    """Sample ``samples_per_prompt`` completions of each prompt and score them.

    Log-probs are of ``logits / sampling.temperature``, the distribution sampled from. Skip
    ``policy_logprobs`` when the algorithm computes them in a forward of its own (PPO reads
    its values from the same pass); the reference's are skipped when the run has none.

    ``prompts`` may be records: each sample then carries its row's per-example fields to the
    reward (a verifier's answer or tests), with ``completion_tokens`` added, the number of
    tokens sampled (EOS included), as TRL hands its reward functions the completion's ids.
    """
    if samples_per_prompt < 1:
        raise ValueError(f"samples_per_prompt must be >= 1, got {samples_per_prompt}")
    records = [p if isinstance(p, PromptRecord) else PromptRecord(p) for p in prompts]
    # the n samples of a prompt are adjacent rows: groups are contiguous
    repeated = [record.prompt for record in records for _ in range(samples_per_prompt)]
    group = torch.arange(len(prompts), device=ctx.device).repeat_interleave(samples_per_prompt)

    # --- sample with the current policy (its engine: generate, or vLLM synced first) ---
    samples = ctx.sampler.sample(
        repeated,
        sampling,
        batch_size=len(repeated),
        max_prompt_tokens=prompt_budget(ctx.max_length, sampling),
    )
    texts, rows = samples.texts, samples.rows.to(ctx.device)
    mask = rows.completion_mask[:, 1:].float()
    ended = completions_ended(rows, stop_token_ids(ctx.bare_policy, ctx.tokenizer))

    # --- scores from the training reward, one call for the whole batch ---
    fields = sample_fields(
        [record.fields for record in records for _ in range(samples_per_prompt)], mask
    )
    reward = ctx.reward_source()
    scores = reward.score_examples(repeated, texts, fields).float().to(ctx.device)
    terms = reward.last_terms() or {reward.name: (1.0, scores)}
    source_scores = {
        label: (weight, part.float().to(ctx.device)) for label, (weight, part) in terms.items()
    }

    # --- per-token log-probs of what was sampled, without gradients ---
    temperature = sampling.temperature
    engine = None if samples.logprobs is None else samples.logprobs.to(ctx.device)
    trainer = (
        token_logprobs(ctx.bare_policy, rows, temperature)
        if policy_logprobs or engine is not None
        else None
    )
    weights = None
    if engine is not None and trainer is not None:
        weights = importance_weights(trainer, engine, mask, ctx.sampler.importance_cap)
        ctx.sampler.record(
            engine_mismatch(trainer, engine, mask, weights, ctx.sampler.importance_cap)
        )
    policy = trainer if policy_logprobs else None
    reference = (
        ctx.reference.token_logprobs(rows, temperature)
        if reference_logprobs and ctx.reference is not None
        else None
    )
    return Rollout(
        prompts=repeated,
        completions=texts,
        fields=fields,
        rows=rows,
        mask=mask,
        ended=ended,
        scores=scores,
        group=group,
        policy_logprobs=policy,
        reference_logprobs=reference,
        engine_logprobs=engine,
        importance_weights=weights,
        reward_metrics=reward.metrics(),
        source_scores=source_scores,
    )


def sample_fields(rows: Sequence[Fields], completion_mask: torch.Tensor) -> list[Fields]:
    """Each sample's fields: its row's, and ``completion_tokens`` from the sampled-token mask
    (``[N, T]`` or ``[N, T-1]``; one row per sample)."""
    return with_completion_tokens(list(rows), completion_mask.sum(-1).round().long().tolist())
