"""Catalog blueprints: TERMINAL capsules (bash in the judge's Debian sandbox).

Judge convention (judges/runtimes/bash.py, run_shell_session): `setup_script` runs once in an empty
workspace; the tasks then run in order in that same directory, each script a fresh `bash -c`. A task's
`validation_script` prints `pass` (exit 0) when the task is done and `fail` (exit 1) otherwise; it must
fail before the task's `solution_commands` ran and pass after. Only tools of Debian's base system are
used (coreutils, grep, sed, mawk, find, tar, gzip, xargs).
"""

from __future__ import annotations

from typing import Any


def _check(condition: str, *, before: str = "", after: str = "") -> str:
    """A validation script: optional preparation, then pass/fail on one shell condition."""
    lines = [before] if before else []
    lines.append(f"if {condition}; then result=pass; else result=fail; fi")
    if after:
        lines.append(after)
    lines.append('echo "$result"')
    lines.append('[ "$result" = pass ]')
    return "\n".join(lines)


PROJECT_SKELETON: dict[str, Any] = {
    "title": "Set up a project folder",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "easy",
    "problem_statement_md": """\
You are starting a small weather-station project. A first script, `main.py`, is lying in your home
folder. Give the project a tidy structure from the shell:

1. Create the folder `weather/` with two sub-folders, `weather/src/` and `weather/tests/`.
2. Create `weather/README.md` whose first line is exactly `# Weather station`.
3. Move `main.py` into `weather/src/`.

Use `ls -R weather` at any time to see what you have built.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`mkdir -p` creates a folder together with any missing parent folders, and accepts several paths.",
            "`echo 'text' > file` writes a line to a file (creating it).",
            "`mv file folder/` moves a file into a folder.",
        ],
        "setup_script": "printf 'print(\"hello from the weather station\")\\n' > main.py\n",
        "tasks": [
            {
                "task_id": "make-folders",
                "description": "Create weather/src/ and weather/tests/.",
                "validation_script": _check("[ -d weather/src ] && [ -d weather/tests ]"),
                "solution_commands": "mkdir -p weather/src weather/tests",
            },
            {
                "task_id": "write-readme",
                "description": "Create weather/README.md whose first line is exactly '# Weather station'.",
                "validation_script": _check(
                    "[ -f weather/README.md ] && [ \"$(head -n 1 weather/README.md)\" = '# Weather station' ]"
                ),
                "solution_commands": "echo '# Weather station' > weather/README.md",
            },
            {
                "task_id": "move-script",
                "description": "Move main.py into weather/src/.",
                "validation_script": _check(
                    "[ -f weather/src/main.py ] && [ ! -e main.py ] && grep -q 'weather station' weather/src/main.py"
                ),
                "solution_commands": "mv main.py weather/src/",
            },
        ],
    },
    "topics": ["mkdir", "folders", "directories", "files", "mv", "move", "echo", "project structure", "navigation"],
    "idea": {
        "learning_objectives": [
            "Create nested directories with mkdir -p",
            "Write a file with echo and output redirection",
            "Move files with mv",
        ],
        "concepts": ["directories", "mkdir -p", "redirection (>)", "mv", "relative paths"],
        "description": (
            "Learners give a new weather-station project its structure from the shell: nested folders with "
            "mkdir -p, a README written with echo and >, and the starter script moved into src/ with mv. "
            "Each step builds on the folder created before it."
        ),
        "difficulty_rationale": "Easy: three basic commands, one new idea per task.",
    },
}

PERMISSIONS: dict[str, Any] = {
    "title": "Lock down file permissions",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "easy",
    "problem_statement_md": """\
Your home folder contains a backup script, a file of secrets and a private folder, all with the default
permissions. Fix them with `chmod`:

1. Make `backup.sh` **executable**, so that `./backup.sh` runs it.
2. Make `secrets.env` readable and writable **by you only** (mode `600`).
3. Make the folder `private/` accessible **by you only** (mode `700`).

`ls -l` shows the permissions; `stat -c '%a %n' *` shows them as numbers.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`chmod +x file` adds the execute permission.",
            "In a numeric mode each digit is owner, group, others; read = 4, write = 2, execute = 1.",
            "So `600` is read+write for the owner only, and `700` adds execute (needed to enter a folder).",
        ],
        "setup_script": (
            "printf 'API_KEY=abc123\\n' > secrets.env\n"
            "printf '#!/bin/bash\\necho \"backup done\"\\n' > backup.sh\n"
            "mkdir -p private\n"
            "printf 'dear diary\\n' > private/diary.txt\n"
            "chmod 644 secrets.env backup.sh\n"
            "chmod 755 private\n"
        ),
        "tasks": [
            {
                "task_id": "make-executable",
                "description": "Make backup.sh executable so that ./backup.sh runs it.",
                "validation_script": _check("[ -x backup.sh ] && [ \"$(./backup.sh)\" = 'backup done' ]"),
                "solution_commands": "chmod +x backup.sh",
            },
            {
                "task_id": "protect-secrets",
                "description": "Give secrets.env mode 600 (read and write for you only).",
                "validation_script": _check("[ \"$(stat -c %a secrets.env)\" = 600 ]"),
                "solution_commands": "chmod 600 secrets.env",
            },
            {
                "task_id": "private-folder",
                "description": "Give the folder private/ mode 700 (only you may list, enter or change it).",
                "validation_script": _check("[ \"$(stat -c %a private)\" = 700 ] && [ -f private/diary.txt ]"),
                "solution_commands": "chmod 700 private",
            },
        ],
    },
    "topics": ["permissions", "chmod", "executable", "security", "files", "modes", "octal", "stat"],
    "idea": {
        "learning_objectives": [
            "Read permissions with ls -l and stat",
            "Make a script executable with chmod +x",
            "Set numeric modes such as 600 and 700",
        ],
        "concepts": ["file permissions", "chmod", "octal modes", "owner/group/others"],
        "description": (
            "Learners secure a home folder: they make a backup script runnable, restrict a secrets file to "
            "its owner with mode 600 and close a private folder with 700, learning how the three octal digits "
            "map to owner, group and others and why folders need the execute bit."
        ),
        "difficulty_rationale": "Easy: one command (chmod) applied in three ways.",
    },
}

_SALES_CSV = """\
date,region,product,amount
2024-05-01,north,keyboard,40
2024-05-01,south,mouse,15
2024-05-02,north,monitor,180
2024-05-02,east,keyboard,45
2024-05-03,south,monitor,175
2024-05-03,north,mouse,20
2024-05-04,east,cable,5
"""

CSV_REPORT: dict[str, Any] = {
    "title": "Sales report from a CSV file",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "medium",
    "problem_statement_md": """\
`sales.csv` holds a week of sales, one per line after a header:

```text
date,region,product,amount
2024-05-01,north,keyboard,40
...
```

Build a small report with pipes — no spreadsheet needed.

1. Write the **number of sales** (lines without the header) to `rows.txt`.
2. Write every **region once**, sorted alphabetically, one per line, to `regions.txt`.
3. Write the **total amount per region** to `totals.txt`, one line per region in the form
   `region total` (for example `east 50`), sorted by region.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`tail -n +2 sales.csv` prints everything from line 2, skipping the header; `wc -l` counts lines.",
            "`cut -d, -f2` keeps the second comma-separated field; `sort -u` sorts and removes duplicates.",
            "awk can add up per key: `awk -F, '{ total[$2] += $4 } END { for (r in total) print r, total[r] }'`, then pipe to `sort`.",
        ],
        "setup_script": f"cat > sales.csv <<'CSV'\n{_SALES_CSV}CSV\n",
        "tasks": [
            {
                "task_id": "count-rows",
                "description": "Write the number of sales (without the header line) to rows.txt.",
                "validation_script": _check("[ -f rows.txt ] && [ \"$(tr -d '[:space:]' < rows.txt)\" = 7 ]"),
                "solution_commands": "tail -n +2 sales.csv | wc -l > rows.txt",
            },
            {
                "task_id": "list-regions",
                "description": "Write each region once, sorted, one per line, to regions.txt.",
                "validation_script": _check(
                    "[ -f regions.txt ] && [ \"$(cat regions.txt)\" = \"$(printf 'east\\nnorth\\nsouth')\" ]"
                ),
                "solution_commands": "tail -n +2 sales.csv | cut -d, -f2 | sort -u > regions.txt",
            },
            {
                "task_id": "region-totals",
                "description": "Write 'region total' lines, sorted by region, to totals.txt.",
                "validation_script": _check(
                    "[ -f totals.txt ] && [ \"$(cat totals.txt)\" = \"$(printf 'east 50\\nnorth 240\\nsouth 190')\" ]"
                ),
                "solution_commands": (
                    "tail -n +2 sales.csv | awk -F, '{ total[$2] += $4 } END { for (r in total) print r, total[r] }' "
                    "| sort > totals.txt"
                ),
            },
        ],
    },
    "topics": ["csv", "pipes", "cut", "sort", "uniq", "awk", "wc", "text processing", "report", "aggregate", "tail"],
    "idea": {
        "learning_objectives": [
            "Chain commands with pipes",
            "Select fields of a CSV with cut",
            "Deduplicate with sort -u",
            "Aggregate per key with awk",
        ],
        "concepts": ["pipes", "tail", "wc", "cut", "sort -u", "awk associative arrays"],
        "description": (
            "Learners turn a week of sales in a CSV file into a report using only pipes: they skip the header "
            "with tail and count lines with wc, list distinct regions with cut and sort -u, and total the "
            "amounts per region with an awk associative array, sorted for a stable result."
        ),
        "difficulty_rationale": "Medium: several tools chained per task, ending with awk aggregation.",
    },
}

TAR_BACKUP: dict[str, Any] = {
    "title": "Back up a folder with tar",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "medium",
    "problem_statement_md": """\
Your `notes/` folder (with a `drafts/` sub-folder) is precious. Back it up, check the backup, and prove
it can be restored.

1. Create a gzip-compressed archive `backup.tar.gz` that contains the folder `notes/` and everything in
   it (paths inside the archive start with `notes/`).
2. Write the list of every entry in the archive, as `tar` prints it, to `contents.txt`.
3. Extract the archive into a new folder `restore/`, so that `restore/notes/` is an exact copy of
   `notes/`.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`tar -czf ARCHIVE FOLDER`: c = create, z = gzip, f = the archive's file name.",
            "`tar -tzf ARCHIVE` lists an archive without extracting it; redirect it with `>`.",
            "`tar -xzf ARCHIVE -C DIR` extracts into DIR (create DIR first); `diff -r` compares two folders.",
        ],
        "setup_script": (
            "mkdir -p notes/drafts\n"
            "printf 'buy milk\\ncall Ada\\n' > notes/todo.txt\n"
            "printf '# Ideas\\n- a weather station\\n' > notes/ideas.md\n"
            "printf 'Why tar still matters\\n' > notes/drafts/post.md\n"
        ),
        "tasks": [
            {
                "task_id": "create-archive",
                "description": "Create backup.tar.gz containing notes/ and everything in it.",
                "validation_script": _check(
                    "[ -f backup.tar.gz ] && gzip -t backup.tar.gz 2>/dev/null "
                    "&& tar -tzf backup.tar.gz | grep -qx 'notes/drafts/post.md' "
                    "&& tar -tzf backup.tar.gz | grep -qx 'notes/todo.txt' "
                    "&& tar -tzf backup.tar.gz | grep -qx 'notes/ideas.md'"
                ),
                "solution_commands": "tar -czf backup.tar.gz notes",
            },
            {
                "task_id": "list-contents",
                "description": "Write the archive's list of entries to contents.txt.",
                "validation_script": _check(
                    "[ -f contents.txt ] && grep -q 'notes/todo.txt' contents.txt "
                    "&& [ \"$(sort contents.txt)\" = \"$(tar -tzf backup.tar.gz | sort)\" ]"
                ),
                "solution_commands": "tar -tzf backup.tar.gz > contents.txt",
            },
            {
                "task_id": "restore",
                "description": "Extract the archive into restore/ so that restore/notes/ matches notes/.",
                "validation_script": _check("[ -d restore/notes/drafts ] && diff -r notes restore/notes > /dev/null"),
                "solution_commands": "mkdir -p restore\ntar -xzf backup.tar.gz -C restore",
            },
        ],
    },
    "topics": ["tar", "gzip", "archive", "backup", "compress", "extract", "restore", "diff", "files"],
    "idea": {
        "learning_objectives": [
            "Create a compressed archive with tar -czf",
            "Inspect an archive with tar -tzf",
            "Restore into another folder with tar -xzf -C and verify with diff -r",
        ],
        "concepts": ["tar", "gzip", "archives", "diff -r", "redirection"],
        "description": (
            "Learners back up a notes folder the way system administrators do: they create a gzip-compressed "
            "tar archive, list its entries into a file to check it, then extract it into a separate folder "
            "and confirm with diff -r that the restore is an exact copy."
        ),
        "difficulty_rationale": "Medium: one tool with several modes and flags, plus verifying the result.",
    },
}

_APP_CONF = """\
# Application settings
name=weather-api
port=8080
debug=true
log_level=debug
# debug_sql=true
workers=4
"""

CONFIG_SED: dict[str, Any] = {
    "title": "Edit a configuration file with sed and awk",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "hard",
    "problem_statement_md": """\
The service's `app.conf` has `KEY=VALUE` lines; lines starting with `#` are comments. Change it without
opening an editor, then write a tool that reads it.

1. Change the port from `8080` to `9090` **in place** (every other line stays the same).
2. Comment out every active setting whose key starts with `debug`: `debug=true` must become
   `# debug=true`. Lines that are already comments and other keys (such as `log_level=debug`) stay
   unchanged.
3. Write the keys of all **active** (non-comment) settings, sorted, one per line, to `keys.txt`.
4. Write an executable script `getconf.sh` used as `./getconf.sh KEY FILE`. It prints the value of the
   active setting `KEY` in `FILE` and exits with status 0; when there is no such setting it prints
   nothing and exits with status 1. Values may themselves contain `=` (`url=http://x/?q=1` has the value
   `http://x/?q=1`), and the key `b` must not match a line `b_c=3`.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`sed -i 's/^port=8080$/port=9090/' app.conf` edits in place; `^` and `$` anchor the pattern to the whole line.",
            "A substitution can also insert text at the start of matching lines: `s/^debug/# debug/`.",
            "For keys: drop comments with `grep -v '^#'`, keep the part before the first `=` with `cut -d= -f1`, then sort.",
            "In the script, `grep -m 1 \"^$1=\" \"$2\"` finds the line; `${line#*=}` removes everything up to the first `=`; `|| exit 1` handles a missing key.",
        ],
        "setup_script": f"cat > app.conf <<'CONF'\n{_APP_CONF}CONF\n",
        "tasks": [
            {
                "task_id": "change-port",
                "description": "Change port=8080 to port=9090 in app.conf, in place.",
                "validation_script": _check(
                    "grep -qx 'port=9090' app.conf && ! grep -q 8080 app.conf "
                    "&& [ \"$(wc -l < app.conf)\" = 7 ] && grep -qx 'name=weather-api' app.conf"
                ),
                "solution_commands": "sed -i 's/^port=8080$/port=9090/' app.conf",
            },
            {
                "task_id": "disable-debug",
                "description": "Comment out every active setting whose key starts with debug.",
                "validation_script": _check(
                    "grep -qx '# debug=true' app.conf && ! grep -q '^debug' app.conf "
                    "&& grep -qx '# debug_sql=true' app.conf && grep -qx 'log_level=debug' app.conf "
                    "&& [ \"$(wc -l < app.conf)\" = 7 ]"
                ),
                "solution_commands": "sed -i 's/^debug/# debug/' app.conf",
            },
            {
                "task_id": "list-keys",
                "description": "Write the sorted keys of the active settings to keys.txt.",
                "validation_script": _check(
                    "[ -f keys.txt ] && [ \"$(cat keys.txt)\" = \"$(printf 'log_level\\nname\\nport\\nworkers')\" ]"
                ),
                "solution_commands": "grep -v '^#' app.conf | grep '=' | cut -d= -f1 | sort > keys.txt",
            },
            {
                "task_id": "getconf-script",
                "description": "Write an executable getconf.sh KEY FILE that prints the value of an active setting (exit 1 when missing).",
                "validation_script": _check(
                    "[ -x getconf.sh ] && [ \"$(./getconf.sh port app.conf)\" = 9090 ] "
                    "&& [ \"$(./getconf.sh a .check.conf)\" = 1 ] "
                    "&& [ \"$(./getconf.sh url .check.conf)\" = 'http://x/?q=1' ] "
                    "&& [ -z \"$(./getconf.sh b .check.conf)\" ] && ! ./getconf.sh b .check.conf > /dev/null "
                    "&& ! ./getconf.sh debug app.conf > /dev/null",
                    before="printf 'a=1\\n# b=2\\nb_c=3\\nurl=http://x/?q=1\\n' > .check.conf",
                    after="rm -f .check.conf",
                ),
                "solution_commands": (
                    "cat > getconf.sh <<'SCRIPT'\n"
                    "#!/bin/bash\n"
                    "# Print the value of the active setting KEY ($1) in FILE ($2); exit 1 when it is missing.\n"
                    "line=$(grep -m 1 \"^$1=\" \"$2\") || exit 1\n"
                    "printf '%s\\n' \"${line#*=}\"\n"
                    "SCRIPT\n"
                    "chmod +x getconf.sh"
                ),
            },
        ],
    },
    "topics": [
        "sed", "awk", "grep", "configuration", "config file", "in place editing", "regex", "regular expressions",
        "shell script", "arguments", "exit status", "text processing",
    ],
    "idea": {
        "learning_objectives": [
            "Edit files in place with sed substitutions and anchored regular expressions",
            "Filter and cut structured lines with grep and cut",
            "Write a shell script that takes arguments and reports failure through its exit status",
        ],
        "concepts": ["sed -i", "regular expressions", "grep", "cut", "parameter expansion", "exit status", "shell scripts"],
        "description": (
            "Learners maintain a service's configuration from the shell: an anchored sed substitution changes "
            "the port, another comments out debug settings without touching similar lines, grep and cut list "
            "the active keys, and finally a getconf.sh script reads a value, handling '=' in values, key "
            "prefixes and a missing key through its exit status."
        ),
        "difficulty_rationale": (
            "Hard: four tasks that need precise regular expressions, in-place editing, and a robust script with "
            "arguments, parameter expansion and exit codes."
        ),
    },
}

LOG_ROTATION: dict[str, Any] = {
    "title": "Rotate old log files",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "hard",
    "problem_statement_md": """\
The `logs/` folder keeps growing. Clean it up like a log-rotation job would.

1. Write the paths of the `.log` files in `logs/` that were **last modified more than 30 days ago**,
   sorted, one per line (as `find` prints them, e.g. `logs/app-2024-01-01.log`), to `old_logs.txt`.
2. Pack exactly those files into `archive/old-logs.tar.gz` (their paths inside the archive start with
   `logs/`), then **delete** them from `logs/`. Every other file stays.
3. Count the lines containing `ERROR` in **all** logs — the ones still in `logs/` and the archived
   ones — and write the number to `error_total.txt`.
4. Write an executable script `rotate.sh DIR` that compresses (with `gzip`) every `.log` file directly
   inside `DIR` (not in sub-folders) and prints how many files it compressed.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`find logs -name '*.log' -mtime +30` lists files modified more than 30 days ago; pipe it through `sort`.",
            "`tar -czf ARCHIVE -T LIST` archives the files named in LIST; `xargs rm < LIST` deletes them.",
            "`tar -xzOf ARCHIVE` prints the archived files' contents to stdout: combine it with `cat logs/*.log` in `{ ...; }` and pipe to `grep -c ERROR`.",
            "In the script, loop with `for file in \"$1\"/*.log`, skip non-files with `[ -f \"$file\" ] || continue`, and count with `count=$((count + 1))`.",
        ],
        "setup_script": (
            "mkdir -p logs\n"
            "printf 'INFO start\\nERROR disk full\\nINFO stop\\n' > logs/app-2024-01-01.log\n"
            "printf 'INFO start\\nINFO stop\\n' > logs/app-2024-01-02.log\n"
            "printf 'ERROR timeout\\nERROR timeout\\n' > logs/app-2024-01-03.log\n"
            "printf 'Logs are rotated monthly.\\n' > logs/README.txt\n"
            "touch -d '2024-01-01 12:00' logs/app-2024-01-01.log logs/README.txt\n"
            "touch -d '2024-01-02 12:00' logs/app-2024-01-02.log\n"
            "touch -d '2024-01-03 12:00' logs/app-2024-01-03.log\n"
            "printf 'INFO start\\nERROR cache miss\\n' > logs/app.log\n"
            "printf 'INFO job 1\\nINFO job 2\\n' > logs/worker.log\n"
        ),
        "tasks": [
            {
                "task_id": "find-old",
                "description": "Write the sorted paths of .log files in logs/ older than 30 days to old_logs.txt.",
                "validation_script": _check(
                    "[ -f old_logs.txt ] && [ \"$(cat old_logs.txt)\" = "
                    "\"$(printf 'logs/app-2024-01-01.log\\nlogs/app-2024-01-02.log\\nlogs/app-2024-01-03.log')\" ]"
                ),
                "solution_commands": "find logs -name '*.log' -mtime +30 | sort > old_logs.txt",
            },
            {
                "task_id": "archive-old",
                "description": "Pack the old logs into archive/old-logs.tar.gz and delete them from logs/.",
                "validation_script": _check(
                    "[ -f archive/old-logs.tar.gz ] && [ \"$(tar -tzf archive/old-logs.tar.gz | sort)\" = \"$(cat old_logs.txt)\" ] "
                    "&& [ -z \"$(find logs -name 'app-2024-*')\" ] "
                    "&& [ -f logs/app.log ] && [ -f logs/worker.log ] && [ -f logs/README.txt ]"
                ),
                "solution_commands": "mkdir -p archive\ntar -czf archive/old-logs.tar.gz -T old_logs.txt\nxargs rm -- < old_logs.txt",
            },
            {
                "task_id": "count-errors",
                "description": "Write the number of ERROR lines in all logs, archived ones included, to error_total.txt.",
                "validation_script": _check("[ -f error_total.txt ] && [ \"$(tr -d '[:space:]' < error_total.txt)\" = 4 ]"),
                "solution_commands": "{ cat logs/*.log; tar -xzOf archive/old-logs.tar.gz; } | grep -c ERROR > error_total.txt",
            },
            {
                "task_id": "rotate-script",
                "description": "Write an executable rotate.sh DIR that gzips every .log file directly in DIR and prints how many it compressed.",
                "validation_script": _check(
                    "[ -x rotate.sh ] && [ \"$out\" = 2 ] && [ -f .check/one.log.gz ] && [ -f .check/two.log.gz ] "
                    "&& [ ! -e .check/one.log ] && [ -f .check/keep.txt ] && [ -f .check/sub/deep.log ] "
                    "&& [ \"$(gzip -dc .check/one.log.gz)\" = a ]",
                    before=(
                        "rm -rf .check && mkdir -p .check/sub\n"
                        "printf 'a\\n' > .check/one.log; printf 'b\\n' > .check/two.log\n"
                        "printf 'c\\n' > .check/keep.txt; printf 'd\\n' > .check/sub/deep.log\n"
                        "out=$(./rotate.sh .check 2> /dev/null)"
                    ),
                    after="rm -rf .check",
                ),
                "solution_commands": (
                    "cat > rotate.sh <<'SCRIPT'\n"
                    "#!/bin/bash\n"
                    "# Compress every .log file directly inside the folder $1 and print how many there were.\n"
                    "count=0\n"
                    "for file in \"$1\"/*.log; do\n"
                    "    [ -f \"$file\" ] || continue\n"
                    "    gzip \"$file\"\n"
                    "    count=$((count + 1))\n"
                    "done\n"
                    "echo \"$count\"\n"
                    "SCRIPT\n"
                    "chmod +x rotate.sh"
                ),
            },
        ],
    },
    "topics": [
        "logs", "log rotation", "find", "mtime", "tar", "gzip", "xargs", "pipes", "grep", "archive",
        "shell script", "loop", "cleanup",
    ],
    "idea": {
        "learning_objectives": [
            "Select files by age with find -mtime",
            "Archive a list of files with tar -T and delete them with xargs",
            "Search compressed and plain logs together in one pipeline",
            "Write a looping shell script with arguments and a counter",
        ],
        "concepts": ["find", "tar", "gzip", "xargs", "grouped commands", "for loops", "arithmetic expansion"],
        "description": (
            "Learners run a log-rotation job by hand and then automate it: they find logs older than 30 days, "
            "archive and delete exactly those, count errors across live and archived logs in one pipeline, and "
            "write rotate.sh, a script that gzips the logs of any folder and reports how many it compressed."
        ),
        "difficulty_rationale": (
            "Hard: four dependent tasks that combine find, tar, xargs, grouped pipelines and a script with a "
            "loop, globbing edge cases and arithmetic."
        ),
    },
}

BLUEPRINTS: list[dict[str, Any]] = [
    PROJECT_SKELETON,
    PERMISSIONS,
    CSV_REPORT,
    TAR_BACKUP,
    CONFIG_SED,
    LOG_ROTATION,
]
