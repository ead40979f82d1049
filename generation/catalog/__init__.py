"""The offline catalog: hand-written capsule blueprints and the topic matcher.

When no network model is configured (LLM_PROVIDER=catalog), the Pedagogist picks the blueprint closest to
the creator's prompt and returns its idea; the Coder returns its capsule. Every blueprint is a complete
capsule in the BaseCapsule input shape plus catalog metadata, and generation/tests/test_catalog.py proves
each one with the judge's gate.

    blueprint = pick_blueprint(capsule_type="CODE", language="python", difficulty="easy",
                               prompt="a function that counts words in a sentence")
    blueprint.title          # "Count the words in a sentence"
    blueprint.idea           # BlueprintIdea: title, learning_objectives, concepts, description, difficulty_rationale
    blueprint.capsule_data() # a fresh deep copy of the BaseCapsule dict (safe to change)

The data lives in one YAML file per exercise under exercises/<language>/ (see exercises/README.md): the
capsule's keys (title, capsule_type, problem_statement_md, runtime_config, difficulty, config_data) plus
`topics` (keywords and short phrases for matching) and `idea` (the Pedagogist's CapsuleIdea fields except the
title, which is the capsule's). loader.py reads them and checks each against the capsule schema
(capsules.schemas.parse_capsule) and the catalog's own, so a broken exercise fails loudly (CatalogError, with
its file and field path) the first time the catalog is used, not when a creator happens to draw it.

How pick_blueprint chooses (all deterministic):

1. Candidates are the blueprints of the requested type and language (a combination the creation form does
   not allow raises ValueError) that FIT the prompt (`request_fit`: the exercise must be about the prompt's
   topic; a prompt without topic words fits every one). When none fits, it raises NoCatalogMatch with the
   closest exercises (`closest_blueprints`) instead of handing over an unrelated one.
2. Blueprints whose title is in `exclude_titles` are skipped (the pipeline passes the ones it already used);
   when that leaves nothing, the fitting ones come back: repeating a capsule beats failing an offline job.
3. The requested difficulty is a hard preference: only when its cell has no unused fitting blueprint does
   the matcher move to the nearest difficulty (easy <-> medium <-> hard; both neighbours of medium are
   equally near).
4. Within that cell, blueprints are ranked by topic similarity to the prompt (see `topic_score`); ties go to
   the alphabetically first title.

The words the matcher knows (stop words, generic words, synonyms, extra keywords per exercise) are in
topics.py.
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

from capsules.languages import language_label
from capsules.schemas import LANGUAGES_BY_TYPE
from generation.catalog import loader
from generation.catalog.loader import BlueprintIdea, CatalogError, Exercise
from generation.catalog.topics import GENERIC_WORDS, KEYWORDS, STOPWORDS, SYNONYM_GROUPS

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


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
    # Where each term comes from, to say in words why an exercise fits: its title, its topics (with the
    # keywords of topics.py), its concepts. `terms` is their union.
    title_terms: frozenset[str] = field(repr=False, compare=False, default=frozenset())
    topic_terms: frozenset[str] = field(repr=False, compare=False, default=frozenset())
    concept_terms: frozenset[str] = field(repr=False, compare=False, default=frozenset())

    def capsule_data(self) -> dict[str, Any]:
        """A deep copy of the capsule in the BaseCapsule input shape (parse_capsule accepts it as is)."""
        return copy.deepcopy(dict(self._capsule))

    @property
    def summary(self) -> str:
        """One line for a creator: the first sentence of the idea's description."""
        first = re.split(r"(?<=[.!?])\s+", self.idea.description.strip(), maxsplit=1)[0]
        return first if len(first) <= 200 else first[:199].rstrip() + "…"


# --- Text normalization ---------------------------------------------------------------------------

# The vocabulary (stop words, generic words, synonym groups, per-exercise keywords) lives in topics.py.
_STOPWORDS = STOPWORDS
_SYNONYM_GROUPS = SYNONYM_GROUPS


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


def _blueprint_from(exercise: Exercise) -> Blueprint:
    draft, idea = exercise.draft, exercise.idea
    title_terms = set(terms_of(draft.title))
    topic_terms: set[str] = set()
    phrases = []
    for topic in (*exercise.topics, *KEYWORDS.get(draft.title, ())):
        terms = terms_of(topic)
        topic_terms.update(terms)
        if len(terms) > 1:
            phrases.append(tuple(terms))
    concept_terms = {term for concept in idea.concepts for term in terms_of(concept)}
    return Blueprint(
        title=draft.title,
        capsule_type=draft.capsule_type,
        language=draft.language,
        difficulty=draft.difficulty,
        topics=exercise.topics,
        idea=idea,
        _capsule=exercise.capsule,
        terms=frozenset(title_terms | topic_terms | concept_terms),
        phrases=tuple(phrases),
        title_terms=frozenset(title_terms),
        topic_terms=frozenset(topic_terms),
        concept_terms=frozenset(concept_terms),
    )


@cache
def catalog_blueprints() -> tuple[Blueprint, ...]:
    """Every blueprint, validated, in catalog order (Python, JavaScript, Java, C#, Go, SQL, Bash); the files
    are read once, the first time the catalog is used.

    Raises CatalogError naming the file when one is broken or two share a title.
    """
    return tuple(_blueprint_from(exercise) for exercise in loader.load_exercises())


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


def pick_blueprint(*, capsule_type: str, language: str, difficulty: str, prompt: str, exclude_titles: Iterable[str] = ()) -> Blueprint:
    """The closest blueprint that fits the request (see the module docstring for the rules).

    Raises ValueError for a type/language/difficulty the creation form does not allow, and NoCatalogMatch (a
    LookupError, carrying the closest exercises as suggestions) when no blueprint fits the prompt's topic.
    """
    request: dict[str, Any] = dict(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt)
    fitting = fitting_blueprints(**request, exclude_titles=exclude_titles)
    if not fitting:
        raise NoCatalogMatch(no_match_message(prompt, language), closest_blueprints(**request))
    return fitting[0].blueprint


def no_match_message(prompt: str, language: str) -> str:
    """What a creator reads when no exercise fits, e.g. The offline catalog has no exercise about “x” in Python."""

    return f"The offline catalog has no exercise about “{' '.join(prompt.split())}” in {language_label(language)}."


# --- Fit: does an exercise answer the request? -----------------------------------------------------------

# An exercise fits when it covers at least this share of the request's topic (weighted, see request_fit).
FIT_MIN_COVERAGE = 0.5
# How many exercises a request that fits none is offered instead.
SUGGESTIONS = 3

_GENERIC_STEMS = frozenset(_stem(word) for word in GENERIC_WORDS)


class NoCatalogMatch(LookupError):
    """No exercise of the catalog fits the request (pick_blueprint); `suggestions` are the closest ones."""

    def __init__(self, message: str, suggestions: Sequence[Fit] = ()) -> None:
        super().__init__(message)
        self.suggestions = tuple(suggestions)


@dataclass(frozen=True)
class TopicWord:
    """One word of a request that names its topic: as written, its canonical term, where it is in the prompt."""

    word: str
    term: str
    start: int
    end: int


def request_topic_words(prompt: str) -> list[TopicWord]:
    """The words of `prompt` that name its topic, in order: those terms_of keeps, minus topics.GENERIC_WORDS."""
    words = []
    for found in _WORD.finditer(prompt.lower()):
        word = found.group()
        if word in _STOPWORDS or len(word) < 2 or word in GENERIC_WORDS:
            continue
        stem = _stem(word)
        if stem in _GENERIC_STEMS:
            continue
        words.append(TopicWord(word=word, term=_SYNONYMS.get(stem, stem), start=found.start(), end=found.end()))
    return words


def _term_weight(term: str) -> float:
    """A catalog term weighs its inverse document frequency; a word no exercise knows weighs like the rarest
    one (1 + ln N): it most likely names a topic the catalog does not have ("quicksort", "fibonacci")."""
    weights = _inverse_document_frequency()
    return weights.get(term, 1.0 + math.log(max(len(catalog_blueprints()), 1)))


@dataclass(frozen=True)
class Fit:
    """How one exercise answers one request, and why, in words."""

    blueprint: Blueprint
    fits: bool
    coverage: float  # share of the request's topic weight the exercise covers, 0..1 (1 with no topic)
    matched: tuple[TopicWord, ...]  # the request's topic words the exercise has, in request order
    missing: tuple[TopicWord, ...]
    prompt: str = field(repr=False, default="")

    @property
    def has_topic(self) -> bool:
        return bool(self.matched or self.missing)

    @property
    def reason(self) -> str:
        """Why it fits (or how close it is), e.g. "matches ‘binary search’ in the title"."""
        if not self.has_topic:
            return "no topic was given, so any exercise of this kind fits"
        if not self.matched:
            return "shares no topic word with the request"
        groups = _located_groups(self.blueprint, self.prompt, self.matched)
        verb = "matches" if self.fits else "shares"
        where = {"title": "in the title", "topics": "in its topics", "concepts": "in its concepts"}
        parts = [" and ".join(f"‘{text}’" for text in texts) + f" {where[place]}" for place, texts in groups]
        return f"{verb} {_join_words(parts)}"


def _location(blueprint: Blueprint, term: str) -> str:
    if term in blueprint.title_terms:
        return "title"
    return "topics" if term in blueprint.topic_terms else "concepts"


def _located_groups(blueprint: Blueprint, prompt: str, words: Sequence[TopicWord]) -> list[tuple[str, list[str]]]:
    """The matched words as the creator wrote them, runs of neighbouring words joined into one phrase,
    grouped by where the exercise has them (title first)."""
    runs: list[tuple[str, int, int]] = []  # (place, start, end) in the prompt
    for word in words:
        place = _location(blueprint, word.term)
        if runs and runs[-1][0] == place and _only_filler_between(prompt, runs[-1][2], word.start):
            runs[-1] = (place, runs[-1][1], word.end)
        else:
            runs.append((place, word.start, word.end))
    grouped: dict[str, list[str]] = {}
    for place, start, end in runs:
        text = " ".join(prompt[start:end].split())
        if text.casefold() not in (seen.casefold() for seen in grouped.get(place, [])):
            grouped.setdefault(place, []).append(text)
    order = ("title", "topics", "concepts")
    return [(place, grouped[place]) for place in order if place in grouped]


def _only_filler_between(prompt: str, end: int, start: int) -> bool:
    between = _WORD.findall(prompt[end:start].lower())
    return not re.search(r"[^\w\s'’-]", prompt[end:start]) and all(word in _STOPWORDS for word in between)


def _join_words(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def request_fit(blueprint: Blueprint, prompt: str) -> Fit:
    """Whether `blueprint` answers a request about `prompt` — THE fit rule of the offline catalog:

    1. The request's topic words are request_topic_words(prompt): stop words and generic words (difficulty,
       language, "exercise", ...) dropped, light stemming, synonyms merged (all defined in topics.py).
    2. No topic word at all: any exercise of the requested type and language fits.
    3. Otherwise each distinct topic word weighs how specific it is (_term_weight: rare catalog words weigh
       more; a word the catalog does not know weighs like the rarest). The exercise fits when the words it
       has — in its title, topics, keywords (topics.KEYWORDS) or concepts — include the request's most
       specific word (one of them, on a tie) and weigh at least FIT_MIN_COVERAGE (half) of them all.

    So "binary search" does not fit the maze exercise (it has "search" but not the more specific "binary"),
    "second largest value" fits no Python exercise (none is about the largest values), and "quicksort to
    sort a list" does not fit the binary search (sorted lists, but no quicksort).
    """
    words = request_topic_words(prompt)
    distinct = {word.term for word in words}
    if not distinct:
        return Fit(blueprint=blueprint, fits=True, coverage=1.0, matched=(), missing=(), prompt=prompt)
    covered = {term for term in distinct if term in blueprint.terms}
    total = sum(_term_weight(term) for term in distinct)
    coverage = round(sum(_term_weight(term) for term in covered) / total, 6)
    most_specific = max(_term_weight(term) for term in distinct)
    has_most_specific = any(math.isclose(_term_weight(term), most_specific) for term in covered)
    return Fit(
        blueprint=blueprint,
        fits=has_most_specific and coverage >= FIT_MIN_COVERAGE,
        coverage=coverage,
        matched=tuple(word for word in words if word.term in covered),
        missing=tuple(word for word in words if word.term not in covered),
        prompt=prompt,
    )


def fitting_blueprints(*, capsule_type: str, language: str, difficulty: str, prompt: str, exclude_titles: Iterable[str] = ()) -> list[Fit]:
    """The exercises that fit the request, best first (the order of rank_blueprints: ones the creator does
    not have, then the nearest difficulty, then the closest topic, then the title). Empty when none fits."""
    ranked = rank_blueprints(
        capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt, exclude_titles=exclude_titles
    )
    fits = (request_fit(blueprint, prompt) for blueprint, _ in ranked)
    return [fit for fit in fits if fit.fits]


def closest_blueprints(*, capsule_type: str, language: str, difficulty: str, prompt: str, limit: int = SUGGESTIONS) -> list[Fit]:
    """The exercises to offer when none fits, best first: most of the topic covered, the nearest difficulty,
    the closest topic score, the title."""
    _check_request(capsule_type, language, difficulty)
    wanted = DIFFICULTIES.index(difficulty)
    candidates = [bp for bp in catalog_blueprints() if bp.capsule_type == capsule_type and bp.language == language]
    fits = [request_fit(blueprint, prompt) for blueprint in candidates]
    fits.sort(
        key=lambda fit: (
            -fit.coverage,
            abs(DIFFICULTIES.index(fit.blueprint.difficulty) - wanted),
            -topic_score(fit.blueprint, prompt),
            fit.blueprint.title,
        )
    )
    return fits[:limit]


__all__ = [
    "DIFFICULTIES",
    "Blueprint",
    "BlueprintIdea",
    "FIT_MIN_COVERAGE",
    "CatalogError",
    "Fit",
    "NoCatalogMatch",
    "TopicWord",
    "blueprint_by_title",
    "catalog_blueprints",
    "closest_blueprints",
    "fitting_blueprints",
    "no_match_message",
    "pick_blueprint",
    "rank_blueprints",
    "request_fit",
    "request_topic_words",
    "terms_of",
    "topic_score",
]
