"""A judge behind any OpenAI-compatible chat-completions endpoint (vLLM, TGI, Ollama, hosted).

The verdict comes from the returned logprobs of the choice tokens when the server offers
them, else from the answer text parsed strictly. The API key is read from the environment
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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import torch

from alignzoo.errors import AlignzooError, ConfigError
from alignzoo.rewards.judge import Judge
from alignzoo_rlaif.config import HTTPJudgeConfig  # lives there torch-free; still importable here
from alignzoo_rlaif.templates import pairwise_texts, pointwise_texts


class JudgeEndpointError(AlignzooError):
    """The endpoint is unreachable, failed after retries, or answered something unusable."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Turns every 3xx answer into an ``HTTPError`` instead of a request to its Location."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HTTPJudge(Judge):
    """Judges through ``POST {base_url}/chat/completions``, one request per judgement."""

    def __init__(self, config: HTTPJudgeConfig) -> None:
        self.config = config
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
        weights = self._map(texts, self.config.choices)
        return torch.tensor([w[0] / sum(w) for w in weights], dtype=torch.float32)

    def rate(self, prompts: Sequence[str], responses: Sequence[str]) -> torch.Tensor:
        """The expected rating over the scale tokens."""
        texts = pointwise_texts(self.config, prompts, responses)
        weights = self._map(texts, self.config.scale)
        levels = range(1, len(self.config.scale) + 1)
        return torch.tensor(
            [
                sum(w * level for w, level in zip(ws, levels, strict=True)) / sum(ws)
                for ws in weights
            ],
            dtype=torch.float32,
        )

    def _map(self, texts: list[str], options: list[str]) -> list[list[float]]:
        with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
            return list(pool.map(lambda text: self._option_weights(text, options), texts))

    def _option_weights(self, text: str, options: list[str]) -> list[float]:
        """Unnormalised probabilities of each option as the answer's first token."""
        answer = self._post(text)
        try:
            choice = answer["choices"][0]
            content = choice.get("logprobs") or {}
            top = content.get("content") or []
            if self.config.use_logprobs and top:
                found = {
                    entry["token"].strip(): entry["logprob"] for entry in top[0]["top_logprobs"]
                }
                weights = [math.exp(found[o]) if o in found else 0.0 for o in options]
                if sum(weights) > 0:
                    return weights
            said = choice["message"]["content"].strip()
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise JudgeEndpointError(
                f"judge endpoint {self.endpoint} answered JSON without the chat-completions "
                f"shape (choices[0].message.content): {error!r}"
            ) from None
        if said not in options:  # strict: the whole answer must be one of the options
            raise JudgeEndpointError(
                f"judge endpoint {self.endpoint} answered {said[:80]!r}, expected exactly one "
                f"of {options}"
            )
        return [1.0 if o == said else 0.0 for o in options]

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
