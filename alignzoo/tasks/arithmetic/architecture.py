"""The reasoning task's base model as its config.json states it, known without torch: the
memory planner sizes the task from this, and the model is built from the same values."""

from __future__ import annotations

from typing import Any

from alignzoo.tasks.arithmetic.config import ArithmeticModelConfig, ArithmeticTaskConfig
from alignzoo.tasks.arithmetic.problems import vocabulary
from alignzoo.tasks.tiny_llama import llama_architecture


def architecture(config: ArithmeticModelConfig) -> dict[str, Any]:
    """config.json's content for the tiny Llama, known without torch (the planner's)."""
    return llama_architecture(config, vocabulary())


def task_architecture(config: ArithmeticTaskConfig) -> dict[str, Any]:
    """``data=arithmetic``'s base model, for ``registry.add_dataset(base_model_config=...)``."""
    return architecture(config.base_model)
