"""``reward=learned``: a trained reward model as a reward source for any RL algorithm."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import torch
from transformers import AutoTokenizer

from alignzoo.config.schema import ModelConfig
from alignzoo.errors import ConfigError
from alignzoo.models.loading import load_reward_model, resolve_device
from alignzoo.models.location import local_directory_problem, model_location
from alignzoo.models.quant_presets import quant_preset
from alignzoo.models.tokenize import TokenizedCompletions
from alignzoo.rewards import RewardSource
from alignzoo.rewards.composite import RunningMoments
from alignzoo_reward_model.config import LearnedRewardConfig
from alignzoo_reward_model.scoring import STATS_FILE, reward_logits, score_completions
from alignzoo_reward_model.shared_base import SharedBaseRewardModel


class LearnedReward(RewardSource):
    """Scores completions in batches with a saved sequence classifier (no gradients)."""

    name = "learned"

    def __init__(self, config: LearnedRewardConfig) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        quant = quant_preset(config.quant, "reward.quant")
        if (missing := local_directory_problem(config.path)) is not None:
            raise ConfigError(f"reward.path={config.path!r}: no reward model there: {missing}")
        location = model_location(config.path, "reward.path")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(location)
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"reward.path={config.path!r}: no reward model there (expected a directory "
                f"saved by algorithm=reward_model, or a hub id): {error}"
            ) from error
        self.pad_token_id = self.tokenizer.pad_token_id
        self.moments = RunningMoments() if config.normalize else None
        self.offset = config.offset + (self._training_mean() if config.center else 0.0)
        self.rewards_of: Callable[[TokenizedCompletions], torch.Tensor] | None = None
        if config.share_base:  # attached to the policy's base by share_policy_base
            if quant is not None:
                raise ConfigError(
                    "reward.share_base=true with reward.quant: the shared base is the "
                    "policy's, quantized (or not) by the run's quant="
                )
            return
        # a full checkpoint or a LoRA adapter (with its scalar head) on its base
        model = load_reward_model(
            config.path, ModelConfig(), self.pad_token_id, quant, self.device, "reward.path"
        )
        if model.config.num_labels != 1:
            raise ConfigError(
                f"reward.path={config.path!r}: expected a classifier with one output, "
                f"got {model.config.num_labels}"
            )
        self.model = model.requires_grad_(False)
        self.rewards_of = partial(reward_logits, self.model)

    def share_policy_base(self, policy: torch.nn.Module) -> None:
        """With ``reward.share_base=true``, load the reward adapter onto the policy's base."""
        if self.config.share_base:
            shared = SharedBaseRewardModel(policy, self.config.path, self.pad_token_id)
            self.device = shared.head.weight.device
            self.rewards_of = shared

    def _training_mean(self) -> float:
        stats = Path(self.config.path) / STATS_FILE
        if not stats.exists():
            raise ConfigError(
                f"reward.center=true needs {STATS_FILE} beside the model in reward.path="
                f"{self.config.path!r}, as algorithm=reward_model writes it"
            )
        return float(json.loads(stats.read_text())["mean"])

    def state_dict(self) -> dict[str, Any]:
        """The running normalisation moments, when ``reward.normalize`` keeps them."""
        return {"moments": self.moments.state_dict()} if self.moments is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back ``state_dict``'s moments."""
        if self.moments is not None:
            self.moments.load_state_dict(state["moments"])

    @torch.no_grad()
    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """r(prompt, completion) - offset, optionally normalised by running moments."""
        if self.rewards_of is None:
            raise ConfigError(
                "reward.share_base=true: the reward model is attached to the policy by the "
                "runner; it cannot score before that"
            )
        rewards = (
            score_completions(
                self.rewards_of,
                self.tokenizer,
                prompts,
                completions,
                self.config.max_length,
                self.config.batch_size,
                self.device,
            )
            - self.offset
        )
        if self.moments is not None:
            self.moments.update(rewards)
            rewards = (rewards - self.moments.mean) / (self.moments.std + 1e-8)
        return rewards
