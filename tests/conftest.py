"""Test-wide settings: no network, an isolated cache, and the gpu marker skipped without CUDA."""

from __future__ import annotations

import os

import pytest
import torch

# Nothing in the suite may touch a hub: fail fast instead of hanging on a download.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the built-in base model and pairs into a per-session cache, not the user's."""
    if "ALIGNZOO_TEST_CACHE" in os.environ:  # reuse between local runs, if you want
        os.environ["ALIGNZOO_CACHE"] = os.environ["ALIGNZOO_TEST_CACHE"]
    else:
        os.environ["ALIGNZOO_CACHE"] = str(tmp_path_factory.mktemp("alignzoo-cache"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` run only where CUDA is available."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
