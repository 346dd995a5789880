"""What a run folder holds: every name here, once, for the runner and the CLI that write
them and for resume and the comparison report that read them back.

::

    <run>/
      .hydra/                  Hydra's config.yaml, overrides.yaml, hydra.yaml
      metrics.jsonl            a JSON row per training step and per evaluation
      summary.json             a finished run: its final figures and the config as trained
      failure.json             a failed run: the error's type and message
      resumed.json             a command that continued another folder's run: which
      policy/ reward_model/    what it trained: safetensors weights, or a LoRA adapter
      policy_merged/           peft.merge_at_end=true: the adapter merged into its base
      checkpoints/step_NNNNNN/ trainable.safetensors, state.pt, config.yaml, overrides.json
      pipeline.json            a pipeline's folder: its stages, each a run folder below it
"""

from __future__ import annotations

SUMMARY = "summary.json"
METRICS = "metrics.jsonl"
FAILURE = "failure.json"
RESUMED = "resumed.json"
PIPELINE = "pipeline.json"
CHECKPOINTS = "checkpoints"
#: in each checkpoint: trained tensors, training state, and how the run was configured
TENSORS, STATE = "trainable.safetensors", "state.pt"
CONFIG, OVERRIDES = "config.yaml", "overrides.json"
#: a sharded (FSDP2) run's trained tensors and optimizer state instead of TENSORS: one file per
#: process, written by torch.distributed.checkpoint
SHARDS = "shards"
