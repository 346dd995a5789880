"""The HTTP judge refuses redirects: its API key must never reach the host a 3xx names.

Two servers on 127.0.0.1: the judge's endpoint answers every request with a redirect to the
second, which records the headers of anything it receives (it should receive nothing).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alignzoo.errors import ConfigError
from alignzoo_rlaif.http_judge import HTTPJudge, HTTPJudgeConfig, JudgeEndpointError

SECRET = "sk-redirect-test-secret"
KEY_ENV = "ALIGNZOO_TEST_REDIRECT_KEY"


class Recorder:
    """What one server received: each request's method, path and headers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def record(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.requests.append((handler.command, handler.path, dict(handler.headers)))


@contextmanager
def _serve(answer: object) -> Iterator[tuple[Recorder, str]]:
    """Start a server whose every request is recorded, then answered by ``answer``."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            recorder.record(self)
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            answer(self)  # type: ignore[operator]

        do_GET = do_POST = _any

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def elsewhere() -> Iterator[tuple[Recorder, str]]:
    """The host a redirect points at: it would answer a valid verdict, if anyone asked."""

    def verdict(handler: BaseHTTPRequestHandler) -> None:
        body = b'{"choices": [{"message": {"content": "A"}}]}'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with _serve(verdict) as server:
        yield server


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)


def _redirecting(code: int, target: str) -> AbstractContextManager[tuple[Recorder, str]]:
    def redirect(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Location", f"{target}/v1/chat/completions")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return _serve(redirect)


def _judge(base_url: str) -> HTTPJudge:
    config = HTTPJudgeConfig(
        base_url=f"{base_url}/v1",
        model="judge",
        api_key_env=KEY_ENV,
        use_logprobs=False,
        max_retries=3,
        backoff_s=0.0,
        timeout_s=5.0,
        concurrency=1,
        cache=False,
    )
    return HTTPJudge(config)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_naming_the_endpoint_and_the_key_never_leaves(
    code: int, elsewhere: tuple[Recorder, str]
) -> None:
    other, other_url = elsewhere
    with _redirecting(code, other_url) as (origin, origin_url):
        judge = _judge(origin_url)
        with pytest.raises(JudgeEndpointError) as raised:
            judge.compare(["prompt"], ["first"], ["second"])
        message = str(raised.value)
        assert f"{origin_url}/v1/chat/completions" in message
        assert f"HTTP {code}" in message and "redirects are not followed" in message
        assert other_url in message  # where it pointed, so the user can fix base_url
        assert SECRET not in message
        assert len(origin.requests) == 1  # asked once: a redirect is not retried
        assert origin.requests[0][2].get("Authorization") == f"Bearer {SECRET}"
    assert other.requests == []  # the other host never heard from us, key or not


def test_the_endpoint_itself_still_answers(elsewhere: tuple[Recorder, str]) -> None:
    server, url = elsewhere
    verdicts = _judge(url).compare(["prompt"], ["first"], ["second"])
    assert verdicts.tolist() == [1.0]
    assert [r[2].get("Authorization") for r in server.requests] == [f"Bearer {SECRET}"]


def test_nonsense_settings_are_refused_naming_their_keys() -> None:
    with pytest.raises(ConfigError) as raised:
        HTTPJudgeConfig(base_url="http://x", model="m", concurrency=0, timeout_s=-1)
    assert "reward.concurrency must be >= 1, got 0" in str(raised.value)
    assert "reward.timeout_s must be > 0, got -1" in str(raised.value)
