"""The offline catalog (issue #4, item 4): hand-written capsule blueprints and the topic matcher.

When no network model is configured (LLM_PROVIDER=catalog), the Pedagogist picks the blueprint closest to
the creator's prompt and returns its idea; the Coder returns its capsule. Every blueprint is a complete
capsule in the BaseCapsule input shape plus catalog metadata, and generation/tests/test_catalog.py proves
each one with the judge's gate.

    blueprint = pick_blueprint(capsule_type="CODE", language="python", difficulty="easy",
                               prompt="a function that counts words in a sentence")
    blueprint.title          # "Count the words in a sentence"
    blueprint.idea           # BlueprintIdea: title, learning_objectives, concepts, description, difficulty_rationale
    blueprint.capsule_data() # a fresh deep copy of the BaseCapsule dict (safe to change)

The data lives in one module per type and language (code_python.py, ..., database.py, terminal.py), each a
`BLUEPRINTS` list of dicts: the capsule's keys (title, capsule_type, problem_statement_md, runtime_config,
difficulty, config_data) plus `topics` (keywords and short phrases for matching) and `idea` (the Pedagogist's
CapsuleIdea fields except the title, which is the capsule's). Loading validates every capsule with
capsules.schemas.parse_capsule, so a broken blueprint fails loudly (CatalogError) the first time the catalog
is used, not when a creator happens to draw it.

How pick_blueprint chooses (all deterministic):

1. Candidates are the blueprints of the requested type and language (a combination the creation form does
   not allow raises ValueError).
2. Blueprints whose title is in `exclude_titles` are skipped (the pipeline passes the ones it already used);
   when that leaves nothing, all candidates come back: repeating a capsule beats failing an offline job.
3. The requested difficulty is a hard preference: only when its cell has no unused blueprint does the
   matcher move to the nearest difficulty (easy <-> medium <-> hard; both neighbours of medium are equally near).
4. Within that cell, blueprints are ranked by topic similarity to the prompt (see `topic_score`); ties go to
   the alphabetically first title.
"""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from capsules.schemas import LANGUAGES_BY_TYPE, CapsuleValidationError, parse_capsule
from generation.catalog import code_csharp, code_go, code_java, code_javascript, code_python, database, terminal

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
DATA_MODULES = (code_python, code_javascript, code_java, code_csharp, code_go, database, terminal)
_CATALOG_KEYS = ("topics", "idea")


class CatalogError(Exception):
    """A blueprint in the catalog data is broken (invalid capsule, bad metadata, duplicate title)."""


class BlueprintIdea(BaseModel):
    """What the Pedagogist returns for a catalog pick: the fields of its CapsuleIdea."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    learning_objectives: tuple[str, ...] = Field(min_length=1)
    concepts: tuple[str, ...] = Field(min_length=1)
    description: str = Field(min_length=1)
    difficulty_rationale: str = Field(min_length=1)


@dataclass(frozen=True)
class Blueprint:
    title: str
    capsule_type: str
    language: str
    difficulty: str
    topics: tuple[str, ...]
    idea: BlueprintIdea
    _capsule: Mapping[str, Any] = field(repr=False, compare=False)
    # The matcher's view of the blueprint: canonical terms of its title and topics, and its multi-word topics.
    terms: frozenset[str] = field(repr=False, compare=False, default=frozenset())
    phrases: tuple[tuple[str, ...], ...] = field(repr=False, compare=False, default=())

    def capsule_data(self) -> dict[str, Any]:
        """A deep copy of the capsule in the BaseCapsule input shape (parse_capsule accepts it as is)."""
        return copy.deepcopy(dict(self._capsule))


# --- Text normalization ---------------------------------------------------------------------------

# Words that say nothing about an exercise's topic ("write a function that ...").
_STOPWORDS = frozenset(
    """
    a an and are as at be by can could do does for from give how i in into is it its let me my of on or our
    should so some such that the their them then these this those to using use we what when which who will
    with without you your write writing create make build built need want please exercise capsule task
    learner learners student students beginner beginners teach teaching practice practise simple small basic
    about function functions method program programs code coding script query queries one each every all any
    given return returns get gets new like also more most very just thing things way programming has have
    having there than out up if not no only
    """.split()
)

# Words that mean the same topic for matching. The first word of a group is its canonical form.
_SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("list", "array", "arrays", "slice", "vector", "sequence"),
    ("dict", "dictionary", "map", "hashmap", "hash", "hashtable", "associative", "lookup"),
    ("string", "text", "str", "char", "character", "characters", "letter", "letters"),
    ("count", "counting", "counter", "tally", "frequency", "frequencies", "occurrence", "occurrences", "histogram"),
    ("sort", "sorting", "sorted", "order", "ordering", "ordered"),
    ("search", "find", "finding", "locate", "lookup"),
    ("recursion", "recursive", "recurse", "recursively"),
    ("class", "object", "objects", "oop", "oriented", "instance"),
    ("math", "mathematics", "arithmetic", "maths", "calculation", "calculate", "calculator"),
    ("number", "numbers", "integer", "int", "numeric", "numeral"),
    ("parse", "parser", "parsing", "tokenize", "tokenizer", "tokenizing", "lexer", "interpreter"),
    ("graph", "network", "node", "edge", "vertex", "vertices"),
    ("path", "route", "routing"),
    ("sum", "total", "add", "adding", "addition"),
    ("average", "mean", "avg"),
    ("running", "cumulative"),
    ("window", "partition", "over"),
    ("top", "best", "highest", "greatest", "max", "maximum", "largest", "biggest"),
    ("min", "minimum", "smallest", "lowest"),
    ("price", "cost", "budget", "cheap", "cheapest", "expensive"),
    ("permission", "chmod", "mode", "access", "secure", "security", "executable"),
    ("archive", "tar", "zip", "compress", "compression", "gzip", "backup", "bundle"),
    ("directory", "folder", "dir", "mkdir"),
    ("pipe", "pipeline", "piping"),
    ("regex", "regexp", "regular", "pattern"),
    ("config", "configuration", "settings", "conf", "ini"),
    ("csv", "spreadsheet", "tabular"),
    ("reverse", "reversed", "backwards", "palindrome"),
    ("capitalize", "capitalise", "uppercase", "capital", "titlecase", "headline"),
    ("cipher", "encrypt", "encryption", "decrypt", "encode", "decode", "caesar", "crypto"),
    ("cache", "memoize", "memoization", "lru", "eviction"),
    ("dependency", "dependencies", "prerequisite", "topological", "dag"),
    ("dp", "dynamic", "memo"),
    ("interval", "range", "overlap", "overlapping", "calendar", "meeting", "period"),
    ("grid", "maze", "labyrinth", "matrix", "board"),
    ("bfs", "breadth"),
    ("missing", "never", "absent", "unmatched", "orphan", "anti"),
    ("employee", "staff", "worker", "salary", "payroll"),
    ("department", "team"),
    ("sales", "sale", "revenue", "sold", "sell"),
    ("product", "goods", "shop", "store"),
    ("movie", "film", "cinema"),
    ("filter", "where"),
    ("unique", "distinct", "duplicate", "repeated", "repeat", "once"),
    ("parity", "even", "odd"),
    ("nested", "nest", "flatten", "flat", "depth"),
    ("group", "grouping", "bucket", "categorize", "categorise"),
    ("sentence", "phrase"),
    ("log", "logfile"),
    ("join", "joins", "combine"),
    ("bank", "account", "balance", "deposit", "withdraw", "money"),
)


def _stem(token: str) -> str:
    """Light suffix stripping, applied alike to prompts and blueprints (words, wording -> word)."""
    stem = token
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x")):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 2:
            return stem[: -len(suffix)] + replacement
    if stem.endswith("s") and not stem.endswith(("ss", "us", "is")) and len(stem) > 3:
        stem = stem[:-1]
    for suffix in ("ing", "ed"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
            stem = stem[: -len(suffix)]
            # running -> runn -> run; mapped -> mapp -> map (but calling -> call)
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            break
    if stem.endswith("e") and len(stem) > 3:
        stem = stem[:-1]  # parse/parsing -> pars, merge/merging -> merg
    return stem


def _build_synonyms() -> dict[str, str]:
    synonyms: dict[str, str] = {}
    for group in _SYNONYM_GROUPS:
        canonical = _stem(group[0])
        for word in group:
            for part in word.split():
                synonyms.setdefault(_stem(part), canonical)
    return synonyms


_SYNONYMS = _build_synonyms()
_WORD = re.compile(r"[a-z0-9]+")


def terms_of(text: str) -> list[str]:
    """The canonical terms of `text`, in order: lower-cased words without stop words, stemmed, synonyms merged."""
    terms = []
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS or len(word) < 2:
            continue
        stem = _stem(word)
        terms.append(_SYNONYMS.get(stem, stem))
    return terms


# --- Loading ----------------------------------------------------------------------------------------


def _blueprint_from(raw: Mapping[str, Any], source: str) -> Blueprint:
    title = raw.get("title", "<untitled>")
    where = f"catalog blueprint {title!r} ({source})"
    missing = [key for key in (*_CATALOG_KEYS, "difficulty") if key not in raw]
    if missing:
        raise CatalogError(f"{where}: missing {', '.join(missing)}")
    capsule = {key: copy.deepcopy(value) for key, value in raw.items() if key not in _CATALOG_KEYS}
    try:
        draft = parse_capsule(capsule)
    except CapsuleValidationError as exc:
        raise CatalogError(f"{where}: not a valid capsule: {exc}") from exc
    topics = raw["topics"]
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) and t.strip() for t in topics):
        raise CatalogError(f"{where}: topics must be a non-empty list of keywords")
    try:
        idea = BlueprintIdea(title=draft.title, **raw["idea"])
    except (TypeError, ValidationError) as exc:
        raise CatalogError(f"{where}: bad idea: {exc}") from exc
    terms = set(terms_of(draft.title))
    phrases = []
    for topic in topics:
        topic_terms = terms_of(topic)
        terms.update(topic_terms)
        if len(topic_terms) > 1:
            phrases.append(tuple(topic_terms))
    return Blueprint(
        title=draft.title,
        capsule_type=draft.capsule_type,
        language=draft.language,
        difficulty=draft.difficulty,
        topics=tuple(topics),
        idea=idea,
        _capsule=capsule,
        terms=frozenset(terms),
        phrases=tuple(phrases),
    )


@cache
def catalog_blueprints() -> tuple[Blueprint, ...]:
    """Every blueprint, validated, in catalog order (Python, JavaScript, Java, C#, Go, SQL, Bash).

    Raises CatalogError naming the blueprint when one is broken or two share a title.
    """
    blueprints: list[Blueprint] = []
    seen: dict[str, str] = {}
    for module in DATA_MODULES:
        source = module.__name__.rsplit(".", 1)[-1]
        for raw in module.BLUEPRINTS:
            blueprint = _blueprint_from(raw, source)
            key = blueprint.title.casefold()
            if key in seen:
                raise CatalogError(f"catalog blueprint {blueprint.title!r} ({source}): title already used in {seen[key]}")
            seen[key] = source
            blueprints.append(blueprint)
    return tuple(blueprints)


def blueprint_by_title(title: str) -> Blueprint | None:
    """The blueprint with this title (case-insensitive), e.g. to turn a Pedagogist's catalog idea into a capsule."""
    wanted = title.strip().casefold()
    return next((bp for bp in catalog_blueprints() if bp.title.casefold() == wanted), None)


# --- Matching ---------------------------------------------------------------------------------------


@cache
def _inverse_document_frequency() -> dict[str, float]:
    """Rare terms weigh more: "palindrome" says more about a prompt than "string"."""
    blueprints = catalog_blueprints()
    counts: Counter[str] = Counter()
    for blueprint in blueprints:
        counts.update(blueprint.terms)
    total = len(blueprints)
    return {term: 1.0 + math.log(total / count) for term, count in counts.items()}


def _contains(sequence: Sequence[str], phrase: Sequence[str]) -> bool:
    width = len(phrase)
    return any(tuple(sequence[start : start + width]) == tuple(phrase) for start in range(len(sequence) - width + 1))


def topic_score(blueprint: Blueprint, prompt: str) -> float:
    """How well `blueprint` fits `prompt`: 0 when they share no term, higher is closer.

    1. The prompt becomes canonical terms (terms_of: stop words dropped, light stemming, synonym groups such
       as array/list, dict/map/hash, string/text merged).
    2. Each distinct prompt term found among the blueprint's title and topic terms adds its weight,
       1 + ln(N / number of blueprints having the term), so specific words outweigh common ones.
    3. Each multi-word topic that appears in the prompt as a phrase ("count words", "running total") adds
       half the weight of its terms again.
    """
    prompt_terms = terms_of(prompt)
    weights = _inverse_document_frequency()
    score = sum(weights.get(term, 0.0) for term in set(prompt_terms) if term in blueprint.terms)
    for phrase in blueprint.phrases:
        if _contains(prompt_terms, phrase):
            score += 0.5 * sum(weights.get(term, 0.0) for term in phrase)
    return round(score, 6)


def _check_request(capsule_type: str, language: str, difficulty: str) -> None:
    if capsule_type not in LANGUAGES_BY_TYPE:
        raise ValueError(f"unknown capsule type {capsule_type!r}; known: {', '.join(LANGUAGES_BY_TYPE)}")
    if language not in LANGUAGES_BY_TYPE[capsule_type]:
        raise ValueError(f"{language!r} is not a {capsule_type} language; allowed: {', '.join(LANGUAGES_BY_TYPE[capsule_type])}")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}; known: {', '.join(DIFFICULTIES)}")


def rank_blueprints(
    *, capsule_type: str, language: str, difficulty: str, prompt: str, exclude_titles: Iterable[str] = ()
) -> list[tuple[Blueprint, float]]:
    """Every candidate for the request with its topic score, best first (pick_blueprint takes the first).

    Ordered by: unused before excluded, distance from the requested difficulty, score (high first), title.
    """
    _check_request(capsule_type, language, difficulty)
    excluded = {title.strip().casefold() for title in exclude_titles}
    wanted = DIFFICULTIES.index(difficulty)
    ranked = []
    for blueprint in catalog_blueprints():
        if blueprint.capsule_type != capsule_type or blueprint.language != language:
            continue
        score = topic_score(blueprint, prompt)
        used = blueprint.title.casefold() in excluded
        distance = abs(DIFFICULTIES.index(blueprint.difficulty) - wanted)
        ranked.append(((used, distance, -score, blueprint.title), blueprint, score))
    ranked.sort(key=lambda entry: entry[0])
    return [(blueprint, score) for _, blueprint, score in ranked]


def pick_blueprint(
    *, capsule_type: str, language: str, difficulty: str, prompt: str, exclude_titles: Iterable[str] = ()
) -> Blueprint:
    """The blueprint closest to the request (see the module docstring for the rules).

    Raises ValueError for a type/language/difficulty the creation form does not allow, and LookupError if
    the catalog has nothing for a valid type and language (the coverage test keeps that from happening).
    """
    ranked = rank_blueprints(
        capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt, exclude_titles=exclude_titles
    )
    if not ranked:
        raise LookupError(f"the catalog has no {capsule_type} blueprint in {language}")
    return ranked[0][0]


__all__ = [
    "DATA_MODULES",
    "DIFFICULTIES",
    "Blueprint",
    "BlueprintIdea",
    "CatalogError",
    "blueprint_by_title",
    "catalog_blueprints",
    "pick_blueprint",
    "rank_blueprints",
    "terms_of",
    "topic_score",
]
