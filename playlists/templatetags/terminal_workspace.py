"""`{% terminal_state as term %}` for playlists/embed/workspace/_terminal.html: the state a terminal post
rendered (`term` in the context), or the terminal as the embed page first shows it (the learner's saved
directory in the prompt, nothing checked)."""

from __future__ import annotations

from typing import Any

from django import template

from playlists.terminal_state import TerminalState, initial_state

register = template.Library()


@register.simple_tag(takes_context=True)
def terminal_state(context: template.Context) -> TerminalState:
    state = context.get("term")
    if isinstance(state, TerminalState):
        return state
    config: dict[str, Any] = context.get("config") or {}
    return initial_state(context["capsule"], config, context.get("learner_key") or "")
