"""The sizes the memory planner needs: by formula from config.json for the Llama family (no
torch import), else measured on a model built on the meta device (any architecture)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alignzoo.errors import ConfigError

if TYPE_CHECKING:
    from transformers import PretrainedConfig

#: model types whose blocks are Llama's (q, k, v, o projections, a gated MLP, two norms), with
#: the defaults their config classes give the fields that change the parameter count
LLAMA_FAMILY: dict[str, dict[str, Any]] = {
    "llama": {"attention_bias": False, "mlp_bias": False, "tie_word_embeddings": False},
    "mistral": {"tie_word_embeddings": False},
    "qwen2": {"tie_word_embeddings": False},
    "qwen3": {"attention_bias": False, "tie_word_embeddings": False, "head_dim": 128},
}
#: sizes every config class defaults differently: without them, the meta build decides
REQUIRED = (
    "vocab_size",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
)


@dataclass(frozen=True)
class ModelShape:
    """Parameter counts and layer sizes of a decoder-only model; no weights are created."""

    layers: int
    hidden: int
    intermediate: int
    #: width of the key (and of the value) projection: kv heads x head dim
    kv_width: int
    vocab: int
    parameters: int
    #: weights of the linear layers in the blocks (what 4-bit/8-bit quantize and LoRA adapts)
    linear_parameters: int
    #: (in, out) features of each of those linear layers, in module order
    linear_shapes: tuple[tuple[int, int], ...]

    @property
    def other_parameters(self) -> int:
        """Embeddings, norms, the output head: never quantized."""
        return self.parameters - self.linear_parameters


def model_shape(
    config: Mapping[str, Any] | PretrainedConfig, trust_remote_code: bool = False
) -> ModelShape:
    """The shape of a model given its config (config.json's content, or a transformers config):
    by formula for the Llama family, else built on the meta device."""
    values = config if isinstance(config, Mapping) else config.to_dict()
    return llama_family_shape(values) or meta_device_shape(config, trust_remote_code)


def llama_family_shape(values: Mapping[str, Any]) -> ModelShape | None:
    """The shape of a Llama-family config.json, counted by hand; None for any other model (or
    one that leaves a size to its class's defaults)."""
    defaults = LLAMA_FAMILY.get(str(values.get("model_type")))
    if defaults is None or any(values.get(key) is None for key in REQUIRED):
        return None
    config = {**defaults, **{key: v for key, v in values.items() if v is not None}}

    def flag(name: str) -> bool:
        """A bias or tying switch, for the families whose class reads it."""
        return name in defaults and bool(config[name])

    hidden, intermediate = config["hidden_size"], config["intermediate_size"]
    layers, heads = config["num_hidden_layers"], config["num_attention_heads"]
    head_dim = config.get("head_dim") or hidden // heads
    q, kv = heads * head_dim, config["num_key_value_heads"] * head_dim
    attention = [(hidden, q), (hidden, kv), (hidden, kv), (q, hidden)]
    mlp = [(hidden, intermediate), (hidden, intermediate), (intermediate, hidden)]
    linear_shapes = tuple((attention + mlp) * layers)
    linear = sum(i * o for i, o in linear_shapes)
    # per block: biases (Qwen2's q, k and v always; o too where attention_bias), two norms
    # (Qwen3 adds one over the head dim for q and for k)
    block = (q + 2 * kv) * (config["model_type"] == "qwen2" or flag("attention_bias"))
    block += hidden * flag("attention_bias") + (2 * intermediate + hidden) * flag("mlp_bias")
    block += 2 * hidden + 2 * head_dim * (config["model_type"] == "qwen3")
    embeddings = config["vocab_size"] * hidden * (1 if flag("tie_word_embeddings") else 2)
    return ModelShape(
        layers=layers,
        hidden=hidden,
        intermediate=intermediate,
        kv_width=kv,
        vocab=config["vocab_size"],
        parameters=linear + layers * block + hidden + embeddings,  # + the final norm
        linear_parameters=linear,
        linear_shapes=linear_shapes,
    )


def meta_device_shape(
    config: Mapping[str, Any] | PretrainedConfig, trust_remote_code: bool = False
) -> ModelShape:
    """Build the model on the meta device (no memory, no download) and measure it."""
    import torch  # only here: the Llama family is counted without torch
    from transformers import AutoConfig, AutoModelForCausalLM

    if isinstance(config, Mapping):
        values = dict(config)
        if not values.get("model_type"):
            raise ConfigError(
                "a model config (config.json's content) without model_type: the planner "
                f"cannot tell its architecture (keys: {', '.join(sorted(values)) or 'none'})"
            )
        config = AutoConfig.for_model(values.pop("model_type"), **values)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=trust_remote_code)
    text = config.get_text_config()
    head = model.get_output_embeddings()
    linears = [
        module
        for module in model.modules()
        if isinstance(module, torch.nn.Linear) and module is not head
    ]
    heads = text.num_attention_heads
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // heads
    kv_heads = getattr(text, "num_key_value_heads", None) or heads
    # parameters() de-duplicates tied weights (embedding and head shared)
    return ModelShape(
        layers=text.num_hidden_layers,
        hidden=text.hidden_size,
        intermediate=getattr(text, "intermediate_size", None) or 4 * text.hidden_size,
        kv_width=kv_heads * head_dim,
        vocab=text.vocab_size,
        parameters=sum(p.numel() for p in model.parameters()),
        linear_parameters=sum(m.weight.numel() for m in linears),
        linear_shapes=tuple((m.in_features, m.out_features) for m in linears),
    )
