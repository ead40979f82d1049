"""The LLM client against the real llama.cpp server: Structured Outputs (a json_schema response format, which
llama.cpp turns into a grammar) and JSON mode (LLM_STRUCTURED_OUTPUTS=0: json_object plus the schema in the system
message).

The server must take both requests and answer them. A third test puts a loopback proxy in front of it that
rejects json_schema as an older server does, so the client's fallback to JSON mode is answered by the real model.
Whether a 270M model fills the schema usefully is its own business: the call may end parsed, or with an error kind
that comes from the answer's content (cut off at the cap, not JSON, the wrong shape), never with one that says the
request or the server failed.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from generation.agents.schemas import CapsuleIdea
from generation.llm import LLMErrorKind, LLMResult, get_llm_client
from llmtests.conftest import server_log_tail

ANSWER_KINDS = {LLMErrorKind.LENGTH, LLMErrorKind.INVALID_JSON, LLMErrorKind.SCHEMA_MISMATCH, LLMErrorKind.REFUSAL}
OUTPUT_CAP = 400

MESSAGES = [
    {"role": "system", "content": "You design short programming exercises for beginners. Answer in JSON."},
    {"role": "user", "content": "An easy Python exercise about summing the even numbers of a list."},
]


def ask_for_an_idea() -> LLMResult[CapsuleIdea]:
    with get_llm_client(agent="pedagogist") as client:
        return client.structured(messages=MESSAGES, response_model=CapsuleIdea, max_completion_tokens=OUTPUT_CAP)


def assert_the_server_answered(result: LLMResult[CapsuleIdea]) -> None:
    assert result.prompt_tokens and result.prompt_tokens > 0, f"no usage reported: {result.error!r}\n{server_log_tail()}"
    assert result.completion_tokens is not None and result.completion_tokens <= OUTPUT_CAP * (1 + result.repairs)
    if result.ok:
        assert isinstance(result.parsed, CapsuleIdea) and result.parsed.title.strip()
    else:
        answer = result.raw_text[:2000]
        assert result.error is not None and result.error.kind in ANSWER_KINDS, f"{result.error!r}\n{answer}\n{server_log_tail()}"


def test_structured_outputs_are_served_by_the_real_server(settings):
    settings.LLM_STRUCTURED_OUTPUTS = True

    result = ask_for_an_idea()

    assert result.mode == "structured"
    assert [exchange.purpose for exchange in result.exchanges][:1] == ["first"]
    assert "fallback" not in [exchange.purpose for exchange in result.exchanges], "the server rejected json_schema"
    assert all(exchange.mode == "structured" for exchange in result.exchanges)
    assert_the_server_answered(result)


def test_json_mode_is_served_by_the_real_server(settings):
    settings.LLM_STRUCTURED_OUTPUTS = False

    result = ask_for_an_idea()

    assert result.mode == "json"
    assert all(exchange.mode == "json" for exchange in result.exchanges)
    assert "Reply with exactly one JSON object" in str(result.exchanges[0].messages[0]["content"]), "the schema is in the prompt"
    assert_the_server_answered(result)


class _OlderServer(ThreadingHTTPServer):
    """A loopback proxy in front of the real llama.cpp server that answers like a server without Structured
    Outputs (older vLLM, llama.cpp or Ollama builds): 400 to a json_schema response format, everything else passed
    through to the real server, whose model answers."""

    upstream = ""


class _OlderServerHandler(BaseHTTPRequestHandler):
    server: _OlderServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if (json.loads(body or b"{}").get("response_format") or {}).get("type") == "json_schema":
            error = {"message": "response_format type json_schema is not supported", "type": "invalid_request_error"}
            self._answer(400, json.dumps({"error": error}).encode())
            return
        request = urllib.request.Request(self.server.upstream + self.path, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=300) as response:
            self._answer(response.status, response.read())

    def _answer(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:  # the test's own report says what happened
        pass


def test_a_server_that_rejects_json_schema_is_answered_in_json_mode_by_the_real_model(settings, monkeypatch):
    from generation.llm import client as llm_client_module

    monkeypatch.setattr(llm_client_module, "_NO_STRUCTURED_OUTPUTS", set())
    upstream = str(settings.OPENAI_BASE_URL).removesuffix("/v1")
    proxy = _OlderServer(("127.0.0.1", 0), _OlderServerHandler)
    proxy.upstream = upstream
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        settings.LLM_STRUCTURED_OUTPUTS = True
        settings.OPENAI_BASE_URL = f"http://127.0.0.1:{proxy.server_address[1]}/v1"

        result = ask_for_an_idea()
    finally:
        proxy.shutdown()
        proxy.server_close()

    purposes = [exchange.purpose for exchange in result.exchanges]
    assert purposes[:2] == ["first", "fallback"], purposes
    first = result.exchanges[0]
    assert first.mode == "structured" and first.error is not None and first.error.status_code == 400
    assert result.mode == "json"
    assert_the_server_answered(result)
