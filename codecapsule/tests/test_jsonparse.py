"""codecapsule.jsonparse.loads: JSON as the json module reads it, minus what a hostile text could do with it."""

from __future__ import annotations

import json
import sys

import pytest

from codecapsule.jsonparse import JSONInputError, loads

LIMIT = 8  # small, so that texts at and past the limit are easy to read


def refused(text: str | bytes, **options) -> JSONInputError:
    with pytest.raises(JSONInputError) as caught:
        loads(text, **{"max_depth": LIMIT, **options})
    return caught.value


def nested(depth: int, *, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "[":
        return "[" * depth + "]" * depth
    return '{"a": ' * (depth - 1) + "{}" + closer * (depth - 1)


# --- Ordinary JSON --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"title": "caf\\u00e9 \\"quoted\\" [not a bracket] {nor this}", "n": [1, -2.5, 3e10, 1e-400, true, null]}',
        "[]",
        '"just a string"',
        "  42  ",
        "1.7976931348623157e308",
        "-" + str(int(sys.float_info.max)),  # 309 digits: the largest integer a double can hold
        '{"a": "東京\u2028"}',
    ],
)
def test_it_reads_ordinary_json_as_the_json_module_does(text):
    assert loads(text, max_depth=LIMIT) == json.loads(text)


def test_it_reads_utf8_bytes_and_other_encodings_when_told():
    assert loads('{"a": "café"}'.encode()) == {"a": "café"}
    assert loads('{"a": "café"}'.encode("latin-1"), encoding="latin-1") == {"a": "café"}


def test_the_limit_defaults_to_the_setting(settings):
    settings.JSON_MAX_DEPTH = 3

    assert loads(nested(3)) == [[[]]]
    with pytest.raises(JSONInputError, match="nested deeper than 3 levels"):
        loads(nested(4))


# --- Depth ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", "{"])
def test_a_text_nested_exactly_to_the_limit_is_read(opener):
    assert loads(nested(LIMIT, opener=opener), max_depth=LIMIT) == json.loads(nested(LIMIT, opener=opener))


def test_one_level_more_is_refused_at_the_container_too_deep():
    error = refused(nested(LIMIT + 1))

    assert error.path == "[0]" * LIMIT
    assert (error.line, error.column) == (1, LIMIT + 1)
    assert error.reason == f"nested deeper than {LIMIT} levels"
    assert str(error) == f"{'[0]' * LIMIT}: nested deeper than {LIMIT} levels (line 1, column {LIMIT + 1})"


def test_a_million_levels_are_refused_without_recursion():
    error = refused("[" * 1_000_000)

    assert error.reason == f"nested deeper than {LIMIT} levels"


def test_the_path_names_object_keys_and_array_indexes_as_the_api_does():
    text = '{"config_data": {"hints": [], "test_cases": [{"x": 1}, {"tolerance": [[[[[[[1]]]]]]]}]}}'

    error = refused(text, max_depth=6)

    assert error.path == "config_data.test_cases[1].tolerance[0][0]"  # the 7th level: the 3rd array of tolerance


def test_brackets_and_escaped_quotes_inside_strings_do_not_count():
    text = '{"k\\"[[[[": "[[[[[[[[[[[[[[[[ \\" {{{{{{{{{{{{{{{{{{{", "b": [1]}'

    assert loads(text, max_depth=2) == json.loads(text)


def test_an_escaped_key_is_named_by_its_value():
    error = refused('{"caf\\u00e9": ' + nested(LIMIT) + "}")

    assert error.path.startswith("café[0]")


def test_lines_and_columns_count_from_one():
    error = refused('{\n  "a":\n    ' + nested(LIMIT) + "}")

    assert (error.line, error.column) == (3, 5 + LIMIT - 1)


# --- Non-finite numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        ("NaN", "NaN is not allowed: JSON numbers must be finite"),
        ("Infinity", "Infinity is not allowed: JSON numbers must be finite"),
        ("-Infinity", "-Infinity is not allowed: JSON numbers must be finite"),
        ("1e400", "1e400 is out of range: JSON numbers must be finite (at most about 1.8e308)"),
        ("-1e400", "-1e400 is out of range: JSON numbers must be finite (at most about 1.8e308)"),
        ("1E+0400", "1E+0400 is out of range: JSON numbers must be finite (at most about 1.8e308)"),
        ("9" * 250 + "e99", "9" * 24 + "… is out of range: JSON numbers must be finite (at most about 1.8e308)"),
        ("1" + "0" * 400, "1" + "0" * 23 + "… is out of range: JSON numbers must be finite (at most about 1.8e308)"),
        ("2" + "0" * 308, "2" + "0" * 23 + "… is out of range: JSON numbers must be finite (at most about 1.8e308)"),
    ],
)
def test_a_non_finite_number_is_refused_with_its_path(literal, reason):
    error = refused('{"config_data": {"test_cases": [{}, {"tolerance": ' + literal + "}]}}")

    assert (error.path, error.reason) == ("config_data.test_cases[1].tolerance", reason)
    assert str(error) == f"config_data.test_cases[1].tolerance: {reason}"


def test_an_integer_past_pythons_conversion_limit_is_refused_as_out_of_range_not_a_crash():
    error = refused("[" + "7" * 5000 + "]")

    assert error.path == "[0]"
    assert "out of range" in error.reason


def test_the_first_non_finite_number_in_the_text_is_the_one_named():
    error = refused('{"b": [1, 2, NaN], "a": Infinity}')

    assert error.path == "b[2]"


def test_a_non_finite_top_level_value_has_no_path():
    error = refused("NaN")

    assert (error.path, str(error)) == (None, "NaN is not allowed: JSON numbers must be finite")


def test_a_non_finite_number_a_duplicate_key_replaced_is_still_refused():
    error = refused('{"a": NaN, "a": 1}')

    assert (error.path, error.reason) == (None, "NaN is not allowed: JSON numbers must be finite")


def test_numbers_that_look_non_finite_inside_strings_are_text():
    assert loads('{"n": "NaN", "big": "1e400"}', max_depth=LIMIT) == {"n": "NaN", "big": "1e400"}


def test_a_tiny_number_is_zero_not_an_error():
    assert loads("[1e-400]", max_depth=LIMIT) == [0.0]


# --- Malformed text -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"title": "unterminated', "Unterminated string starting at (line 1, column 11)"),
        ("{,}", "Expecting property name enclosed in double quotes (line 1, column 2)"),
        ('[1,\n 2,\n oops]', "Expecting value (line 3, column 2)"),
        ("", "Expecting value (line 1, column 1)"),
        ("[1] [2]", "Extra data (line 1, column 5)"),
    ],
)
def test_malformed_text_says_where_without_a_path(text, message):
    error = refused(text)

    assert (str(error), error.path) == (message, None)


def test_bytes_that_are_not_the_encoding_say_where():
    error = refused(b'{\n"a": "caf\xe9"}')

    assert str(error) == "not utf-8 text: invalid continuation byte (line 2, column 10)"


def test_an_unknown_encoding_is_an_input_error():
    assert "unknown text encoding" in str(refused(b"{}", encoding="no-such-codec"))


def test_the_error_is_a_value_error_for_callers_that_catch_those():
    assert issubclass(JSONInputError, ValueError)


# --- Lone surrogates ------------------------------------------------------------------------------------------


def test_an_escaped_lone_surrogate_is_refused_with_its_path():
    error = refused('{"items": [{"title": "a\\udc80b"}]}')

    assert (error.path, error.reason) == ("items[0].title", "\\udc80 is not allowed: a lone surrogate is not Unicode text")


def test_a_lone_surrogate_in_a_key_is_named_by_its_escape():
    error = refused('{"a\\ud800": 1}')

    assert error.path == "a\\ud800"
    assert str(error).encode("utf-8")  # printable: the path holds the escape, not the surrogate


def test_a_surrogate_pair_is_one_character_and_fine():
    assert loads('{"smile": "\\ud83d\\ude00", "path": "C:\\\\ud800"}', max_depth=LIMIT) == {"smile": "😀", "path": "C:\\ud800"}
