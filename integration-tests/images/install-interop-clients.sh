#!/usr/bin/env bash
# Installs, from Debian's packages, clients that share no code with anymq's adapters, for the
# wire-format and interop tests: kcat (librdkafka) and Python's pika; tmux, the real terminal the
# CLI's live views are tested in; Prometheus and promtool, which scrape the monitored-worker example
# and test its alert rules. Idempotent.
set -euo pipefail
missing=()
command -v kcat >/dev/null || missing+=(kcat)
/usr/bin/python3 -c 'import pika' 2>/dev/null || missing+=(python3-pika)
command -v tmux >/dev/null || missing+=(tmux)
command -v promtool >/dev/null || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
