"""Chains of runs: each stage a whole run in its own directory, fed by the stages before it."""

from alignzoo.pipeline.chain import PIPELINE_SUMMARY, run_pipeline, stage_overrides

__all__ = ["PIPELINE_SUMMARY", "run_pipeline", "stage_overrides"]
