"""``alignzoo-plan``: composes like a run, reads only config.json, says whether it fits."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import LlamaConfig

from alignzoo.errors import ConfigError
from alignzoo.planning.command import main, parse_memory


def test_memory_sizes_parse_with_their_units() -> None:
    assert parse_memory("24GB") == parse_memory("24GiB") == 24 * 2**30
    assert parse_memory("512MB") == 512 * 2**20
    with pytest.raises(ConfigError, match="gpu_memory='lots'"):
        parse_memory("lots")


def test_builtin_task_plan_fits_without_building_the_model(capsys) -> None:
    main(["algorithm=ppo", "reward=gold", "peft=lora", "gpu_memory=1GB"])
    out = capsys.readouterr().out
    assert "algorithm=ppo on data=sentiment's base model" in out
    assert "rollout adds" in out and "fits in 1.00 GiB" in out


def test_a_config_directory_alone_is_enough_and_too_small_a_gpu_fails(
    tmp_path: Path, capsys
) -> None:
    LlamaConfig(
        vocab_size=32000,
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
    ).save_pretrained(tmp_path)  # config.json only: no weights anywhere
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "model=hf",
                f"model.name_or_path={tmp_path}",
                "model.dtype=bfloat16",
                "gpu_memory=24GB",
            ]
        )
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "6738.4M parameters" in out and "does NOT fit in 24.00 GiB" in out


def test_a_vllm_engine_takes_its_share_where_the_run_samples(capsys) -> None:
    """Colocated vLLM: gpu_memory_utilization of the device in the rollout (in place of
    generate's KV cache) and in evaluation, asleep while training; awake, all the time."""
    main(["algorithm=grpo", "reward=gold", "rollout.engine=vllm", "gpu_memory=10GB"])
    asleep = capsys.readouterr().out
    assert "vLLM engine" in asleep and "3.00 GiB" in asleep  # 0.3 x 10 GiB
    rollout = asleep.split("rollout adds", 1)[1].split("adds", 1)[0]
    assert "vLLM engine" in rollout and "KV cache" not in rollout
    with pytest.raises(SystemExit):  # awake all the time: all of 10 GiB, plus training
        main(
            [
                "algorithm=grpo",
                "reward=gold",
                "rollout.engine=vllm",
                "rollout.vllm.sleep=false",
                "rollout.vllm.gpu_memory_utilization=1.0",
                "gpu_memory=10GB",
            ]
        )
    awake = capsys.readouterr().out
    assert "held for the whole run" in awake
    assert "vLLM engine" in awake.split("held for the whole run", 1)[1].split("adds", 1)[0]


def test_a_missing_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"model.name_or_path=.*no model config"):
        main(["model=hf", f"model.name_or_path={tmp_path / 'nothing'}"])


def test_a_learned_reward_model_is_counted_unless_it_shares_the_base(
    tmp_path: Path, capsys
) -> None:
    LlamaConfig(
        vocab_size=1000,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        tie_word_embeddings=True,
    ).save_pretrained(tmp_path)
    parameters = 1000 * 64 + 2 * (4 * 64 * 64 + 3 * 64 * 128 + 2 * 64) + 64
    common = ["algorithm=ppo", "reward=learned", f"reward.path={tmp_path}", "peft=lora"]
    main(common)
    line = next(x for x in capsys.readouterr().out.splitlines() if "reward model" in x)
    assert f"{parameters / 1e3:.3g}k x 4 B" in line
    main([*common, "reward.share_base=true"])
    line = next(x for x in capsys.readouterr().out.splitlines() if "reward model" in x)
    assert "no second copy" in line


def test_a_missing_reward_model_names_its_field(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"reward.path=.*no model config"):
        main(["algorithm=ppo", "reward=learned", f"reward.path={tmp_path / 'nothing'}"])
