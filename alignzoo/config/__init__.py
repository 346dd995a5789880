"""The typed configuration schema of a run."""

from alignzoo.config.schema import (
    DType,
    EvalConfig,
    ModelConfig,
    RunConfig,
    SamplingConfig,
    TrainConfig,
    register_schema,
)

__all__ = [
    "DType",
    "EvalConfig",
    "ModelConfig",
    "RunConfig",
    "SamplingConfig",
    "TrainConfig",
    "register_schema",
]
