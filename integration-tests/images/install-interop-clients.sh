#!/usr/bin/env bash
# Installs, from Debian's packages, clients that share no code with anymq's adapters, for the
# wire-format and interop tests: kcat (librdkafka) and Python's pika. Idempotent.
set -euo pipefail
missing=()
command -v kcat >/dev/null || missing+=(kcat)
/usr/bin/python3 -c 'import pika' 2>/dev/null || missing+=(python3-pika)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
