"""A LoRA reward model living on the policy's own base: a second adapter and a scalar head.

A reward model trained with ``peft=lora`` on the policy's base differs from that base only by
its adapter and its head. Loaded as a second, frozen adapter on the policy (TRL's multi-adapter
RL does the same), it scores with the policy's weights: no second copy of the base.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import torch
from peft import PeftConfig, PeftModel, TaskType, set_peft_model_state_dict
from safetensors.torch import load_file

from alignzoo.errors import ConfigError
from alignzoo.models.location import adapter_base
from alignzoo.models.tokenize import TokenizedCompletions

ADAPTER_NAME = "reward"
ADAPTER_WEIGHTS = "adapter_model.safetensors"


class SharedBaseRewardModel:
    """Scores rows with the policy's base under the reward adapter, then the reward head."""

    def __init__(self, policy: torch.nn.Module, path: str, pad_token_id: int | None) -> None:
        if not isinstance(policy, PeftModel):
            raise ConfigError(
                "reward.share_base=true needs a LoRA policy (peft=lora): the reward adapter "
                "is loaded beside the policy's adapter on the same base"
            )
        base = adapter_base(path)
        policy_base = policy.peft_config[policy.active_adapter].base_model_name_or_path
        if base is None or policy_base is None or not _same_model(base, policy_base):
            raise ConfigError(
                f"reward.path={path!r}: reward.share_base=true needs a LoRA reward model "
                f"trained on the policy's base {policy_base!r}; it was trained on {base!r}"
            )
        self.policy, self.pad_token_id = policy, pad_token_id
        self.policy_adapter = policy.active_adapter
        self.head = self._attach(path)

    def _attach(self, path: str) -> torch.nn.Linear:
        """Add the reward adapter (frozen) to the policy and return the reward head."""
        config = PeftConfig.from_pretrained(path)
        # the head lives outside the causal LM: load it here, not through modules_to_save
        config.modules_to_save, config.task_type, config.inference_mode = (
            None,
            TaskType.CAUSAL_LM,
            True,
        )
        state = load_file(Path(path) / ADAPTER_WEIGHTS)
        heads = [key for key in state if key.endswith(("score.weight", "classifier.weight"))]
        if len(heads) != 1:
            raise ConfigError(f"reward.path={path!r}: expected one saved reward head, got {heads}")
        weight = state.pop(heads[0])
        self.policy.add_adapter(ADAPTER_NAME, config)
        set_peft_model_state_dict(self.policy, state, adapter_name=ADAPTER_NAME)
        self._freeze_reward_adapter()
        device = next(self.policy.parameters()).device
        head = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=False, device=device)
        head.weight.data.copy_(weight)
        return head.requires_grad_(False)

    @contextlib.contextmanager
    def _reward_adapter(self) -> Iterator[torch.nn.Module]:
        """The policy's backbone with the reward adapter active, in eval mode, no gradients."""
        model, was_training = self.policy, self.policy.training
        model.eval()
        model.set_adapter(ADAPTER_NAME)
        try:
            with torch.no_grad():
                yield cast(torch.nn.Module, model.get_base_model().base_model)
        finally:
            # set_adapter also marks the active adapter trainable: the policy's, as before
            model.set_adapter(self.policy_adapter)
            self._freeze_reward_adapter()
            model.train(was_training)

    def _freeze_reward_adapter(self) -> None:
        """The reward adapter is only read: never a parameter the optimizer sees."""
        for name, parameter in self.policy.named_parameters():
            if f".{ADAPTER_NAME}." in name:
                parameter.requires_grad_(False)

    def __call__(self, tokens: TokenizedCompletions) -> torch.Tensor:
        """The reward head at each row's last non-pad token, as a sequence classifier reads it."""
        with self._reward_adapter() as backbone:
            hidden = backbone(
                input_ids=tokens.input_ids, attention_mask=tokens.attention_mask
            ).last_hidden_state
            positions = torch.arange(tokens.input_ids.shape[1], device=hidden.device)
            not_pad = (
                tokens.input_ids != self.pad_token_id
                if self.pad_token_id is not None
                else torch.ones_like(tokens.input_ids, dtype=torch.bool)
            )
            last = (positions * not_pad).argmax(-1)
            rows = torch.arange(len(last), device=hidden.device)
            return self.head(hidden[rows, last].to(self.head.weight.dtype)).squeeze(-1)


def _same_model(a: str, b: str) -> bool:
    """Two references to one model: equal ids, or the same local directory."""
    if a == b:
        return True
    return Path(a).exists() and Path(b).exists() and Path(a).resolve() == Path(b).resolve()
