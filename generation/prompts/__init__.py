"""The agents' prompts: Markdown files rendered with Django's template language (no HTML escaping).

    render("coder.user.md", request=request, idea=idea, rules=rules_for(request))

Layout of this directory:
    <agent>.system.md, <agent>.user.md   the role prompt and the request of each agent
    types/<TYPE>.md                      what a capsule of that type is made of and what the judge checks
    languages/<language>.md              the runtime conventions of the judge (judges/runtimes/*.py)
    difficulty/<difficulty>.md           what easy, medium and hard mean here

The engine is standalone (not settings.TEMPLATES): prompts are not HTML, and a variable missing from the
context renders as an empty string rather than raising, like any Django template.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine

from capsules.languages import LANGUAGES

PROMPTS_DIR = Path(__file__).resolve().parent

_BLANK_LINES = re.compile(r"\n{3,}")

# How prompts name each runtime (the versions Debian 12 ships, which the judge runs): the registry's.
LANGUAGE_NAMES = {language.code: language.runtime_name for language in LANGUAGES}


@cache
def _engine() -> Engine:
    return Engine(dirs=[str(PROMPTS_DIR)], autoescape=False, debug=False)


def render(name: str, /, **context: Any) -> str:
    """One prompt file rendered with `context`; runs of blank lines that template tags leave are collapsed."""
    text = _engine().get_template(name).render(Context(context, autoescape=False))
    return _BLANK_LINES.sub("\n\n", text).strip() + "\n"


def rules_for(*, capsule_type: str, language: str, difficulty: str) -> dict[str, str]:
    """The type, language and difficulty rules, each rendered from its own file."""
    return {
        "language_name": LANGUAGE_NAMES.get(language, language),
        "type_rules": render(f"types/{capsule_type}.md", language=language).strip(),
        "language_rules": render(f"languages/{language}.md").strip(),
        "difficulty_rules": render(f"difficulty/{difficulty}.md", capsule_type=capsule_type).strip(),
        "type_summary": render(f"types/{capsule_type}.summary.md", language=LANGUAGE_NAMES.get(language, language)).strip(),
    }


__all__ = ["LANGUAGE_NAMES", "PROMPTS_DIR", "render", "rules_for"]
