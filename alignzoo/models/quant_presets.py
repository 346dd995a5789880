"""Named quantization presets (``reward.quant=4bit``), apart from bitsandbytes: the planner
reads them without importing torch or transformers' quantizers."""

from __future__ import annotations

from alignzoo.config.schema import QuantConfig
from alignzoo.errors import ConfigError

#: named presets for models that are only read (judges, learned rewards): ``reward.quant=4bit``
PRESETS: dict[str, QuantConfig | None] = {
    "none": None,
    "4bit": QuantConfig(bits=4),
    "8bit": QuantConfig(bits=8),
}


def quant_preset(name: str, field: str) -> QuantConfig | None:
    """The preset ``name`` (none, 4bit, 8bit); ``field`` names the config key in errors."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"{field}={name!r}: expected one of {', '.join(PRESETS)}") from None
