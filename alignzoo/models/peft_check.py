"""Whether a model is wrapped by peft, without importing peft (with bitsandbytes and torch's
compiler behind it, about 3 s) in a run that never used it: a model can only be a
``PeftModel`` if peft was imported to build it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from peft import PeftModel


def is_peft_model(model: object) -> TypeGuard[PeftModel]:
    """``isinstance(model, peft.PeftModel)``, False at once when peft was never imported."""
    peft = sys.modules.get("peft")
    return peft is not None and isinstance(model, peft.PeftModel)


def transformers_model(model: Any) -> Any:
    """The transformers model under a peft wrapper, or ``model`` itself."""
    return model.get_base_model() if is_peft_model(model) else model
