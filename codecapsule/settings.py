"""CodeCapsule settings: one module, every value from the environment.

Development defaults (DEBUG on, SQLite under var/, local media, the offline LLM catalog) let `make run`
work on a fresh machine; production sets DJANGO_DEBUG=0 and must then provide a secret key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from capsules import languages as language_registry  # not LANGUAGES: that name is Django's i18n setting
from codecapsule.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CODECAPSULE_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG=0")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=0")

# Absolute base URL used wherever we hand out links that leave the site (embed codes, oEmbed). Production must
# say where it is served: an https SITE_URL turns on HSTS, secure cookies and the HTTPS redirect (Auth block).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured("SITE_URL is required when DJANGO_DEBUG=0 (e.g. https://capsules.example.com)")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc assets served locally: /api/docs/ works offline
    "django_htmx",
    "template_partials",
    "django_q",
    "capsules",
    "judges",
    "generation",
    "playlists",
    "feedback",
    "codecapsule",  # only for codecapsule/management/commands (backup, restore): see codecapsule/backup.py
]

MIDDLEWARE = [
    # Outermost: the last word on answers a shared cache may keep (no cookie, no Vary: Cookie in them).
    "codecapsule.cachecontrol.SharedCacheGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the session middleware, so a database error while saving the session is a 503 too.
    "codecapsule.dbfaults.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "codecapsule.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "codecapsule.urls"
WSGI_APPLICATION = "codecapsule.wsgi.application"
ASGI_APPLICATION = "codecapsule.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        # With persistent connections, test each one before reuse: after a database restart or failover the
        # first request on every stale connection would otherwise fail (prodtests/test_fault_database.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The django-q2 worker and the web server write to one SQLite file: wait for the lock instead of
    # failing at once, and let readers run beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# UNIQUE(playlist, order) is deferrable where the database supports it (PostgreSQL); on SQLite the
# playlist service reorders in two phases instead (playlists/services.py), so the warning that SQLite
# ignores `deferrable` says nothing we have not handled.
SILENCED_SYSTEM_CHECKS = ["models.W038"]

# One Redis serves several machines as django-q2's broker (Background jobs block) and as Django's
# cache, so rate limits, the analysis debounce, judge verdicts and worker heartbeats are shared by every web
# and worker process. Without it each process keeps its own memory cache (fine for one machine in development).
REDIS_URL = env_str("REDIS_URL")
# Results of deterministic judge work, keyed by everything that decides them (a browser engine's run of a reference:
# judges/validators/browser.py): apart from `default`, whose rate limits and in-flight marks get emptied (tests do
# before each one), since a result is the same whoever asks and costs seconds of engine start to make again.
JUDGE_RESULTS_CACHE = "judge-results"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "codecapsule"),
            # Fail fast when Redis is unreachable instead of holding a request thread for the OS's TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        },
    }
    CACHES[JUDGE_RESULTS_CACHE] = {**CACHES["default"], "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "codecapsule") + "-judge"}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        JUDGE_RESULTS_CACHE: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "judge-results"},
    }

# --- Files ------------------------------------------------------------------------------------------

STATIC_URL = "/static/"
# Where `collectstatic` writes and WhiteNoise serves from in production.
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# Manifest storage needs `collectstatic`; development and tests serve straight from static/.
_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
STORAGES = {"default": _default_storage, "staticfiles": {"BACKEND": _static_backend}}
# Files whose name changes with their content may be cached for good: Django's manifest names, the editor's
# language modules and shared chunks, which esbuild names after their content (scripts/build-frontend.mjs) and
# the editor core imports by those names, and the browser engines (Pyodide's 12 MB, sql.js), whose directory is
# named after their package's version.
_IMMUTABLE_STATIC = re.compile(
    r"^.+\.[0-9a-f]{12}\..+$|/vendor/codemirror-languages/[\w-]+-[A-Z0-9]{8}\.js$|/vendor/engines/[a-z]+-\d+\.\d+\.\d+/"
)


def _immutable_static_file(path: str, url: str) -> bool:
    return bool(_IMMUTABLE_STATIC.search(url))


WHITENOISE_IMMUTABLE_FILE_TEST = _immutable_static_file

# The workers that run learners' code (and creators' test calls) in the browser for Run (static/src/runners/) are
# held by the policy their own response carries: they may load and compile code from our origin only (the engines:
# 'wasm-unsafe-eval'; the JavaScript engine compiles the learner's code: 'unsafe-eval') and fetch from our origin
# only, so a program cannot send what it reads anywhere else.
RUNNER_WORKER_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' blob:; connect-src 'self'; worker-src 'self' blob:"
)


def _static_headers(headers: Any, path: str, url: str) -> None:
    if "/vendor/runners/" in url and url.endswith("-worker.js"):
        headers["Content-Security-Policy"] = RUNNER_WORKER_CSP


WHITENOISE_ADD_HEADERS_FUNCTION = _static_headers

# --- Auth and security ------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "capsules:list"
LOGOUT_REDIRECT_URL = "login"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS, secure cookies and the HTTPS redirect follow SITE_URL: on when the site is served over https
# (every real deployment), off for plain-http development and loopback test runs. Each can still be overridden.
_secure = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", _secure)
# Load balancers probe over plain HTTP without X-Forwarded-Proto and count a redirect as unhealthy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", _secure)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if _secure else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
# Behind a load balancer that terminates TLS: trust its X-Forwarded-Proto here, and its X-Forwarded-For entry in the
# API throttles (REST_FRAMEWORK's NUM_PROXIES).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- Internationalization ---------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- API --------------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 20, minimum=1, maximum=200),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "codecapsule.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, through codecapsule.jsonparse: no nesting deeper than JSON_MAX_DEPTH, no NaN/Infinity/1e400.
    "DEFAULT_PARSER_CLASSES": ["codecapsule.parsers.StrictJSONParser"],
    # Throttles count per client address. Left unset, DRF takes the address from X-Forwarded-For, which any
    # client can write: a fresh made-up address per request and no throttle ever applied. Trust only what the
    # one load balancer of DJANGO_BEHIND_PROXY appends (the last entry); without it, only the socket's address.
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    # Only POST /api/auth/token/ is throttled (per client address): it takes passwords, so it is where
    # guessing happens. 20 a minute leaves room for scripts and slows a guesser to ~29k tries a day.
    "DEFAULT_THROTTLE_RATES": {
        "auth-token": env_str("API_TOKEN_THROTTLE_RATE", "20/minute"),
        # Grading runs untrusted code: a learner clicking Run/Submit stays far below this.
        "attempts": env_str("API_ATTEMPT_THROTTLE_RATE", "30/minute"),
    },
}
# How deeply arrays and objects may nest in any JSON we read from outside (API bodies, learner events, import
# files; codecapsule/jsonparse.py). The deepest legitimate text is 6 levels: a DATABASE capsule's
# config_data.schema_info[i].columns is 5, one more as an item of an import file's array. 32 is generous; a deeper
# text is refused before the parser sees it (Python's json recurses: ~1,000 levels would crash it). At most 200,
# so that a request's own stack plus the parser's recursion stays far below Python's recursion limit (1,000).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32, minimum=8, maximum=200)
SPECTACULAR_SETTINGS = {
    "TITLE": "CodeCapsule API",
    "DESCRIPTION": "Create, validate, grade and embed interactive programming exercises.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several schemas have a `status`; name the capsule's choice set instead of a generated hash name.
    "ENUM_NAME_OVERRIDES": {"CapsuleStatusEnum": "capsules.models.CapsuleStatus"},
    # Serve the docs UI from drf-spectacular-sidecar's static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Capsules ---------------------------------------------------------------------------------------

# A capsule's config_data may not exceed 256 KB of JSON (ample for any exercise's code, tests and seed
# SQL); larger bodies are refused with a 400.
CAPSULE_CONFIG_MAX_BYTES = env_int("CAPSULE_CONFIG_MAX_BYTES", 256 * 1024, minimum=1024)
CAPSULE_LIST_PAGE_SIZE = env_int("CAPSULE_LIST_PAGE_SIZE", 20, minimum=1, maximum=200)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo")

# --- Playlists and embeds ---------------------------------------------------------------------------

# Who may frame /embed/ pages (CSP frame-ancestors): any site by default, since creators paste the
# iframe into blogs we cannot list; a deployment may narrow it ("https://blog.example.com,https://...").
EMBED_FRAME_ANCESTORS = env_list("EMBED_FRAME_ANCESTORS", ["*"])
# The anonymous learner key cookie inside the iframe (resume where you left off); a year, like analytics ids.
EMBED_LEARNER_COOKIE = "cc_learner"
EMBED_LEARNER_COOKIE_AGE = env_int("EMBED_LEARNER_COOKIE_AGE", 365 * 24 * 3600, minimum=3600)
# The iframe height the embed code starts with; embed.js then sizes it to its content.
EMBED_DEFAULT_HEIGHT = env_int("EMBED_DEFAULT_HEIGHT", 600, minimum=200, maximum=4000)
# Learner events (the frame posts one per step viewed): a person clicking through a course stays far below
# these; the per-address limit allows a classroom behind one NAT.
EMBED_EVENTS_PER_MINUTE = env_int("EMBED_EVENTS_PER_MINUTE", 60, minimum=1)
EMBED_EVENTS_PER_MINUTE_PER_ADDRESS = env_int("EMBED_EVENTS_PER_MINUTE_PER_ADDRESS", 600, minimum=1)
# Learner workspaces: Run and Submit in an embed each start a judge job. A learner trying things
# presses Run every few seconds at most: 20 runs and 10 submits a minute per learner and address stay out of
# their way (the attempts API allows 30 a minute). Per address (each of run and submit), a classroom of 30
# behind one NAT running every 6 s is 300 a minute; beyond that the judge's slots are the bottleneck anyway.
EMBED_RUNS_PER_MINUTE = env_int("EMBED_RUNS_PER_MINUTE", 20, minimum=1)
EMBED_SUBMITS_PER_MINUTE = env_int("EMBED_SUBMITS_PER_MINUTE", 10, minimum=1)
EMBED_GRADING_PER_MINUTE_PER_ADDRESS = env_int("EMBED_GRADING_PER_MINUTE_PER_ADDRESS", 300, minimum=1)
# The terminal workspace in an embed: every command, Check and Reset is one sandbox job
# (judges/workspace.py, ~0.1-0.3 s). A learner at a shell types a command every few seconds, with bursts of quick
# ones (ls, cd, cat): 30 a minute per learner and address stays out of their way; per address, a classroom of 30
# behind one NAT at a command every 6 s is 300 a minute.
EMBED_TERMINAL_COMMANDS_PER_MINUTE = env_int("EMBED_TERMINAL_COMMANDS_PER_MINUTE", 30, minimum=1)
EMBED_TERMINAL_COMMANDS_PER_MINUTE_PER_ADDRESS = env_int("EMBED_TERMINAL_COMMANDS_PER_MINUTE_PER_ADDRESS", 300, minimum=1)
# Caching of the embed's shared answers (public course and capsule pages, the embed JSON; playlists/views/
# _embed_cache.py). No purge reaches a CDN, so these ages bound how long a creator's edit takes to show: a shared
# cache serves a copy for S_MAXAGE (then revalidates: a 304 costs the origin one query), may serve it while it
# revalidates for STALE_WHILE_REVALIDATE more, and a browser keeps what it got for MAX_AGE (nginx sends no Age,
# so a browser may count that from its own fetch). Worst case 120 + 30 + 60 s: an edit shows within about 3.5
# minutes everywhere, and a busy step costs the origin one revalidation per cache node every two minutes.
# STALE_IF_ERROR: while the origin fails (a deploy, a database failover), learners keep the last public copy.
EMBED_CACHE_MAX_AGE = env_int("EMBED_CACHE_MAX_AGE", 60, minimum=0)
EMBED_CACHE_S_MAXAGE = env_int("EMBED_CACHE_S_MAXAGE", 120, minimum=0)
EMBED_CACHE_STALE_WHILE_REVALIDATE = env_int("EMBED_CACHE_STALE_WHILE_REVALIDATE", 30, minimum=0)
EMBED_CACHE_STALE_IF_ERROR = env_int("EMBED_CACHE_STALE_IF_ERROR", 3600, minimum=0)
# The origin keeps each rendered shared answer this long in Django's cache, keyed by its ETag (content-addressed:
# an edit makes new keys, so this only bounds memory). An hour: a 200-step course is ~20 MB of pages per variant.
EMBED_RENDER_CACHE_SECONDS = env_int("EMBED_RENDER_CACHE_SECONDS", 3600, minimum=0)
# …and each web process keeps the bodies it answered last in memory too, up to this many bytes (16 MB: every step of a
# 20-step course in every variant, or most of a 200-step course's pages), so a cached answer costs no Redis round trip.
EMBED_RENDER_MEMORY_BYTES = env_int("EMBED_RENDER_MEMORY_BYTES", 16 * 1024 * 1024, minimum=0)
# Mixed into every embed ETag: set it to the release (e.g. the commit) when a deploy changes embed output in a way
# the files under playlists/ and capsules/ do not show (they are hashed in anyway).
EMBED_CACHE_VERSION = env_str("EMBED_CACHE_VERSION", "")
PLAYLIST_LIST_PAGE_SIZE = env_int("PLAYLIST_LIST_PAGE_SIZE", 20, minimum=1, maximum=200)
# The builder's "My capsules" column shows at most this many matches of its search and type filter.
PLAYLIST_BUILDER_CAPSULES = env_int("PLAYLIST_BUILDER_CAPSULES", 100, minimum=10, maximum=1000)

# --- Background jobs (django-q2) --------------------------------------------------------------------

# `timeout` must stay below `retry`, or a slow task is handed to a second worker while the first still
# runs; max_attempts=1 because a generation job records its own failure instead of being replayed.
Q_TIMEOUT_SECONDS = env_int("Q_TIMEOUT_SECONDS", 600, minimum=10)
Q_CLUSTER = {
    "name": "codecapsule",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": Q_TIMEOUT_SECONDS,
    "retry": Q_TIMEOUT_SECONDS + 60,
    "max_attempts": 1,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", False),
    "poll": 0.5,
    "save_limit": 500,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- LLM --------------------------------------------------------------------------------------------

OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
OPENAI_MODEL = env_str("OPENAI_MODEL", "gpt-4o-mini")
AZURE_OPENAI_ENDPOINT = env_str("AZURE_OPENAI_ENDPOINT")
AZURE_OPENAI_API_KEY = env_str("AZURE_OPENAI_API_KEY")
OPENAI_API_VERSION = env_str("OPENAI_API_VERSION", "2024-10-21")
_default_provider = "azure" if AZURE_OPENAI_API_KEY else ("openai" if OPENAI_API_KEY else "catalog")
LLM_PROVIDER = env_choice("LLM_PROVIDER", _default_provider, ("openai", "azure", "catalog"))

# --- Logging ----------------------------------------------------------------------------------------

# json: one object per line for log shippers (codecapsule/logging.py); text: for people reading a terminal.
LOG_FORMAT = env_choice("LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "codecapsule.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Judge ------------------------------------------------------------------------------------------
# The sandbox and its limits (judges/sandbox/, judges/limits.py). Limits are per
# run of the learner's program (one test, one query, one terminal step) unless the name says otherwise.

# Debian's bubblewrap package. A missing or unusable bwrap refuses every job, unless ALLOW_UNSANDBOXED.
JUDGE_BWRAP_PATH = env_str("JUDGE_BWRAP_PATH", "/usr/bin/bwrap")
# Development only: run untrusted code without bubblewrap when it is unavailable (never in production).
JUDGE_ALLOW_UNSANDBOXED = env_bool("JUDGE_ALLOW_UNSANDBOXED", False)
# Debian's interpreter runs the in-sandbox harness and learner Python; never the project's virtualenv.
JUDGE_PYTHON_PATH = env_str("JUDGE_PYTHON_PATH", "/usr/bin/python3")
# When the server runs as root, job slot N runs as host uid JUDGE_UID_BASE + N: RLIMIT_NPROC is never
# enforced for uid 0 and counts every process of a uid, so each concurrent job gets its own unused uid.
JUDGE_UID_BASE = env_int("JUDGE_UID_BASE", 61000, minimum=1000)
# Concurrent jobs on this host (all processes share the slots through lock files in JUDGE_SLOT_DIR).
JUDGE_SLOTS = env_int("JUDGE_SLOTS", 8, minimum=1, maximum=1000)
JUDGE_SLOT_DIR = env_str("JUDGE_SLOT_DIR", "")  # "" = <tmp>/codecapsule-judge-<euid>
# Background work (the gate, generation jobs, revalidate) waits this long for a free slot: it has nobody waiting
# on a page, and a burst of jobs should queue rather than fail.
JUDGE_SLOT_WAIT_SECONDS = env_int("JUDGE_SLOT_WAIT_SECONDS", 120, minimum=1)
# Grading availability (the judge\'s promise "Available"). A learner's request (Run, Submit, a terminal command, the
# attempts API) waits at most this long for a slot, then answers 503 with Retry-After and the learner's work
# kept: an attempt takes 0.05-1 s (benchmarks/judge_bench.py), so 2 s rides out a burst, while a judge that is
# full for longer (a flood from many addresses) must not hold every web thread (it did: 120 s).
JUDGE_LEARNER_SLOT_WAIT_SECONDS = env_int("JUDGE_LEARNER_SLOT_WAIT_SECONDS", 2, minimum=1, maximum=60)
# What Retry-After says when the judge is full (503) or the learner already has an attempt in flight (429): about
# the time one attempt takes, with room for the compiled languages.
JUDGE_BUSY_RETRY_AFTER_SECONDS = env_int("JUDGE_BUSY_RETRY_AFTER_SECONDS", 3, minimum=1, maximum=120)
# Per-run limits. 2 s CPU / 5 s wall is generous for exercise-sized programs; an "-extended" runtime
# tier multiplies time and memory by JUDGE_EXTENDED_FACTOR.
JUDGE_CPU_SECONDS = env_int("JUDGE_CPU_SECONDS", 2, minimum=1)
JUDGE_WALL_SECONDS = env_int("JUDGE_WALL_SECONDS", 5, minimum=1)
# A learner's whole attempt — compile and every test of all its jobs (visible tests, then hidden ones; visible
# data, then hidden) — in wall-clock seconds. Every job also stops at its first test that runs out of time or
# memory, so a looping or sleeping submission costs one JUDGE_WALL_SECONDS; this bounds one whose every test
# stays just under the limit (10 tests x 4.9 s held a slot 49 s). Three per-test limits leave room for a
# compiled language's build (javac 1-3 s on a loaded 2-core machine) and an honest slow test.
JUDGE_ATTEMPT_WALL_SECONDS = env_int("JUDGE_ATTEMPT_WALL_SECONDS", 3 * JUDGE_WALL_SECONDS, minimum=1)
JUDGE_EXTENDED_FACTOR = env_int("JUDGE_EXTENDED_FACTOR", 2, minimum=1, maximum=10)
# RLIMIT_AS for interpreters that reserve little up front (Python, Bash, SQLite).
JUDGE_ADDRESS_SPACE_MB = env_int("JUDGE_ADDRESS_SPACE_MB", 512, minimum=64)
# Heap cap for managed runtimes (JVM -Xmx, Node --max-old-space-size, Mono max-heap-size).
JUDGE_HEAP_MB = env_int("JUDGE_HEAP_MB", 256, minimum=16)
# RLIMIT_NPROC counts threads too: the JVM starts ~20, `go build` ~40 across its tools.
JUDGE_PROCESSES = env_int("JUDGE_PROCESSES", 64, minimum=8)
JUDGE_FILE_SIZE_MB = env_int("JUDGE_FILE_SIZE_MB", 16, minimum=1)
JUDGE_OPEN_FILES = env_int("JUDGE_OPEN_FILES", 256, minimum=16)
# 64 KB of each of stdout and stderr per run, far more than any test's expected output; more is cut
# and reported as OLE.
JUDGE_OUTPUT_BYTES = env_int("JUDGE_OUTPUT_BYTES", 64 * 1024, minimum=1024)
# Size of each writable tmpfs in the sandbox (work directory, /tmp): "filling the disk" stops here.
JUDGE_TMPFS_MB = env_int("JUDGE_TMPFS_MB", 64, minimum=4)
# Compilers (javac, go build, mcs) are trusted programs on untrusted input: more time and address space.
JUDGE_COMPILE_CPU_SECONDS = env_int("JUDGE_COMPILE_CPU_SECONDS", 20, minimum=1)
JUDGE_COMPILE_WALL_SECONDS = env_int("JUDGE_COMPILE_WALL_SECONDS", 30, minimum=1)
JUDGE_COMPILE_ADDRESS_SPACE_MB = env_int("JUDGE_COMPILE_ADDRESS_SPACE_MB", 3072, minimum=256)
# Backstop for a whole job, whatever its number of tests.
JUDGE_JOB_WALL_SECONDS = env_int("JUDGE_JOB_WALL_SECONDS", 120, minimum=5)
# Memory (RAM and tmpfs together) of a whole job, through a memory cgroup per slot where /sys/fs/cgroup
# lets root create one (cgroup v1 or v2): RLIMIT_AS bounds each process, this bounds a fork bomb of
# memory hogs. javac or one JVM run stays under ~700 MB; without cgroups the rlimits alone apply.
JUDGE_CGROUPS = env_bool("JUDGE_CGROUPS", True)
JUDGE_JOB_MEMORY_MB = env_int("JUDGE_JOB_MEMORY_MB", 2048, minimum=256)
# A learner's attempt over 64 KB (far more than any exercise's solution) is refused with a 400.
JUDGE_MAX_CODE_BYTES = env_int("JUDGE_MAX_CODE_BYTES", 64 * 1024, minimum=1024)
# Learner drafts (playlists.services.draft_save) stored from one client address, all learner keys together: keys
# are free to mint, so without this one address could fill the database (600 saves a minute of 64 KB each). 50 MB
# holds a classroom behind one NAT: 200 learners x 20 steps x 10 KB; past it the address's oldest drafts go first.
LEARNER_DRAFT_BYTES_PER_ADDRESS = env_int("LEARNER_DRAFT_BYTES_PER_ADDRESS", 50 * 1024 * 1024, minimum=JUDGE_MAX_CODE_BYTES)
# Rows kept from a query result (the total count is still reported).
JUDGE_SQL_MAX_ROWS = env_int("JUDGE_SQL_MAX_ROWS", 1000, minimum=1)
# PostgreSQL dialect for DATABASE capsules: an administrative URL (CREATEDB + CREATEROLE); each run gets a throwaway
# database and a login-less role of its own (judges/runtimes/sql_postgres.py). Unset = the postgresql dialect is refused.
JUDGE_POSTGRES_URL = env_str("JUDGE_POSTGRES_URL")
# Runtimes that reserve a lot at start (JVM, Go, Node, Mono) need more than the global limits: the language
# registry (capsules/languages.py, `judge_limits`) has the measured defaults and minimums; each can be set as
# JUDGE_<LANGUAGE>_<FIELD>, e.g. JUDGE_JAVA_ADDRESS_SPACE_MB=3072 or JUDGE_GO_PROCESSES=256.
JUDGE_LANGUAGE_LIMITS = {
    language.code: {
        name: env_int(f"JUDGE_{language.code.upper()}_{name.upper()}", limit.default, minimum=limit.minimum)
        for name, limit in language.judge_limits.items()
    }
    for language in language_registry.LANGUAGES
    if language.judge_limits
}

# --- Judge: warm sandboxes ---
# Each server process keeps up to this many sandboxes started ahead of need (bwrap + the harness waiting
# for its job, each in a slot of its own), so a job does not wait ~15-20 ms for one; each serves exactly
# one job and a replacement starts in the background (judges/sandbox/warm.py). 0 turns them off. One starts
# only while at least half of JUDGE_SLOTS are free; unused ones end after JUDGE_WARM_IDLE_SECONDS and are
# not replaced until the next job.
JUDGE_WARM_SANDBOXES = env_int("JUDGE_WARM_SANDBOXES", 2, minimum=0, maximum=16)
JUDGE_WARM_IDLE_SECONDS = env_int("JUDGE_WARM_IDLE_SECONDS", 120, minimum=1)

# --- Judge: browser tiers ---
# A capsule whose Run happens in the learner's browser (wasm-python, browser-javascript, wasm-sqlite) is checked by
# the gate in that engine too: node-run.mjs runs the reference's visible tests in the sandbox and must agree with
# the server (judges/validators/browser.py; results cached a day). It needs the built engines (static/vendor/engines/,
# `node scripts/build-frontend.mjs`); without them the gate reports a judge error. 0 skips the check (the report
# says so), for operators who serve no front-end build.
JUDGE_BROWSER_AGREEMENT = env_bool("JUDGE_BROWSER_AGREEMENT", True)

# --- Generation / LLM -------------------------------------------------------------------------------
# How generation/llm/ talks to the model. Provider, keys and endpoints are in the LLM block above.

# Model per agent; with LLM_PROVIDER=azure these are deployment names. Unset = OPENAI_MODEL.
LLM_MODEL_PEDAGOGIST = env_str("LLM_MODEL_PEDAGOGIST") or OPENAI_MODEL
LLM_MODEL_CODER = env_str("LLM_MODEL_CODER") or OPENAI_MODEL
LLM_MODEL_DEBUGGER = env_str("LLM_MODEL_DEBUGGER") or OPENAI_MODEL
LLM_MODEL_SOLVER = env_str("LLM_MODEL_SOLVER") or OPENAI_MODEL
# Output tokens each agent's call may write (max_completion_tokens). Without a cap a model that rambles writes
# until its context is full: minutes of a worker on a small local model, money on a paid one. Each size is a
# generous upper bound of a good answer (about 4 characters a token), so a cut-off answer is a model that went
# astray (category `length`), not a long exercise:
# - Pedagogist: an idea is a title, 3-5 objectives, a few concepts and a paragraph: ~300 tokens.
LLM_MAX_TOKENS_PEDAGOGIST = env_int("LLM_MAX_TOKENS_PEDAGOGIST", 1000, minimum=64)
# - Coder: a whole capsule, a statement of up to ~400 words, starting code, a reference and 6-12 tests (or a seed
#   and a hidden dataset of ~20 rows each, or 3-5 tasks with scripts): the catalog's largest is ~2,500 tokens.
LLM_MAX_TOKENS_CODER = env_int("LLM_MAX_TOKENS_CODER", 4000, minimum=256)
# - Debugger: the same capsule plus a two-sentence diagnosis.
LLM_MAX_TOKENS_DEBUGGER = env_int("LLM_MAX_TOKENS_DEBUGGER", 4200, minimum=256)
# - Solver: one solution program, query or script, plus a sentence on its approach: a reference is ~50-400 tokens.
LLM_MAX_TOKENS_SOLVER = env_int("LLM_MAX_TOKENS_SOLVER", 1500, minimum=64)
# Seconds per HTTP request (each SDK retry gets its own). A full capsule is a few thousand output tokens: tens of
# seconds for a hosted model; raise it for a slow local model. The SDK's default (600 s) pins a worker 10 minutes.
LLM_TIMEOUT_SECONDS = env_int("LLM_TIMEOUT_SECONDS", 120, minimum=1)
# Retries the SDK makes on timeouts, connection errors, 408/409/429 and 5xx, with backoff 0.5 s doubling to 8 s
# (or the server's Retry-After, up to 2 min). 2 is the SDK's default; 0 turns retries off.
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2, minimum=0, maximum=10)
# 1: ask for Structured Outputs (response_format json_schema) first and fall back to JSON mode when the server
# rejects it. 0: the server has no structured outputs (older vLLM, llama.cpp, Ollama builds); use JSON mode
# with the schema in the system message, pydantic validation and one repair request from the start.
LLM_STRUCTURED_OUTPUTS = env_bool("LLM_STRUCTURED_OUTPUTS", True)

# --- Generation jobs --------------------------------------------------------------------------------
# At most GENERATION_MAX_HEALS Debugger attempts per job (3 by default): each is a model call and a judge run,
# so this bounds what a failing job costs and how long its creator waits.
GENERATION_MAX_HEALS = env_int("GENERATION_MAX_HEALS", 3, minimum=0, maximum=10)
# After this many failed Debugger heals in a row, the next heal asks the Coder for a fresh draft with the
# failure history: by then the draft itself is likely wrong, not a detail of it; 0 never regenerates.
GENERATION_REGENERATE_AFTER_HEALS = env_int("GENERATION_REGENERATE_AFTER_HEALS", 2, minimum=0)
# What one job may spend, whatever the model does. Tokens: prompt + output of every call, as the server reports
# them; a job of 2 first calls, 3 heals and 4 statement checks sends ~8-12k prompt tokens a call, so 120k leaves
# room for a full job and stops a runaway (each call's output cap is also cut to what is left). Seconds: from
# the job's start, LLM calls and judging alike; each LLM request's timeout is cut to what is left, so the job
# ends within about a judgement of it. A job over either fails with category `token_budget` / `time_budget`.
GENERATION_JOB_TOKEN_BUDGET = env_int("GENERATION_JOB_TOKEN_BUDGET", 120_000, minimum=1000)
# Default: a minute under django-q2's task timeout (540 s), so a job ends and says why before django-q2 kills it.
GENERATION_JOB_WALL_SECONDS = env_int(
    "GENERATION_JOB_WALL_SECONDS", max(Q_TIMEOUT_SECONDS - 60, Q_TIMEOUT_SECONDS // 2), minimum=5
)
if GENERATION_JOB_WALL_SECONDS >= Q_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"GENERATION_JOB_WALL_SECONDS ({GENERATION_JOB_WALL_SECONDS}) must be below Q_TIMEOUT_SECONDS "
        f"({Q_TIMEOUT_SECONDS}), or django-q2 kills jobs before they can fail as time_budget"
    )
# The statement check (generation/statement_check.py): after a draft passes the judge, the Solver writes a
# solution from what a learner sees only and the judge runs it on every test. One more model call and judge run
# per passing draft, hence a switch for operators who pay per token; the offline catalog has no Solver.
GENERATION_STATEMENT_CHECK = env_bool("GENERATION_STATEMENT_CHECK", True)
# Per-creator limits: jobs queued or running at once, and jobs started per hour.
GENERATION_MAX_CONCURRENT_JOBS = env_int("GENERATION_MAX_CONCURRENT_JOBS", 2, minimum=1)
GENERATION_JOBS_PER_HOUR = env_int("GENERATION_JOBS_PER_HOUR", 30, minimum=1)
GENERATION_PROMPT_MAX_CHARS = env_int("GENERATION_PROMPT_MAX_CHARS", 2000, minimum=100)
# A worker killed mid-job (SIGKILLed, or terminated by django-q2's timeout guard) never records its job's end,
# so the job would stay "running" forever. While a job runs, a thread of its worker stamps
# GenerationJob.heartbeat_at every GENERATION_HEARTBEAT_SECONDS; a running job silent for
# GENERATION_LOST_AFTER_SECONDS is failed as worker_lost (generation.services.generation_jobs_reap_lost: a
# minutely schedule, the job's page and API, each new job). Lost-after must leave room for several missed beats
# (a busy database, a 2-core machine judging), hence at least 3 heartbeats; 10 s / 60 s costs one tiny UPDATE
# per running job every 10 s and tells the creator within about a minute.
GENERATION_HEARTBEAT_SECONDS = env_int("GENERATION_HEARTBEAT_SECONDS", 10, minimum=1, maximum=600)
GENERATION_LOST_AFTER_SECONDS = env_int("GENERATION_LOST_AFTER_SECONDS", 60, minimum=3, maximum=24 * 3600)
if GENERATION_LOST_AFTER_SECONDS < 3 * GENERATION_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"GENERATION_LOST_AFTER_SECONDS ({GENERATION_LOST_AFTER_SECONDS}) must be at least 3 x "
        f"GENERATION_HEARTBEAT_SECONDS ({GENERATION_HEARTBEAT_SECONDS}), or live jobs are failed as lost"
    )
# A job still queued this long after it was saved has its task sent again by the same minutely schedule
# (generation.services.generation_jobs_resend_stuck): the task may be lost (Redis restarted without persistence, a
# cluster killed holding fetched tasks, the broker down at save time). Only one worker can claim a job, so a job that
# was merely waiting in a long queue loses nothing; 5 minutes is several jobs' worth of waiting on one worker.
GENERATION_RESEND_QUEUED_AFTER_SECONDS = env_int("GENERATION_RESEND_QUEUED_AFTER_SECONDS", 300, minimum=10, maximum=24 * 3600)

# --- Terminal workspaces ---
# Each learner's TERMINAL workspace (judges/workspace.py) lives server-side between commands as
# a gzip'd tar of the sandbox's home directory, one row per (capsule, learner). Every command also has the bash
# per-run judge limits above (JUDGE_CPU_SECONDS, JUDGE_WALL_SECONDS, JUDGE_PROCESSES, ...).
# Largest workspace a command may leave, counted as the uncompressed tar of the home directory (512 bytes of
# header per file): a TERMINAL exercise works on a handful of small text files, so 2 MB leaves ample room while
# a few thousand learners' rows stay within a few GB. A command that would leave more is refused and the
# workspace keeps its state from before that command.
JUDGE_WORKSPACE_MAX_BYTES = env_int("JUDGE_WORKSPACE_MAX_BYTES", 2 * 1024 * 1024, minimum=64 * 1024, maximum=64 * 1024 * 1024)
# Sliding lifetime: opening the workspace and each command push its expiry to now + this; the hourly
# `expire_workspaces` schedule (django-q2, judges/migrations) deletes the rest.
JUDGE_WORKSPACE_TTL_SECONDS = env_int("JUDGE_WORKSPACE_TTL_SECONDS", 24 * 3600, minimum=60)
# Longest command a learner may send at once: a typed line or a pasted snippet of a few dozen lines; it travels
# as one argument, far below Linux's 128 KB per argument.
JUDGE_WORKSPACE_MAX_COMMAND_BYTES = env_int("JUDGE_WORKSPACE_MAX_COMMAND_BYTES", 4 * 1024, minimum=256, maximum=64 * 1024)
# Output of one command shown to the learner (stdout and stderr interleaved): about 200 lines of 80 columns,
# what a console panel in an iframe can usefully show; more is cut and flagged as truncated.
JUDGE_WORKSPACE_OUTPUT_BYTES = env_int("JUDGE_WORKSPACE_OUTPUT_BYTES", 16 * 1024, minimum=1024, maximum=1024 * 1024)

# --- Feedback ---
# POST /api/feedback/edit ignores an edit of the same capsule, field and values as one recorded
# this many seconds before (a minute by default), by a client or by a save, so a client that retries a
# request, or reports what its own save already recorded, counts once.
FEEDBACK_DUPLICATE_WINDOW_SECONDS = env_int("FEEDBACK_DUPLICATE_WINDOW_SECONDS", 60, minimum=0, maximum=24 * 3600)

# --- Fine-tuning ---
# Staff fine-tune the Coder on creators' corrected capsules (feedback/finetune/).
# OpenAI refuses a chat fine-tuning file with fewer than 10 examples; a higher floor may be set.
FINE_TUNE_MIN_EXAMPLES = env_int("FINE_TUNE_MIN_EXAMPLES", 10, minimum=10)
# A snapshot OpenAI fine-tunes (platform.openai.com/docs/guides/fine-tuning lists them); Azure: a base model
# name the resource can fine-tune. The start form and `start_fine_tune --base-model` may name another.
FINE_TUNE_BASE_MODEL = env_str("FINE_TUNE_BASE_MODEL", "gpt-4o-mini-2024-07-18")
# Epochs of the supervised method; 0 lets the provider choose from the size of the training set ("auto").
FINE_TUNE_EPOCHS = env_int("FINE_TUNE_EPOCHS", 0, minimum=0, maximum=50)
# How often the django-q2 schedule (feedback/migrations) asks the provider about unfinished jobs: jobs take tens
# of minutes to hours, so a few minutes of delay is invisible. Read when the schedule is created (migrate);
# change it later in the admin's Schedule. The job page polls on its own while someone looks at it.
FINE_TUNE_POLL_MINUTES = env_int("FINE_TUNE_POLL_MINUTES", 5, minimum=1, maximum=24 * 60)
# How long a judge's verdict on a capsule counts for the training set (same capsule, same updated_at): the export
# re-judges every edited capsule, which takes a sandbox run each (a second or more for compiled languages).
FINE_TUNE_JUDGE_CACHE_SECONDS = env_int("FINE_TUNE_JUDGE_CACHE_SECONDS", 3600, minimum=0)
