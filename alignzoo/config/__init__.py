"""The typed configuration schema of a run."""

from alignzoo.config.schema import (
    DType,
    EvalConfig,
    LoraAdapterConfig,
    ModelConfig,
    QuantConfig,
    QuantType,
    RunConfig,
    SamplingConfig,
    TrainConfig,
    register_schema,
)

__all__ = [
    "DType",
    "EvalConfig",
    "LoraAdapterConfig",
    "ModelConfig",
    "QuantConfig",
    "QuantType",
    "RunConfig",
    "SamplingConfig",
    "TrainConfig",
    "register_schema",
]
