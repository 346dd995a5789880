"""Registers the generic data source ``hf`` (hub name or local file) through the plugin door."""

from __future__ import annotations

from alignzoo.data.hub_or_file_config import HubOrFileDataConfig
from alignzoo.registry import PluginRegistry, hookimpl


@hookimpl
def alignzoo_register_datasets(registry: PluginRegistry) -> None:
    """``data=hf data.path=...``."""
    registry.add_dataset("hf", "alignzoo.data.hub_or_file:HubOrFileData", HubOrFileDataConfig)
