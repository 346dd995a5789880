"""The sizes the memory planner needs, read from a transformers config on the meta device."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import AutoModelForCausalLM, PretrainedConfig


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
    #: (in, out) features of each of those linear layers
    linear_shapes: tuple[tuple[int, int], ...]

    @property
    def other_parameters(self) -> int:
        """Embeddings, norms, the output head: never quantized."""
        return self.parameters - self.linear_parameters


def model_shape(config: PretrainedConfig, trust_remote_code: bool = False) -> ModelShape:
    """Build the model on the meta device (no memory, no download) and measure it."""
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
