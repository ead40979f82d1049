#!/usr/bin/env bash
# Installs the Debian packages CodeCapsule needs, only those that are missing.
#   bubblewrap   the judge's sandbox
#   chromium     browser tests (Playwright drives Debian's build; its own download cannot work offline)
#   postgresql   a throwaway cluster for the PostgreSQL test pass (and the judge's PostgreSQL dialect)
#   fonts-liberation  readable screenshots in browser tests
#   nginx        a shared cache (proxy_cache) in front of gunicorn for the embed cache benchmark and prodtest,
#                started by them as a child process; the system service is not wanted
# Toolchains for the judge's runtimes are listed in scripts/system-packages.txt beside this file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# The list to install: system-packages.txt, or another beside it (llm-system-packages.txt for `make test-llm`).
list="${1:-$here/system-packages.txt}"
mapfile -t wanted < <(grep -v '^\s*#' "$list" | tr -s ' \t' '\n' | grep -v '^$')

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# Packages with a service (nginx, postgresql, redis-server) start it from their postinst. In a container without
# systemd that runs the SysV script, which starts a daemon nobody wants (nginx on port 80) or fails the install
# when the port is taken. policy-rc.d answering 101 ("action not allowed") tells invoke-rc.d not to start
# anything; it is only put in place (and removed again) where there is no systemd and no policy of its own.
policy=/usr/sbin/policy-rc.d
if [ ! -d /run/systemd/system ] && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# Temporary, from scripts/install-system-deps.sh: no service starts during the install.\nexit 101\n' \
    | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
