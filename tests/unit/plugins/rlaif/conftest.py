"""A judge endpoint on 127.0.0.1 whose answers a test writes (``serve``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Answer = Callable[[str, int], dict]


def chat(content: str, top: list[tuple[str, float]] | None = None) -> dict:
    """A chat-completions answer, with top logprobs of its first token when given."""
    choice: dict = {"message": {"content": content}}
    if top is not None:
        entries = [{"token": token, "logprob": logprob} for token, logprob in top]
        choice["logprobs"] = {"content": [{"token": content, "top_logprobs": entries}]}
    return {"choices": [choice]}


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], tuple[str, dict[str, int]]]]:
    """Start a server on 127.0.0.1 answering ``answer(text, attempt)``; its URL and counts."""
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Answer) -> tuple[str, dict[str, int]]:
        seen: dict[str, int] = {}
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                text = body["messages"][0]["content"]
                with lock:
                    seen[text] = seen.get(text, 0) + 1
                payload = json.dumps(answer(text, seen[text])).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1", seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
