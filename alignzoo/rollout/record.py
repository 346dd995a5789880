"""The typed record of one rollout: what an online algorithm learns from."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from alignzoo.algorithms.rows import RowSliced
from alignzoo.data.records import Fields
from alignzoo.models.tokenize import TokenizedCompletions


@dataclass
class Rollout:
    """``n`` sampled completions of each prompt, scored, with per-token log-probs.

    Rows are ``prompts x n``, the ``n`` samples of a prompt adjacent (``group`` says which
    prompt a row answers). Per-token tensors are ``[N, T-1]``, over next-token positions, and
    ``mask`` marks the sampled tokens (EOS included). It slices like a sequence of rows
    (``rollout[index]``), so the updater can split it into micro-batches.
    """

    prompts: list[str]
    completions: list[str]
    #: left-padded prompt + sampled tokens, on the policy's device
    rows: TokenizedCompletions
    #: 1.0 at the sampled tokens (the actions), 0.0 at prompt and padding; [N, T-1]
    mask: torch.Tensor
    #: whether each completion stopped at EOS (False: cut at max_new_tokens); [N]
    ended: torch.Tensor
    #: the training reward's score of each completion, float32; [N]
    scores: torch.Tensor
    #: the index of each row's prompt in the prompts sampled from; [N]
    group: torch.Tensor
    #: log-probs of the sampled tokens under the sampling policy (no gradient), or None
    policy_logprobs: torch.Tensor | None = None
    #: the same under the reference, or None (not asked for, or no reference)
    reference_logprobs: torch.Tensor | None = None
    #: the same as the sampling engine computed them (``rollout.engine=vllm``), or None
    engine_logprobs: torch.Tensor | None = None
    #: truncated importance weights min(pi_trainer / pi_engine, cap) per sampled token
    #: (``rollout.importance_correction``): a policy-gradient loss multiplies each token's
    #: term by them; None: no correction (the policy sampled, or it is off)
    importance_weights: torch.Tensor | None = None
    #: the reward source's own figures about this batch (``rewards/<name>`` per component)
    reward_metrics: dict[str, float] = field(default_factory=dict)
    #: each row's per-example fields (its prompt's row, and ``completion_tokens``), as the
    #: reward saw them; empty when the rollout was built without them
    fields: list[Fields] = field(default_factory=list)
    #: the scores of each weighted source summed into ``scores`` (a composite's components;
    #: one term, weight 1, otherwise): ``{label: (weight, [N])}``
    source_scores: dict[str, tuple[float, torch.Tensor]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.prompts)

    def __getitem__(self, rows: slice | torch.Tensor) -> Rollout:
        """The rollout restricted to ``rows`` (a slice or an index tensor)."""
        picked = range(len(self))[rows] if isinstance(rows, slice) else rows.tolist()
        return Rollout(
            prompts=[self.prompts[i] for i in picked],
            completions=[self.completions[i] for i in picked],
            rows=self.rows[rows],
            mask=self.mask[rows],
            ended=self.ended[rows],
            scores=self.scores[rows],
            group=self.group[rows],
            policy_logprobs=None if self.policy_logprobs is None else self.policy_logprobs[rows],
            reference_logprobs=(
                None if self.reference_logprobs is None else self.reference_logprobs[rows]
            ),
            engine_logprobs=None if self.engine_logprobs is None else self.engine_logprobs[rows],
            importance_weights=(
                None if self.importance_weights is None else self.importance_weights[rows]
            ),
            reward_metrics=self.reward_metrics,
            fields=[self.fields[i] for i in picked] if self.fields else [],
            source_scores={
                label: (weight, scores[rows])
                for label, (weight, scores) in self.source_scores.items()
            },
        )


@dataclass
class ScoredRollout(RowSliced):
    """A rollout with the advantage each row (``[N]``) or token (``[N, T-1]``) is pushed by:
    what a policy-gradient update reads. Slices by rows, like the rollout."""

    rollout: Rollout
    advantages: torch.Tensor
