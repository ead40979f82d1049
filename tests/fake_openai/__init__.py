"""A small OpenAI-compatible HTTP server on loopback, for tests and benchmarks.

No LLM endpoint is reachable from the test machines, and the `openai` SDK talks through `httpx2` (respx cannot
intercept it), so the suite talks to a real HTTP server instead: this one. It listens on 127.0.0.1 on a free port,
serves from a background thread, and answers chat completions from a SCRIPT, in order::

    from tests.fake_openai import FakeOpenAI, reply, malformed, http_error

    with FakeOpenAI() as fake:
        fake.script(malformed('{"title": "half'), reply({"title": "Loops"}))
        fake.configure(settings)               # points Django settings (pytest-django `settings`) at the fake
        ...                                    # code under test calls the LLM
        assert fake.chat_requests[1].body["messages"][-1]["content"].startswith("Your previous answer")

Script entries (one per HTTP request, SDK retries included):
    reply(content)         200 with `content` (a dict or list is sent as JSON text), usage reported by default
    refusal(text)          200 whose message has `refusal` set and no content
    cut_off(content)       200 with finish_reason "length" (the answer was cut off)
    malformed(text)        200 whose content is `text` as is (e.g. broken JSON)
    http_error(status)     an OpenAI-shaped error body; 429 and 5xx carry a short Retry-After by default
    delay(seconds, then)   sleep before answering `then` (a client with a shorter timeout gives up first)
A plain str or dict in the script is shorthand for reply(...). When the script runs out the fake answers 500
with `x-should-retry: false` (the SDK does not retry it) and notes it in `fake.unscripted`.

Every request is recorded (method, path, query, headers with credential values redacted, JSON body or multipart
form) in `fake.requests`; `fake.chat_requests` keeps only chat completions.

Endpoints: POST /v1/chat/completions, the Azure path POST /openai/deployments/<name>/chat/completions?api-version=,
and for fine-tuning: POST /v1/files (multipart, purpose=fine-tune), POST /v1/fine_tuning/jobs,
GET /v1/fine_tuning/jobs, GET /v1/fine_tuning/jobs/<id>, GET /v1/fine_tuning/jobs/<id>/events,
POST /v1/fine_tuning/jobs/<id>/cancel. A job walks through the statuses given by `fake.script_fine_tuning(...)`,
one step per retrieve.

Modules: script.py (the entries), server.py (FakeOpenAI and its handler), fine_tuning.py (files and jobs).
"""

from tests.fake_openai.fine_tuning import FineTuningScript
from tests.fake_openai.script import (
    Delay,
    HTTPError,
    Reply,
    ScriptEntry,
    cut_off,
    delay,
    http_error,
    malformed,
    refusal,
    reply,
)
from tests.fake_openai.server import REDACTED, FakeOpenAI, RecordedRequest

__all__ = [
    "REDACTED",
    "Delay",
    "FakeOpenAI",
    "FineTuningScript",
    "HTTPError",
    "RecordedRequest",
    "Reply",
    "ScriptEntry",
    "cut_off",
    "delay",
    "http_error",
    "malformed",
    "refusal",
    "reply",
]
