"""The offline catalog's vocabulary, in one place: which words of a request name its topic, which words mean
the same thing, and extra keywords per catalog exercise.

generation/catalog/__init__.py turns text into canonical terms with these lists (`terms_of`) and decides
whether an exercise fits a request (`request_fit`). Editing this module is how the matcher learns words:

- STOPWORDS say nothing about any text ("write a function that ..."); dropped everywhere.
- GENERIC_WORDS say something about the request but not about its topic: the difficulty, the language, the
  kind of exercise, filler verbs. They are dropped from a request's topic words, so "binary search (hard)"
  is about "binary search" and "a Python exercise" has no topic at all (and fits any exercise).
- SYNONYM_GROUPS merge words that mean the same topic; the first word of a group is its canonical form.
- KEYWORDS add words to one exercise (by title) that its data's `topics` do not list, typically the everyday
  phrasing of its topic ("customers who never ordered" for an anti-join). generation/tests/test_catalog.py
  checks that every title here names an exercise.
"""

from __future__ import annotations

from capsules.languages import LANGUAGES

# Words that say nothing about an exercise's topic ("write a function that ...").
STOPWORDS = frozenset(
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

# Words of a request that are not its topic: how hard, which language (the registry's words for each) or kind of
# exercise, and filler.
GENERIC_WORDS = frozenset(word for language in LANGUAGES for word in language.prompt_words) | frozenset(
    """
    easy easier medium hard harder difficult difficulty level advanced intermediate novice command
    commands line database code problem problems challenge challenges question questions exercise exercises
    value values item items element elements data input inputs output outputs result results
    learn learning understand understanding show shows print prints printing read reads take takes
    implement implementing implementation solve solving solution example examples test tests quick quickly
    good nice fun interesting real everyday met just already kind type own
    placed place places check checks checking whether determine decide tell compute computes computing
    handle handles work works working help helps lets something anything whatever random surprise idea topic
    """.split()
)

# Words that mean the same topic for matching. The first word of a group is its canonical form.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
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
    ("member", "customer", "client", "user", "person", "people", "borrower"),
)

# Extra keywords per exercise (by title): everyday words for its topic that its `topics` do not list.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "Count the words in a sentence": ("word counter", "split a string", "whitespace"),
    "Sum of the even numbers": ("accumulator", "for loop", "add up"),
    "Is it a prime number?": ("primes", "trial division", "factor"),
    "Word frequencies": ("tag cloud", "how often", "most common words", "words of a sentence"),
    "Flatten a nested list": ("nested lists", "tree walk"),
    "A bank account class": ("encapsulation", "state", "withdrawal"),
    "Rank the players on a leaderboard": ("scoreboard", "high scores", "ranking"),
    "Binary search in a sorted list": ("bisect", "halving", "divide and conquer"),
    "Evaluate an arithmetic expression": ("expression evaluator", "precedence", "tokens"),
    "Shortest path through a maze": ("pathfinding", "breadth first", "queue"),
    "Capitalize every word": ("title case", "first letter"),
    "Group records by a key": ("group by", "bucketing", "reduce"),
    "Roman numerals to numbers": ("roman", "numeral conversion"),
    "Least recently used cache": ("lru cache", "linked hash map"),
    "Is it a palindrome?": ("reverse a string", "two pointers"),
    "First unique character": ("non repeating", "first non repeating character"),
    "Merge overlapping intervals": ("meeting rooms", "time ranges"),
    "FizzBuzz": ("fizz buzz", "multiples"),
    "Two numbers that add up to a target": ("two sum", "pair sum", "complement"),
    "Order tasks by their dependencies": ("build order", "task scheduling", "topological order"),
    "Sum of the digits": ("digit sum", "digits of a number"),
    "Caesar cipher": ("shift cipher", "rotate letters", "rot13", "secret message"),
    "Longest increasing subsequence": ("lis", "increasing sequence"),
    "Products under budget": ("select where", "filter rows"),
    "The three newest top-rated movies": ("limit", "top n", "newest"),
    "Headcount and average salary per department": ("aggregation", "count per group", "per department"),
    "Members who never borrowed a book": ("customers who never ordered", "orders", "anti join", "not in"),
    "Running total of daily sales per store": ("window functions", "cumulative total", "per day"),
    "Top earners in every department": ("highest paid", "greatest per group", "rank within group"),
    "Set up a project folder": ("create directories", "project layout"),
    "Lock down file permissions": ("file modes", "make executable"),
    "Sales report from a CSV file": ("report", "column totals", "text processing"),
    "Back up a folder with tar": ("tarball", "extract an archive"),
    "Edit a configuration file with sed and awk": ("search and replace", "stream editor"),
    "Rotate old log files": ("log rotation", "old files", "cleanup"),
}
