"""The typed config of ``algorithm=sft``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SFTConfig:
    """Supervised fine-tuning on the chosen completions of preference pairs."""

    #: the loss covers completion tokens only (the prompt conditions, it is not learnt);
    #: False learns the prompt's tokens too
    completion_only: bool = True
    #: pack several examples into each row of ``model.max_length`` tokens (less padding, fewer
    #: rows); each example still attends to itself only, so the loss is the unpacked one
    packing: bool = False
