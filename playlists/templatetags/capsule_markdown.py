"""`{{ text|markdown }}`: a creator's Markdown (a hint, say) as sanitised HTML for the player, by the same renderer
and allow-list as statements (codecapsule/markdown.py: raw HTML is shown as text, scripts and unsafe links are
removed)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.safestring import SafeString, mark_safe

from codecapsule.markdown import render_markdown

register = template.Library()


@lru_cache(maxsize=1024)
def _rendered(source: str) -> str:
    # Learners open the same few capsules over and over: render each hint once per process.
    return render_markdown(source)


@register.filter(name="markdown")
def markdown(source: object) -> SafeString:
    return mark_safe(_rendered(str(source or "")))  # noqa: S308 — render_markdown's output is sanitised by nh3
