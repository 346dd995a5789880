"""The HTTP judge against a real chat-completions server on 127.0.0.1 that the test starts.

The server serves the tiny model's judgements in the OpenAI shape (with logprobs), and, by
model name, misbehaves: too slow, a 500 before succeeding, malformed JSON, text answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch
from omegaconf import OmegaConf

from alignzoo.errors import ConfigError
from alignzoo.tasks.sentiment.base_model import BaseModelConfig
from alignzoo.tasks.sentiment.task import SentimentTask, SentimentTaskConfig
from alignzoo_rlaif.config import LocalJudgeConfig
from alignzoo_rlaif.http_judge import (
    HTTPJudge,
    HTTPJudgeConfig,
    JudgeEndpointError,
    JudgeUnreadableWarning,
)
from alignzoo_rlaif.local_judge import LocalJudge

SECRET = "sk-test-0123456789-secret"
TEMPLATE = "{prompt}|{response_a}|{response_b}"
PROMPTS = ["yesterday i watched the movie and", "recently i read the book :"]
FIRST = ["the plot was great .", "the story felt dull ."]
SECOND = ["the plot was awful .", "i loved the characters ."]


class Server:
    """What the fake endpoint saw, and the local judge whose verdicts it serves."""

    def __init__(self, judge: LocalJudge) -> None:
        self.judge, self.lock = judge, threading.Lock()
        self.requests: list[dict] = []
        self.seen: dict[str, int] = {}
        self.in_flight = self.max_in_flight = 0

    def answer(self, body: dict, auth: str | None) -> tuple[int, bytes]:
        text = body["messages"][0]["content"]
        with self.lock:
            self.requests.append(body)
            self.seen[text] = self.seen.get(text, 0) + 1
            attempt = self.seen[text]
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._answer(body["model"], text, attempt, auth)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, model: str, text: str, attempt: int, auth: str | None) -> tuple[int, bytes]:
        if auth != f"Bearer {SECRET}":
            return 401, b'{"error": "bad key"}'
        if model == "slow":
            time.sleep(0.6 if attempt == 1 else 0.05)
        if model == "flaky" and attempt == 1:
            return 500, b'{"error": "overloaded"}'
        if model == "garbage":
            return 200, b"{not json at all"
        if model == "rater":  # pointwise, off format for about one text in eight
            if hashlib.sha256(text.encode()).digest()[0] % 8 == 0:
                return 200, json.dumps(
                    {"choices": [{"message": {"content": "not amazing"}}]}
                ).encode()
            rating = "8" if "great" in text or "loved" in text else "3"
            return 200, json.dumps({"choices": [{"message": {"content": rating}}]}).encode()
        prompt, a, b = text.split("|")
        p_a = float(self.judge.compare([prompt], [a], [b])[0])
        if model == "text":
            return 200, json.dumps({"choices": [{"message": {"content": "B"}}]}).encode()
        if model == "chatty":
            return 200, json.dumps({"choices": [{"message": {"content": "I think A"}}]}).encode()
        top = [
            {"token": "A", "logprob": math.log(p_a)},
            {"token": "B", "logprob": math.log(1 - p_a)},
        ]
        choice = {
            "message": {"content": "A" if p_a >= 0.5 else "B"},
            "logprobs": {
                "content": [{"token": "A", "logprob": top[0]["logprob"], "top_logprobs": top}]
            },
        }
        return 200, json.dumps({"choices": [choice]}).encode()


@pytest.fixture(scope="module")
def local_judge() -> LocalJudge:
    tiny = SentimentTaskConfig(base_model=BaseModelConfig(train_steps=40, corpus_size=800))
    model = SentimentTask(tiny).base_model()
    return LocalJudge(LocalJudgeConfig(model=model, device="cpu", cache=False))


@pytest.fixture
def server(local_judge: LocalJudge) -> Iterator[tuple[Server, str]]:
    state = Server(local_judge)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            code, payload = state.answer(body, self.headers.get("Authorization"))
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNZOO_TEST_KEY", SECRET)


def _judge(base_url: str, model: str, **fields: object) -> HTTPJudge:
    return HTTPJudge(
        HTTPJudgeConfig(
            base_url=base_url,
            model=model,
            api_key_env="ALIGNZOO_TEST_KEY",
            pairwise_template=TEMPLATE,
            timeout_s=0.3,
            max_retries=2,
            backoff_s=0.01,
            **fields,
        )
    )


def test_served_judgements_equal_the_local_models(server, local_judge) -> None:
    state, url = server
    remote = _judge(url, "tiny").compare(PROMPTS, FIRST, SECOND)
    torch.testing.assert_close(
        remote, local_judge.compare(PROMPTS, FIRST, SECOND), atol=1e-5, rtol=0
    )
    assert state.requests[0]["logprobs"] is True and state.requests[0]["max_tokens"] == 2


def test_a_timeout_is_retried(server) -> None:
    state, url = server
    _judge(url, "slow").compare(PROMPTS[:1], FIRST[:1], SECOND[:1])
    assert list(state.seen.values()) == [2]  # timed out once, answered on the retry


def test_a_500_is_retried_with_backoff(server) -> None:
    state, url = server
    p_a = _judge(url, "flaky").compare(PROMPTS[:1], FIRST[:1], SECOND[:1])
    assert list(state.seen.values()) == [2] and 0.0 < p_a.item() < 1.0


def test_malformed_json_names_the_endpoint_and_not_the_key(server) -> None:
    _, url = server
    with pytest.raises(JudgeEndpointError, match="answered malformed JSON") as error:
        _judge(url, "garbage").compare(PROMPTS[:1], FIRST[:1], SECOND[:1])
    assert f"{url}/chat/completions" in str(error.value) and SECRET not in str(error.value)


def test_unreachable_endpoint_fails_after_retries(server) -> None:
    with pytest.raises(JudgeEndpointError, match=r"127.0.0.1:9/v1/chat/completions failed after 3"):
        _judge("http://127.0.0.1:9/v1", "tiny").compare(PROMPTS[:1], FIRST[:1], SECOND[:1])


def test_without_logprobs_the_answer_is_parsed_strictly(server) -> None:
    _, url = server
    assert _judge(url, "text").compare(PROMPTS[:1], FIRST[:1], SECOND[:1]).item() == 0.0
    # off format: asked again, then scored as unknown and said, never the end of the run
    with pytest.warns(JudgeUnreadableWarning, match=r"could not be read \('I think A';"):
        chatty = _judge(url, "chatty").compare(PROMPTS[:1], FIRST[:1], SECOND[:1])
    assert chatty.item() == 0.5


def test_concurrency_is_limited(server) -> None:
    state, url = server
    _judge(url, "tiny", concurrency=2).compare(
        PROMPTS * 4, [f"{t} ." * i for t in FIRST for i in (1, 2, 3, 4)], SECOND * 4
    )
    assert 1 <= state.max_in_flight <= 2


def test_the_key_never_appears_in_logs_configs_or_errors(server, caplog, tmp_path) -> None:
    _, url = server
    caplog.set_level(logging.DEBUG)
    judge = _judge(url, "tiny")
    judge.compare(PROMPTS, FIRST, SECOND)
    with pytest.raises(JudgeEndpointError) as error:
        _judge(url, "garbage").compare(PROMPTS[:1], FIRST[:1], SECOND[:1])
    saved = OmegaConf.to_yaml(OmegaConf.structured(judge.config))  # what Hydra would save
    for text in (caplog.text, saved, str(error.value), judge.identity):
        assert SECRET not in text
    assert "ALIGNZOO_TEST_KEY" in saved  # only the variable's name is configuration


def test_a_missing_key_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALIGNZOO_TEST_KEY")
    with pytest.raises(ConfigError, match=r"reward.api_key_env='ALIGNZOO_TEST_KEY'"):
        _judge("http://127.0.0.1:9/v1", "tiny")


@pytest.mark.slow
def test_a_run_whose_judge_now_and_then_answers_off_format_finishes_and_says_how_often(
    server, train, tiny_task, tmp_path
) -> None:
    _, url = server
    with pytest.warns(JudgeUnreadableWarning, match="scored as unknown: the middle rating"):
        summary, rows = train(
            tmp_path,
            *tiny_task,
            "algorithm=grpo",
            "reward=http_judge",
            f"reward.base_url={url}",
            "reward.model=rater",
            "reward.api_key_env=ALIGNZOO_TEST_KEY",
            "reward.use_logprobs=false",
            "reward.backoff_s=0",
            "reward.cache=false",
            "train.batch_size=4",
            "train.steps=4",
            "eval.every=4",
        )
    shares = [row["judge/unreadable"] for row in rows if "judge/unreadable" in row]
    assert len(shares) == 4 and all(0.0 <= share <= 1.0 for share in shares)
    assert 0.0 < sum(shares) / len(shares) < 0.2  # some, below the default threshold
    assert summary["steps"] == 4
