"""Peak memory of a run, estimated from the model's shape: each term a formula you can check.

The estimate counts tensor memory (what ``torch.cuda.max_memory_allocated`` reports); a CUDA
context adds about 0.5 GB on top. It has three parts:

* what stays for the whole run: weights (by dtype or quantization), the reference (a second
  copy, or nothing with LoRA), the trained parameters' optimizer state;
* per phase, what one step adds on top: the training forward and backward (activations,
  gradients, the log-softmax over the vocabulary), no-gradient scoring, sampling with a
  KV cache, and held-out evaluation;
* the peak: what stays plus the largest phase.

Activation sizes are per token and layer, for Llama-style decoder blocks with an SDPA kernel
(RMSNorm, rotary attention, gated MLP; counted from the tensors autograd saves):
full fine-tuning keeps 8*hidden + 2*kv + 4*intermediate values, LoRA keeps two fewer
hidden-sized ones (a frozen norm weight needs not its input) plus r per adapted layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alignzoo.algorithms.traits import MemoryTraits
from alignzoo.config.schema import LoraAdapterConfig, QuantConfig
from alignzoo.planning.model_shape import ModelShape

FLOAT32 = 4
#: 4-bit blocks: 64 weights share one absmax scale (fp32, or 8-bit with a second level of
#: fp32 scales per 256 blocks when double-quantized)
BLOCK = 64
SECOND_LEVEL_BLOCK = 256
GiB = 2**30


@dataclass
class Term:
    """One line of the breakdown: a name, its bytes and the arithmetic behind them."""

    name: str
    bytes: float
    formula: str


@dataclass
class MemoryPlan:
    """Terms held for the whole run, and the extra terms of each phase of a step."""

    persistent: list[Term]
    phases: dict[str, list[Term]] = field(default_factory=dict)

    @property
    def persistent_bytes(self) -> float:
        """Weights, reference and optimizer state."""
        return sum(t.bytes for t in self.persistent)

    def phase_bytes(self, phase: str) -> float:
        """What ``phase`` adds on top of the persistent terms."""
        return sum(t.bytes for t in self.phases[phase])

    @property
    def peak_phase(self) -> str:
        """The phase with the largest footprint."""
        return max(self.phases, key=self.phase_bytes)

    @property
    def peak_bytes(self) -> float:
        """Persistent terms plus the largest phase."""
        return self.persistent_bytes + self.phase_bytes(self.peak_phase)


@dataclass
class RunShape:
    """What the planner needs of a run besides the model: how it trains and on what lengths."""

    kind: str
    #: bytes per weight in ``model.dtype``
    weight_bytes: int
    traits: MemoryTraits
    #: tokens of a training row (prompt + completion)
    sequence_tokens: int
    #: tokens of a prompt before sampling
    prompt_tokens: int
    eval_rows: int
    eval_new_tokens: int
    lora: LoraAdapterConfig | None = None
    quant: QuantConfig | None = None
    gradient_checkpointing: bool = False
    #: False for a reference-free algorithm (``Algorithm.needs_reference``)
    reference: bool = True


def plan_memory(shape: ModelShape, run: RunShape) -> MemoryPlan:
    """The breakdown of ``run`` on a model of ``shape``."""
    b, quant, lora = run.weight_bytes, run.quant, run.lora
    # k-bit preparation keeps norms, embeddings and the residual stream in float32
    activation_bytes = FLOAT32 if quant is not None else b
    adapted = _adapted_linears(shape, lora)
    persistent = [_weights(shape, b, quant)]

    # --- what is trained: every weight, or the adapters (float32) and new heads ---
    head = shape.hidden if run.kind == "reward_model" else 0  # a new scalar head
    if lora is None:
        trainable, trainable_bytes = shape.parameters + run.traits.extra_trainable, b
        what = f"{_n(shape.parameters)} weights"
    else:
        adapter = sum(lora.r * (i + o) for i, o in adapted)
        trainable, trainable_bytes = adapter + head + run.traits.extra_trainable, FLOAT32
        what = "the adapters"
        persistent.append(
            Term(
                "adapter",
                adapter * FLOAT32,
                f"LoRA r={lora.r} on {len(adapted)} linear layers: "
                f"r*(in+out) = {_n(adapter)} x 4 B",
            )
        )
    if run.traits.extra_trainable or head:
        extra = run.traits.extra_trainable + head
        what += f" + {_n(extra)} head"
    if run.kind == "causal_lm":
        if lora is not None:
            reference = Term("reference", 0, "the base with the adapter disabled: no second copy")
        elif not run.reference:
            reference = Term(
                "reference",
                0,
                "none in training (with eval.kl, loaded for each evaluation and freed after it)",
            )
        else:
            reference = Term(
                "reference", shape.parameters * b, f"a frozen copy: {_n(shape.parameters)} x {b} B"
            )
        persistent.append(reference)
    persistent.append(
        Term(
            "optimizer",
            2 * trainable * trainable_bytes,
            f"AdamW, 2 states x {_n(trainable)} trained x {trainable_bytes} B ({what})",
        )
    )

    # --- one training forward and backward ---
    tokens = run.traits.train_rows * run.sequence_tokens
    per_token = _layer_values(shape, lora, adapted)
    if run.gradient_checkpointing:  # each layer's input, and one layer recomputed
        layer_values = shape.layers * shape.hidden + per_token
        how = f"checkpointed: ({shape.layers} layers x {shape.hidden} + {per_token}) values"
    else:
        layer_values = shape.layers * per_token
        how = f"{shape.layers} layers x {per_token} values"
    train = [
        Term(
            "gradients",
            trainable * trainable_bytes,
            f"{_n(trainable)} trained x {trainable_bytes} B",
        ),
        Term(
            "activations",
            tokens * layer_values * activation_bytes,
            f"{run.traits.train_rows} rows x {run.sequence_tokens} tokens x {how} "
            f"x {activation_bytes} B",
        ),
        Term(
            "backward working set",
            tokens * 3 * shape.intermediate * activation_bytes,
            f"gradients of an MLP's gate, up and product: {_n(tokens)} tokens "
            f"x 3 x {shape.intermediate} x {activation_bytes} B",
        ),
        _vocabulary_term(tokens, shape.vocab, 3, "log-softmax saved + its gradient (2)"),
    ]
    if quant is not None:
        largest = max(i * o for i, o in shape.linear_shapes)
        train.append(
            Term(
                "dequantized weight",
                largest * FLOAT32,
                f"largest linear {_n(largest)} x 4 B, rebuilt per matmul",
            )
        )
    phases = {"train step": train}

    # --- no-gradient scoring: reference log-probs, rollout values ---
    if run.traits.no_grad_rows:
        rows = run.traits.no_grad_rows
        scoring_tokens = rows * run.sequence_tokens
        kept = shape.layers + 1 if run.traits.no_grad_keeps_hidden_states else 2
        phases["scoring (no grad)"] = [
            Term(
                "hidden states",
                scoring_tokens * kept * shape.hidden * activation_bytes,
                f"{rows} rows x {run.sequence_tokens} tokens x {kept} x {shape.hidden} "
                f"x {activation_bytes} B",
            ),
            _vocabulary_term(scoring_tokens, shape.vocab, 2, "logits + log-softmax"),
        ]

    # --- sampling with a KV cache (RL rollouts) and held-out evaluation ---
    if run.traits.rollout_rows:
        phases["rollout"] = _sampling_terms(
            shape, run.traits.rollout_rows, run.prompt_tokens, run.traits.rollout_new_tokens, b
        )
    if run.kind == "causal_lm" and run.eval_rows:
        evaluation = _sampling_terms(
            shape, run.eval_rows, run.prompt_tokens, run.eval_new_tokens, b
        )
        eval_tokens = run.eval_rows * (run.prompt_tokens + run.eval_new_tokens)
        evaluation.append(_vocabulary_term(eval_tokens, shape.vocab, 2, "log-probs of samples"))
        phases["evaluation"] = evaluation
    return MemoryPlan(persistent, phases)


def reward_model_term(
    shape: ModelShape, b: int, quant: QuantConfig | None, shares_policy_base: bool
) -> Term:
    """A reward or judge model loaded beside the policy (nothing but an adapter when shared)."""
    if shares_policy_base:
        return Term("reward model", 0, "a second adapter on the policy's base: no second copy")
    weights = _weights(shape, b, quant)
    return Term("reward model", weights.bytes, weights.formula)


def _weights(shape: ModelShape, b: int, quant: QuantConfig | None) -> Term:
    linear, other = shape.linear_parameters, shape.other_parameters
    if quant is None:
        return Term("weights", shape.parameters * b, f"{_n(shape.parameters)} x {b} B")
    if quant.bits == 4:
        scale = 1 + FLOAT32 / SECOND_LEVEL_BLOCK if quant.double_quant else FLOAT32
        quantized = linear * (0.5 + scale / BLOCK)
        how = f"{_n(linear)} linear x (0.5 + {scale:g}/{BLOCK}) B"
    else:
        rows = sum(o for _, o in shape.linear_shapes)
        quantized = linear + rows * FLOAT32
        how = f"{_n(linear)} linear x 1 B + {_n(rows)} row scales x 4 B"
    return Term(
        "weights",
        quantized + other * FLOAT32,
        f"{how} + {_n(other)} others (embeddings, norms, head) x 4 B",
    )


def _adapted_linears(shape: ModelShape, lora: LoraAdapterConfig | None) -> list[tuple[int, int]]:
    """The (in, out) of each linear layer LoRA adapts: all of them for "all-linear".

    Named targets are approximated by their share of the block's linear layers.
    """
    if lora is None:
        return []
    if lora.target_modules == ["all-linear"]:
        return list(shape.linear_shapes)
    per_layer = len(shape.linear_shapes) // max(shape.layers, 1)
    share = min(len(lora.target_modules), per_layer) / max(per_layer, 1)
    return list(shape.linear_shapes)[: round(len(shape.linear_shapes) * share)]


def _layer_values(
    shape: ModelShape, lora: LoraAdapterConfig | None, adapted: list[tuple[int, int]]
) -> int:
    """Values autograd keeps per token in one decoder layer."""
    h, kv, i = shape.hidden, shape.kv_width, shape.intermediate
    full = 8 * h + 2 * kv + 4 * i
    if lora is None:
        return full
    per_layer = len(adapted) // max(shape.layers, 1)
    return full - 2 * h + lora.r * per_layer


def _vocabulary_term(tokens: int, vocab: int, copies: int, what: str) -> Term:
    return Term(
        "vocabulary",
        tokens * vocab * FLOAT32 * copies,
        f"{_n(tokens)} tokens x {_n(vocab)} vocab x 4 B x {copies} ({what})",
    )


def _sampling_terms(
    shape: ModelShape, rows: int, prompt_tokens: int, new_tokens: int, b: int
) -> list[Term]:
    length = prompt_tokens + new_tokens
    return [
        Term(
            "KV cache",
            2 * shape.layers * rows * length * shape.kv_width * b,
            f"2 x {shape.layers} layers x {rows} rows x {length} tokens x {shape.kv_width} x {b} B",
        )
    ]


def _n(count: float) -> str:
    """A count the way people say it: 6.74B, 40.0M, 4.1k."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(count) >= size:
            return f"{count / size:.3g}{unit}"
    return f"{count:g}"


def format_plan(plan: MemoryPlan, budget_bytes: float | None = None) -> str:
    """The breakdown as a table, the peak, and whether it fits ``budget_bytes``."""
    lines = ["held for the whole run:"]
    lines += [_line(t) for t in plan.persistent]
    for phase, terms in plan.phases.items():
        marker = "  <- peak" if phase == plan.peak_phase else ""
        lines.append(f"{phase} adds {_gib(plan.phase_bytes(phase))}{marker}:")
        lines += [_line(t) for t in terms]
    lines.append(f"estimated peak: {_gib(plan.peak_bytes)} (tensors; a CUDA context adds ~0.5 GB)")
    if budget_bytes is not None:
        verdict = "fits" if plan.peak_bytes <= budget_bytes else "does NOT fit"
        lines.append(f"{verdict} in {_gib(budget_bytes)}")
    return "\n".join(lines)


def _line(term: Term) -> str:
    return f"  {term.name:<20} {_gib(term.bytes):>11}  {term.formula}"


def _gib(size: float) -> str:
    return f"{size / GiB:.2f} GiB" if size >= 0.1 * GiB else f"{size / 2**20:.1f} MiB"
