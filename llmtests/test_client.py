"""The LLM client against the real llama.cpp server: Structured Outputs (a json_schema response format, which
llama.cpp turns into a grammar) and JSON mode (LLM_STRUCTURED_OUTPUTS=0: json_object plus the schema in the system
message).

The server must take both requests and answer them. Whether a 270M model fills the schema usefully is its own
business: the call may end parsed, or with an error kind that comes from the answer's content (cut off at the cap,
not JSON, the wrong shape), never with one that says the request or the server failed.
"""

from __future__ import annotations

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
