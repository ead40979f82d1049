"""The offline catalog's fit rule (generation.catalog.request_fit) and what the catalog agents say with it:
an exercise is handed over only when it is about the request, and the step says why in words."""

from __future__ import annotations

import pytest

from generation.agents import GenerationRequest
from generation.catalog import (
    NoCatalogMatch,
    blueprint_by_title,
    catalog_blueprints,
    closest_blueprints,
    fitting_blueprints,
    pick_blueprint,
    request_fit,
    request_topic_words,
)
from generation.catalog.topics import KEYWORDS
from generation.catalog_provider import NO_CATALOG_MATCH, CatalogAgents


def bp(title: str):
    found = blueprint_by_title(title)
    assert found is not None, f"no blueprint titled {title!r}"
    return found


def fitting_titles(capsule_type: str, language: str, difficulty: str, prompt: str) -> list[str]:
    fits = fitting_blueprints(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt)
    return [fit.blueprint.title for fit in fits]


# --- Misfits the catalog used to hand over as "Succeeded" ------------------------------------------------


def test_second_largest_value_does_not_fit_the_sum_of_the_even_numbers():
    fit = request_fit(bp("Sum of the even numbers"), "second largest value")

    assert not fit.fits and fit.coverage == 0 and fit.matched == ()


def test_no_python_exercise_fits_second_largest_value_and_the_pick_says_so_with_suggestions():
    assert fitting_titles("CODE", "python", "easy", "second largest value") == []

    with pytest.raises(NoCatalogMatch, match="no exercise about “second largest value” in Python") as raised:
        pick_blueprint(capsule_type="CODE", language="python", difficulty="easy", prompt="second largest value")

    suggestions = raised.value.suggestions
    assert len(suggestions) == 3 and all(not fit.fits for fit in suggestions)
    assert {fit.blueprint.language for fit in suggestions} == {"python"}


def test_binary_search_does_not_fit_the_maze_although_both_are_about_search():
    fit = request_fit(bp("Shortest path through a maze"), "binary search (hard)")

    assert not fit.fits
    assert [word.word for word in fit.matched] == ["search"] and [word.word for word in fit.missing] == ["binary"]


def test_binary_search_asked_as_hard_gets_the_medium_binary_search_not_a_hard_unrelated_one():
    picked = pick_blueprint(capsule_type="CODE", language="python", difficulty="hard", prompt="binary search (hard)")

    assert picked.title == "Binary search in a sorted list" and picked.difficulty == "medium"
    assert "Shortest path through a maze" not in fitting_titles("CODE", "python", "hard", "binary search")


@pytest.mark.parametrize(
    ("prompt", "near_miss"),
    [
        ("implement quicksort to sort a list", "Binary search in a sorted list"),  # sorted lists, but no quicksort
        ("find the largest number in a list", "Binary search in a sorted list"),
        ("reverse a linked list", "Flatten a nested list"),
        ("fibonacci numbers", "Is it a prime number?"),
    ],
)
def test_sharing_a_common_word_is_not_enough_when_the_specific_one_is_missing(prompt, near_miss):
    fit = request_fit(bp(near_miss), prompt)

    assert fit.matched and not fit.fits


# --- Fits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", [blueprint.title for blueprint in catalog_blueprints()])
def test_a_request_naming_an_exercises_topic_fits_it(title):
    blueprint = bp(title)

    assert request_fit(blueprint, title).fits
    assert request_fit(blueprint, f"an exercise about {blueprint.topics[0]}").fits


@pytest.mark.parametrize(
    ("capsule_type", "language", "difficulty", "prompt", "expected"),
    [
        ("CODE", "python", "easy", "counting the words in a sentence, for learners who just met dictionaries",
         "Count the words in a sentence"),  # the form's own placeholder
        ("CODE", "python", "easy", "add up the even values of an array", "Sum of the even numbers"),
        ("CODE", "python", "easy", "Check whether a number is prime", "Is it a prime number?"),
        ("CODE", "go", "medium", "encrypt a secret message", "Caesar cipher"),
        ("DATABASE", "sql", "medium", "customers who never placed an order", "Members who never borrowed a book"),
        ("TERMINAL", "bash", "hard", "grep the logs", "Rotate old log files"),
    ],
)  # fmt: skip
def test_requests_in_everyday_words_fit_the_exercise_they_describe(capsule_type, language, difficulty, prompt, expected):
    assert fitting_titles(capsule_type, language, difficulty, prompt)[0] == expected


@pytest.mark.parametrize("prompt", ["", "   ", "an easy Python exercise", "something hard, please"])
def test_a_request_without_topic_words_fits_any_exercise_of_its_kind(prompt):
    assert request_topic_words(prompt) == []
    fits = fitting_blueprints(capsule_type="CODE", language="python", difficulty="easy", prompt=prompt)

    assert len(fits) == len([b for b in catalog_blueprints() if b.language == "python"])
    assert fits[0].reason == "no topic was given, so any exercise of this kind fits"


def test_generic_words_are_not_topic_words():
    assert [word.word for word in request_topic_words("A hard Python exercise: binary search of values")] == [
        "binary",
        "search",
    ]


def test_the_reason_says_in_words_what_matched_and_where():
    fit = request_fit(bp("Binary search in a sorted list"), "binary search (hard)")
    assert fit.reason == "matches ‘binary search’ in the title"

    fit = request_fit(bp("Members who never borrowed a book"), "join customers and their orders")
    assert fit.reason == "matches ‘customers’ in the title and ‘join’ and ‘orders’ in its topics"


def test_closest_exercises_come_first_by_how_much_of_the_topic_they_share():
    closest = closest_blueprints(capsule_type="DATABASE", language="sql", difficulty="hard", prompt="second highest salary")

    assert closest[0].blueprint.title == "Top earners in every department"
    assert closest[0].reason == "shares ‘highest’ in the title and ‘salary’ in its topics"
    assert [fit.coverage for fit in closest] == sorted((fit.coverage for fit in closest), reverse=True)


def test_every_keywords_entry_names_an_exercise_of_the_catalog():
    assert [title for title in KEYWORDS if blueprint_by_title(title) is None] == []


# --- What the catalog Pedagogist says --------------------------------------------------------------------


def request(prompt: str, difficulty: str = "easy", capsule_type: str = "CODE", language: str = "python", **kw):
    return GenerationRequest(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt, **kw)


def test_the_pedagogist_says_why_in_words_instead_of_a_score():
    call = CatalogAgents().pedagogist(request("binary search (hard)", difficulty="hard"))

    assert call.ok and call.output["title"] == "Binary search in a sorted list"
    assert call.summary == (
        "Catalog exercise “Binary search in a sorted list”: matches ‘binary search’ in the title; closest difficulty available: medium"
    )
    assert "match 8" not in call.summary and "score" not in call.summary.lower()


def test_the_pedagogist_says_when_it_repeats_an_exercise_the_creator_has():
    call = CatalogAgents().pedagogist(request("fizzbuzz", language="csharp", avoid_titles=("FizzBuzz",)))

    assert call.ok and call.output["title"] == "FizzBuzz"
    assert call.summary.endswith("you already have it, and no other catalog exercise fits")


def test_the_pedagogist_reports_no_match_with_the_closest_exercises_instead_of_an_unrelated_one():
    call = CatalogAgents().pedagogist(request("second largest value"))

    assert not call.ok and call.error_kind == NO_CATALOG_MATCH
    assert call.error == "The offline catalog has no exercise about “second largest value” in Python."
    suggestions = call.output["suggestions"]
    assert len(suggestions) == 3
    assert all(set(item) == {"title", "summary", "difficulty", "why"} for item in suggestions)
    assert all(item["summary"] and item["why"].endswith(".") for item in suggestions)
    assert suggestions[0]["why"] == "Nothing in common with the topic; same kind of exercise, same difficulty (easy)."


def test_a_pinned_job_takes_exactly_the_chosen_exercise_and_nothing_else():
    agents = CatalogAgents(pinned_title="Sum of the even numbers")
    asked = request("second largest value")

    call = agents.pedagogist(asked)
    assert call.ok and call.output["title"] == "Sum of the even numbers"
    assert call.summary == "Catalog exercise “Sum of the even numbers”: you chose it from the closest exercises"

    replacement = agents.debugger(asked, call.output, {"title": "Sum of the even numbers"}, {"passed": False})
    assert replacement.error_kind == "catalog_exhausted" and "takes no other" in replacement.error
