"""Preference pairs scored with the prompt computed once: ``prompt, chosen, prompt[-1], rejected``.

Chosen and rejected share the prompt's tokens in one row segment. The rejected completion must
see the prompt but not the chosen one, and its first token must be predicted from the prompt's
last position, so that last prompt token appears twice: once before the chosen completion and
once, at the same position id, before the rejected one. A 4-D attention mask lets each token
attend causally within its own segment, with the rejected branch blind to the chosen branch
(and to the first copy of the last prompt token, whose twin it holds). Every completion token
is then scored by the usual shift, from exactly the context it has in a row of its own.
Segments are packed first-fit decreasing into rows, so a batch carries almost no padding.

Pairs whose two rows do not share a prompt (cut differently from the left to fit
``max_length``) go in as two plain segments.
"""

from __future__ import annotations

import torch
from transformers import PreTrainedModel

from alignzoo.errors import ConfigError
from alignzoo.models.packing import first_fit_decreasing
from alignzoo.models.tokenize import TokenizedCompletions

#: which branch of a segment a token belongs to: the prompt, the chosen or the rejected one
PROMPT, CHOSEN, REJECTED = 0, 1, 2


def _segment(
    rows: TokenizedCompletions, chosen: int, rejected: int
) -> list[tuple[list[int], list[int], list[int], list[int], list[int]]]:
    """One pair's segments: (ids, scored, positions, example, branch) per token."""
    parts = []
    for i in (chosen, rejected):
        real = rows.attention_mask[i].bool()
        parts.append((rows.input_ids[i][real].tolist(), rows.completion_mask[i][real].tolist()))
    (c_ids, c_scored), (r_ids, r_scored) = parts
    p = c_scored.index(1) if 1 in c_scored else len(c_ids)
    shared = 0 < p == (r_scored.index(1) if 1 in r_scored else len(r_ids))
    if not shared or c_ids[:p] != r_ids[:p]:
        return [
            (ids, scored, list(range(len(ids))), [example] * len(ids), [CHOSEN] * len(ids))
            for (ids, scored), example in zip(parts, (chosen, rejected), strict=True)
        ]
    c, r = len(c_ids) - p, len(r_ids) - p
    ids = [*c_ids, c_ids[p - 1], *r_ids[p:]]
    scored = [*c_scored, 0, *r_scored[p:]]
    positions = [*range(p + c), p - 1, *range(p, p + r)]
    example = [chosen] * (p + c) + [rejected] * (1 + r)
    branch = [PROMPT] * p + [CHOSEN] * c + [REJECTED] * (1 + r)
    return [(ids, scored, positions, example, branch)]


def share_prompts(
    rows: TokenizedCompletions, length: int, pad_token_id: int = 0
) -> TokenizedCompletions:
    """``rows`` (B chosen rows, then the B rejected rows of the same pairs, as
    ``tokenize_completions`` makes them) laid out with shared prompts and packed into rows of
    at least ``length`` tokens; per-example sums come back in ``rows``' order."""
    b = len(rows) // 2
    segments = [s for i in range(b) for s in _segment(rows, i, b + i)]
    sizes = [len(s[0]) for s in segments]
    bins = first_fit_decreasing(sizes, max(length, *sizes))
    width = max(sum(sizes[i] for i in members) for members in bins)
    shape = (len(bins), width)
    input_ids = torch.full(shape, pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros(shape, dtype=torch.long)
    completion_mask = torch.zeros(shape, dtype=torch.long)
    position_ids = torch.zeros(shape, dtype=torch.long)
    example_index = torch.full(shape, -1, dtype=torch.long)
    segment_of = torch.full(shape, -1, dtype=torch.long)
    branch_of = torch.zeros(shape, dtype=torch.long)
    twin = torch.zeros(shape, dtype=torch.bool)  # the first copy of a shared last prompt token
    for row, members in enumerate(bins):
        at = 0
        for i in members:
            ids, scored, positions, example, branch = segments[i]
            end = at + len(ids)
            input_ids[row, at:end] = torch.tensor(ids)
            attention_mask[row, at:end] = 1
            completion_mask[row, at:end] = torch.tensor(scored)
            position_ids[row, at:end] = torch.tensor(positions)
            example_index[row, at:end] = torch.tensor(example)
            branch_of[row, at:end] = torch.tensor(branch)
            segment_of[row, at:end] = i
            if REJECTED in branch:  # a shared prompt: its last token has a twin
                twin[row, at + branch.count(PROMPT) - 1] = True
            at = end
        position_ids[row, at:] = torch.arange(width - at)
    query, key = (slice(None), slice(None), None), (slice(None), None, slice(None))
    causal = torch.ones(width, width, dtype=torch.bool).tril()
    same_segment = (segment_of[query] == segment_of[key]) & (segment_of >= 0)[:, :, None]
    rejected_query = branch_of[query] == REJECTED
    hidden = rejected_query & ((branch_of[key] == CHOSEN) | twin[key])
    # padding looks at the row's first token, never at itself: real tokens are those on the
    # mask's diagonal (the runner's token counter reads them there)
    padding = (segment_of < 0)[..., None] & (torch.arange(width) == 0)
    mask = (same_segment & causal & ~hidden) | padding
    return TokenizedCompletions(
        input_ids,
        attention_mask,
        completion_mask,
        position_ids,
        example_index,
        attention_4d=mask[:, None],
    )


@torch.no_grad()
def shared_prompts_supported(model: PreTrainedModel) -> bool:
    """Whether ``model`` scores a pair laid out with a shared prompt as it scores the two rows
    apart (one tiny forward): a model that ignores custom 4-D attention masks would let the
    rejected completion see the chosen one."""
    from alignzoo.models.logprobs import sequence_logprobs

    weight: torch.Tensor = model.get_input_embeddings().weight  # type: ignore[assignment]
    vocab, device = weight.shape[0], weight.device
    ids = torch.tensor([[1, 2, 3, 4, 5, 0], [1, 2, 3, 6, 7, 8]]) % vocab
    mask = torch.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]])
    scored = torch.tensor([[0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1]])
    rows = TokenizedCompletions(ids, mask, scored)
    training = model.training
    model.eval()
    try:
        apart = sequence_logprobs(model, rows.to(device)).float()
        together = sequence_logprobs(model, share_prompts(rows, 6).to(device)).float()
    finally:
        model.train(training)
    return torch.allclose(together, apart, rtol=1e-3, atol=1e-3 * float(apart.abs().max()))


def check_shared_prompts_supported(
    model: PreTrainedModel, field: str = "algorithm.packing"
) -> None:
    """Raise unless ``shared_prompts_supported(model)``."""
    if not shared_prompts_supported(model):
        raise ConfigError(
            f"{field}=true: {type(model).__name__} does not keep to a custom 4-D attention "
            "mask, so a rejected completion would see the chosen one; set it to false"
        )
