"""The README's main job: the default DPO run on the built-in task meets the acceptance bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from alignzoo.config.prepare import prepare
from alignzoo.runner.run import run


@pytest.mark.slow
def test_default_dpo_run_beats_the_reference(tmp_path: Path) -> None:
    loaded = prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config")
    summary = run(cfg, loaded, tmp_path)
    final = summary["final"]
    print({k: round(v, 3) for k, v in final.items()})
    reference = final["eval/reference_gold_reward"]
    assert final["eval/gold_reward"] > reference + 0.4  # gold reward lives in (-1, 1)
    assert final["eval/win_rate"] >= 0.70
    assert final["eval/preference_accuracy"] >= 0.85  # against the gold order, not the labels
    assert final["eval/kl"] > 0
