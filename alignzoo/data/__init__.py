"""Load preference pairs and prompts from files or the hub, in any common public shape."""

from __future__ import annotations

from alignzoo.data.loading import load_pairs, load_prompts
from alignzoo.data.records import PreferencePair, PromptRecord

__all__ = ["PreferencePair", "PromptRecord", "load_pairs", "load_prompts"]
