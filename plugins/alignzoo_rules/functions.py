"""Rules-based rewards: small pure functions of one completion (and its prompt) to a float.

Each is usable on its own; :mod:`alignzoo_rules.sources` wraps them as batch reward sources.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Sequence
from functools import reduce

from alignzoo.errors import ConfigError

#: what ``reward.function`` must name, repeated in every error about it
EXPECTED_FUNCTION = "expected module:function from an installed module, e.g. 'my_pkg.rules:brevity'"
#: a whole completion that is one fenced block, ```json or bare ```
_FENCE = re.compile(r"```(?:json)?[ \t]*\n?(.*?)\n?[ \t]*```", re.DOTALL | re.IGNORECASE)


def regex_reward(
    completion: str,
    pattern: str | re.Pattern[str],
    match_score: float = 1.0,
    miss_score: float = 0.0,
    invert: bool = False,
) -> float:
    """``match_score`` if ``re.search`` finds ``pattern`` (inverted: does not), else ``miss_score``.

    >>> regex_reward("answer: 42", "[0-9]+"), regex_reward("answer: 42", "[0-9]+", invert=True)
    (1.0, 0.0)
    """
    found = re.search(pattern, completion) is not None
    return match_score if found != invert else miss_score


def length_reward(completion: str, target: int, tolerance: int, unit: str = "words") -> float:
    """1.0 within ``tolerance`` of ``target`` length, then linearly down to 0, never negative.

    With ``d = |length - target|``: ``1`` if ``d <= tolerance``, else
    ``max(0, 1 - (d - tolerance) / target)``, so 0 from ``d = tolerance + target`` on (and at
    once past the tolerance if ``target`` is 0). Words are whitespace-separated; chars are
    counted after stripping surrounding whitespace.

    >>> length_reward("one two three", target=3, tolerance=0), length_reward("one", 4, 1)
    (1.0, 0.5)
    """
    if unit not in ("words", "chars"):
        raise ValueError(f"unit must be 'words' or 'chars', got {unit!r}")
    length = len(completion.split()) if unit == "words" else len(completion.strip())
    excess = abs(length - target) - tolerance
    if excess <= 0:
        return 1.0
    return max(0.0, 1.0 - excess / target) if target > 0 else 0.0


def _fraction_present(text: str, keywords: Sequence[str], flags: int) -> float:
    # lookarounds rather than \b so keywords that start or end with a non-word char ("c++") work
    hits = sum(
        re.search(rf"(?<!\w){re.escape(k)}(?!\w)", text, flags) is not None for k in keywords
    )
    return hits / len(keywords) if keywords else 0.0


def keyword_reward(
    completion: str,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    case_sensitive: bool = False,
) -> float:
    """Fraction of ``include`` words present (1 if none given) minus the fraction of ``exclude``.

    Whole words only: "good" is not found in "goodness".

    >>> keyword_reward("Good food, bad service", include=["good", "cheap"], exclude=["bad"])
    -0.5
    """
    flags = 0 if case_sensitive else re.IGNORECASE
    included = _fraction_present(completion, include, flags) if include else 1.0
    return included - _fraction_present(completion, exclude, flags)


def json_format_reward(completion: str, required_keys: Sequence[str] = ()) -> float:
    """0 unless the completion is a JSON object, else 0.5 + 0.5 * fraction of required keys.

    Surrounding whitespace and one enclosing ```json fenced block are allowed; nesting too
    deep for Python's parser (about a thousand levels) scores 0.

    >>> json_format_reward('{"a": 1}', ["a", "b"]), json_format_reward("[1]")
    (0.75, 0.0)
    """
    text = completion.strip()
    if fenced := _FENCE.fullmatch(text):
        text = fenced.group(1)
    try:
        value = json.loads(text)
    except ValueError:  # json.JSONDecodeError is a ValueError
        return 0.0
    except RecursionError:  # nested deeper than Python parses ("[[[[..." from a policy)
        return 0.0
    if not isinstance(value, dict):
        return 0.0
    if not required_keys:
        return 1.0
    return 0.5 + 0.5 * sum(key in value for key in required_keys) / len(required_keys)


def load_user_function(spec: str) -> Callable[[str, str], float]:
    """Resolve ``"package.module:function"`` by import and attribute lookup, never by eval.

    >>> load_user_function("alignzoo_rules.functions:length_reward").__name__
    'length_reward'
    """
    module_name, sep, attribute = spec.partition(":")
    if not (sep and module_name and attribute) or ":" in attribute:
        raise ConfigError(f"reward.function={spec!r} is malformed; {EXPECTED_FUNCTION}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(
            f"reward.function={spec!r}: cannot import module {module_name!r} ({error}); "
            f"{EXPECTED_FUNCTION}"
        ) from error
    try:  # a dotted attribute reaches e.g. a static method: "module:Class.method"
        function = reduce(getattr, attribute.split("."), module)
    except AttributeError:
        raise ConfigError(
            f"reward.function={spec!r}: module {module_name!r} has no attribute {attribute!r}; "
            f"{EXPECTED_FUNCTION}"
        ) from None
    if not callable(function):
        raise ConfigError(
            f"reward.function={spec!r}: {attribute!r} is a {type(function).__name__}, not "
            f"callable; {EXPECTED_FUNCTION}"
        )
    return function
