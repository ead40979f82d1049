"""generation.llm against the fake OpenAI-compatible server (tests/fake_openai.py): every path of structured()."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel

from generation.llm import (
    LLMError,
    LLMErrorKind,
    NoNetworkLLM,
    get_llm_client,
    llm_provider,
    model_for,
    network_llm_configured,
)
from generation.llm import client as llm_client_module
from tests.fake_openai import FakeOpenAI, Reply, cut_off, delay, http_error, malformed, refusal, reply

API_KEY = "sk-test-key-that-must-never-be-logged-1234"


class Idea(BaseModel):
    title: str
    concepts: list[str]
    minutes: int


GOOD = {"title": "Loops in Python", "concepts": ["for", "range"], "minutes": 15}
WRONG_SHAPE = {"title": "Loops in Python", "concepts": "for, range"}  # concepts not a list, minutes missing
MESSAGES = [
    {"role": "system", "content": "You design programming exercises."},
    {"role": "user", "content": "An easy Python exercise about loops."},
]


@pytest.fixture
def fake(fake_openai, settings) -> FakeOpenAI:
    fake_openai.configure(settings, api_key=API_KEY)
    return fake_openai


def ask(agent: str = "coder", **kwargs):
    with get_llm_client(agent=agent) as client:  # type: ignore[arg-type]
        return client.structured(messages=MESSAGES, response_model=Idea, **kwargs)


# --- success ----------------------------------------------------------------------------------------------------


def test_it_returns_the_parsed_object_and_records_usage_on_success(fake):
    fake.script(reply(GOOD, usage=(120, 30)))

    result = ask()

    assert result.ok and result.error is None
    assert result.parsed == Idea(**GOOD)
    assert result.raw_text == json.dumps(GOOD)
    assert (result.prompt_tokens, result.completion_tokens, result.total_tokens) == (120, 30, 150)
    assert result.attempts == 1 and result.repairs == 0
    assert result.mode == "structured"
    assert result.model == "gpt-4o-mini"
    assert result.agent == "coder" and result.provider == "openai"
    assert result.latency_ms >= 0
    assert result.unwrap() == Idea(**GOOD)


def test_it_sends_the_pydantic_schema_as_a_strict_json_schema_response_format(fake):
    fake.script(reply(GOOD))

    ask()

    sent = fake.last_chat_request
    assert sent.path == "/v1/chat/completions"
    assert sent.body["messages"] == MESSAGES
    response_format = sent.response_format
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Idea"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert set(schema["properties"]) == {"title", "concepts", "minutes"}
    assert schema["additionalProperties"] is False


def test_it_records_no_tokens_when_the_server_reports_no_usage(fake):
    fake.script(reply(GOOD, usage=False))

    result = ask()

    assert result.ok
    assert result.prompt_tokens is None and result.completion_tokens is None and result.total_tokens is None


def test_each_agent_uses_its_own_model(fake, settings):
    settings.LLM_MODEL_PEDAGOGIST = "idea-model"
    settings.LLM_MODEL_DEBUGGER = "fix-model"
    fake.script(reply(GOOD), reply(GOOD), reply(GOOD))

    with get_llm_client(agent="pedagogist") as client:
        client.structured(messages=MESSAGES, response_model=Idea)
        client.structured(messages=MESSAGES, response_model=Idea, agent="debugger")
        client.structured(messages=MESSAGES, response_model=Idea, model="explicit-model")

    assert [r.body["model"] for r in fake.chat_requests] == ["idea-model", "fix-model", "explicit-model"]
    assert model_for("coder") == settings.OPENAI_MODEL


def test_an_unknown_agent_is_rejected(fake):
    with pytest.raises(ValueError, match="unknown agent"):
        get_llm_client(agent="poet")


# --- malformed output and the one repair ------------------------------------------------------------------------


def test_it_repairs_malformed_json_with_one_request_that_shows_the_output_and_the_errors(fake):
    broken = '{"title": "Loops", "concepts": ["for",'
    fake.script(malformed(broken), reply(GOOD, usage=(200, 40)))

    result = ask()

    assert result.ok and result.parsed == Idea(**GOOD)
    assert result.repairs == 1 and result.attempts == 2
    first, repair = fake.chat_requests
    assert repair.messages[: len(MESSAGES)] == MESSAGES
    assert repair.messages[-2] == {"role": "assistant", "content": broken}
    assert repair.messages[-1]["role"] == "user"
    assert "not valid JSON" in repair.messages[-1]["content"]
    assert "Invalid JSON" in repair.messages[-1]["content"]  # pydantic's own error text
    assert repair.response_format == first.response_format  # the repair asks in the same mode
    assert result.completion_tokens is not None and result.completion_tokens > 40  # both exchanges counted
    assert [e.purpose for e in result.exchanges] == ["first", "repair"]


def test_it_reports_schema_mismatch_when_the_repair_is_still_the_wrong_shape(fake):
    fake.script(reply(WRONG_SHAPE), reply(WRONG_SHAPE))

    result = ask()

    assert not result.ok and result.parsed is None
    assert result.error.kind is LLMErrorKind.SCHEMA_MISMATCH
    assert result.repairs == 1 and len(fake.chat_requests) == 2
    assert any(detail.startswith("concepts:") for detail in result.error.details)
    assert any(detail.startswith("minutes:") for detail in result.error.details)
    repair_prompt = fake.chat_requests[1].messages[-1]["content"]
    assert "- concepts: " in repair_prompt and "- minutes: Field required" in repair_prompt
    with pytest.raises(LLMError):
        result.unwrap()


def test_it_reports_invalid_json_when_the_repair_is_still_not_json(fake):
    fake.script(malformed("Sure! Here is your exercise:"), malformed("```\nnot json either\n```"))

    result = ask()

    assert result.error.kind is LLMErrorKind.INVALID_JSON
    assert result.repairs == 1 and len(fake.chat_requests) == 2
    assert result.raw_text == "```\nnot json either\n```"


def test_it_repairs_an_empty_answer(fake):
    fake.script(Reply(content=""), reply(GOOD))

    result = ask()

    assert result.ok and result.repairs == 1


# --- refusals, cut-offs -----------------------------------------------------------------------------------------


def test_it_classifies_a_refusal_and_does_not_repair_it(fake):
    fake.script(refusal("I can't help with that."))

    result = ask()

    assert result.error.kind is LLMErrorKind.REFUSAL
    assert result.error.message == "I can't help with that."
    assert result.raw_text == "I can't help with that."
    assert result.repairs == 0 and len(fake.chat_requests) == 1


def test_it_classifies_the_content_filter_as_a_refusal(fake):
    fake.script(Reply(content=None, finish_reason="content_filter"))

    result = ask()

    assert result.error.kind is LLMErrorKind.REFUSAL
    assert "content filter" in result.error.message


def test_it_classifies_a_length_cut_off_and_does_not_repair_it(fake):
    fake.script(cut_off('{"title": "Loops", "conc'))

    result = ask()

    assert result.error.kind is LLMErrorKind.LENGTH
    assert result.raw_text == '{"title": "Loops", "conc'
    assert result.exchanges[0].finish_reason == "length"
    assert result.repairs == 0 and len(fake.chat_requests) == 1


# --- transport: timeouts, rate limits, server errors ------------------------------------------------------------


def test_it_gives_up_with_a_timeout_after_the_bounded_retries_in_bounded_time(fake, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.2
    settings.LLM_MAX_RETRIES = 1
    fake.script(delay(3, GOOD), delay(3, GOOD))

    started = time.monotonic()
    result = ask()
    elapsed = time.monotonic() - started

    assert result.error.kind is LLMErrorKind.TIMEOUT
    assert result.attempts == 2 and len(fake.chat_requests) == 2
    # two 0.2 s requests plus the SDK's backoff (at most 0.5 s), far below the 3 s the server would take
    assert elapsed < 1.5


def test_it_retries_a_429_and_records_the_attempts(fake):
    fake.script(http_error(429, retry_after=0.01), reply(GOOD))

    result = ask()

    assert result.ok
    assert result.attempts == 2 and result.repairs == 0
    assert [r.headers["x-stainless-retry-count"] for r in fake.chat_requests] == ["0", "1"]


def test_it_reports_rate_limited_when_429_persists_after_the_bounded_retries(fake, settings):
    settings.LLM_MAX_RETRIES = 1
    fake.script(http_error(429), http_error(429), reply(GOOD))

    result = ask()

    assert result.error.kind is LLMErrorKind.RATE_LIMITED
    assert result.error.status_code == 429
    assert result.attempts == 2 and fake.remaining == 1


def test_it_reports_server_error_when_500_persists_after_the_bounded_retries(fake, settings):
    settings.LLM_MAX_RETRIES = 2
    fake.script(http_error(500), http_error(502), http_error(503), reply(GOOD))

    result = ask()

    assert result.error.kind is LLMErrorKind.SERVER_ERROR
    assert result.error.status_code == 503
    assert result.attempts == 3 and len(fake.chat_requests) == 3 and fake.remaining == 1


def test_it_classifies_an_unreachable_server_as_a_connection_error(fake, settings):
    settings.LLM_MAX_RETRIES = 0
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        settings.OPENAI_BASE_URL = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"

    result = ask()

    assert result.error.kind is LLMErrorKind.CONNECTION
    assert result.attempts == 1


def test_it_classifies_a_wrong_key_as_auth_and_never_leaks_the_key(settings, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI(api_key="sk-the-right-key") as fake:
        fake.configure(settings, api_key=API_KEY)
        fake.script(reply(GOOD))
        with get_llm_client(agent="coder") as client:
            result = client.structured(messages=MESSAGES, response_model=Idea)
            assert API_KEY not in repr(client)

    assert result.error.kind is LLMErrorKind.AUTH and result.error.status_code == 401
    assert result.attempts == 1  # 401 is not retried
    assert fake.requests[0].headers["authorization"] == "<redacted>"
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(result) and API_KEY not in json.dumps(result.error.to_dict())


def test_it_scrubs_the_key_from_a_server_message_that_echoes_it(fake):
    fake.script(http_error(403, f"Key {API_KEY} may not use this model"))

    result = ask()

    assert result.error.kind is LLMErrorKind.AUTH
    assert API_KEY not in result.error.message and "***" in result.error.message


def test_it_classifies_an_unknown_model_as_a_bad_request_without_fallback(fake):
    fake.script(http_error(404, "The model `nope` does not exist"))

    result = ask()

    assert result.error.kind is LLMErrorKind.BAD_REQUEST and result.error.status_code == 404
    assert len(fake.chat_requests) == 1


# --- servers without structured outputs -------------------------------------------------------------------------


def test_it_falls_back_to_json_mode_when_the_server_rejects_json_schema(fake):
    fake.script(
        http_error(400, "response_format type 'json_schema' is not supported", param="response_format"),
        reply(GOOD),
        reply(GOOD),
    )

    result = ask()

    assert result.ok and result.parsed == Idea(**GOOD)
    assert result.mode == "json" and result.attempts == 2 and result.repairs == 0
    rejected, fallback = fake.chat_requests
    assert rejected.response_format["type"] == "json_schema"
    assert fallback.response_format == {"type": "json_object"}
    system = fallback.messages[0]
    assert system["role"] == "system"
    assert system["content"].startswith("You design programming exercises.")  # merged, not a second system message
    assert '"minutes"' in system["content"] and "JSON Schema" in system["content"]
    assert fallback.messages[1:] == MESSAGES[1:]

    # the client remembers: the next call for this server and model goes straight to JSON mode
    again = ask()
    assert again.ok and again.attempts == 1
    assert fake.last_chat_request.response_format == {"type": "json_object"}


def test_it_uses_json_mode_from_the_start_when_structured_outputs_are_disabled(fake, settings):
    settings.LLM_STRUCTURED_OUTPUTS = False
    fake.script(reply(GOOD))

    with get_llm_client(agent="coder") as client:
        result = client.structured(messages=[{"role": "user", "content": "Loops"}], response_model=Idea)

    assert result.ok and result.mode == "json"
    sent = fake.last_chat_request
    assert sent.response_format == {"type": "json_object"}
    assert sent.messages[0]["role"] == "system" and '"concepts"' in sent.messages[0]["content"]
    assert sent.messages[1] == {"role": "user", "content": "Loops"}


def test_json_mode_repairs_a_wrong_shape_once_with_the_validation_errors(fake, settings):
    settings.LLM_STRUCTURED_OUTPUTS = False
    fake.script(reply(WRONG_SHAPE), reply(GOOD))

    result = ask()

    assert result.ok and result.mode == "json" and result.repairs == 1
    repair = fake.last_chat_request
    assert repair.response_format == {"type": "json_object"}
    assert repair.messages[-2]["content"] == json.dumps(WRONG_SHAPE)
    assert "- minutes: Field required" in repair.messages[-1]["content"]


def test_json_mode_accepts_json_inside_a_markdown_code_fence(fake, settings):
    settings.LLM_STRUCTURED_OUTPUTS = False
    fake.script(malformed(f"```json\n{json.dumps(GOOD)}\n```"))

    result = ask()

    assert result.ok and result.repairs == 0


def test_it_reports_bad_request_when_json_mode_is_rejected_too(fake):
    too_long = "This model's maximum context length is 8192 tokens."
    fake.script(http_error(400, too_long), http_error(400, too_long))

    result = ask()

    assert result.error.kind is LLMErrorKind.BAD_REQUEST and result.error.status_code == 400
    assert too_long in result.error.message
    assert [e.purpose for e in result.exchanges] == ["first", "fallback"]
    assert set() == llm_client_module._NO_STRUCTURED_OUTPUTS  # not mistaken for a server without json_schema


# --- providers --------------------------------------------------------------------------------------------------


def test_the_azure_provider_calls_the_deployment_path_with_the_api_version(fake, settings):
    fake.configure(settings, provider="azure", api_key=API_KEY)
    settings.OPENAI_API_VERSION = "2024-10-21"
    settings.LLM_MODEL_CODER = "capsule-coder"  # an Azure deployment name
    fake.script(reply(GOOD))

    result = ask()

    assert result.ok and result.provider == "azure"
    sent = fake.last_chat_request
    assert sent.path == "/openai/deployments/capsule-coder/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == "<redacted>"
    assert sent.response_format["type"] == "json_schema"


def test_the_azure_provider_needs_an_endpoint_and_a_key(settings):
    settings.LLM_PROVIDER = "azure"
    settings.AZURE_OPENAI_ENDPOINT = ""
    with pytest.raises(ImproperlyConfigured, match="AZURE_OPENAI_ENDPOINT"):
        get_llm_client(agent="coder")


def test_the_openai_provider_talks_to_a_local_server_without_a_key(fake, settings):
    settings.OPENAI_API_KEY = ""
    fake.script(reply(GOOD))

    assert ask().ok
    assert fake.last_chat_request.headers["authorization"] == "<redacted>"  # a placeholder the server ignores


def test_the_openai_provider_without_key_or_server_is_a_configuration_error(settings):
    settings.LLM_PROVIDER = "openai"
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    with pytest.raises(ImproperlyConfigured, match="OPENAI_API_KEY"):
        get_llm_client()


def test_the_catalog_provider_says_clearly_that_no_network_llm_is_configured(settings):
    settings.LLM_PROVIDER = "catalog"

    assert llm_provider() == "catalog"
    assert network_llm_configured() is False
    with pytest.raises(NoNetworkLLM, match="No network LLM is configured") as raised:
        get_llm_client(agent="coder")
    assert "offline catalog" in str(raised.value) and "OPENAI_API_KEY" in str(raised.value)
