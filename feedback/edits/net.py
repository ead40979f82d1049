"""Net corrections: what the AI wrote against the capsule's latest validated state (reads, no writes).

Every save is recorded as it happens (CreatorEdit, the audit trail), but a save is not a correction: a creator
who breaks a test and fixes it back made two saves and corrected nothing, and one who changes a field twice
corrected it once. The insights and the training set therefore count the net change:

    diff_capsules(the generation job's output, the capsule's latest validated state)

1. The AI output is the job's last usable Coder or Debugger draft (the one the pipeline saved: it saves only
   a draft the judge passed), normalised as the save path stores it (feedback.edits.attribution.normalised_draft).
2. The latest validated state is the capsule row itself while it is validated: status validated or published
   AND its stored judge report passed. The status alone is not enough: an inconclusive judgement (the sandbox
   could not run) keeps the status but not a passing report. No separate snapshot is kept, because
   feedback.edits.capture.net_corrections_refresh runs inside every save that leaves the capsule validated and
   stores the result (NetCorrection); a save that breaks the capsule leaves those rows alone, so they keep
   describing the last validated state.
3. Both sides are compared as content only (diff.CONTENT_KEYS) with a DATABASE capsule's SQL inline: drafts
   carry `seed_sql` / `hidden_seed_sql` text, stored capsules a `*_url` naming the same text in storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from capsules.models import PROVEN_STATUSES, Capsule
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from capsules.selectors import capsule_base_dict
from feedback.edits.attribution import normalised_draft
from feedback.edits.diff import CONTENT_KEYS, Change, diff_capsules

# (stored URL key, inline text key) of a DATABASE config.
_SQL_KEYS = (("seed_sql_url", "seed_sql"), ("hidden_seed_sql_url", "hidden_seed_sql"))


def is_validated_state(capsule: Capsule) -> bool:
    """Whether the capsule as stored now is a state the judge passed (see the module docstring, step 2)."""
    return capsule.status in PROVEN_STATUSES and (capsule.validation_report or {}).get("passed") is True


def ai_output(drafts: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any] | None:
    """The capsule content a job produced, from its drafts (feedback.edits.selectors.job_drafts): the last one, which
    is the one the pipeline saved. None when the job recorded no usable draft (or there is no job)."""
    if not drafts:
        return None
    return comparable_content(normalised_draft(drafts[-1][1]))


def capsule_content(capsule: Capsule) -> dict[str, Any]:
    return comparable_content(capsule_base_dict(capsule, include_seed_sql=True))


def comparable_content(data: Mapping[str, Any]) -> dict[str, Any]:
    """The content keys of a BaseCapsule-shaped dict, a DATABASE config's SQL as inline text."""
    content = {key: data[key] for key in data if key in CONTENT_KEYS}
    config = content.get("config_data")
    if isinstance(config, Mapping):
        content["config_data"] = _inline_sql(config)
    return content


def _inline_sql(config: Mapping[str, Any]) -> dict[str, Any]:
    """The SQL as text and no URL, so that a draft's text and a stored URL to the same text compare equal.
    SQL missing from storage keeps its URL (it is then compared as the URL)."""
    inlined = dict(config)
    for url_key, text_key in _SQL_KEYS:
        url = inlined.get(url_key)
        if text_key not in inlined and url:
            try:
                inlined[text_key] = seed_sql_read(url=url)
            except SeedSqlMissing:
                continue
        inlined.pop(url_key, None)
    return inlined


def net_changes(original: Mapping[str, Any], validated: Mapping[str, Any]) -> list[Change]:
    """One Change per leaf that differs between the AI output and the validated state."""
    return diff_capsules(original, validated)
