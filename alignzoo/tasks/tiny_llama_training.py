"""Training a built-in task's tiny base model: a whitespace word-level tokenizer, and a small
Llama trained from a seed on the task's texts, then saved like any Hugging Face model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from alignzoo.tasks.tiny_llama import SPECIAL_TOKENS, TinyLlamaConfig


def word_level_tokenizer(words: list[str]) -> PreTrainedTokenizerFast:
    """Whitespace-separated words, each one token; ``<s>`` begins every text."""
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", words.index("<s>"))]
    )
    return PreTrainedTokenizerFast(tokenizer_object=core, **SPECIAL_TOKENS)


def train_tiny_llama(
    config: TinyLlamaConfig,
    architecture: dict[str, Any],
    tokenizer: PreTrainedTokenizerFast,
    texts: list[str],
    out_dir: Path,
) -> None:
    """Train a Llama of ``architecture`` on ``texts`` (each closed by EOS) and
    ``save_pretrained`` it, with its tokenizer, into ``out_dir``."""
    torch.manual_seed(config.seed)
    spec = {key: value for key, value in architecture.items() if key != "model_type"}
    model = LlamaForCausalLM(LlamaConfig(**spec))
    texts = [text + " " + tokenizer.eos_token for text in texts]
    encoded = tokenizer(texts, padding=True, return_tensors="pt")
    ids, mask = encoded["input_ids"], encoded["attention_mask"]
    labels = ids.masked_fill(mask == 0, -100)  # no loss on padding
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.learning_rate, total_steps=config.train_steps, pct_start=0.05
    )
    generator = torch.Generator().manual_seed(config.seed)
    model.train()
    for _ in range(config.train_steps):
        rows = torch.randint(0, len(texts), (config.batch_size,), generator=generator)
        width = int(mask[rows].sum(1).max())  # trim the batch to its longest row
        loss = model(
            input_ids=ids[rows, :width],
            attention_mask=mask[rows, :width],
            labels=labels[rows, :width],
        ).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
    model.eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out_dir)  # safetensors
    tokenizer.save_pretrained(out_dir)
    (out_dir / "final_loss.txt").write_text(f"{loss.item():.4f}\n")
