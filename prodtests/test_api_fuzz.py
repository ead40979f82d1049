"""Schemathesis over the OpenAPI schema the live server publishes, with zero server errors.

1. gunicorn with production settings (prodtests/conftest.py) serves /api/schema/; schemathesis loads it from there,
   so what is fuzzed is exactly what outsiders are told.
2. Every operation is called as a creator (`Authorization: Token <key>`) who owns capsules of each type, a public
   playlist and a generation job; another creator owns a public capsule, a private capsule and a public playlist.
   Path parameters are swapped for these real ids most of the time (capsule ids in bodies half of the time), so
   the fuzzer reaches the serializers and the judge instead of stopping at 404. The rows are committed (the
   server reads them through its own connection) and put back when a generated DELETE removes them.
3. A second, smaller pass calls every operation without credentials (reads, the embed and attempts are open to
   anonymous learners; writes must answer 401, never 5xx).
4. schemathesis runs its three phases per operation: the schema's examples, coverage (boundary and
   type-violating values one parameter at a time, plus undeclared methods such as OPTIONS and TRACE) and
   Hypothesis fuzzing (MAX_EXAMPLES per operation, positive and negative data). Each response goes through
   CHECKS: no 5xx, and the answer is one the schema declares. 429 from the throttled endpoints (token,
   attempts) is fine: it is not a server error.

Seeded and derandomized, so a CI run sends the same requests every time: about 2,850 requests over 22
operations, 100-120 s here (`-s` prints the count per operation, phase and status). Run it with

    .venv/bin/python scripts/with_postgres.py -- .venv/bin/python scripts/with_services.py -- \
        bash scripts/run_pytest.sh prodtests/test_api_fuzz.py
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# No 5xx, and every answer is one the schema declares (status, media type, headers, body). Two request-side
# checks are left out on purpose:
# - positive_data_acceptance (a schema-valid request must be accepted): what makes a capsule valid is its
#   pydantic config per capsule_type and a judge run, and ids in bodies must name capsules the caller may use;
#   none of that fits in OpenAPI, so schema-valid bodies are rightly refused with 400/404.
# - negative_data_rejection (a schema-violating request must be refused): DRF is lenient by design where it
#   does no harm (a number where a string is expected becomes that string; `?step=` and `?summary=null` read
#   as "not given"), and the answer is still a well-formed 2xx; being stricter would break existing clients.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
HTTP_SERVER_LIMIT_STATUSES = {414}
SEED = 20261124
MAX_EXAMPLES = 30
MAX_EXAMPLES_ANONYMOUS = 10  # most writes stop at 401 before any parsing; the reads and the embed are the point
REQUEST_TIMEOUT_SECONDS = 60  # the judge runs inside some requests (validate, attempts, capsule writes)

# Fixed ids, so a DELETE the fuzzer sends can be undone by recreating the same row (see restore_seed).
OWNER_CODE = uuid.UUID("00000000-0000-4000-8000-00000000c0de")
OWNER_DATABASE = uuid.UUID("00000000-0000-4000-8000-0000000000db")
OWNER_TERMINAL = uuid.UUID("00000000-0000-4000-8000-0000000000ee")
OWNER_PUBLISHED = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
OTHER_PUBLIC = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
OTHER_PRIVATE = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
OWNER_PLAYLIST = uuid.UUID("00000000-0000-4000-8000-0000000000f1")
OTHER_PLAYLIST = uuid.UUID("00000000-0000-4000-8000-0000000000f2")
OWNER_JOB = uuid.UUID("00000000-0000-4000-8000-00000000000b")

REAL_IDS: dict[str, list[str]] = {
    "capsule_id": [str(i) for i in (OWNER_CODE, OWNER_DATABASE, OWNER_TERMINAL, OWNER_PUBLISHED, OTHER_PUBLIC, OTHER_PRIVATE)],
    "playlist_id": [str(OWNER_PLAYLIST), str(OTHER_PLAYLIST)],
    "job_id": [str(OWNER_JOB)],
}


# --- Data the fuzzer can reach ----------------------------------------------------------------------------------


def _capsule(pk: uuid.UUID, creator: Any, capsule_type: str, *, status: str, is_public: bool) -> None:
    from capsules.models import Capsule
    from capsules.tests.samples import capsule_data

    if Capsule.objects.filter(pk=pk).exists():
        return
    data = capsule_data(capsule_type)
    language = data["runtime_config"]["language"]
    Capsule.objects.create(
        id=pk, creator=creator, title=f"{data['title']} ({pk.hex[-4:]})", capsule_type=capsule_type,
        problem_statement_md=data["problem_statement_md"], language=language, runtime_tier=f"sandbox-{language}",
        difficulty=data["difficulty"], config_data=data["config_data"], status=status, is_public=is_public,
    )  # fmt: skip


def _playlist(pk: uuid.UUID, creator: Any, capsule_ids: list[uuid.UUID], *, is_public: bool) -> None:
    from playlists.models import Playlist, PlaylistItem

    playlist, created = Playlist.objects.get_or_create(
        playlist_id=pk, defaults={"creator": creator, "title": f"Fuzz course {pk.hex[-2:]}", "is_public": is_public}
    )
    if created or not playlist.items.exists():
        PlaylistItem.objects.filter(playlist=playlist).delete()
        PlaylistItem.objects.bulk_create(
            PlaylistItem(playlist=playlist, capsule_id=capsule_id, order=order)
            for order, capsule_id in enumerate(capsule_ids, start=1)
        )


def restore_seed(owner: Any) -> None:
    """Create whichever seed rows are missing (all of them the first time). Rows are made without the judge:
    the samples are known-good, and what is fuzzed is the API around them."""
    from django.contrib.auth.models import User

    from generation.models import GenerationJob

    other, _ = User.objects.get_or_create(username="prod-other", defaults={"email": "prod-other@example.com"})
    _capsule(OWNER_CODE, owner, "CODE", status="validated", is_public=False)
    _capsule(OWNER_DATABASE, owner, "DATABASE", status="validated", is_public=False)
    _capsule(OWNER_TERMINAL, owner, "TERMINAL", status="validated", is_public=False)
    _capsule(OWNER_PUBLISHED, owner, "CODE", status="published", is_public=True)
    _capsule(OTHER_PUBLIC, other, "CODE", status="published", is_public=True)
    _capsule(OTHER_PRIVATE, other, "CODE", status="validated", is_public=False)
    # Public, so that its embed answers without the token (which is signed with the server's own secret key).
    _playlist(OWNER_PLAYLIST, owner, [OWNER_CODE, OWNER_DATABASE, OWNER_PUBLISHED], is_public=True)
    _playlist(OTHER_PLAYLIST, other, [OTHER_PUBLIC], is_public=True)
    GenerationJob.objects.get_or_create(
        id=OWNER_JOB,
        defaults={"creator": owner, "capsule_type": "CODE", "language": "python", "difficulty": "easy",
                  "prompt": "sum of a list", "provider": "catalog"},
    )  # fmt: skip


def _with_capsule(body: Any, capsule_id: str) -> Any:
    """`body` with every capsule id field (top level, or in a list of items) set to `capsule_id`."""
    keys = ("capsule_id", "capsuleId")
    if isinstance(body, dict):
        changed = {k: (capsule_id if k in keys and isinstance(v, str) else v) for k, v in body.items()}
        for name, value in body.items():
            if isinstance(value, list):
                changed[name] = [_with_capsule(item, capsule_id) if isinstance(item, dict) else item for item in value]
        return changed
    return body


# --- The schema, as the live server publishes it ------------------------------------------------------------------


def _config(base_url: str, *, token: str | None, max_examples: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "base-url": base_url,
            "headers": {"Authorization": f"Token {token}"} if token else {},
            "seed": SEED,
            "request-timeout": REQUEST_TIMEOUT_SECONDS,
            # Anonymous callers send no credentials at all (not random ones, which only measure the 401 path).
            "generation": {"max-examples": max_examples, "deterministic": True, "with-security-parameters": bool(token)},
            # Stateful (link-following) testing needs OpenAPI links, which the schema does not declare.
            "phases": {"stateful": {"enabled": False}},
        }
    )


@pytest.fixture
def fuzz_stats() -> dict[str, Any]:
    return {"requests": 0, "statuses": {}, "by_operation": {}, "rotation": {}, "started": time.monotonic()}


def _live_schema(web_server: Any, *, token: str | None, max_examples: int) -> Any:
    """The schema from the live server, with hooks that aim generated values at the seed objects."""
    schema = schemathesis.openapi.from_url(
        f"{web_server.base_url}/api/schema/?format=json",
        config=_config(web_server.base_url, token=token, max_examples=max_examples),
        timeout=30,
    )

    @schema.hook
    def flatmap_path_parameters(context, path_parameters: dict[str, Any] | None):
        """Mostly real ids (the owner's and another creator's objects), sometimes what was generated."""
        if not isinstance(path_parameters, dict):
            return st.just(path_parameters)
        real = [{**path_parameters, name: value} for name in path_parameters for value in REAL_IDS.get(name, ())]
        # Generated values last: Hypothesis leans towards the first choices, and real ids are the point.
        return st.sampled_from([*real, path_parameters]) if real else st.just(path_parameters)

    @schema.hook
    def flatmap_body(context, body: Any):
        """Capsule ids inside bodies (playlist items, feedback edits) point at real capsules half of the time."""
        return st.one_of(st.just(body), st.sampled_from(REAL_IDS["capsule_id"]).map(lambda pk: _with_capsule(body, pk)))

    @schema.hook
    def flatmap_query(context, query: dict[str, Any] | None):
        """An embed's `step` is mostly one the seed playlists have, so the fuzzer sees steps, not only 404s."""
        if not isinstance(query, dict) or "step" not in query:
            return st.just(query)
        return st.sampled_from([{**query, "step": step} for step in (1, 2, 3)] + [query])

    return schema


def _report(stats: dict[str, Any], who: str) -> None:
    print(
        f"\nfuzz ({who}): {len(stats['by_operation'])} operations, {stats['requests']} requests in "
        f"{time.monotonic() - stats['started']:.0f} s; statuses {dict(sorted(stats['statuses'].items()))}"
    )
    for label, statuses in sorted(stats["by_operation"].items()):
        print(f"  {label}: {dict(sorted(statuses.items()))}")


@pytest.fixture
def creator_api_schema(web_server, api_user, fuzz_stats) -> Iterator[Any]:
    owner, token = api_user
    restore_seed(owner)
    yield _live_schema(web_server, token=token, max_examples=MAX_EXAMPLES)
    _report(fuzz_stats, "creator")


@pytest.fixture
def anonymous_api_schema(web_server, api_user, fuzz_stats) -> Iterator[Any]:
    restore_seed(api_user[0])
    yield _live_schema(web_server, token=None, max_examples=MAX_EXAMPLES_ANONYMOUS)
    _report(fuzz_stats, "anonymous")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's lazy schemas rename the running test through `node._nodeid`, an attribute pytest 9
    no longer has (it keeps a structured id); give it a plain one so the per-operation labels still work."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _aim_at_real_objects(case: Any, stats: dict[str, Any]) -> None:
    """The examples phase (the schema's own examples) and the coverage phase (boundary and type-violating values,
    one parameter at a time) do not go through the generation hooks, so their path parameters name nothing and
    every body variant would stop at 404. Unless a coverage case is about the path parameter itself, point it at
    the seed objects in turn (a deterministic rotation); examples also get a real capsule id in their body."""
    phase = case.meta.phase.name.value if case.meta is not None else None
    if phase not in ("coverage", "examples"):
        return
    location = getattr(case.meta.phase.data, "parameter_location", None)
    if location is not None and getattr(location, "value", location) == "path":
        return
    for name in list(case.path_parameters or {}):
        if name in REAL_IDS:
            turn = stats["rotation"].get(name, 0)
            stats["rotation"][name] = turn + 1
            case.path_parameters[name] = REAL_IDS[name][turn % len(REAL_IDS[name])]
    if phase == "examples" and isinstance(case.body, dict):
        case.body = _with_capsule(case.body, str(OWNER_CODE))


def _count(stats: dict[str, Any], case: Any, status: int) -> None:
    stats["requests"] += 1
    stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
    by_status = stats["by_operation"].setdefault(case.operation.label, {})
    phase = case.meta.phase.name.value if case.meta else "?"
    # The coverage phase also sends methods the operation does not declare (OPTIONS, TRACE, ...): name them.
    method = "" if case.method.upper() == case.operation.method.upper() else f"{case.method.upper()} "
    key = f"{phase}:{method}{status}"
    by_status[key] = by_status.get(key, 0) + 1


creator_schema = schemathesis.pytest.from_fixture("creator_api_schema")
anonymous_schema = schemathesis.pytest.from_fixture("anonymous_api_schema")
FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    # Requests go to a real server doing real work (the judge): slowness is expected, not a test smell.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _lift_attempt_throttle(case: Any, owner: Any) -> None:
    """Grading runs the learner's code in the judge, the deepest path behind the API, but its throttle (30 a
    minute) would answer most of the fuzzer's attempts with 429. Forget the caller's count before each attempt
    (DRF keeps it in the shared Redis cache under `throttle_<scope>_<user pk or address>`); the token endpoint
    keeps its throttle, so 429 answers are still checked."""
    if case.operation.path.endswith("/attempts/"):
        from django.core.cache import cache

        cache.delete_many([f"throttle_attempts_{owner.pk}", "throttle_attempts_127.0.0.1"])


def _call_and_check(case: Any, owner: Any, stats: dict[str, Any]) -> None:
    _aim_at_real_objects(case, stats)
    _lift_attempt_throttle(case, owner)
    response = case.call()
    _count(stats, case, response.status_code)
    if case.method.upper() == "DELETE" and response.status_code < 300:
        restore_seed(owner)
    # gunicorn itself refuses a request line over its limit_request_line (4094 bytes) with 414, before Django
    # sees the request: a 4xx, but not an answer of the API whose statuses the schema documents.
    checks = [not_a_server_error] if response.status_code in HTTP_SERVER_LIMIT_STATUSES else CHECKS
    case.validate_response(response, checks=checks)


@creator_schema.parametrize()
@FUZZ_SETTINGS
def test_no_operation_answers_a_server_error_to_a_creator(case, api_user, fuzz_stats):
    _call_and_check(case, api_user[0], fuzz_stats)


@anonymous_schema.parametrize()
@FUZZ_SETTINGS
def test_no_operation_answers_a_server_error_to_an_anonymous_caller(case, api_user, fuzz_stats):
    _call_and_check(case, api_user[0], fuzz_stats)
