"""LLM access for the generation agents: one small typed interface over the `openai` SDK.

    client = get_llm_client(agent="coder")
    result = client.structured(messages=[...], response_model=CapsuleDraft, agent="coder")
    if result.ok:
        draft = result.parsed                  # a CapsuleDraft
    else:
        result.error.kind                      # "refusal", "length", "invalid_json", "timeout", ...

Providers (settings.LLM_PROVIDER):
- `openai`: openai.OpenAI with OPENAI_API_KEY and, optionally, OPENAI_BASE_URL for any OpenAI-compatible server
  (Ollama, vLLM, llama.cpp). A local server that wants no key may be used with OPENAI_BASE_URL alone.
- `azure`: openai.AzureOpenAI with AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION; the
  per-agent model names are deployment names.
- `catalog`: no network model. get_llm_client() raises NoNetworkLLM. This is the seam for the offline catalog
  (generation/catalog/, served by generation/catalog_provider.py): the pipeline asks `network_llm_configured()`
  (or catches NoNetworkLLM) and draws from the catalog instead of calling agents over the network.

How structured() gets a pydantic object out of the model:
1. Structured Outputs: `chat.completions.parse(response_format=Model)` sends the model's strict JSON schema.
   A server that rejects that request (400/422: no json_schema support) gets step 2 instead, and the client
   remembers it for that server and model; LLM_STRUCTURED_OUTPUTS=0 starts at step 2.
2. JSON mode: `response_format={"type": "json_object"}` with the model's JSON schema in the system message.
3. The answer is validated with pydantic (a Markdown code fence around the JSON is tolerated). Invalid JSON or
   a wrong shape gets exactly ONE repair request that shows the model its output and the validation errors.
4. Every failure ends as one LLMError with a `kind` (LLMErrorKind). Transport failures are retried by the SDK
   only (LLM_MAX_RETRIES, each request bounded by LLM_TIMEOUT_SECONDS); a refusal or a cut-off is not repaired.

The API key never appears in logs, results or error messages (server messages are scrubbed of it).
"""

from generation.llm.client import LLMClient, get_llm_client
from generation.llm.config import AGENTS, Agent, Provider, llm_provider, model_for, network_llm_configured
from generation.llm.errors import LLMError, LLMErrorKind, NoNetworkLLM
from generation.llm.results import LLMExchange, LLMResult, Message, Mode

__all__ = [
    "AGENTS",
    "Agent",
    "LLMClient",
    "LLMError",
    "LLMErrorKind",
    "LLMExchange",
    "LLMResult",
    "Message",
    "Mode",
    "NoNetworkLLM",
    "Provider",
    "get_llm_client",
    "llm_provider",
    "model_for",
    "network_llm_configured",
]
