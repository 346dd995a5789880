"""A local causal LM as judge: verdicts read from token probabilities, never from free text."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from omegaconf import OmegaConf
from transformers import AutoTokenizer

from alignzoo.config.schema import ModelConfig
from alignzoo.errors import ConfigError
from alignzoo.models.loading import load_causal_lm, resolve_device
from alignzoo.models.location import model_location
from alignzoo.models.logprobs import positions_from_mask, sequence_logprobs
from alignzoo.models.quant_presets import quant_preset
from alignzoo.models.tokenize import tokenize_completions
from alignzoo.registry import PluginRegistry
from alignzoo.rewards.judge import Judge
from alignzoo_rlaif.config import JudgeMode, LocalJudgeConfig
from alignzoo_rlaif.templates import pairwise_texts, pointwise_texts, reference_field

#: the data source whose base model is the default judge
BUILTIN_TASK = "sentiment"
#: bump when the way a verdict is computed changes, so cached judgements are not reused
VERDICT_VERSION = 3


def builtin_judge_model(registry: PluginRegistry | None) -> str:
    """The built-in task's base model, which learned p(review | sentiment tag); the task is
    reached through its registration in the run's registry (``data=sentiment``), never
    imported."""
    if registry is None:
        raise ConfigError("reward.model is not set: name the judge's model")
    task = registry.get("data", BUILTIN_TASK)
    model = task.build(OmegaConf.structured(task.config_class)).base_model()
    if model is None:
        raise ConfigError(f"data={BUILTIN_TASK} has no base model: set reward.model")
    return model


class LocalJudge(Judge):
    """Judges with a local model in one of two modes (``reward.mode``).

    *likelihood*: a response's evidence is how much more likely it is under the principle
    than under its contrast (summed log-ratio); its rating squashes that,
    tanh(evidence / likelihood_scale), so neither length (an unbounded sum) nor brevity (a
    per-token mean) can be farmed for reward; pairwise, P(A > B) = sigmoid of the
    difference of evidence. No position bias.
    *choice*: the prompt template asks "A or B?" (or "1 to 10?") and the verdict is the
    softmax over the choice tokens' logits (Lee et al. 2023), so no free text is parsed.
    """

    def __init__(self, config: LocalJudgeConfig, registry: PluginRegistry | None = None) -> None:
        """``registry`` (the plugins the run loaded) supplies the default model when
        ``config.model`` is unset: the built-in task's base model."""
        self.config = config
        model = config.model or builtin_judge_model(registry)
        self.model_name = model_location(model, "reward.model")
        self.tokenizer = AutoTokenizer.from_pretrained(
            self.model_name, trust_remote_code=config.trust_remote_code
        )
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.device = resolve_device(config.device)
        quant = quant_preset(config.quant, "reward.quant")
        self.model = load_causal_lm(
            self.model_name,
            ModelConfig(trust_remote_code=config.trust_remote_code),
            quant,
            self.device,
            "reward.model",
        )
        self.model.requires_grad_(False)
        if config.mode is JudgeMode.choice:
            self.choice_ids = self._single_tokens(config.choices, "reward.choices", 2)
            self.scale_ids = self._single_tokens(config.scale, "reward.scale", None)

    @property
    def reference_field(self) -> str | None:
        """Choice mode, with a pointwise template that names ``{reference}``: the field it
        reads each row's reference answer from."""
        return reference_field(self.config) if self.config.mode is JudgeMode.choice else None

    @property
    def identity(self) -> str:
        """Model, mode and every text that shapes the verdict."""
        c = self.config
        texts = (
            [c.principle_prefix, c.contrast_prefix, str(c.likelihood_scale)]
            if c.mode is JudgeMode.likelihood
            else [*c.principles, c.pairwise_template, c.pointwise_template, *c.choices, *c.scale]
        )
        # a quantized judge gives (slightly) different verdicts: its own cache entries
        weights = [] if c.quant == "none" else [f"quant={c.quant}"]
        return "|".join([f"v{VERDICT_VERSION}", self.model_name, *weights, c.mode.value, *texts])

    def compare(
        self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]
    ) -> torch.Tensor:
        """P(first > second), ``first`` presented as response A."""
        if self.config.mode is JudgeMode.likelihood:
            first_ratio, _ = self._log_ratio(prompts, first)
            second_ratio, _ = self._log_ratio(prompts, second)
            return torch.sigmoid(first_ratio - second_ratio)
        texts = pairwise_texts(self.config, prompts, first, second)
        probabilities = torch.softmax(self._next_token_logits(texts)[:, self.choice_ids], dim=-1)
        return probabilities[:, 0]

    def rate(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        references: Sequence[str] | None = None,
    ) -> torch.Tensor:
        """Contrastive log-likelihood (likelihood mode) or expected rating (choice mode,
        against each row's reference answer where the template names one)."""
        if self.config.mode is JudgeMode.likelihood:
            ratio, _ = self._log_ratio(prompts, responses)
            return torch.tanh(ratio / self.config.likelihood_scale)
        texts = pointwise_texts(self.config, prompts, responses, references)
        probabilities = torch.softmax(self._next_token_logits(texts)[:, self.scale_ids], dim=-1)
        levels = torch.arange(1, len(self.scale_ids) + 1, dtype=torch.float32)
        return probabilities @ levels

    def _log_ratio(
        self, prompts: Sequence[str], responses: Sequence[str]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed log p(r | principle, p) - log p(r | contrast, p), and each r's token count."""
        principle, tokens = self._loglik(self.config.principle_prefix, prompts, responses)
        contrast, _ = self._loglik(self.config.contrast_prefix, prompts, responses)
        return principle - contrast, tokens

    @torch.no_grad()
    def _loglik(
        self, prefix: str, prompts: Sequence[str], responses: Sequence[str]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        scores, counts = [], []
        for start in range(0, len(prompts), self.config.batch_size):
            stop = start + self.config.batch_size
            tokens = tokenize_completions(
                self.tokenizer,
                [prefix + p for p in prompts[start:stop]],
                responses[start:stop],
                self.config.max_length,
            )
            scores.append(sequence_logprobs(self.model, tokens.to(self.device)).float().cpu())
            counts.append(tokens.completion_mask.sum(-1).float())
        return torch.cat(scores), torch.cat(counts)

    @torch.no_grad()
    def _next_token_logits(self, texts: list[str]) -> torch.Tensor:
        side, self.tokenizer.padding_side = self.tokenizer.padding_side, "left"
        try:
            logits = []
            for start in range(0, len(texts), self.config.batch_size):
                encoded = self.tokenizer(
                    texts[start : start + self.config.batch_size],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=self.config.max_length,
                ).to(self.device)
                position_ids = positions_from_mask(encoded["attention_mask"])
                output = self.model(**encoded, position_ids=position_ids)
                logits.append(output.logits[:, -1].float().cpu())
        finally:
            self.tokenizer.padding_side = side
        return torch.cat(logits)

    def _single_tokens(self, words: list[str], field: str, count: int | None) -> list[int]:
        if count is not None and len(words) != count:
            raise ConfigError(f"{field} must list {count} choices, got {words}")
        ids = [self.tokenizer(w, add_special_tokens=False)["input_ids"] for w in words]
        if any(len(i) != 1 for i in ids):
            raise ConfigError(
                f"{field}={words}: each choice must be one token of {self.model_name}'s tokenizer"
            )
        return [i[0] for i in ids]
