"""Sample completions with transformers' ``generate`` (KV cache, temperature, top-k, top-p)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.config.schema import SamplingConfig
from alignzoo.models.tokenize import TokenizedCompletions


@torch.no_grad()
def sample_completions(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    sampling: SamplingConfig,
    batch_size: int,
    seed: int | None = None,
    max_prompt_tokens: int | None = None,
) -> tuple[list[str], TokenizedCompletions]:
    """Sample one completion per prompt; return the texts and the token rows that produced them.

    The rows (left-padded prompt + sampled tokens up to and including EOS) are what log-probs
    must be computed on: re-tokenizing decoded text can differ. A ``seed`` makes the draw
    repeatable without disturbing the caller's random state. A prompt longer than
    ``max_prompt_tokens`` keeps its last tokens (and its special ones), as training rows keep
    their end (``prompt_budget``): attention over a whole overlong prompt grows with the
    square of its length.
    """
    texts: list[str] = []
    rows: list[TokenizedCompletions] = []
    stops = stop_token_ids(model, tokenizer)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    padding_side, tokenizer.padding_side = tokenizer.padding_side, "left"
    truncation_side, tokenizer.truncation_side = tokenizer.truncation_side, "left"
    try:
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            if seed is not None:
                torch.manual_seed(seed)
            for start in range(0, len(prompts), batch_size):
                chunk = list(prompts[start : start + batch_size])
                encoded = tokenizer(
                    chunk,
                    return_tensors="pt",
                    padding=True,
                    truncation=max_prompt_tokens is not None,
                    max_length=max_prompt_tokens,
                ).to(device)
                output = cast(Any, model).generate(  # the union it is typed with: a tensor here
                    **encoded,
                    do_sample=True,
                    max_new_tokens=sampling.max_new_tokens,
                    temperature=sampling.temperature,
                    top_k=sampling.top_k,
                    top_p=sampling.top_p,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=stops or None,
                )
                new = output[:, encoded["input_ids"].shape[1] :]
                texts += tokenizer.batch_decode(new, skip_special_tokens=True)
                rows.append(_completion_rows(encoded["attention_mask"], output, new, stops))
    finally:
        tokenizer.padding_side = padding_side
        tokenizer.truncation_side = truncation_side
        model.train(was_training)
    return texts, _concatenate(rows, tokenizer.pad_token_id or 0)


def prompt_budget(max_length: int, sampling: SamplingConfig) -> int:
    """The prompt tokens a sample keeps so that prompt and completion fit ``max_length``
    (``model.max_length``); at least one, to condition on."""
    return max(1, max_length - sampling.max_new_tokens)


def stop_token_ids(model: Any, tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """The tokens that end a completion: the tokenizer's EOS, then any other the model's
    generation config names (chat models such as Llama 3's and Qwen's end a turn with a token
    that is not the tokenizer's EOS). Both engines stop at, and mask after, the same set."""
    ids = [] if tokenizer.eos_token_id is None else [int(tokenizer.eos_token_id)]
    extra = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for token in [extra] if isinstance(extra, int) else list(extra or []):
        if int(token) not in ids:
            ids.append(int(token))
    return ids


def completions_ended(rows: TokenizedCompletions, stops: Sequence[int]) -> torch.Tensor:
    """Whether each sampled completion of ``rows`` stopped at a stop token (False: cut at
    ``max_new_tokens``); without stop tokens none ends."""
    stop = torch.tensor(list(stops), dtype=rows.input_ids.dtype, device=rows.input_ids.device)
    return (torch.isin(rows.input_ids, stop) & (rows.completion_mask > 0)).any(-1)


def _completion_rows(prompt_mask, output, new, stops: Sequence[int]) -> TokenizedCompletions:
    # a sampled token counts until (and including) the first stop token; later ones are padding
    is_eos = torch.isin(new, torch.tensor(list(stops), dtype=new.dtype, device=new.device))
    after_eos = (is_eos.cumsum(-1) - is_eos.long()) > 0
    new_mask = (~after_eos).long()
    completion_mask = torch.cat([torch.zeros_like(prompt_mask), new_mask], dim=1)
    attention_mask = torch.cat([prompt_mask, new_mask], dim=1)
    return TokenizedCompletions(output.cpu(), attention_mask.cpu(), completion_mask.cpu())


def _concatenate(rows: list[TokenizedCompletions], pad_id: int) -> TokenizedCompletions:
    width = max(r.input_ids.shape[1] for r in rows)

    def pad(t: torch.Tensor, value: int) -> torch.Tensor:
        return torch.nn.functional.pad(t, (0, width - t.shape[1]), value=value)

    return TokenizedCompletions(
        torch.cat([pad(r.input_ids, pad_id) for r in rows]),
        torch.cat([pad(r.attention_mask, 0) for r in rows]),
        torch.cat([pad(r.completion_mask, 0) for r in rows]),
    )
