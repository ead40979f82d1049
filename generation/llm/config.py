"""Which provider and model each agent uses, and the SDK client built from settings (codecapsule/settings.py)."""

from __future__ import annotations

from typing import Literal, cast

import openai
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Agent = Literal["pedagogist", "coder", "debugger"]
AGENTS: tuple[Agent, ...] = ("pedagogist", "coder", "debugger")
Provider = Literal["openai", "azure", "catalog"]

_OPENAI_BASE_URL = "https://api.openai.com/v1"
# Ollama, vLLM and llama.cpp ignore the key, but the SDK refuses an empty one.
LOCAL_SERVER_KEY = "no-key-needed"


def llm_provider() -> Provider:
    return cast(Provider, settings.LLM_PROVIDER)


def network_llm_configured() -> bool:
    """False in offline mode: the pipeline then draws from the catalog (generation/catalog.py)."""
    return llm_provider() != "catalog"


def model_for(agent: Agent) -> str:
    """The model (Azure: deployment) configured for an agent: LLM_MODEL_<AGENT>, default OPENAI_MODEL."""
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; expected one of {', '.join(AGENTS)}")
    return str(getattr(settings, f"LLM_MODEL_{agent.upper()}", "") or settings.OPENAI_MODEL)


def make_sdk(provider: Provider) -> openai.OpenAI:
    """The SDK client for a network provider, with the timeout and bounded retries from settings."""
    timeout = float(settings.LLM_TIMEOUT_SECONDS)
    max_retries = int(settings.LLM_MAX_RETRIES)
    if provider == "azure":
        if not (settings.AZURE_OPENAI_ENDPOINT and settings.AZURE_OPENAI_API_KEY):
            raise ImproperlyConfigured("LLM_PROVIDER=azure needs AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY")
        return openai.AzureOpenAI(
            azure_endpoint=settings.AZURE_OPENAI_ENDPOINT,
            api_key=settings.AZURE_OPENAI_API_KEY,
            api_version=settings.OPENAI_API_VERSION,
            timeout=timeout,
            max_retries=max_retries,
        )
    api_key = settings.OPENAI_API_KEY
    base_url = settings.OPENAI_BASE_URL
    if not api_key:
        if not base_url:
            raise ImproperlyConfigured(
                "LLM_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server without a key)"
            )
        api_key = LOCAL_SERVER_KEY
    return openai.OpenAI(
        api_key=api_key, base_url=base_url or _OPENAI_BASE_URL, timeout=timeout, max_retries=max_retries
    )
