"""Statement examples are visible tests: the example calls a CODE statement shows, and whether tests make them.

A learner trusts an example in the statement as much as a test, so every example call must be the call of a
visible test (they see it run), and a result the statement gives must be the one that test expects.

What counts as an example is deliberately narrow, so that prose and signatures are never misread:
* it is written in code (an inline code span, a fenced or indented block), never in plain prose;
* it calls the exercise's function: a name the visible tests call and the reference solution defines;
* every argument is a literal (numbers, strings, lists, true/false/None/null…), so `find_largest(numbers)`,
  a signature, is not an example while `find_largest([1, 5, 2])` is.
Its result is the text after `→`, `->`, `=>`, `==`, `returns` or `gives` on the same line of code, after
`# ` or `// ` too (`count_vowels("hi")  # → 1`), or a comment that is nothing but a value (`# 1`); in
prose right after the code span, when it is a code span or a literal (`` `count_vowels("hi")` returns `1` ``
or `… returns 1.`); in a `>>>` session, the next line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from capsules.schemas import TestCase

# Calls inside a test that print or format the exercise function's value, never the exercise's function.
_OUTPUT_WRAPPERS = {
    "print", "println", "printf", "log", "stringify", "Println", "Printf", "Print", "Sprint", "Sprintf",
    "WriteLine", "Write", "str", "repr", "len", "sorted", "list", "tuple", "String", "valueOf", "toString",
    "join", "format", "Join", "Serialize", "asList", "deepToString",
}  # fmt: skip
# Words an argument may contain and still be a literal (values, and the type names of literal arrays).
_LITERAL_WORDS = {
    "True", "False", "None", "true", "false", "null", "nil", "undefined", "NaN", "Infinity", "new",
    "int", "long", "double", "float", "float64", "float32", "int64", "int32", "string", "String", "bool",
    "boolean", "char", "byte", "rune", "Integer", "Double", "Long", "Boolean", "decimal", "object", "var",
}  # fmt: skip
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`]*`')
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+)[a-zA-Z]?")
_WORD = re.compile(r"[A-Za-z_]\w*")
_CALL_NAME = re.compile(r"(?<![\w$])(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\s*\(")
# What introduces a result after the call: an arrow, ==, "returns"/"gives", optionally behind a comment mark.
_RESULT_LEAD = re.compile(
    r"^\s*(?:(?:#|//|--)\s*)?(?:→|->|=>|==|⇒|(?:should\s+)?returns?\b:?|gives\b:?|evaluates\s+to\b|is\s+equal\s+to\b)\s*(?:(?:#|//)\s*)?",
    re.IGNORECASE,
)
# In prose, "is" introduces a result too ("`f(0)` is `0`"); the value must then be a code span or a literal.
_PROSE_LEAD = re.compile(_RESULT_LEAD.pattern.replace(r"(?:→", r"(?:is\b|→"), re.IGNORECASE)
# A result written in prose is only taken when it is clearly a value (else "returns the sum" would read "the").
_PROSE_LITERAL = re.compile(r'-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|True|False|None|true|false|null|nil')


@dataclass(frozen=True)
class StatementExample:
    """One example call the statement shows; `result` is None when it gives none."""

    call: str
    result: str | None


@dataclass(frozen=True)
class ExampleProblem:
    category: Literal["statement_example_untested", "statement_example_mismatch"]
    message: str
    test_index: int | None = None


# --- Reading calls ----------------------------------------------------------------------------------------------


def _balanced_end(text: str, open_at: int) -> int | None:
    """The index just past the bracket that closes the one at `open_at` (strings skipped), or None."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    index = open_at
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            match = _STRING.match(text, index)
            if match is None:
                return None
            index = match.end()
            continue
        if char in pairs:
            stack.append(pairs[char])
        elif char in ")]}":
            if not stack or stack.pop() != char:
                return None
            if not stack:
                return index + 1
        index += 1
    return None


def _is_literal(arguments: str) -> bool:
    """Whether every argument is a literal: nothing but strings, numbers, brackets and literal words."""
    rest = _NUMBER.sub(" ", _STRING.sub(" ", arguments))
    # `chunk()` names the function in prose more often than it calls it: no arguments, no example
    if not arguments.strip():
        return False
    return all(word in _LITERAL_WORDS for word in _WORD.findall(rest)) and not re.search(r"[=;]|=>|->", rest)


def normalized_call(call: str) -> str:
    """A call as text to compare: no whitespace outside strings, no qualifier (`Solution.`), double quotes."""
    name_end = call.index("(")
    name = call[:name_end].strip().rsplit(".", 1)[-1]
    parts: list[str] = []
    position = name_end
    for match in _STRING.finditer(call, name_end):
        parts.append(re.sub(r"\s+", "", call[position : match.start()]))
        literal = match.group()
        if literal[0] in "'`" and '"' not in literal:
            literal = '"' + literal[1:-1] + '"'
        parts.append(literal)
        position = match.end()
    parts.append(re.sub(r"\s+", "", call[position:]))
    return name + "".join(parts)


def calls_of(text: str, names: Iterable[str]) -> Iterator[tuple[str, int]]:
    """Each call of one of `names` in `text` with literal arguments: (the call's text, where it ends)."""
    wanted = set(names)
    for match in _CALL_NAME.finditer(text):
        if match.group(1) not in wanted:
            continue
        open_at = match.end() - 1
        end = _balanced_end(text, open_at)
        if end is None or not _is_literal(text[open_at + 1 : end - 1]):
            continue
        yield text[match.start() : end], end


def exercise_functions(visible_tests: Iterable[TestCase], reference_solution: str) -> set[str]:
    """The names the visible tests call that the reference solution has too (print and its kin left out)."""
    called = {name for test in visible_tests for name in _CALL_NAME.findall(test.test_call)}
    return {name for name in called - _OUTPUT_WRAPPERS if re.search(rf"(?<![\w$]){re.escape(name)}\s*[(<=:]", reference_solution)}


# --- Reading the statement ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Only what can hold code: fenced and indented blocks, tables and inline code spans (lists, headings and
    # emphasis read as plain paragraphs here, which keeps their code spans). The gate runs this on every CODE
    # judgement, and the full CommonMark parser costs about four times as much.
    return MarkdownIt("zero").enable(["fence", "code", "table", "backticks"])


_TRAILING_COMMENT = re.compile(r"\s+(?:#|//)\s.*$")


def _code_result(rest_of_line: str) -> str | None:
    # `print(f(1))  # → 2`: the closing brackets of a call the example sits in come first
    rest = rest_of_line.lstrip().lstrip(")").rstrip()
    lead = _RESULT_LEAD.match(rest)
    if lead is None:
        # `sum_even([-2, 3, 5])  # -2`: a comment that is nothing but a value is the result too
        comment = re.match(r"^(?:#|//)\s*(.+)$", rest)
        value = comment and comment.group(1).strip()
        return value if value and _literal_at_start(value) == value else None
    value = _TRAILING_COMMENT.sub("", rest[lead.end() :]).strip().rstrip(";").strip()
    return value or None


def _literal_at_start(text: str) -> str | None:
    """The value `text` starts with when it is clearly one (a number, string, keyword or bracketed list)."""
    text = text.lstrip()
    literal = _PROSE_LITERAL.match(text)
    if literal is not None and not re.match(r"\w", text[literal.end() : literal.end() + 1]):
        return literal.group()
    if text.startswith(("[", "{")):
        end = _balanced_end(text, 0)
        if end is not None:
            return text[:end]
    return None


def _prose_result(following: str, next_code: str | None) -> str | None:
    """The result prose gives right after an example's code span: a code span, else a literal value."""
    lead = _PROSE_LEAD.match(following)
    if lead is None:
        return None
    after = following[lead.end() :]
    if not after.strip():
        return next_code  # "`f(1)` returns `2`": the value is the next code span
    return _literal_at_start(after)


def _block_examples(block: str, names: set[str]) -> Iterator[StatementExample]:
    lines = block.splitlines()
    for number, line in enumerate(lines):
        prompt = line.lstrip().startswith(">>>")
        for call, end in calls_of(line, names):
            result = _code_result(line[end:])
            if result is None and prompt and number + 1 < len(lines) and not lines[number + 1].lstrip().startswith(">>>"):
                result = lines[number + 1].strip() or None
            yield StatementExample(call=call, result=result)


def _inline_examples(children: list, names: set[str]) -> list[StatementExample]:
    found: list[StatementExample] = []
    for position, child in enumerate(children):
        if child.type != "code_inline":
            continue
        following = children[position + 1].content if position + 1 < len(children) and children[position + 1].type == "text" else ""
        next_code = (
            children[position + 2].content if position + 2 < len(children) and children[position + 2].type == "code_inline" else None
        )
        for call, end in calls_of(child.content, names):
            result = _code_result(child.content[end:])
            if result is None and end == len(child.content.rstrip()):
                result = _prose_result(following, next_code)
            found.append(StatementExample(call=call, result=result))
    return found


def _cell_value(cell: Token, names: set[str]) -> str | None:
    """What a table cell right of an example's cell says it gives: its leading code span or literal."""
    children = [child for child in cell.children or [] if child.type != "text" or child.content.strip()]
    if not children:
        return None
    if children[0].type == "code_inline":
        return None if any(True for _ in calls_of(children[0].content, names)) else children[0].content
    return _literal_at_start(children[0].content) if children[0].type == "text" else None


def _row_examples(cells: list[Token], names: set[str]) -> Iterator[StatementExample]:
    """A table row: each cell's examples; an example alone in its cell takes the next cell as its result."""
    for number, cell in enumerate(cells):
        examples = _inline_examples(cell.children or [], names)
        alone = len(examples) == 1 and examples[0].result is None and cell.content.strip().strip("`").strip() == examples[0].call
        if alone and number + 1 < len(cells):
            examples = [StatementExample(call=examples[0].call, result=_cell_value(cells[number + 1], names))]
        yield from examples


def statement_examples(statement_md: str, names: set[str]) -> list[StatementExample]:
    """Every example call of `names` in the statement's code, in order, each once."""
    if not names or not re.search(rf"(?<![\w$])(?:{'|'.join(map(re.escape, sorted(names)))})\s*\(", statement_md or ""):
        return []  # no call of the function anywhere: nothing to parse
    found: list[StatementExample] = []
    row: list[Token] | None = None
    for token in _parser().parse(statement_md or ""):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            found.extend(_row_examples(row, names))
            row = None
        elif token.type in ("fence", "code_block"):
            found.extend(_block_examples(token.content, names))
        elif token.type == "inline" and token.children is not None:
            if row is not None:
                row.append(token)
            else:
                found.extend(_inline_examples(token.children, names))
    unique: dict[tuple[str, str | None], StatementExample] = {}
    for example in found:
        unique.setdefault((normalized_call(example.call), example.result), example)
    return list(unique.values())


# --- Judging the examples ------------------------------------------------------------------------------------------

# A visible test prints the call's value as it is (or as JSON) when its call is one of these with the call for X;
# only then can the statement's result be compared with its expected output.
_PLAIN_PRINTS = {
    "print(X)", "console.log(X)", "console.log(X);", "console.log(JSON.stringify(X))", "console.log(JSON.stringify(X));",
    "System.out.println(X);", "System.out.println(X)", "fmt.Println(X)", "Console.WriteLine(X);", "Console.WriteLine(X)",
}  # fmt: skip


def _shown_value(text: str) -> str:
    """A value as text to compare: no whitespace, one kind of quote, no quotes around a whole string."""
    value = re.sub(r"\s+", "", text.strip()).replace("'", '"')
    if len(value) >= 2 and value[0] == value[-1] == '"' and '"' not in value[1:-1]:
        value = value[1:-1]
    return value


def _prints_plainly(test_call: str, call: str) -> bool:
    normalized = re.sub(r"\s+", "", test_call)
    compact_call = re.sub(r"\s+", "", call)
    # the call as the test writes it, qualifier included (`Solution.reverseWords(...)`)
    for match in re.finditer(
        r"(?<![\w$])(?:[A-Za-z_]\w*\.)*" + re.escape(compact_call.split("(", 1)[0].rsplit(".", 1)[-1]) + r"\(", normalized
    ):
        end = _balanced_end(normalized, match.end() - 1)
        if end is not None and normalized[: match.start()] + "X" + normalized[end:] in _PLAIN_PRINTS:
            return True
    return False


def _describe(example: StatementExample) -> str:
    return f"`{example.call}`" + (f" → {example.result}" if example.result is not None else "")


def example_problems(statement_md: str, test_cases: list[TestCase], reference_solution: str) -> tuple[int, list[ExampleProblem]]:
    """(how many examples the statement shows, the problems with them)."""
    visible = [(index, case) for index, case in enumerate(test_cases) if not case.is_hidden]
    names = exercise_functions((case for _, case in visible), reference_solution)
    examples = statement_examples(statement_md, names)
    calls_by_test = {index: {normalized_call(call) for call, _ in calls_of(case.test_call, names)} for index, case in enumerate(test_cases)}
    problems: list[ExampleProblem] = []
    for example in examples:
        wanted = normalized_call(example.call)
        matching = [(index, case) for index, case in visible if wanted in calls_by_test[index]]
        if not matching:
            hidden_only = any(wanted in calls_by_test[index] for index, case in enumerate(test_cases) if case.is_hidden)
            where = " (only a hidden test makes it, and learners never see hidden tests)" if hidden_only else ""
            problems.append(ExampleProblem(
                "statement_example_untested",
                f"The statement shows the example {_describe(example)}, but no visible test makes that call{where}: "
                "add a visible test whose call is that example, so the example is checked and learners can run it.",
            ))  # fmt: skip
            continue
        if example.result is None:
            continue
        comparable = [(index, case) for index, case in matching if _prints_plainly(case.test_call, example.call)]
        if comparable and not any(_shown_value(case.expected_output) == _shown_value(example.result) for _, case in comparable):
            index, case = comparable[0]
            problems.append(ExampleProblem(
                "statement_example_mismatch",
                f"The statement says {_describe(example)}, but visible test {index + 1} ({case.description}) expects "
                f"{case.expected_output.strip()!r} for that call: correct the statement or the test.",
                test_index=index,
            ))  # fmt: skip
    return len(examples), problems
