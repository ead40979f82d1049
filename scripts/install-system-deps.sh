#!/usr/bin/env bash
# Installs the Debian packages CodeCapsule needs, only those that are missing.
#   bubblewrap   the judge's sandbox
#   chromium     browser tests (Playwright drives Debian's build; its own download cannot work offline)
#   postgresql   a throwaway cluster for the PostgreSQL test pass (and the judge's PostgreSQL dialect)
#   fonts-liberation  readable screenshots in browser tests
# Toolchains for the judge's runtimes are listed in scripts/system-packages.txt beside this file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mapfile -t wanted < <(grep -v '^\s*#' "$here/system-packages.txt" | tr -s ' \t' '\n' | grep -v '^$')

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
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
