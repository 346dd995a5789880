"""A run's parts, built in the order they depend on one another: the devices, the data, the
models, the training reward, the algorithm and what it consumes, the optimizer, evaluation.

The order is also the order they draw on the random generators (a LoRA adapter's and a value
head's initial weights), so a run built here is the same run on every machine and on resume.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration, set_seed
from omegaconf import DictConfig
from transformers import PreTrainedModel

from alignzoo.algorithms import Algorithm, AlgorithmContext
from alignzoo.config.schema import (
    Device,
    EvalPrompts,
    LoraAdapterConfig,
    ModelConfig,
    RolloutEngine,
    RunConfig,
    Sharding,
    typed_run_config,
)
from alignzoo.data.identical_pairs import refuse_when_no_pair_teaches
from alignzoo.data.overlong_rows import cut_overlong_text, warn_overlong_rows
from alignzoo.data.source import DataSource
from alignzoo.data.validation_split import validation_prompts
from alignzoo.errors import ConfigError
from alignzoo.evaluation import HeldoutEvaluator
from alignzoo.models.loading import load_causal_lm, load_tokenizer
from alignzoo.models.policy import load_policy_and_reference
from alignzoo.models.reference import ReferenceModel
from alignzoo.models.sampler import sampler_for
from alignzoo.models.sharding import is_sharded, shard
from alignzoo.registry import LoadedPlugins, PluginRegistry
from alignzoo.rewards.source import RewardSource
from alignzoo.rewards.watch import ConstantRewardWatch
from alignzoo.runner.engines import check_engine
from alignzoo.runner.optimizer import build_optimizer
from alignzoo.runner.peak_memory import reset_peak_memory
from alignzoo.runner.schedules import build_scheduler
from alignzoo.runner.token_counter import TokenCounter
from alignzoo.runner.trackers import tracker_names
from alignzoo.runner.updater import OptimizerUpdater


@dataclass
class RunParts:
    """Everything a run builds before its first step."""

    #: the run's config in its typed form, converted once (plugins' sections are their own
    #: dataclasses)
    config: RunConfig
    accelerator: Accelerator
    trackers: list[str]
    data_name: str
    data: DataSource
    models: Models
    reward_name: str | None
    #: the training reward, watched for a constant score (None: the algorithm needs none)
    training_reward: ConstantRewardWatch | None
    algorithm_name: str
    algorithm: Algorithm[Any]
    train_records: Sequence[Any]
    #: training steps (0 for an algorithm that trains nothing)
    steps: int
    optimization: Optimization
    evaluator: HeldoutEvaluator
    #: evaluation loads the reference for each evaluation (training holds none)
    reference_borrowed: bool

    @property
    def main(self) -> bool:
        """Whether this process logs and saves (every process trains and evaluates)."""
        return bool(self.accelerator.is_main_process)


def build_run(cfg: DictConfig, plugins: LoadedPlugins, run_dir: Path) -> RunParts:
    """Build the run ``cfg`` describes (validated already), in dependency order."""
    registry = plugins.registry
    config = typed_run_config(cfg)
    accelerator, trackers = _accelerator(config, run_dir)
    set_seed(config.seed)

    # --- data: the registered source the config names ---
    data_component = registry.component_for("data", config.data)
    data = data_component.factory(config.data)

    # --- models: the policy and its reference, from any HF id or local directory ---
    model = config.model
    name_or_path = model.name_or_path or data.base_model()
    if name_or_path is None:
        raise ConfigError(
            f"model.name_or_path is not set and data={data_component.name} has no base model "
            "of its own; set model.name_or_path to a Hugging Face id or a local directory"
        )
    algorithm_component = registry.component_for("algorithm", config.algorithm)
    algorithm_class = algorithm_component.factory
    algorithm_config = config.algorithm  # the plugin's own dataclass
    if config.reward is None and algorithm_class.needs_reward_for(algorithm_config):
        raise ConfigError(
            f"algorithm={algorithm_component.name} samples completions and scores them: add "
            "reward=<name> (reward=gold on the built-in task, reward=judge for AI feedback)"
        )
    models = _models(config, name_or_path, algorithm_class, accelerator)
    reward_name, reward, training_reward = _rewards(config, registry, models.bare_policy)

    # --- the algorithm, and what it consumes ---
    context = AlgorithmContext(
        policy=models.policy,
        reference=models.reference,
        tokenizer=models.tokenizer,
        device=accelerator.device,
        max_length=model.max_length,
        micro_batch_size=config.train.micro_batch_size,
        reward=training_reward,
        bare_policy=models.bare_policy,
        registry=registry,
        sampler=sampler_for(
            config.rollout,
            lambda: models.bare_policy,
            models.tokenizer,
            models.name_or_path,
            model.max_length,
        ),
    )
    algorithm = algorithm_class(algorithm_config, context)
    records = _train_records(
        config, data, data_component.name, algorithm, algorithm_component.name, models.tokenizer
    )
    algorithm.prepare(records)
    # an algorithm that trains nothing (best-of-n) is evaluated once, whatever train.steps says
    steps = config.train.steps if algorithm.trains else 0
    optimization = _optimization(config, algorithm, accelerator, models, steps)
    evaluator, borrowed = _evaluator(config, data, models, reward, algorithm, accelerator)
    return RunParts(
        config=config,
        accelerator=accelerator,
        trackers=trackers,
        data_name=data_component.name,
        data=data,
        models=models,
        reward_name=reward_name,
        training_reward=training_reward,
        algorithm_name=algorithm_component.name,
        algorithm=algorithm,
        train_records=records,
        steps=steps,
        optimization=optimization,
        evaluator=evaluator,
        reference_borrowed=borrowed,
    )


@dataclass
class Models:
    """The tokenizer, the policy (bare and wrapped) and its reference."""

    model: ModelConfig
    name_or_path: str
    tokenizer: Any
    lora: LoraAdapterConfig | None
    #: trained through ``policy`` (the multi-process wrapper); generated from and saved bare
    bare_policy: PreTrainedModel
    policy: Any
    #: a frozen copy, or with LoRA the same base with the adapter off; None when not needed
    reference: ReferenceModel | None
    #: counts the tokens the policy's forward passes see
    tokens: TokenCounter


@dataclass
class Optimization:
    """What takes the optimizer steps: the trained tensors, AdamW, its schedule, the updater."""

    parameters: list[torch.nn.Parameter]
    optimizer: Any
    scheduler: Any
    updater: OptimizerUpdater
    #: optimizer steps per training step (PPO: epochs x mini-batches)
    per_step: int


def _models(
    config: RunConfig, name_or_path: str, algorithm_class: Any, accelerator: Accelerator
) -> Models:
    """The tokenizer, then the policy and reference, quantized and adapted if configured."""
    model = config.model
    tokenizer = load_tokenizer(name_or_path, model)
    lora: LoraAdapterConfig | None = config.peft
    bare_policy, reference = load_policy_and_reference(
        name_or_path,
        model,
        kind=algorithm_class.model_kind,
        device=accelerator.device,
        lora=lora,
        quant=config.quant,
        gradient_checkpointing=config.train.gradient_checkpointing,
        pad_token_id=tokenizer.pad_token_id,
        with_reference=algorithm_class.needs_reference_for(config.algorithm),
    )
    if config.sharding.strategy is Sharding.fsdp2 and algorithm_class.model_kind != "causal_lm":
        raise ConfigError(
            "sharding.strategy=fsdp2 shards causal language models; a reward model's "
            "training is not sharded here (launch it without sharding)"
        )
    if config.sharding.strategy is Sharding.fsdp2 and accelerator.num_processes > 1:
        # each process a shard of every weight (one process holds the whole model anyway)
        reshard = config.sharding.reshard_after_forward
        shard(bare_policy, reshard)
        if reference is not None and not reference.shares_policy_weights:
            shard(reference.model, reshard)
        policy: Any = bare_policy  # trained as it is: the shards reduce their own gradients
    else:
        policy = accelerator.prepare_model(bare_policy)  # DDP with several processes
    tokens = TokenCounter(bare_policy)
    return Models(model, name_or_path, tokenizer, lora, bare_policy, policy, reference, tokens)


def _optimization(
    config: RunConfig,
    algorithm: Algorithm[Any],
    accelerator: Accelerator,
    models: Models,
    steps: int,
) -> Optimization:
    """AdamW over what the algorithm trains, its learning-rate schedule and the updater."""
    train = config.train
    parameters = list(algorithm.trainable_parameters())
    optimizer = build_optimizer(parameters, train.learning_rate, train.weight_decay)
    per_step = algorithm.updates_per_step()  # PPO: several optimizer steps per rollout
    scheduler = build_scheduler(
        train.scheduler, optimizer, train.warmup_steps * per_step, steps * per_step
    )
    optimizer, scheduler = accelerator.prepare(optimizer, scheduler)
    updater = OptimizerUpdater(
        accelerator,
        optimizer,
        scheduler,
        parameters,
        train.max_grad_norm,
        micro_batch_size=train.micro_batch_size,
        outside_model=_outside(parameters, models.bare_policy),
        model=models.policy,
        after_step=algorithm.ctx.sampler.policy_changed,
    )
    return Optimization(parameters, optimizer, scheduler, updater, per_step)


def _accelerator(config: RunConfig, run_dir: Path) -> tuple[Accelerator, list[str]]:
    """accelerate's view of the processes and devices, and the trackers it mirrors to.

    ``train.batch_size`` is the global batch, split among processes: the schedule then steps
    once per optimizer step, not once per process.
    """
    trackers = tracker_names(config.logger)
    accelerator = Accelerator(
        cpu=config.device == Device.cpu,
        dataloader_config=DataLoaderConfiguration(split_batches=True),
        log_with=trackers or None,
        project_dir=run_dir,
    )
    check_engine(accelerator.distributed_type)
    reset_peak_memory(accelerator.device)
    return accelerator, trackers


def _rewards(
    config: RunConfig, registry: PluginRegistry, bare_policy: torch.nn.Module
) -> tuple[str | None, RewardSource | None, ConstantRewardWatch | None]:
    """The reward ``reward=<name>`` names (evaluation's proxy reward), and the same watched as
    the training reward: one that never varies teaches nothing (the constant_reward guard
    says so; counted here)."""
    if config.reward is None:
        return None, None, None
    component = registry.component_for("reward", config.reward)
    reward = component.factory(config.reward)
    reward.share_policy_base(bare_policy)
    patience = config.guards.constant_reward_batches or sys.maxsize
    return component.name, reward, ConstantRewardWatch(reward, component.name, patience, warn=False)


def _train_records(
    config: RunConfig,
    data: DataSource,
    data_name: str,
    algorithm: Algorithm[Any],
    algorithm_name: str,
    tokenizer: Any,
) -> Sequence[Any]:
    """The training records the algorithm consumes: pairs, prompts or labelled feedback."""
    readers: dict[str, Callable[..., Sequence[Any]]] = {
        "pairs": data.preference_pairs,
        "prompts": data.prompts,
        "feedback": data.feedback,
    }
    records: Sequence[Any] = readers[algorithm.consumes]("train", tokenizer)
    if not records:
        raise ConfigError(
            f"data={data_name} has no training {algorithm.consumes}, "
            f"which algorithm={algorithm_name} consumes"
        )
    if algorithm.consumes == "pairs" and algorithm.compares_pairs:
        path = getattr(config.data, "path", None)
        source = str(path) if path is not None else f"data={data_name}"
        refuse_when_no_pair_teaches(records, source, algorithm_name)
    max_length = config.model.max_length
    fitting: list[Any] = cut_overlong_text(records, max_length)
    warn_overlong_rows(fitting, tokenizer, max_length)
    return fitting


def _evaluator(
    config: RunConfig,
    data: DataSource,
    models: Models,
    reward: RewardSource | None,
    algorithm: Algorithm[Any],
    accelerator: Accelerator,
) -> tuple[HeldoutEvaluator, bool]:
    """Held-out evaluation (its step-0 point is the reference itself), and whether it loads
    the reference for itself: training holds none, but ``eval.kl`` wants one."""
    eval_config = config.eval
    model, tokenizer = models.model, models.tokenizer
    load_reference = None
    if models.reference is None and eval_config.kl and algorithm.model_kind == "causal_lm":

        def load_reference() -> ReferenceModel:
            policy = load_causal_lm(models.name_or_path, model, None, accelerator.device)
            return ReferenceModel(policy)

    prompts, split = data.prompts("heldout", tokenizer), "held-out"
    if eval_config.prompts == EvalPrompts.validation:  # a tuning trial: never the test prompts
        train = data.prompts("train", tokenizer)
        prompts, split = validation_prompts(train, prompts, eval_config.num_prompts), "validation"
    fitting = cut_overlong_text(prompts, model.max_length, split)
    evaluator = HeldoutEvaluator(
        prompts=[p.prompt for p in fitting],
        fields=[p.fields for p in fitting],
        pairs=cut_overlong_text(
            data.preference_pairs("heldout", tokenizer), model.max_length, "held-out"
        ),
        tokenizer=tokenizer,
        reference=models.reference,
        gold_reward=data.gold_reward(),
        proxy_reward=reward,
        config=eval_config,
        max_length=model.max_length,
        seed=config.seed,
        load_reference=load_reference,
        # every process evaluates its share of the held-out set; only the main one logs
        process_index=accelerator.process_index,
        num_processes=accelerator.num_processes,
        # the policy's samples from the run's engine where it is not the policy itself
        sampler=algorithm.ctx.sampler if config.rollout.engine is RolloutEngine.vllm else None,
        lockstep=is_sharded(models.bare_policy),
    )
    return evaluator, load_reference is not None


def _outside(parameters: Sequence[torch.nn.Parameter], model: torch.nn.Module) -> list:
    """The trained parameters that are not ``model``'s (an algorithm's own heads)."""
    held = {id(p) for p in model.parameters()}
    return [p for p in parameters if id(p) not in held]
