"""The built-in task's tiny base language model: a word-level tokenizer and a small Llama.

Built from a seed on the synthetic corpus and cached, then loaded like any Hugging Face model
(``AutoModelForCausalLM.from_pretrained(directory)``), so the rest of alignzoo never treats it
specially. It stands in for the SFT model of the RLHF pipeline.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from alignzoo.cache import cached_directory
from alignzoo.tasks.sentiment.architecture import (
    SPECIAL_TOKENS,
    base_model_architecture,
    token_words,
)
from alignzoo.tasks.sentiment.config import BaseModelConfig
from alignzoo.tasks.sentiment.grammar import write_review

#: bump when the grammar, tokenizer or training code changes, so caches rebuild
BUILD_VERSION = 1


def build_tokenizer() -> PreTrainedTokenizerFast:
    """A whitespace word-level tokenizer over the grammar's closed vocabulary."""
    words = token_words()
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", words.index("<s>"))]
    )
    return PreTrainedTokenizerFast(tokenizer_object=core, **SPECIAL_TOKENS)


def _training_texts(config: BaseModelConfig) -> list[str]:
    rng = random.Random(config.seed)
    return [
        write_review(rng).text(tagged=rng.random() < config.tagged_fraction)
        for _ in range(config.corpus_size)
    ]


def model_config(config: BaseModelConfig) -> LlamaConfig:
    """The tiny Llama's architecture, known before (and without) training it."""
    architecture = base_model_architecture(config)
    del architecture["model_type"]
    return LlamaConfig(**architecture)


def train_base_model(config: BaseModelConfig, out_dir: Path) -> None:
    """Train the tiny LM on the synthetic corpus and ``save_pretrained`` it into ``out_dir``."""
    torch.manual_seed(config.seed)
    tokenizer = build_tokenizer()
    model = LlamaForCausalLM(model_config(config))
    texts = [t + " " + tokenizer.eos_token for t in _training_texts(config)]
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


def base_model_directory(config: BaseModelConfig) -> Path:
    """The cached base model for ``config``, trained on first use (tens of seconds on a CPU)."""
    spec = {"build_version": BUILD_VERSION, **asdict(config)}
    return cached_directory("base_model", spec, lambda d: train_base_model(config, d))
