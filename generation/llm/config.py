"""Which provider and model each agent uses, and the SDK client built from settings (codecapsule/settings.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    import openai

logger = logging.getLogger("generation.llm")

Agent = Literal["pedagogist", "coder", "debugger", "solver"]
AGENTS: tuple[Agent, ...] = ("pedagogist", "coder", "debugger", "solver")
Provider = Literal["openai", "azure", "catalog"]

_OPENAI_BASE_URL = "https://api.openai.com/v1"
# Ollama, vLLM and llama.cpp ignore the key, but the SDK refuses an empty one.
LOCAL_SERVER_KEY = "no-key-needed"


def llm_provider() -> Provider:
    return cast(Provider, settings.LLM_PROVIDER)


def network_llm_configured() -> bool:
    """False in offline mode: the pipeline then draws from the catalog (generation/catalog/, through
    generation/catalog_provider.py)."""
    return llm_provider() != "catalog"


# Model overrides: functions agent → model name or None, consulted by model_for before the settings. Another app
# registers one in its AppConfig.ready() (feedback: a fine-tuned model chosen as the Coder's), so generation
# never imports it (README, "Where the code lives").
ModelOverride = Callable[[Agent], "str | None"]
_model_overrides: list[ModelOverride] = []


def register_model_override(override: ModelOverride) -> None:
    """Add an override; registering the same one again is a no-op (an AppConfig.ready may run twice)."""
    if override not in _model_overrides:
        _model_overrides.append(override)


def unregister_model_override(override: ModelOverride) -> None:
    if override in _model_overrides:
        _model_overrides.remove(override)


def model_for(agent: Agent) -> str:
    """The model (Azure: deployment) for an agent.

    1. The first registered override that names one (e.g. a fine-tuned Coder chosen by staff).
    2. Else LLM_MODEL_<AGENT>, default OPENAI_MODEL.
    An override that raises is logged and skipped: generation keeps working with the configured model.
    """
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; expected one of {', '.join(AGENTS)}")
    for override in tuple(_model_overrides):
        try:
            model = override(agent)
        except Exception:
            logger.warning("model override %r failed for agent %s; using the configured model", override, agent, exc_info=True)
            continue
        if model:
            return str(model)
    return str(getattr(settings, f"LLM_MODEL_{agent.upper()}", "") or settings.OPENAI_MODEL)


def make_sdk(provider: Provider) -> openai.OpenAI:
    """The SDK client for a network provider, with the timeout and bounded retries from settings."""
    import openai  # imported when a client is made: the SDK adds about a second to every process that imports it
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
