#!/usr/bin/env bash
# Tools of `make bench`: the Python packages of bench/requirements.txt (pinned against
# constraints.txt) and the `wrk` load generator (Debian's package, installed when missing and
# running as root with apt-get; pgbench comes with the PostgreSQL server binaries).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/python -m pip install -q \
  -c constraints.txt -r bench/requirements.txt
if ! command -v wrk >/dev/null; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bench: installing wrk with apt-get" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
  else
    echo "bench: wrk is needed (Debian/Ubuntu: apt-get install wrk)" >&2
    exit 1
  fi
fi
