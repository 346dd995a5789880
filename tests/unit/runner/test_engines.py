"""The runner trains on DDP and refuses, at start and by name, engines not validated yet."""

from __future__ import annotations

import pytest
from accelerate.utils import DistributedType

from alignzoo.errors import ConfigError
from alignzoo.runner.engines import check_engine


@pytest.mark.parametrize("engine", [DistributedType.FSDP, DistributedType.DEEPSPEED])
def test_sharded_engines_are_refused_with_the_way_forward(engine: DistributedType) -> None:
    with pytest.raises(ConfigError, match=rf"distributed_type={engine.value}.*launch/ddp.yaml"):
        check_engine(engine)


@pytest.mark.parametrize(
    "engine", [DistributedType.NO, DistributedType.MULTI_GPU, DistributedType.MULTI_CPU]
)
def test_one_process_and_data_parallel_train(engine: DistributedType) -> None:
    check_engine(engine)
