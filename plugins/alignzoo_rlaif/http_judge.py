"""A judge behind any OpenAI-compatible chat-completions endpoint (vLLM, TGI, Ollama, hosted).

The verdict comes from the returned logprobs of the choice tokens when the server offers
them (those options among the top logprobs that appear there), else from the answer text,
which must be one of the options (surrounding spaces, quotes and punctuation aside). Real
judges sometimes answer off format ('not amazing' where A or B was asked): such an answer is
asked again ``unreadable_retries`` times, then scored as unknown (a 0.5 preference, the middle
of the rating scale), said in a warning and counted (``judge/unreadable``); the run stops,
naming ``reward.max_unreadable_rate``, only when the share of unreadable answers passes it.
The API key is read from the environment
variable the config names, sent only in the Authorization header, and never logged, saved
or put into an error message. Redirects are refused, not followed: urllib would repeat the
request, Authorization header included, to whatever host the answer names.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import torch

from alignzoo.errors import AlignzooError, ConfigError
from alignzoo.rewards.judge import Judge
from alignzoo_rlaif.config import HTTPJudgeConfig  # lives there torch-free; still importable here
from alignzoo_rlaif.templates import pairwise_texts, pointwise_texts, reference_field


class JudgeEndpointError(AlignzooError):
    """The endpoint is unreachable, failed after retries, or answered something unusable."""


class JudgeUnreadableError(AlignzooError):
    """More of the judge's answers could not be read than ``reward.max_unreadable_rate``."""


class JudgeUnreadableWarning(UserWarning):
    """Some judge answers could not be read and were scored as unknown."""


#: answers an endpoint must have given before their unreadable share can stop the run: one
#: off-format answer among the first few is not a rate
MIN_ANSWERS_FOR_RATE = 20
#: characters around an answer that do not change which option it names ("A.", "'B'")
_DECORATION = " \t\r\n.,;:!?\"'`*()[]"
#: unreadable answers quoted in a warning or an error
SHOWN_ANSWERS = 3


def read_verdict(
    answer: Any, options: Sequence[str], use_logprobs: bool
) -> tuple[list[float] | None, str]:
    """The unnormalised probability of each option as the answer's first token, and the
    answer's text; None for the weights when the answer names no option.

    Top logprobs come first: every listed entry whose token is an option (spaces aside) adds
    its probability, so options that appear are used even when others do not (their weight
    is then 0). Without any, the text must be exactly one option, decoration aside. Raises
    ``KeyError``/``IndexError``/``TypeError``/``AttributeError`` for JSON of another shape.
    """
    choice = answer["choices"][0]
    said = choice["message"]["content"]
    said = said.strip() if isinstance(said, str) else repr(said)
    top = (choice.get("logprobs") or {}).get("content") or []
    if use_logprobs and top:
        listed = [
            (entry["token"].strip(), entry["logprob"]) for entry in top[0].get("top_logprobs") or []
        ]
        weights = [sum(math.exp(lp) for token, lp in listed if token == o) for o in options]
        if sum(weights) > 0:
            return weights, said
    bare = said.strip(_DECORATION)
    names = [o.strip() for o in options]
    if bare in names:
        return [1.0 if name == bare else 0.0 for name in names], said
    return None, said


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Turns every 3xx answer into an ``HTTPError`` instead of a request to its Location."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HTTPJudge(Judge):
    """Judges through ``POST {base_url}/chat/completions``, one request per judgement."""

    answers_can_be_unreadable = True

    def __init__(self, config: HTTPJudgeConfig) -> None:
        self.config = config
        #: answers read so far, those that could not be, and the rows of the last call
        self.answers = self.unreadable = 0
        self._last_unreadable: list[int] = []
        self.endpoint = config.base_url.rstrip("/") + "/chat/completions"
        # shared by the worker threads: an opener holds no per-request state
        self._opener = urllib.request.build_opener(_RefuseRedirects)
        self._key_env = config.api_key_env
        if self._key_env and self._key_env not in os.environ:
            raise ConfigError(
                f"reward.api_key_env={self._key_env!r}: that environment variable is not set "
                "(set it, or reward.api_key_env=null for a server without keys)"
            )

    @property
    def identity(self) -> str:
        """Endpoint, model and every text that shapes the verdict (never the key)."""
        c = self.config
        return "|".join(
            [
                "http",
                c.base_url,
                c.model,
                *c.principles,
                c.pairwise_template,
                c.pointwise_template,
                *c.choices,
                *c.scale,
            ]
        )

    def compare(
        self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]
    ) -> torch.Tensor:
        """P(first > second) from the probabilities of the two choice tokens."""
        texts = pairwise_texts(self.config, prompts, first, second)
        weights = self._map(texts, self.config.choices, "a 0.5 preference")
        return torch.tensor([w[0] / sum(w) for w in weights], dtype=torch.float32)

    @property
    def reference_field(self) -> str | None:
        """With a pointwise template that names ``{reference}``: the field it reads."""
        return reference_field(self.config)

    def rate(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        references: Sequence[str] | None = None,
    ) -> torch.Tensor:
        """The expected rating over the scale tokens (against each row's reference answer
        where the template names one)."""
        texts = pointwise_texts(self.config, prompts, responses, references)
        middle = (len(self.config.scale) + 1) / 2
        weights = self._map(texts, self.config.scale, f"the middle rating, {middle:g}")
        levels = range(1, len(self.config.scale) + 1)
        return torch.tensor(
            [
                sum(w * level for w, level in zip(ws, levels, strict=True)) / sum(ws)
                for ws in weights
            ],
            dtype=torch.float32,
        )

    def unreadable_rows(self) -> list[int]:
        """The rows of the last ``compare``/``rate`` whose answers were scored as unknown."""
        return list(self._last_unreadable)

    def _map(self, texts: list[str], options: list[str], unknown: str) -> list[list[float]]:
        """Each text's option weights; an unreadable answer weighs every option alike (the
        ``unknown`` score), is warned about, and counts towards the stopping rate."""
        with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
            verdicts = list(pool.map(lambda text: self._option_weights(text, options), texts))
        self._last_unreadable = [i for i, (weights, _) in enumerate(verdicts) if weights is None]
        said = [verdicts[i][1] for i in self._last_unreadable]
        self.answers += len(texts)
        self.unreadable += len(said)
        if said:
            self._check_rate(said, options)
            warnings.warn(
                f"judge endpoint {self.endpoint}: {len(said)} of {len(texts)} answers could not "
                f"be read ({self._quoted(said)}; expected one of {options}), asked "
                f"{self.config.unreadable_retries + 1} time(s) each; scored as unknown: "
                f"{unknown}",
                JudgeUnreadableWarning,
                stacklevel=3,
            )
        return [[1.0] * len(options) if w is None else w for w, _ in verdicts]

    def _check_rate(self, said: list[str], options: list[str]) -> None:
        """Stop when the share of unreadable answers so far passes the configured rate."""
        limit = self.config.max_unreadable_rate
        rate = self.unreadable / self.answers
        if self.answers < MIN_ANSWERS_FOR_RATE or rate <= limit:
            return
        raise JudgeUnreadableError(
            f"reward.max_unreadable_rate={limit:g}: {self.unreadable} of the {self.answers} "
            f"answers of judge endpoint {self.endpoint} so far could not be read ({rate:.0%}; "
            f"e.g. {self._quoted(said)}, where one of {options} was expected); fix the "
            "template or the served model, or raise reward.max_unreadable_rate"
        )

    @staticmethod
    def _quoted(said: list[str]) -> str:
        shown = ", ".join(repr(text[:80]) for text in said[:SHOWN_ANSWERS])
        return shown + (", ..." if len(said) > SHOWN_ANSWERS else "")

    def _option_weights(self, text: str, options: list[str]) -> tuple[list[float] | None, str]:
        """Unnormalised probabilities of each option as the answer's first token (None when
        no answer, asked again ``unreadable_retries`` times, names one), and what was said."""
        said = ""
        for _ in range(self.config.unreadable_retries + 1):
            answer = self._post(text)
            try:
                weights, said = read_verdict(answer, options, self.config.use_logprobs)
            except (KeyError, IndexError, TypeError, AttributeError) as error:
                raise JudgeEndpointError(
                    f"judge endpoint {self.endpoint} answered JSON without the "
                    f"chat-completions shape (choices[0].message.content): {error!r}"
                ) from None
            if weights is not None:
                return weights, said
        return None, said

    def _post(self, text: str) -> dict[str, Any]:
        body = {
            "model": self.config.model,
            "messages": [{"role": "user", "content": text}],
            "max_tokens": 2,
            "temperature": 0.0,
        }
        if self.config.use_logprobs:
            body |= {"logprobs": True, "top_logprobs": self.config.top_logprobs}
        headers = {"Content-Type": "application/json"}
        if self._key_env:
            headers["Authorization"] = f"Bearer {os.environ[self._key_env]}"
        problem = "no attempt made"
        for attempt in range(self.config.max_retries + 1):
            if attempt:
                time.sleep(self.config.backoff_s * 2 ** (attempt - 1))
            request = urllib.request.Request(
                self.endpoint, data=json.dumps(body).encode(), headers=headers, method="POST"
            )
            try:
                with self._opener.open(request, timeout=self.config.timeout_s) as reply:
                    raw = reply.read()
            except urllib.error.HTTPError as error:
                if 300 <= error.code < 400:  # never retried: the answer would be the same
                    error.close()
                    raise JudgeEndpointError(self._redirect_message(error)) from None
                problem = f"HTTP {error.code}"
                if error.code < 500 and error.code != 429:  # the request itself is wrong
                    break
                continue
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                problem = f"unreachable or too slow ({type(error).__name__})"
                continue
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                raise JudgeEndpointError(
                    f"judge endpoint {self.endpoint} answered malformed JSON: {raw[:80]!r}"
                ) from None
        raise JudgeEndpointError(
            f"judge endpoint {self.endpoint} failed after {attempt + 1} attempt(s): {problem}"
        )

    def _redirect_message(self, error: urllib.error.HTTPError) -> str:
        location = error.headers.get("Location") if error.headers is not None else None
        target = f" to {location[:200]!r}" if location else ""
        return (
            f"judge endpoint {self.endpoint} answered HTTP {error.code}, a redirect{target}; "
            "redirects are not followed, so the API key is never sent to another address: "
            "set reward.base_url to the address that answers itself"
        )
