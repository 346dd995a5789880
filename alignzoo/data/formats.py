"""Turn one raw row of any public preference-data shape into a record.

Each shape has one small function; ``detect_shape`` picks it from the row's keys and value
types, so a new shape is one function plus one table entry, not another branch.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord, unpaired
from alignzoo.errors import DataFormatError

Row = Mapping[str, Any]
Message = dict[str, str]


class ChatTokenizer(Protocol):
    """The part of a Hugging Face tokenizer we use: its chat template."""

    chat_template: str | None

    def apply_chat_template(self, conversation: list[Message], **kwargs: Any) -> Any: ...


PairFn = Callable[[Row, int | None, str, ChatTokenizer | None], PreferencePair]
ASSISTANT = "Assistant:"


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _get(row: Row, field: str, source: str, index: int | None, label: str | None = None) -> Any:
    if field not in row:
        raise DataFormatError(source, index, label or field, f"missing field (has {sorted(row)})")
    return row[field]


def _str(row: Row, field: str, source: str, index: int | None, label: str | None = None) -> str:
    value = _get(row, field, source, index, label)
    if not isinstance(value, str):
        raise DataFormatError(
            source, index, label or field, f"expected a string, got {_type_name(value)}"
        )
    return value


def _messages(row: Row, field: str, source: str, index: int | None) -> list[Message]:
    value = _get(row, field, source, index)
    if not isinstance(value, list):
        raise DataFormatError(
            source, index, field, f"expected a list of messages, got {_type_name(value)}"
        )
    for i, msg in enumerate(value):
        if not (
            isinstance(msg, Mapping)
            and isinstance(msg.get("role"), str)
            and isinstance(msg.get("content"), str)
        ):
            raise DataFormatError(
                source,
                index,
                field,
                f"message {i}: expected a dict with string 'role' and 'content', got {msg!r:.80}",
            )
    return [{"role": m["role"], "content": m["content"]} for m in value]


def _render(
    messages: list[Message],
    tokenizer: ChatTokenizer | None,
    field: str,
    source: str,
    index: int | None,
    add_generation_prompt: bool,
) -> str:
    """Render with the model's own chat template, so prompts match what it was trained on."""
    if tokenizer is None or not getattr(tokenizer, "chat_template", None):
        raise DataFormatError(
            source, index, field, "conversational rows need a tokenizer with a chat template"
        )
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )


def explicit_pair(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PreferencePair:
    """Plain ``prompt``/``chosen``/``rejected`` strings."""
    prompt, chosen, rejected = (
        _str(row, f, source, index) for f in ("prompt", "chosen", "rejected")
    )
    return PreferencePair(prompt, chosen, rejected)


def _completion_text(
    prefix: list[Message],
    turns: list[Message],
    prompt: str,
    tokenizer: ChatTokenizer | None,
    field: str,
    source: str,
    index: int | None,
) -> str:
    """The text ``turns`` add after the rendered ``prompt`` (its last turn's content when the
    template renders the prefix differently inside the whole conversation)."""
    if not turns:
        raise DataFormatError(source, index, field, "no completion messages")
    full = _render(prefix + turns, tokenizer, field, source, index, add_generation_prompt=False)
    return full[len(prompt) :] if full.startswith(prompt) else turns[-1]["content"]


def conversational_pair(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PreferencePair:
    """Message lists: full conversations, or TRL's split form (``prompt`` list + reply turns).

    A string ``prompt`` next to full conversations (e.g. UltraFeedback) is ignored: the
    conversations already hold it, rendered the way the model expects.
    """
    chosen, rejected = (_messages(row, f, source, index) for f in ("chosen", "rejected"))
    if isinstance(row.get("prompt"), list):
        prefix, field = _messages(row, "prompt", source, index), "prompt"
    else:
        for field, conv in (("chosen", chosen), ("rejected", rejected)):
            if not conv or conv[-1]["role"] != "assistant":
                last = conv[-1]["role"] if conv else "none"
                raise DataFormatError(
                    source, index, field, f"must end with an assistant turn (last role: {last})"
                )
        shared, limit = 0, min(len(chosen), len(rejected)) - 1  # last turn is never prompt
        while shared < limit and chosen[shared] == rejected[shared]:
            shared += 1
        prefix, field = chosen[:shared], "chosen"
        chosen, rejected = chosen[shared:], rejected[shared:]
    prompt = _render(prefix, tokenizer, field, source, index, add_generation_prompt=True)
    return PreferencePair(
        prompt,
        _completion_text(prefix, chosen, prompt, tokenizer, "chosen", source, index),
        _completion_text(prefix, rejected, prompt, tokenizer, "rejected", source, index),
    )


def hh_pair(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PreferencePair:
    """Anthropic-HH transcripts: the prompt is the shared text up to the last ``Assistant:``."""
    chosen, rejected = (_str(row, f, source, index) for f in ("chosen", "rejected"))
    cut = os.path.commonprefix([chosen, rejected]).rfind(ASSISTANT)  # noqa: RUF071 - text
    if cut < 0:
        raise DataFormatError(
            source, index, "chosen", f"no {ASSISTANT!r} marker in the text shared with 'rejected'"
        )
    end = cut + len(ASSISTANT)
    return PreferencePair(chosen[:end], chosen[end:], rejected[end:])


def tldr_pair(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PreferencePair:
    """OpenAI summarize-from-feedback comparisons, with the usual TL;DR prompt."""
    info, summaries = _get(row, "info", source, index), _get(row, "summaries", source, index)
    if not isinstance(info, Mapping):
        raise DataFormatError(source, index, "info", f"expected a dict, got {_type_name(info)}")
    post, title, sub = (
        _str(info, k, source, index, f"info.{k}") for k in ("post", "title", "subreddit")
    )
    if not (isinstance(summaries, list) and len(summaries) == 2):
        raise DataFormatError(source, index, "summaries", "expected a list of two summaries")
    texts = []
    for i, summary in enumerate(summaries):
        if not isinstance(summary, Mapping):
            got = _type_name(summary)
            raise DataFormatError(source, index, f"summaries[{i}]", f"expected a dict, got {got}")
        text = _str(summary, "text", source, index, f"summaries[{i}].text")
        texts.append(text if text[:1].isspace() else " " + text)
    choice = _get(row, "choice", source, index)
    if isinstance(choice, bool) or choice not in (0, 1):
        raise DataFormatError(source, index, "choice", f"expected 0 or 1, got {choice!r}")
    prompt = f"SUBREDDIT: r/{sub}\nTITLE: {title}\nPOST: {post}\n\nTL;DR:"
    first = int(choice)  # a column read as floats (Parquet, CSV) holds 0.0 and 1.0
    return PreferencePair(prompt, texts[first], texts[1 - first])


def shp_pair(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PreferencePair:
    """Stanford SHP: ``history`` (the post), ``human_ref_A``/``human_ref_B`` (two replies) and
    ``labels`` (1: A preferred, 0: B preferred)."""
    history = _str(row, "history", source, index)
    first, second = (_str(row, f, source, index) for f in ("human_ref_A", "human_ref_B"))
    label = _get(row, "labels", source, index)
    if isinstance(label, bool) or label not in (0, 1):
        raise DataFormatError(source, index, "labels", f"expected 0 or 1, got {label!r}")
    prompt = history if history.endswith((" ", "\n")) else history + "\n\n"
    chosen, rejected = (first, second) if label == 1 else (second, first)
    return PreferencePair(prompt, chosen, rejected)


def _others(row: Row, *taken: str) -> dict[str, Any]:
    """The row's columns besides ``taken``: its per-example fields."""
    return {key: value for key, value in row.items() if key not in taken}


def prompt_only(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PromptRecord:
    """A ``prompt`` string, or a message list rendered ready for the assistant to answer; the
    other columns (``answer``, ``solution``, ``tests``, ``ground_truth``...) are its fields."""
    if isinstance(row.get("prompt"), list):
        messages = _messages(row, "prompt", source, index)
        text = _render(messages, tokenizer, "prompt", source, index, add_generation_prompt=True)
        return PromptRecord(text, _others(row, "prompt"))
    return PromptRecord(_str(row, "prompt", source, index), _others(row, "prompt"))


#: GSM8K's final answer: the text after the last ``####``
GSM8K_MARK = "####"


def gsm8k_prompt(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PromptRecord:
    """GSM8K's shape: ``question``, and an ``answer`` whose worked solution ends in ``#### <n>``.
    Fields: ``answer`` (the final answer, thousands separators dropped) and ``solution``
    (the worked text), beside any other columns."""
    question = _str(row, "question", source, index)
    worked = _str(row, "answer", source, index)
    if GSM8K_MARK not in worked:
        raise DataFormatError(
            source, index, "answer", f"expected a final answer after {GSM8K_MARK!r}"
        )
    final = worked.rsplit(GSM8K_MARK, 1)[1].strip().replace(",", "")
    if not final:
        raise DataFormatError(source, index, "answer", f"nothing after {GSM8K_MARK!r}")
    fields = _others(row, "question", "answer") | {"answer": final, "solution": worked}
    return PromptRecord(question, fields)


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` (or ``\\fbox{...}``) in ``text``, braces
    balanced; None when there is none."""
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    opening = text.index("{", start)
    depth = 0
    for position in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            return text[opening + 1 : position]
    return None


def math_prompt(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PromptRecord:
    """MATH's shape: ``problem``, and a ``solution`` with the answer in ``\\boxed{}`` (or an
    ``answer`` column, as MATH-500 has). Fields: ``answer`` and ``solution``, beside any
    other columns."""
    problem = _str(row, "problem", source, index)
    solution = _str(row, "solution", source, index) if "solution" in row else None
    answer = str(row["answer"]) if "answer" in row else last_boxed(solution or "")
    if answer is None:
        raise DataFormatError(source, index, "solution", "expected the answer in \\boxed{...}")
    fields = _others(row, "problem", "solution", "answer") | {"answer": answer}
    return PromptRecord(problem, fields | ({"solution": solution} if solution else {}))


def labelled_completion(
    row: Row, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> LabelledCompletion:
    """TRL's unpaired feedback: ``prompt``, ``completion`` and a boolean ``label``; prompt and
    completion as strings, or as message lists rendered with the chat template."""
    label = _get(row, "label", source, index)
    if not isinstance(label, bool):
        raise DataFormatError(source, index, "label", f"expected true or false, got {label!r}")
    if isinstance(row.get("completion"), list):
        prefix = (
            _messages(row, "prompt", source, index) if isinstance(row.get("prompt"), list) else []
        )
        turns = _messages(row, "completion", source, index)
        prompt = _render(prefix, tokenizer, "prompt", source, index, add_generation_prompt=True)
        completion = _completion_text(prefix, turns, prompt, tokenizer, "completion", source, index)
        return LabelledCompletion(prompt, completion, label)
    prompt, completion = (_str(row, f, source, index) for f in ("prompt", "completion"))
    return LabelledCompletion(prompt, completion, label)


def _pair_key(row: Row) -> bool:
    return "chosen" in row or "rejected" in row


def _listy(row: Row, *keys: str) -> bool:
    return any(isinstance(row.get(k), list) for k in keys)


# Checked in order; the first match names the shape.
_DETECTORS: tuple[tuple[str, Callable[[Row], bool]], ...] = (
    ("unpaired", lambda r: "completion" in r and "label" in r),
    ("shp", lambda r: "human_ref_A" in r or "human_ref_B" in r),
    ("tldr", lambda r: "summaries" in r or "info" in r),
    (
        "conversational",
        lambda r: _listy(r, "chosen", "rejected") or (_listy(r, "prompt") and _pair_key(r)),
    ),
    ("explicit", lambda r: "prompt" in r and _pair_key(r)),
    ("hh", _pair_key),
    ("prompt", lambda r: "prompt" in r),
    ("gsm8k", lambda r: "question" in r and "answer" in r),
    ("math", lambda r: "problem" in r and ("solution" in r or "answer" in r)),
)
#: the shapes of rows that are prompts to sample from (with their per-example fields)
PROMPT_SHAPES: dict[str, Callable[..., PromptRecord]] = {
    "prompt": prompt_only,
    "gsm8k": gsm8k_prompt,
    "math": math_prompt,
}
PAIR_SHAPES: dict[str, PairFn] = {
    "tldr": tldr_pair,
    "conversational": conversational_pair,
    "explicit": explicit_pair,
    "hh": hh_pair,
    "shp": shp_pair,
}

#: every row shape read, with the fields that make it, for error messages
ACCEPTED_SHAPES = (
    "explicit (prompt, chosen, rejected strings)",
    "conversational (chosen/rejected message lists, optional prompt list)",
    "hh (chosen/rejected transcripts)",
    "tldr (info, summaries, choice)",
    "shp (history, human_ref_A, human_ref_B, labels)",
    "unpaired (prompt, completion, label)",
    "prompt-only (prompt, and any other columns as its fields)",
    "gsm8k (question, answer ending in '#### <answer>')",
    "math (problem, solution with \\boxed{answer}, or answer)",
)


def detect_shape(row: Any, *, source: str = "<row>", index: int | None = None) -> str:
    """Name the shape of ``row``: one of ``PAIR_SHAPES`` or ``"prompt"``."""
    if not isinstance(row, Mapping):
        raise DataFormatError(source, index, None, f"expected an object row, got {_type_name(row)}")
    for name, matches in _DETECTORS:
        if matches(row):
            return name
    raise DataFormatError(
        source,
        index,
        None,
        f"unrecognised row shape, keys {sorted(row)}; the shapes read are: "
        + "; ".join(ACCEPTED_SHAPES),
    )


def normalize_pair(
    row: Any, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> PreferencePair:
    """Turn a raw row of any known pair shape into a ``PreferencePair``."""
    shape = detect_shape(row, source=source, index=index)
    if shape == "unpaired":
        problem = (
            "an unpaired feedback row (prompt, completion, label) is not a preference pair: "
            "use it with an algorithm that reads feedback (algorithm=kto)"
        )
        raise DataFormatError(source, index, "chosen", problem)
    if shape not in PAIR_SHAPES:
        problem = "missing field: a preference pair needs 'chosen' and 'rejected'"
        raise DataFormatError(source, index, "chosen", problem)
    pair = PAIR_SHAPES[shape](row, index, source, tokenizer)
    if row.get("margin") is None:
        return pair
    margin = row["margin"]
    if isinstance(margin, bool) or not isinstance(margin, int | float):
        raise DataFormatError(
            source, index, "margin", f"expected a number, got {_type_name(margin)}"
        )
    if not math.isfinite(margin):  # a gap of NaN or infinity would poison the loss
        raise DataFormatError(source, index, "margin", f"expected a finite number, got {margin}")
    return dataclasses.replace(pair, margin=float(margin))


def normalize_feedback(
    row: Any, index: int | None, source: str, tokenizer: ChatTokenizer | None = None
) -> list[LabelledCompletion]:
    """A raw row as unpaired feedback: an unpaired row is one; a pair row of any shape is two
    (its chosen desirable, its rejected not)."""
    if detect_shape(row, source=source, index=index) == "unpaired":
        return [labelled_completion(row, index, source, tokenizer)]
    return unpaired([normalize_pair(row, index, source, tokenizer)])


def normalize_prompt(
    row: Any,
    index: int | None,
    source: str,
    tokenizer: ChatTokenizer | None = None,
    system_prompt: str | None = None,
    template: str | None = None,
) -> PromptRecord:
    """Turn a raw row into a ``PromptRecord``; pair-shaped rows give their prompt.

    ``template`` wraps a plain-text prompt (its ``{prompt}`` is replaced, nothing else is
    read from it); ``system_prompt`` renders the prompt as a conversation, a system turn then
    the user's, with the tokenizer's chat template.
    """
    shape = detect_shape(row, source=source, index=index)
    if shape not in PROMPT_SHAPES:  # a pair row: its prompt alone (its completions are no fields)
        if "prompt" not in row:
            return PromptRecord(normalize_pair(row, index, source, tokenizer).prompt)
        return PromptRecord(prompt_only(row, index, source, tokenizer).prompt)
    if isinstance(row.get("prompt"), list):  # a conversation, the system turn first
        messages = _messages(row, "prompt", source, index)
        if system_prompt is not None and (not messages or messages[0]["role"] != "system"):
            messages = [{"role": "system", "content": system_prompt}, *messages]
        return prompt_only({**row, "prompt": messages}, index, source, tokenizer)
    record = PROMPT_SHAPES[shape](row, index, source, tokenizer)
    text = template.replace("{prompt}", record.prompt) if template else record.prompt
    if system_prompt is not None:
        turns = [{"role": "system", "content": system_prompt}, {"role": "user", "content": text}]
        text = _render(turns, tokenizer, "prompt", source, index, add_generation_prompt=True)
    return dataclasses.replace(record, prompt=text)
