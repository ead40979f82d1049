"""Catalog blueprints: DATABASE capsules (SQL on SQLite 3.40, which has window functions).

Judge convention (judges/runtimes/sql_sqlite.py): `seed_sql` runs on an empty database; the learner's query
and the reference query each run on a fresh copy of it and their rows must be equal (in order when the
query ends with ORDER BY). `schema_info` describes every table of the seed, one "name (TYPE)" entry per
column, in the order of the CREATE TABLE. Every boilerplate query runs but returns a different result.

Every blueprint has a hidden dataset (`hidden_seed_sql`): the same CREATE TABLE statements, other rows, on
which learners are graded too. Its rows are chosen so that the reference's result differs from the visible
one and so that the usual wrong queries — which may pass on the visible rows — fail there: values on a
filter's boundary, ties that only the full ORDER BY breaks (inserted out of that order), parents without
children, NULL foreign keys, averages that need rounding. generation/tests/test_catalog.py runs those wrong
queries against it.
"""

from __future__ import annotations

from typing import Any

_SHOP_SEED_SQL = """\
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    in_stock INTEGER NOT NULL
);
INSERT INTO products (id, name, category, price_cents, in_stock) VALUES
    (1, 'Ceramic mug', 'kitchen', 1200, 1),
    (2, 'Chef knife', 'kitchen', 4500, 1),
    (3, 'Tea towel', 'kitchen', 650, 0),
    (4, 'Desk lamp', 'office', 2900, 1),
    (5, 'Notebook', 'office', 450, 1),
    (6, 'Fountain pen', 'office', 1950, 1),
    (7, 'Yoga mat', 'sport', 2500, 0),
    (8, 'Water bottle', 'sport', 1200, 1),
    (9, 'Jump rope', 'sport', 800, 1);
"""

# Ties at 650 and 900 inserted against name order, a price exactly at 2000 and one just under, cheap products
# out of stock.
_SHOP_HIDDEN_SEED_SQL = """\
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    in_stock INTEGER NOT NULL
);
INSERT INTO products (id, name, category, price_cents, in_stock) VALUES
    (1, 'Wool socks', 'clothing', 900, 1),
    (2, 'Bamboo spoon', 'kitchen', 350, 1),
    (3, 'Rain poncho', 'outdoor', 2000, 1),
    (4, 'Pocket torch', 'outdoor', 1500, 0),
    (5, 'Sketchbook', 'office', 900, 1),
    (6, 'Tent pegs', 'outdoor', 650, 1),
    (7, 'Frying pan', 'kitchen', 3200, 1),
    (8, 'Herb grinder', 'kitchen', 1999, 1),
    (9, 'Bike bell', 'sport', 650, 1),
    (10, 'Swim cap', 'sport', 400, 0);
"""

CHEAP_PRODUCTS: dict[str, Any] = {
    "title": "Products under budget",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "easy",
    "problem_statement_md": """\
A customer has **€20** to spend. Find the products they can buy today.

Return the `name` and `price_cents` of every product that is **in stock** (`in_stock = 1`) and costs
**less than 2000 cents**. Sort by price, cheapest first; products with the same price are sorted by
name.

### Expected columns

| name | price_cents |
|------|-------------|
| Notebook | 450 |
| … | … |
""",
    "config_data": {
        "boilerplate_code": "SELECT name, price_cents\nFROM products;\n",
        "reference_solution": (
            "SELECT name, price_cents\n"
            "FROM products\n"
            "WHERE in_stock = 1 AND price_cents < 2000\n"
            "ORDER BY price_cents, name;\n"
        ),
        "hints": [
            "Filter rows with WHERE; combine the two conditions with AND.",
            "ORDER BY accepts several columns: the second one breaks ties of the first.",
        ],
        "schema_info": [
            {
                "table_name": "products",
                "columns": ["id (INTEGER)", "name (TEXT)", "category (TEXT)", "price_cents (INTEGER)", "in_stock (INTEGER)"],
            }
        ],
        "dialect": "sqlite",
        "seed_sql": _SHOP_SEED_SQL,
        "hidden_seed_sql": _SHOP_HIDDEN_SEED_SQL,
    },
    "topics": ["select", "where", "filter", "order by", "sort", "products", "price", "shop", "query basics"],
    "idea": {
        "learning_objectives": [
            "Select specific columns from a table",
            "Filter rows with WHERE and AND",
            "Sort by several columns with ORDER BY",
        ],
        "concepts": ["SELECT", "WHERE", "AND", "ORDER BY"],
        "description": (
            "Learners query a small shop's products table for what a customer with €20 can buy today: in-stock "
            "items under 2000 cents, cheapest first with ties sorted by name. It is the basic SELECT / WHERE / "
            "ORDER BY shape every later query builds on."
        ),
        "difficulty_rationale": "Easy: one table, two conditions and a sort; no joins or aggregates.",
    },
}

_MOVIES_SEED_SQL = """\
CREATE TABLE movies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    release_year INTEGER NOT NULL,
    genre TEXT NOT NULL,
    rating REAL NOT NULL
);
INSERT INTO movies (id, title, release_year, genre, rating) VALUES
    (1, 'Spirited Away', 2001, 'animation', 8.6),
    (2, 'Inception', 2010, 'science fiction', 8.8),
    (3, 'Paddington 2', 2017, 'family', 7.8),
    (4, 'Parasite', 2019, 'drama', 8.5),
    (5, 'Arrival', 2016, 'science fiction', 7.9),
    (6, 'Coco', 2017, 'animation', 8.4),
    (7, 'The Matrix', 1999, 'science fiction', 8.7),
    (8, 'Amelie', 2001, 'comedy', 8.3),
    (9, 'Dune', 2021, 'science fiction', 8.0),
    (10, 'Up', 2009, 'animation', 8.3);
"""

# The newest movie is rated exactly 8.0, two 2023 movies are inserted lower rating first, and the newest of all
# are rated under 8.0.
_MOVIES_HIDDEN_SEED_SQL = """\
CREATE TABLE movies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    release_year INTEGER NOT NULL,
    genre TEXT NOT NULL,
    rating REAL NOT NULL
);
INSERT INTO movies (id, title, release_year, genre, rating) VALUES
    (1, 'Oppenheimer', 2023, 'drama', 8.3),
    (2, 'Barbie', 2023, 'comedy', 6.9),
    (3, 'Past Lives', 2023, 'drama', 7.8),
    (4, 'Top Gun: Maverick', 2022, 'action', 8.2),
    (5, 'The Batman', 2022, 'action', 7.8),
    (6, 'Soul', 2020, 'animation', 8.0),
    (7, 'Spider-Man: Across the Spider-Verse', 2023, 'animation', 8.6),
    (8, 'Dune: Part Two', 2024, 'science fiction', 8.0),
    (9, 'Inside Out 2', 2024, 'animation', 7.6),
    (10, 'The Holdovers', 2023, 'comedy', 7.9);
"""

TOP_RATED_MOVIES: dict[str, Any] = {
    "title": "The three newest top-rated movies",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "easy",
    "problem_statement_md": """\
A streaming service wants a "recent favourites" row on its home page.

Return the `title`, `release_year` and `rating` of the **three most recent** movies rated **8.0 or
higher**. Newest first; when two movies came out in the same year, the higher rating comes first.
""",
    "config_data": {
        "boilerplate_code": "SELECT title, release_year, rating\nFROM movies\nORDER BY release_year DESC;\n",
        "reference_solution": (
            "SELECT title, release_year, rating\n"
            "FROM movies\n"
            "WHERE rating >= 8.0\n"
            "ORDER BY release_year DESC, rating DESC\n"
            "LIMIT 3;\n"
        ),
        "hints": [
            "Keep only well-rated movies with WHERE rating >= 8.0.",
            "DESC sorts from largest to smallest; give each ORDER BY column its own direction.",
            "LIMIT 3 keeps only the first three rows of the sorted result.",
        ],
        "schema_info": [
            {
                "table_name": "movies",
                "columns": ["id (INTEGER)", "title (TEXT)", "release_year (INTEGER)", "genre (TEXT)", "rating (REAL)"],
            }
        ],
        "dialect": "sqlite",
        "seed_sql": _MOVIES_SEED_SQL,
        "hidden_seed_sql": _MOVIES_HIDDEN_SEED_SQL,
    },
    "topics": ["select", "where", "order by", "limit", "top n", "sort", "movies", "rating", "descending"],
    "idea": {
        "learning_objectives": [
            "Sort in descending order",
            "Combine a filter with a multi-column sort",
            "Keep the first rows of a result with LIMIT",
        ],
        "concepts": ["WHERE", "ORDER BY ... DESC", "LIMIT"],
        "description": (
            "Learners build the 'recent favourites' row of a streaming service: the three newest movies rated "
            "8.0 or more. Filtering, a descending sort with a tie-breaker, and LIMIT together produce a top-N "
            "query, one of the most common shapes in real applications."
        ),
        "difficulty_rationale": "Easy: a single table with a filter, a sort and a limit.",
    },
}

_COMPANY_SEED_SQL = """\
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    salary INTEGER NOT NULL
);
INSERT INTO departments (id, name) VALUES
    (1, 'Engineering'),
    (2, 'Marketing'),
    (3, 'Support'),
    (4, 'Legal');
INSERT INTO employees (id, name, department_id, salary) VALUES
    (1, 'Ada', 1, 72000),
    (2, 'Grace', 1, 81000),
    (3, 'Alan', 1, 69000),
    (4, 'Hedy', 2, 54000),
    (5, 'Joan', 2, 61000),
    (6, 'Tim', 3, 43000),
    (7, 'Barbara', 1, 81000),
    (8, 'Katherine', 3, 47000),
    (9, 'Dennis', NULL, 50000);
"""

# Departments inserted against name order, with a headcount tie (Sales and Research) and an empty one (Design);
# two top earners tied in Sales; an average (Sales) that needs rounding; the best-paid person has no department.
_COMPANY_HIDDEN_SEED_SQL = """\
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    salary INTEGER NOT NULL
);
INSERT INTO departments (id, name) VALUES
    (1, 'Sales'),
    (2, 'Research'),
    (3, 'Finance'),
    (4, 'Design'),
    (5, 'Operations');
INSERT INTO employees (id, name, department_id, salary) VALUES
    (1, 'Mary', 2, 98000),
    (2, 'Claude', 2, 91000),
    (3, 'Donald', 1, 64000),
    (4, 'John', 1, 71000),
    (5, 'Frances', 1, 71000),
    (6, 'Radia', 3, 77000),
    (7, 'Shafi', 3, 58000),
    (8, 'Edsger', NULL, 120000),
    (9, 'Niklaus', 5, 66000),
    (10, 'Lynn', 2, 85500);
"""

_COMPANY_SCHEMA = [
    {"table_name": "departments", "columns": ["id (INTEGER)", "name (TEXT)"]},
    {"table_name": "employees", "columns": ["id (INTEGER)", "name (TEXT)", "department_id (INTEGER)", "salary (INTEGER)"]},
]

DEPARTMENT_HEADCOUNT: dict[str, Any] = {
    "title": "Headcount and average salary per department",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "medium",
    "problem_statement_md": """\
HR wants a summary of every department.

Return one row **per department** — including departments that have no employees yet — with:

* `department` — the department's name,
* `headcount` — how many employees work there (`0` when none),
* `average_salary` — their average salary rounded to a whole number (`NULL` when there is nobody).

Employees without a department are not part of any row. Sort by `headcount`, largest first, then by
`department` name.
""",
    "config_data": {
        "boilerplate_code": (
            "SELECT d.name AS department, COUNT(*) AS headcount, AVG(e.salary) AS average_salary\n"
            "FROM departments AS d\n"
            "JOIN employees AS e ON e.department_id = d.id\n"
            "GROUP BY d.id;\n"
        ),
        "reference_solution": (
            "SELECT d.name AS department,\n"
            "       COUNT(e.id) AS headcount,\n"
            "       ROUND(AVG(e.salary)) AS average_salary\n"
            "FROM departments AS d\n"
            "LEFT JOIN employees AS e ON e.department_id = d.id\n"
            "GROUP BY d.id, d.name\n"
            "ORDER BY headcount DESC, department;\n"
        ),
        "hints": [
            "Join departments to employees on employees.department_id = departments.id and GROUP BY the department.",
            "An inner JOIN drops Legal, which has nobody; LEFT JOIN keeps it.",
            "COUNT(*) counts the NULL row a LEFT JOIN makes for an empty department; COUNT(e.id) does not. ROUND(AVG(...)) rounds.",
        ],
        "schema_info": _COMPANY_SCHEMA,
        "dialect": "sqlite",
        "seed_sql": _COMPANY_SEED_SQL,
        "hidden_seed_sql": _COMPANY_HIDDEN_SEED_SQL,
    },
    "topics": ["group by", "aggregate", "count", "average", "join", "left join", "departments", "employees", "salary", "summary"],
    "idea": {
        "learning_objectives": [
            "Aggregate rows per group with GROUP BY, COUNT and AVG",
            "Keep groups without matches using LEFT JOIN",
            "Tell COUNT(*) from COUNT(column) when NULLs are involved",
        ],
        "concepts": ["GROUP BY", "COUNT", "AVG", "ROUND", "LEFT JOIN", "NULL handling"],
        "description": (
            "Learners produce an HR summary: headcount and rounded average salary for every department, "
            "including an empty one. The query joins two tables, aggregates per department, and uses LEFT "
            "JOIN with COUNT(column) so that an empty department shows 0 rather than disappearing or counting 1."
        ),
        "difficulty_rationale": "Medium: a join and aggregates together, with two classic NULL pitfalls.",
    },
}

_LIBRARY_SEED_SQL = """\
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    joined_on TEXT NOT NULL
);
CREATE TABLE loans (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    book_title TEXT NOT NULL,
    borrowed_on TEXT NOT NULL,
    returned_on TEXT
);
INSERT INTO members (id, name, joined_on) VALUES
    (1, 'Maya Angelou', '2023-01-10'),
    (2, 'Carl Sagan', '2023-02-14'),
    (3, 'Rosalind Franklin', '2023-03-01'),
    (4, 'Terry Pratchett', '2023-03-22'),
    (5, 'Octavia Butler', '2023-04-05'),
    (6, 'Richard Feynman', '2023-05-30');
INSERT INTO loans (id, member_id, book_title, borrowed_on, returned_on) VALUES
    (1, 1, 'Cosmos', '2023-02-01', '2023-02-20'),
    (2, 2, 'Kindred', '2023-03-03', NULL),
    (3, 1, 'Mort', '2023-04-11', '2023-04-30'),
    (4, 4, 'The Double Helix', '2023-05-02', '2023-05-09'),
    (5, 2, 'Surely You''re Joking', '2023-06-15', NULL);
"""

# Members inserted out of joined_on order (and out of name order among those without loans); a member with two
# loans, one still open; loan ids that are not the ids of the members who borrowed.
_LIBRARY_HIDDEN_SEED_SQL = """\
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    joined_on TEXT NOT NULL
);
CREATE TABLE loans (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    book_title TEXT NOT NULL,
    borrowed_on TEXT NOT NULL,
    returned_on TEXT
);
INSERT INTO members (id, name, joined_on) VALUES
    (1, 'Ursula Franklin', '2022-11-03'),
    (2, 'Alan Turing', '2023-06-18'),
    (3, 'Hypatia', '2023-04-12'),
    (4, 'Nikola Tesla', '2023-01-09'),
    (5, 'Ada Yonath', '2022-12-15'),
    (6, 'Chinua Achebe', '2023-03-30'),
    (7, 'Wangari Maathai', '2023-02-21');
INSERT INTO loans (id, member_id, book_title, borrowed_on, returned_on) VALUES
    (1, 1, 'Silent Spring', '2022-11-20', '2022-12-04'),
    (2, 4, 'Things Fall Apart', '2023-01-15', NULL),
    (3, 4, 'The Selfish Gene', '2023-02-02', '2023-02-16'),
    (4, 6, 'Unbowed', '2023-04-01', NULL),
    (5, 2, 'Flatland', '2023-06-20', '2023-07-01');
"""

MEMBERS_WITHOUT_LOANS: dict[str, Any] = {
    "title": "Members who never borrowed a book",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "medium",
    "problem_statement_md": """\
The library wants to send a welcome-back letter to members who have **never borrowed anything**.

Return the `name` and `joined_on` date of every member with **no row in `loans`**, the earliest member
first (by `joined_on`).
""",
    "config_data": {
        "boilerplate_code": "SELECT name, joined_on\nFROM members\nORDER BY joined_on;\n",
        "reference_solution": (
            "SELECT m.name, m.joined_on\n"
            "FROM members AS m\n"
            "LEFT JOIN loans AS l ON l.member_id = m.id\n"
            "WHERE l.id IS NULL\n"
            "ORDER BY m.joined_on;\n"
        ),
        "hints": [
            "You need the members that have no matching row in another table.",
            "A LEFT JOIN keeps every member; for members without loans the loan columns are NULL.",
            "Keep only those rows with WHERE l.id IS NULL (or use WHERE NOT EXISTS (SELECT 1 FROM loans ...)).",
        ],
        "schema_info": [
            {"table_name": "members", "columns": ["id (INTEGER)", "name (TEXT)", "joined_on (TEXT)"]},
            {
                "table_name": "loans",
                "columns": ["id (INTEGER)", "member_id (INTEGER)", "book_title (TEXT)", "borrowed_on (TEXT)", "returned_on (TEXT)"],
            },
        ],
        "dialect": "sqlite",
        "seed_sql": _LIBRARY_SEED_SQL,
        "hidden_seed_sql": _LIBRARY_HIDDEN_SEED_SQL,
    },
    "topics": ["left join", "join", "anti join", "not exists", "is null", "missing rows", "library", "members", "subquery"],
    "idea": {
        "learning_objectives": [
            "Find rows without a match in another table (an anti-join)",
            "Use LEFT JOIN with IS NULL, or NOT EXISTS",
        ],
        "concepts": ["LEFT JOIN", "IS NULL", "NOT EXISTS", "anti-joins"],
        "description": (
            "Learners find library members who have never borrowed a book. Since the answer is about missing "
            "rows, a plain join cannot express it: they keep every member with a LEFT JOIN and filter the ones "
            "whose loan columns are NULL, or use NOT EXISTS with a correlated subquery."
        ),
        "difficulty_rationale": "Medium: requires thinking about absent rows and how outer joins produce NULLs.",
    },
}

_SALES_SEED_SQL = """\
CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    city TEXT NOT NULL
);
CREATE TABLE sales (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (id),
    sold_on TEXT NOT NULL,
    amount_cents INTEGER NOT NULL
);
INSERT INTO stores (id, city) VALUES
    (1, 'Lyon'),
    (2, 'Porto');
INSERT INTO sales (id, store_id, sold_on, amount_cents) VALUES
    (1, 1, '2024-05-01', 1500),
    (2, 1, '2024-05-01', 2500),
    (3, 2, '2024-05-01', 1000),
    (4, 1, '2024-05-02', 3000),
    (5, 2, '2024-05-03', 4500),
    (6, 2, '2024-05-03', 500),
    (7, 1, '2024-05-04', 1000),
    (8, 2, '2024-05-04', 2000),
    (9, 2, '2024-05-05', 1500);
"""

# Stores inserted against city order, three of them; days with several sales; a store with a gap of days.
_SALES_HIDDEN_SEED_SQL = """\
CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    city TEXT NOT NULL
);
CREATE TABLE sales (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (id),
    sold_on TEXT NOT NULL,
    amount_cents INTEGER NOT NULL
);
INSERT INTO stores (id, city) VALUES
    (1, 'Valencia'),
    (2, 'Bologna'),
    (3, 'Ghent');
INSERT INTO sales (id, store_id, sold_on, amount_cents) VALUES
    (1, 1, '2024-06-01', 2200),
    (2, 2, '2024-06-01', 1800),
    (3, 1, '2024-06-02', 900),
    (4, 1, '2024-06-02', 1100),
    (5, 3, '2024-06-02', 4000),
    (6, 2, '2024-06-03', 2500),
    (7, 2, '2024-06-03', 700),
    (8, 1, '2024-06-04', 1600),
    (9, 2, '2024-06-05', 1200),
    (10, 3, '2024-06-05', 300),
    (11, 1, '2024-06-05', 500);
"""

RUNNING_TOTAL: dict[str, Any] = {
    "title": "Running total of daily sales per store",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "hard",
    "problem_statement_md": """\
The finance team follows how each store's revenue grows through the month.

Return one row **per store and day with sales**:

* `city` — the store's city,
* `sold_on` — the day,
* `day_total` — the sum of that store's sales on that day (in cents),
* `running_total` — the sum of that store's `day_total` from its first day **up to and including**
  this day.

Sort by `city`, then `sold_on`.

### Example (first rows)

| city | sold_on | day_total | running_total |
|------|---------|-----------|---------------|
| Lyon | 2024-05-01 | 4000 | 4000 |
| Lyon | 2024-05-02 | 3000 | 7000 |
""",
    "config_data": {
        "boilerplate_code": (
            "SELECT st.city, s.sold_on, SUM(s.amount_cents) AS day_total, SUM(s.amount_cents) AS running_total\n"
            "FROM sales AS s\n"
            "JOIN stores AS st ON st.id = s.store_id\n"
            "GROUP BY st.city, s.sold_on\n"
            "ORDER BY st.city, s.sold_on;\n"
        ),
        "reference_solution": (
            "WITH daily AS (\n"
            "    SELECT store_id, sold_on, SUM(amount_cents) AS day_total\n"
            "    FROM sales\n"
            "    GROUP BY store_id, sold_on\n"
            ")\n"
            "SELECT st.city,\n"
            "       d.sold_on,\n"
            "       d.day_total,\n"
            "       SUM(d.day_total) OVER (PARTITION BY d.store_id ORDER BY d.sold_on) AS running_total\n"
            "FROM daily AS d\n"
            "JOIN stores AS st ON st.id = d.store_id\n"
            "ORDER BY st.city, d.sold_on;\n"
        ),
        "hints": [
            "First add up each store's sales per day: GROUP BY store and day (a WITH clause keeps it readable).",
            "A window function adds up rows without collapsing them: SUM(day_total) OVER (...).",
            "Inside OVER, PARTITION BY restarts the sum for each store and ORDER BY sold_on makes it cumulative.",
        ],
        "schema_info": [
            {"table_name": "stores", "columns": ["id (INTEGER)", "city (TEXT)"]},
            {"table_name": "sales", "columns": ["id (INTEGER)", "store_id (INTEGER)", "sold_on (TEXT)", "amount_cents (INTEGER)"]},
        ],
        "dialect": "sqlite",
        "seed_sql": _SALES_SEED_SQL,
        "hidden_seed_sql": _SALES_HIDDEN_SEED_SQL,
    },
    "topics": [
        "window function", "running total", "cumulative sum", "over", "partition by", "cte", "with",
        "aggregate", "group by", "sales", "analytics",
    ],
    "idea": {
        "learning_objectives": [
            "Aggregate in a common table expression before windowing",
            "Compute cumulative sums with SUM(...) OVER (PARTITION BY ... ORDER BY ...)",
            "Explain the difference between GROUP BY and a window",
        ],
        "concepts": ["window functions", "PARTITION BY", "common table expressions", "GROUP BY", "JOIN"],
        "description": (
            "Learners build a finance report of each store's daily revenue and its running total through the "
            "month. They first aggregate sales per store and day in a CTE, then apply SUM as a window function "
            "partitioned by store and ordered by day, and join the store names in."
        ),
        "difficulty_rationale": (
            "Hard: combines aggregation, a CTE, a join and a partitioned window function, and requires "
            "understanding why a plain GROUP BY cannot produce the running total."
        ),
    },
}

TOP_EARNERS: dict[str, Any] = {
    "title": "Top earners in every department",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "hard",
    "problem_statement_md": """\
For the salary review, find the **best-paid employee of every department**. When several people share a
department's highest salary, list **all** of them.

Return `department` (the department's name), `name` (the employee) and `salary`. Departments without
employees and employees without a department do not appear. Sort by `department`, then `name`.
""",
    "config_data": {
        "boilerplate_code": (
            "SELECT d.name AS department, e.name, MAX(e.salary) AS salary\n"
            "FROM employees AS e\n"
            "JOIN departments AS d ON d.id = e.department_id\n"
            "GROUP BY d.id\n"
            "ORDER BY department, e.name;\n"
        ),
        "reference_solution": (
            "SELECT department, name, salary\n"
            "FROM (\n"
            "    SELECT d.name AS department,\n"
            "           e.name,\n"
            "           e.salary,\n"
            "           RANK() OVER (PARTITION BY e.department_id ORDER BY e.salary DESC) AS salary_rank\n"
            "    FROM employees AS e\n"
            "    JOIN departments AS d ON d.id = e.department_id\n"
            ")\n"
            "WHERE salary_rank = 1\n"
            "ORDER BY department, name;\n"
        ),
        "hints": [
            "GROUP BY with MAX(salary) gives the top salary, but only one name per department: ties are lost.",
            "RANK() OVER (PARTITION BY department_id ORDER BY salary DESC) numbers employees within their department; equal salaries share rank 1.",
            "A window value cannot be used in WHERE directly: compute it in a subquery, then filter on rank = 1 outside.",
        ],
        "schema_info": _COMPANY_SCHEMA,
        "dialect": "sqlite",
        "seed_sql": _COMPANY_SEED_SQL,
        "hidden_seed_sql": _COMPANY_HIDDEN_SEED_SQL,
    },
    "topics": [
        "window function", "rank", "top per group", "greatest per group", "partition by", "subquery", "ties",
        "join", "salary", "employees", "departments",
    ],
    "idea": {
        "learning_objectives": [
            "Rank rows within groups with RANK() OVER (PARTITION BY ...)",
            "Filter on a window result through a subquery",
            "Keep ties instead of an arbitrary single row",
        ],
        "concepts": ["window functions", "RANK", "PARTITION BY", "subqueries", "JOIN", "ties"],
        "description": (
            "Learners solve the greatest-per-group problem: the best-paid employees of every department, "
            "keeping ties. GROUP BY with MAX loses the names of tied employees, so they rank employees within "
            "each department with RANK() OVER a partition, filter rank 1 in an outer query, and join the names."
        ),
        "difficulty_rationale": (
            "Hard: the greatest-per-group pattern with ties needs window functions, a subquery and a join, and "
            "the obvious GROUP BY answer is subtly wrong."
        ),
    },
}

BLUEPRINTS: list[dict[str, Any]] = [
    CHEAP_PRODUCTS,
    TOP_RATED_MOVIES,
    DEPARTMENT_HEADCOUNT,
    MEMBERS_WITHOUT_LOANS,
    RUNNING_TOTAL,
    TOP_EARNERS,
]
