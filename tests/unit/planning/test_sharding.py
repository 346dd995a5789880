"""Several processes: the shipped launch files say what they divide, the planner divides it."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf
from transformers import LlamaConfig

from alignzoo.errors import ConfigError
from alignzoo.planning.command import main
from alignzoo.planning.memory import MemoryPlan, Term
from alignzoo.planning.model_shape import model_shape
from alignzoo.planning.sharding import Sharding, shard_plan, sharding_from_launch_file

LAUNCH = Path(__file__).resolve().parents[3] / "launch"


@pytest.mark.parametrize(
    ("file", "processes", "stage"),
    [("ddp", 2, 0), ("fsdp", 8, 3), ("deepspeed_zero2", 8, 2), ("deepspeed_zero3", 8, 3)],
)
def test_each_shipped_launch_file_loads_in_accelerate_and_says_its_stage(
    file: str, processes: int, stage: int
) -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    path = LAUNCH / f"{file}.yaml"
    accelerate_view = load_config_from_file(str(path))  # what `accelerate launch` reads
    assert accelerate_view.num_processes == processes
    assert sharding_from_launch_file(path) == Sharding(processes, stage, str(path))


def test_fsdp_without_resharding_and_fsdp1_strategies_map_to_their_stages(tmp_path: Path) -> None:
    def stage_of(fsdp_config: dict) -> int:
        path = tmp_path / "launch.yaml"
        launch = {"distributed_type": "FSDP", "num_processes": 4, "fsdp_config": fsdp_config}
        OmegaConf.save(launch, path)
        return sharding_from_launch_file(path).stage

    assert stage_of({"fsdp_version": 2, "fsdp_reshard_after_forward": False}) == 2
    assert stage_of({"fsdp_version": 1, "fsdp_sharding_strategy": "SHARD_GRAD_OP"}) == 2
    assert stage_of({"fsdp_version": 1, "fsdp_sharding_strategy": "NO_SHARD"}) == 0
    with pytest.raises(ConfigError, match="fsdp_sharding_strategy='HALF'"):
        stage_of({"fsdp_sharding_strategy": "HALF"})


def test_a_file_that_is_not_an_accelerate_config_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"launch=.*nothing.yaml: cannot read"):
        sharding_from_launch_file(tmp_path / "nothing.yaml")
    (tmp_path / "other.yaml").write_text("steps: 3\n")
    with pytest.raises(ConfigError, match="expected an accelerate config with distributed_type"):
        sharding_from_launch_file(tmp_path / "other.yaml")
    (tmp_path / "tpu.yaml").write_text("distributed_type: XLA\n")
    with pytest.raises(ConfigError, match="distributed_type='XLA' is not planned"):
        sharding_from_launch_file(tmp_path / "tpu.yaml")


def _plan() -> MemoryPlan:
    persistent = [Term(n, 800, "") for n in ("weights", "adapter", "reference", "optimizer")]
    train = [Term("gradients", 400, ""), Term("activations", 1000, "")]
    return MemoryPlan(persistent, {"train step": train, "rollout": [Term("KV cache", 50, "")]})


@pytest.mark.parametrize(
    ("stage", "divided"),
    [
        (0, set()),
        (1, {"optimizer"}),
        (2, {"optimizer", "gradients"}),
        (3, {"optimizer", "gradients", "weights", "adapter"}),
    ],
)
def test_each_stage_divides_its_terms_by_the_process_count(stage: int, divided: set) -> None:
    shape = model_shape(
        LlamaConfig(
            vocab_size=100,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
        )
    )
    before = _plan()
    after = shard_plan(before, Sharding(4, stage), shape, weight_bytes=2)
    old = {t.name: t.bytes for t in [*before.persistent, *before.phases["train step"]]}
    new = {t.name: t.bytes for t in [*after.persistent, *after.phases["train step"]]}
    for name, size in old.items():
        assert new[name] == (size / 4 if name in divided else size), name
    gathered = [t.bytes for t in after.phases["rollout"] if t.name == "gathered layers"]
    per_layer = (4 * 32 * 32 + 3 * 32 * 64) * 2  # q, k, v, o and gate, up, down in 2 B
    assert gathered == ([2 * per_layer] if stage == 3 else [])


def test_the_planner_divides_the_batch_and_the_launch_files_state(capsys) -> None:
    def lines(*options: str) -> dict[str, str]:
        main(["algorithm=dpo", "train.batch_size=8", *options])
        out = capsys.readouterr().out
        return {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}

    alone = lines()
    ddp = lines(f"launch={LAUNCH / 'ddp.yaml'}")  # 2 processes, 4 pairs each
    assert "16 rows x 64 tokens" in alone["activations"]  # chosen and rejected
    assert "8 rows x 64 tokens" in ddp["activations"]
    assert ddp["optimizer"] == alone["optimizer"]
    zero3 = lines(f"launch={LAUNCH / 'deepspeed_zero3.yaml'}", "processes=2")
    assert zero3["optimizer"].endswith("/ 2 processes") and "gathered" in zero3
    with pytest.raises(SystemExit, match="zero_stage=5: expected 0 \\(DDP\\), 1, 2 or 3"):
        main(["algorithm=dpo", "processes=2", "zero_stage=5"])


def test_the_runners_fsdp2_plans_as_zero_3_with_its_reference_divided(capsys) -> None:
    def lines(*options: str) -> dict[str, str]:
        main(["algorithm=ppo", "reward=gold", "train.batch_size=8", *options])
        out = capsys.readouterr().out
        return {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}

    ddp = lines(f"launch={LAUNCH / 'ddp.yaml'}")
    sharded = lines(f"launch={LAUNCH / 'ddp.yaml'}", "sharding.strategy=fsdp2")
    zero2 = lines(
        f"launch={LAUNCH / 'ddp.yaml'}",
        "sharding.strategy=fsdp2",
        "sharding.reshard_after_forward=false",
    )
    for name in ("weights", "optimizer", "reference"):
        assert not ddp[name].endswith("processes"), name
        assert sharded[name].endswith("/ 2 processes"), name
    assert "gathered" in sharded and "gathered" not in zero2
    assert not zero2["weights"].endswith("processes")
    assert zero2["optimizer"].endswith("/ 2 processes")
