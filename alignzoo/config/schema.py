"""The typed schema of a run. Hydra validates every override against it at compose time.

Groups filled by plugins (``algorithm``, ``data``) are typed by the plugin's own dataclass,
stored in the ConfigStore when the plugin registers; the rest is defined here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from alignzoo.config.ranges import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    FieldRanges,
    at_least,
    between,
    optional,
)

SCHEMA_NAME = "alignzoo_schema"


class Device(StrEnum):
    """Where a model runs: "auto" is CUDA when present, else CPU."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class ComputeDType(StrEnum):
    """The dtype 4-bit layers compute in; "auto" is bfloat16 on a GPU that has it, else float32."""

    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"
    float16 = "float16"


#: a named quantization for a model that is only read (a judge, a learned reward):
#: ``reward.quant=4bit``; names, not identifiers, so the functional form
QuantPreset = StrEnum("QuantPreset", {"none": "none", "4bit": "4bit", "8bit": "8bit"})


class DType(StrEnum):
    """Weight dtype of the policy and reference models."""

    float32 = "float32"
    bfloat16 = "bfloat16"
    float16 = "float16"


@dataclass
class ModelConfig:
    """The policy's base model: any Hugging Face causal LM id or local directory."""

    #: None uses the data source's own base model (the built-in task trains and caches one)
    name_or_path: str | None = None
    revision: str | None = None
    dtype: DType = DType.float32
    #: off by default: remote code runs with your privileges
    trust_remote_code: bool = False
    #: tokens of prompt + completion; longer prompts are cut from the left
    max_length: int = 64

    field_ranges: ClassVar[FieldRanges] = {"max_length": at_least(2)}


class QuantType(StrEnum):
    """The 4-bit data type of bitsandbytes (Dettmers et al. 2023): normal-float or float."""

    nf4 = "nf4"
    fp4 = "fp4"


@dataclass
class QuantConfig:
    """``quant=4bit|8bit``: the frozen base weights in bitsandbytes' low-bit formats.

    4-bit (QLoRA) and 8-bit (LLM.int8) weights cannot be trained themselves: quantization
    needs ``peft=lora`` to train the model, and applies as is to models only read (judges).
    """

    #: 4 (nf4/fp4 blocks) or 8 (LLM.int8 with outlier columns kept in 16 bits)
    bits: int = 4
    quant_type: QuantType = QuantType.nf4
    #: quantize the 4-bit block scales too (about 0.4 bit per parameter saved)
    double_quant: bool = True
    #: dtype the 4-bit layers compute in; "auto": bfloat16 on a GPU that has it, else float32
    compute_dtype: ComputeDType = ComputeDType.auto


@dataclass
class LoraAdapterConfig:
    """``peft=lora``: train low-rank adapters (Hu et al. 2021); the base stays frozen.

    The reference policy is then the same base with the adapter disabled: one copy of the
    weights.
    """

    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    #: module names to adapt; ["all-linear"] is every linear layer but the output head
    target_modules: list[str] = field(default_factory=lambda: ["all-linear"])
    #: also save the adapter merged into the base (``policy_merged/``); a 4-bit or 8-bit
    #: base cannot take it without dequantising, so the run refuses that at its start
    merge_at_end: bool = False

    field_ranges: ClassVar[FieldRanges] = {
        "r": COUNT,
        "alpha": POSITIVE,
        "dropout": between(0, 1, high_open=True),
    }


@dataclass
class TrainConfig:
    """The optimisation budget, shared by every algorithm so comparisons are fair."""

    steps: int = 300
    batch_size: int = 32
    #: split each batch into micro-batches of this size and accumulate gradients (None: whole)
    micro_batch_size: int | None = None
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 10
    #: linear, cosine, constant or constant_with_warmup (torch's schedulers,
    #: alignzoo/runner/schedules.py), or any other transformers scheduler name
    scheduler: str = "cosine"
    max_grad_norm: float = 1.0
    #: recompute each layer's activations in the backward pass: less memory, more time
    gradient_checkpointing: bool = False
    #: save a checkpoint to resume from every this many steps (and at the end, and on
    #: SIGINT/SIGTERM); None: only at the end and on a signal
    checkpoint_every: int | None = 100
    #: how many of the newest checkpoints to keep in ``checkpoints/``
    keep_checkpoints: int = 2
    #: stop after this many steps in a row with a non-finite loss, reward or gradient norm
    #: (each one's update is skipped); the last good checkpoint stays
    max_bad_steps: int = 3

    field_ranges: ClassVar[FieldRanges] = {
        "steps": COUNT,
        "batch_size": COUNT,
        "micro_batch_size": optional(COUNT),
        "learning_rate": NON_NEGATIVE,  # 0: a frozen run, for a baseline
        "weight_decay": NON_NEGATIVE,
        "warmup_steps": NON_NEGATIVE,
        "max_grad_norm": POSITIVE,
        "checkpoint_every": optional(COUNT),
        "keep_checkpoints": COUNT,
        "max_bad_steps": COUNT,
    }


@dataclass
class SamplingConfig:
    """How completions are sampled (evaluation here; RL rollouts reuse the same shape)."""

    max_new_tokens: int = 24
    temperature: float = 1.0
    #: 0 disables top-k filtering
    top_k: int = 0
    top_p: float = 1.0

    field_ranges: ClassVar[FieldRanges] = {
        "max_new_tokens": COUNT,
        "temperature": POSITIVE,
        "top_k": NON_NEGATIVE,
        "top_p": between(0, 1, low_open=True),
    }


class Sharding(StrEnum):
    """How several processes hold the model: each a whole copy, gradients averaged (``none``:
    DDP), or each a shard of every parameter, gradient and optimizer state, gathered one
    decoder layer at a time (``fsdp2``: torch's ``fully_shard``)."""

    none = "none"
    fsdp2 = "fsdp2"


@dataclass
class ShardingConfig:
    """``sharding.strategy=fsdp2`` under any multi-process launch (``launch/ddp.yaml``)."""

    strategy: Sharding = Sharding.none
    #: free each layer's gathered weights after its forward and gather them again for the
    #: backward (ZeRO-3); false keeps them until the backward (ZeRO-2: more memory, less
    #: communication)
    reshard_after_forward: bool = True


class RolloutEngine(StrEnum):
    """What samples completions: transformers' ``generate`` on the policy itself (``hf``),
    or a vLLM engine holding a copy of its weights, synced before every rollout (``vllm``)."""

    hf = "hf"
    vllm = "vllm"


@dataclass
class VLLMEngineConfig:
    """``rollout.engine=vllm``: vLLM in the training process (colocated), as TRL's
    ``vllm_mode=colocate``."""

    #: on a GPU, the share of its memory vLLM takes for weights and KV cache (TRL lowered
    #: its default to 0.3 after out-of-memory reports)
    gpu_memory_utilization: float = 0.3
    #: on CPU, the GiB of KV cache vLLM reserves (its own default takes most of the machine)
    cpu_kv_cache_gib: int = 1
    #: on a GPU, put the engine to sleep between rollouts so training gets its memory back
    sleep: bool = True
    #: skip CUDA graphs and compilation: a faster start, slightly slower sampling
    enforce_eager: bool = True

    field_ranges: ClassVar[FieldRanges] = {
        "gpu_memory_utilization": between(0, 1, low_open=True),
        "cpu_kv_cache_gib": COUNT,
    }


@dataclass
class RolloutConfig:
    """Where every sampling algorithm and evaluation get their completions from."""

    engine: RolloutEngine = RolloutEngine.hf
    vllm: VLLMEngineConfig = field(default_factory=VLLMEngineConfig)
    #: truncated importance sampling (Yao et al. 2025): each token's policy-gradient term is
    #: weighted by min(pi_trainer / pi_engine, importance_cap), correcting for the engine
    #: sampling from slightly different probabilities than the trainer computes; None: on
    #: with vllm, off with hf (the same model: the weights would all be 1)
    importance_correction: bool | None = None
    importance_cap: float = 2.0

    field_ranges: ClassVar[FieldRanges] = {"importance_cap": at_least(1)}

    @property
    def corrects_importance(self) -> bool:
        """Whether rollouts carry truncated importance weights."""
        if self.importance_correction is None:
            return self.engine is RolloutEngine.vllm
        return self.importance_correction


class EvalPrompts(StrEnum):
    """Which prompts evaluation samples: the held-out ones every report gives (``heldout``),
    or a validation set to tune on, disjoint from them (``validation``: training-side prompts
    that no held-out prompt repeats, the same for every run; docs/results.md)."""

    heldout = "heldout"
    validation = "validation"


@dataclass
class EvalConfig:
    """Held-out evaluation: every ``every`` steps, at the steps listed in ``at``, at step 0
    (the reference) and at the end."""

    every: int = 50
    #: more steps to evaluate at, for a curve that is dense where it moves fastest (the
    #: frontier experiment: [5, 10, 15, 20, 30, 40] with every=25)
    at: list[int] = field(default_factory=list)
    num_prompts: int = 256
    #: heldout: the held-out prompts; validation: prompts to tune on, disjoint from them
    prompts: EvalPrompts = EvalPrompts.heldout
    batch_size: int = 128
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    #: measure KL to the reference even when training holds none (a reference-free algorithm
    #: under full fine-tuning): it is then loaded for each evaluation and freed after it
    kl: bool = True
    #: where the gold reward checks correctness (a reasoning task): samples per prompt of
    #: ``eval/pass@k`` (0: not measured). ``eval/accuracy`` (greedy) and
    #: ``eval/format_rate`` are reported there too
    pass_k: int = 8

    field_ranges: ClassVar[FieldRanges] = {
        "every": COUNT,
        "num_prompts": COUNT,
        "batch_size": COUNT,
        "pass_k": NON_NEGATIVE,
    }


@dataclass
class TuningConfig:
    """``tuning.*``: one trial of an equal-budget search (``alignzoo -m +experiment=tune``).

    A trial trains at the algorithm's own budget rate times ``lr_scale`` and sets the
    algorithm's main strength coefficient (``strength``, e.g. DPO's ``beta``, PPO's
    ``kl_coef``) to ``strengths[strength_index]``; every algorithm's ``conf/tune/<name>.yaml``
    names its field and as many values, so every algorithm gets the same number of trials.
    """

    lr_scale: float = 1.0
    #: the algorithm's field the search sets (its ``conf/tune/<name>.yaml`` names it)
    strength: str | None = None
    #: the values to try (numbers; a count such as best-of-n's ``n`` stays an integer)
    strengths: list[Any] = field(default_factory=list)
    #: which of ``strengths`` this trial uses; None leaves the algorithm's own value
    strength_index: int | None = None
    #: a trial's score is its best validation gold at sequence KL <= this (nats), so that no
    #: setting wins by drifting from the reference; null: no cap (a gold that cannot be
    #: over-optimised, such as an exact answer check)
    kl_budget: float | None = 5.0

    field_ranges: ClassVar[FieldRanges] = {
        "lr_scale": POSITIVE,
        "strength_index": optional(NON_NEGATIVE),
        "kl_budget": optional(POSITIVE),
    }


class GuardAction(StrEnum):
    """What a degeneration guard does when it fires: say so and train on, or end the run."""

    warn = "warn"
    stop = "stop"


@dataclass
class GuardsConfig:
    """``guards.*``: what the runner watches for a run that has degenerated (README: Long runs).

    Each guard reads the step's metrics and every held-out evaluation, and fires once, naming
    itself, the metric, the step, the value and its threshold; ``summary.json`` lists every
    one that fired. A metric already past its threshold at its first reading (the reference,
    or the first step) is not watched: the guards report what training did. A threshold set
    to null switches its guard off.
    """

    #: warn: a warning, and training goes on; stop: the run ends cleanly at that step, saving
    #: neither a checkpoint nor the policy from it (the last good checkpoint stays)
    action: GuardAction = GuardAction.warn
    #: short_completions: mean completion length in tokens, EOS included (an empty completion
    #: is 1), below this; read from eval/completion_tokens and <algorithm>/completion_tokens
    min_completion_tokens: float | None = 2.0
    #: truncated_completions: share of completions cut at max_new_tokens without EOS above
    #: this; read from eval/truncated and <algorithm>/truncated
    max_truncated_share: float | None = 0.95
    #: low_entropy: the policy's entropy in nats per token below this; read from
    #: eval/entropy and policy/entropy (PPO)
    min_entropy: float | None = 0.05
    #: kl_runaway: KL to the reference in nats per completion above this; read from eval/kl
    #: and objective/kl
    max_kl: float | None = 50.0
    #: constant_reward: the training reward scored every completion of a batch alike this
    #: many batches in a row (its variance is zero: nothing to learn)
    constant_reward_batches: int | None = 3

    field_ranges: ClassVar[FieldRanges] = {
        "min_completion_tokens": optional(POSITIVE),
        "max_truncated_share": optional(between(0, 1, low_open=True)),
        "min_entropy": optional(POSITIVE),
        "max_kl": optional(POSITIVE),
        "constant_reward_batches": optional(COUNT),
    }


@dataclass
class PipelineStage:
    """One stage of a chain of runs: its overrides, and which earlier stages it builds on."""

    name: str = MISSING
    #: Hydra overrides of this stage (``[algorithm=sft]``), applied after the command line's
    overrides: list[str] = field(default_factory=list)
    #: an earlier stage whose trained model this stage starts from (``model.name_or_path``)
    policy_from: str | None = None
    #: an earlier stage whose reward model this stage scores with (``reward.path``)
    reward_from: str | None = None


@dataclass
class PipelineConfig:
    """``+pipeline=rlhf``: the stages, run in order, each in its own run directory."""

    stages: list[PipelineStage] = field(default_factory=list)


@dataclass
class RunConfig:
    """A whole run: what to train, on what, from which model, for how long."""

    algorithm: Any = MISSING
    data: Any = MISSING
    #: the training reward of algorithms that sample (``reward=<name>``); DPO needs none
    reward: Any = None
    model: ModelConfig = field(default_factory=ModelConfig)
    #: ``peft=lora``: LoRA adapters; None (``peft=none``) trains every weight
    peft: LoraAdapterConfig | None = None
    #: ``quant=4bit|8bit``: a low-bit frozen base; None (``quant=none``) keeps ``model.dtype``
    quant: QuantConfig | None = None
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    #: degeneration guards: collapsed or run-on completions, entropy, KL, a constant reward
    guards: GuardsConfig = field(default_factory=GuardsConfig)
    #: a trial of an equal-budget search; its defaults change nothing
    tuning: TuningConfig = field(default_factory=TuningConfig)
    #: the sampling engine (``rollout.engine=hf|vllm``) and its importance correction
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    #: how several processes hold the model (``sharding.strategy=fsdp2``)
    sharding: ShardingConfig = field(default_factory=ShardingConfig)
    seed: int = 0
    #: "auto" picks CUDA when present, else CPU
    device: Device = Device.auto
    save_policy: bool = True
    #: ``+pipeline=<name>``: run a chain of stages (conf/pipeline/) instead of one run
    pipeline: PipelineConfig | None = None
    #: experiment trackers to mirror metrics to (accelerate's): "tensorboard", "wandb",
    #: "mlflow", or several comma-separated; None sends nothing anywhere
    logger: str | None = None
    #: continue a run from its newest checkpoint: its run directory, or "auto" for the newest
    #: earlier run of the same command (a finished one is not run again)
    resume: str | None = None

    #: torch, numpy and random all take this seed; numpy refuses one outside 32 bits
    field_ranges: ClassVar[FieldRanges] = {"seed": between(0, 2**32 - 1)}


def typed_run_config(cfg: Any) -> RunConfig:
    """The composed config as its dataclasses, converted once per run: each plugin's section
    (``algorithm``, ``data``, ``reward``) becomes the dataclass it registered."""
    config = OmegaConf.to_object(cfg)
    if not isinstance(config, RunConfig):
        raise TypeError(f"not a composed run config: {type(config).__name__}")
    return config


def optional_dataclass(node: Any) -> Any:
    """A typed config node as its dataclass; None (``peft=none``, ``quant=none``) stays None."""
    return None if node is None else OmegaConf.to_object(node)


def register_schema(store: ConfigStore | None = None) -> None:
    """Store the run schema, and the schemas that ``conf/peft`` and ``conf/quant`` extend."""
    store = store or ConfigStore.instance()
    store.store(name=SCHEMA_NAME, node=RunConfig)
    store.store(group="peft", name="lora_schema", node=LoraAdapterConfig)
    store.store(group="quant", name="quant_schema", node=QuantConfig)
