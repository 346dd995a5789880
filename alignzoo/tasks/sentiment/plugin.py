"""Registers the built-in task: data source ``sentiment`` and its gold reward ``gold``.

It enters through the ``alignzoo`` entry-point group like any third-party plugin, and names
its classes by import string: they are imported (with torch) only when a run builds them.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo.tasks.sentiment.architecture import task_base_model_config
from alignzoo.tasks.sentiment.config import GoldSentimentConfig, SentimentTaskConfig


@hookimpl
def alignzoo_register_datasets(registry: PluginRegistry) -> None:
    """The built-in controlled-sentiment task."""
    registry.add_dataset(
        "sentiment",
        "alignzoo.tasks.sentiment.task:SentimentTask",
        SentimentTaskConfig,
        base_model_config=task_base_model_config,
    )


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """The task's gold lexicon reward, usable as a training reward too."""
    registry.add_reward(
        "gold", "alignzoo.tasks.sentiment.gold_reward:GoldSentimentReward", GoldSentimentConfig
    )
