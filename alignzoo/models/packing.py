"""Packing: several short examples share one row, so a batch carries little padding.

Each packed example keeps its own position ids (restarting at 0), and the forward goes in with
no 2-D attention mask: transformers reads the restarts as sequence boundaries and builds a
block-diagonal causal mask, so no example attends to another (TRL's padding-free packing does
the same). A model whose attention ignores that is caught by ``check_packing_supported``.
"""

from __future__ import annotations

import torch
from transformers import PreTrainedModel

from alignzoo.errors import ConfigError
from alignzoo.models.tokenize import TokenizedCompletions


def first_fit_decreasing(sizes: list[int], capacity: int) -> list[list[int]]:
    """Indices of ``sizes`` in bins of at most ``capacity``, longest first, each into the
    first bin with room (every size must fit one bin)."""
    bins: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        fits = next((b for b, free in enumerate(room) if free >= sizes[i]), None)
        if fits is None:
            bins.append([i])
            room.append(capacity - sizes[i])
        else:
            bins[fits].append(i)
            room[fits] -= sizes[i]
    return bins


def pack_completions(
    rows: TokenizedCompletions, length: int, pad_token_id: int = 0
) -> TokenizedCompletions:
    """``rows``' examples packed first-fit-decreasing into rows of at most ``length`` tokens.

    An example's first token is never scored: in a row of its own it has no prefix, and packed
    it would be predicted from the example before it. So packed rows score exactly the tokens
    the unpacked rows do.
    """
    examples = [
        (ids[mask.bool()], scored[mask.bool()])
        for ids, mask, scored in zip(
            rows.input_ids, rows.attention_mask, rows.completion_mask, strict=True
        )
    ]
    longest = max(len(ids) for ids, _ in examples)
    if longest > length:
        raise ValueError(f"an example of {longest} tokens does not fit a packed row of {length}")
    bins = first_fit_decreasing([len(ids) for ids, _ in examples], length)
    width = max(sum(len(examples[i][0]) for i in members) for members in bins)
    input_ids = torch.full((len(bins), width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(bins), width), dtype=torch.long)
    completion_mask = torch.zeros((len(bins), width), dtype=torch.long)
    position_ids = torch.zeros((len(bins), width), dtype=torch.long)
    example_index = torch.full((len(bins), width), -1, dtype=torch.long)
    for row, members in enumerate(bins):
        at = 0
        for i in members:
            ids, scored = examples[i]
            end = at + len(ids)
            input_ids[row, at:end] = ids
            attention_mask[row, at:end] = 1
            completion_mask[row, at:end] = scored
            completion_mask[row, at] = 0
            position_ids[row, at:end] = torch.arange(len(ids))
            example_index[row, at:end] = i
            at = end
        position_ids[row, at:] = torch.arange(width - at)  # the padding: a sequence of its own
    return TokenizedCompletions(
        input_ids, attention_mask, completion_mask, position_ids, example_index
    )


@torch.no_grad()
def check_packing_supported(model: PreTrainedModel, field: str = "algorithm.packing") -> None:
    """Raise unless ``model`` scores two examples packed in one row as it scores them apart.

    One tiny forward: a model whose attention ignores position-id restarts (an old or custom
    architecture) would let packed examples attend to each other and train on the wrong thing.
    """
    weight: torch.Tensor = model.get_input_embeddings().weight  # type: ignore[assignment]
    vocab, device = weight.shape[0], weight.device
    first = torch.tensor([[1, 2, 3, 4]], device=device) % vocab
    second = torch.tensor([[5, 6, 7]], device=device) % vocab
    packed = torch.cat([first, second], dim=1)
    positions = torch.tensor([[0, 1, 2, 3, 0, 1, 2]], device=device)
    training = model.training
    model.eval()
    try:
        apart = model(input_ids=second, use_cache=False).logits.float()
        together = (
            model(input_ids=packed, position_ids=positions, use_cache=False).logits[:, 4:].float()
        )
    finally:
        model.train(training)
    scale = apart.abs().max().clamp(min=1e-6)
    if (together - apart).abs().max() > 1e-3 * scale:
        name = type(model).__name__
        attention = getattr(model.config, "_attn_implementation", "unknown")
        raise ConfigError(
            f"{field}=true: {name} (attention {attention!r}) lets packed examples attend to "
            f"each other (it ignores position-id restarts); set {field}=false"
        )
