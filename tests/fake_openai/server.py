"""The fake's HTTP server: FakeOpenAI (lifecycle, scripting, records) and the request handler."""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import math
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from tests.fake_openai.fine_tuning import Answer, FineTuningScript, FineTuningState
from tests.fake_openai.script import Delay, HTTPError, Reply, ScriptEntry, coerce, http_error

# Header values never kept in the record: the client's credentials.
_REDACTED_HEADERS = {"authorization", "api-key"}
REDACTED = "<redacted>"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names; credential values replaced by "<redacted>"
    body: Any  # the decoded JSON body, or None
    form: dict[str, str] = field(default_factory=dict)  # multipart text fields
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # multipart files: name -> (filename, bytes)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def response_format(self) -> Any:
        return (self.body or {}).get("response_format")


class FakeOpenAI:
    """The fake server. Use as a context manager (or start()/stop()); see tests/fake_openai/__init__.py."""

    def __init__(
        self,
        *script: ScriptEntry | str | dict[str, Any],
        latency: float = 0.0,
        api_key: str | None = None,
        default: ScriptEntry | str | dict[str, Any] | None = None,
    ) -> None:
        """
        latency: seconds added before every chat completion answer (a stand-in for model time in benchmarks).
        api_key: when set, requests without this key (Bearer or Azure api-key) get 401, like the real service.
        default: the answer when the script is empty (None: a 500 that tells the test it ran out of script).
        """
        self.latency = latency
        self.api_key = api_key
        self.default = coerce(default) if default is not None else None
        self.requests: list[RecordedRequest] = []
        self.unscripted: list[RecordedRequest] = []
        self._script: deque[ScriptEntry] = deque(coerce(entry) for entry in script)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.fine_tuning = FineTuningState(self._new_id)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeOpenAI:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping on a delay or latency
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # addresses

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For openai.OpenAI(base_url=...) / OPENAI_BASE_URL."""
        return f"{self.url}/v1"

    @property
    def azure_endpoint(self) -> str:
        """For openai.AzureOpenAI(azure_endpoint=...) / AZURE_OPENAI_ENDPOINT."""
        return self.url

    # scripting

    def script(self, *entries: ScriptEntry | str | dict[str, Any]) -> FakeOpenAI:
        """Append answers for the next chat completion requests, in order."""
        with self._lock:
            self._script.extend(coerce(entry) for entry in entries)
        return self

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def script_fine_tuning(self, *scripts: FineTuningScript) -> FakeOpenAI:
        """Behaviour of the next created fine-tuning jobs, in order (default: the happy path)."""
        self.fine_tuning.queue(*scripts)
        return self

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """Uploaded files' FileObject JSON by id."""
        return self.fine_tuning.files

    @property
    def file_contents(self) -> dict[str, bytes]:
        """Uploaded files' bytes by id (e.g. to check the training JSONL)."""
        return self.fine_tuning.file_contents

    def configure(self, settings: Any, *, provider: str = "openai", api_key: str = "sk-fake-test-key") -> None:
        """Point Django settings (e.g. pytest-django's `settings` fixture) at this server.

        Timeouts stay short so a test that goes wrong fails fast; tests that need otherwise override them.
        """
        settings.LLM_PROVIDER = provider
        settings.LLM_TIMEOUT_SECONDS = 5
        settings.LLM_MAX_RETRIES = 2
        if provider == "azure":
            settings.AZURE_OPENAI_ENDPOINT = self.azure_endpoint
            settings.AZURE_OPENAI_API_KEY = api_key
        else:
            settings.OPENAI_BASE_URL = self.base_url
            settings.OPENAI_API_KEY = api_key

    # records

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def last_chat_request(self) -> RecordedRequest:
        requests = self.chat_requests
        if not requests:
            raise AssertionError("the fake received no chat completion request")
        return requests[-1]

    # internals used by the handler

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_entry(self, request: RecordedRequest) -> ScriptEntry | None:
        with self._lock:
            if self._script:
                return self._script.popleft()
            if self.default is not None:
                return self.default
            self.unscripted.append(request)
            return None

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-fake{next(self._ids):04d}"

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True when the sleep ran its course."""
        return not self._stopping.wait(seconds) if seconds > 0 else True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out closes its socket before a delayed answer is written: expected, not noise.
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


_AZURE_CHAT = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)/chat/completions$")
_JOB = re.compile(r"^/v1/fine_tuning/jobs/(?P<job>[^/]+)$")
_JOB_EVENTS = re.compile(r"^/v1/fine_tuning/jobs/(?P<job>[^/]+)/events$")
_JOB_CANCEL = re.compile(r"^/v1/fine_tuning/jobs/(?P<job>[^/]+)/cancel$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, loopback answers wait ~40 ms for delayed ACKs.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class signature
        pass  # keep test output clean

    # dispatch

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        record = self._read_request(method)
        fake._record(record)
        if fake.api_key is not None and not self._authorized(fake.api_key):
            self._send_error(http_error(401))
            return
        path = record.path
        azure = _AZURE_CHAT.match(path)
        if method == "POST" and (path == "/v1/chat/completions" or azure):
            if azure and "api-version" not in record.query:
                self._send_error(http_error(404, "Resource not found (api-version query parameter missing)."))
                return
            deployment = azure.group("deployment") if azure else None
            self._chat_completion(record, deployment)
        elif answer := self._fine_tuning(method, record):
            self._send_answer(answer)
        else:
            self._send_error(http_error(404, f"Unknown fake endpoint {method} {path}."))

    def _fine_tuning(self, method: str, record: RecordedRequest) -> Answer | None:
        state = self.server.fake.fine_tuning
        path = record.path
        if method == "POST" and path == "/v1/files":
            return state.create_file(record.form, record.files)
        if method == "POST" and path == "/v1/fine_tuning/jobs":
            return state.create_job(record.body or {})
        if method == "GET" and path == "/v1/fine_tuning/jobs":
            return state.list_jobs()
        if method == "GET" and (match := _JOB.match(path)):
            return state.retrieve_job(match.group("job"))
        if method == "GET" and (match := _JOB_EVENTS.match(path)):
            return state.job_events(match.group("job"))
        if method == "POST" and (match := _JOB_CANCEL.match(path)):
            return state.cancel_job(match.group("job"))
        return None

    def _authorized(self, key: str) -> bool:
        return self.headers.get("Authorization") == f"Bearer {key}" or self.headers.get("api-key") == key

    # request and response plumbing

    def _read_request(self, method: str) -> RecordedRequest:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {
            name.lower(): (REDACTED if name.lower() in _REDACTED_HEADERS else value)
            for name, value in self.headers.items()
        }
        body: Any = None
        form: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            form, files = _parse_multipart(content_type, raw)
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        return RecordedRequest(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            headers=headers,
            body=body,
            form=form,
            files=files,
        )

    def _send_json(self, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_fake_{next(self.server.fake._ids)}")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_answer(self, answer: Answer) -> None:
        if isinstance(answer, HTTPError):
            self._send_error(answer)
        else:
            self._send_json(*answer)

    def _send_error(self, error: HTTPError) -> None:
        headers = list(error.headers)
        if error.retry_after is not None:
            headers.append(("retry-after-ms", str(max(1, round(error.retry_after * 1000)))))
            headers.append(("retry-after", str(max(1, math.ceil(error.retry_after)))))
        body = {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}
        self._send_json(error.status, body, tuple(headers))

    # chat completions

    def _chat_completion(self, record: RecordedRequest, deployment: str | None) -> None:
        fake = self.server.fake
        if not fake._sleep(fake.latency):
            return
        entry = fake._next_entry(record)
        if entry is None:
            error = http_error(
                500,
                "fake_openai: the script has no answer left for this request.",
                retry_after=False,
                headers={"x-should-retry": "false"},
            )
            self._send_error(error)
            return
        if isinstance(entry, Delay):
            if not fake._sleep(entry.seconds):
                return
            entry = entry.then
        if isinstance(entry, HTTPError):
            self._send_error(entry)
            return
        assert isinstance(entry, Reply)
        body = record.body or {}
        model = entry.model or deployment or str(body.get("model") or "fake-model")
        payload: dict[str, Any] = {
            "id": fake._new_id("chatcmpl"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": entry.content, "refusal": entry.refusal},
                    "logprobs": None,
                    "finish_reason": entry.finish_reason,
                }
            ],
        }
        if entry.usage is not False:
            if entry.usage is True:
                prompt_chars = sum(len(str(m.get("content") or "")) for m in record.messages)
                prompt_tokens = prompt_chars // 4 + 1
                completion_tokens = len(entry.content or entry.refusal or "") // 4 + 1
            else:
                prompt_tokens, completion_tokens = entry.usage
            payload["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
        self._send_json(200, payload)


def _parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = cast(bytes, part.get_payload(decode=True) or b"")  # decode=True: bytes, or None
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (filename, payload)
        else:
            form[str(name)] = payload.decode("utf-8", "replace")
    return form, files
