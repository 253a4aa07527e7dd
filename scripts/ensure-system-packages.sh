#!/usr/bin/env bash
# Install the Debian / Raspberry Pi OS packages a make target needs, when missing.
# Usage: ensure-system-packages.sh CMD:PACKAGE [CMD:PACKAGE ...]
#   CMD is a program (or an absolute file path) that shows the package is there.
set -euo pipefail
missing=()
for pair in "$@"; do
  cmd=${pair%%:*}
  pkg=${pair#*:}
  if [[ $cmd == /* ]]; then [[ -e $cmd ]] && continue; else command -v "$cmd" >/dev/null 2>&1 && continue; fi
  missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "zhifang: installing system packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "zhifang: these system packages are missing and installing them needs root:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  echo "Run that once, then run make again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# apt-cache may know nothing before the first update on a fresh machine
"${SUDO[@]}" apt-get update -qq || echo "zhifang: apt-get update failed; trying the install anyway" >&2
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
