#!/usr/bin/env bash
# Provides a Docker-compatible API with Podman, for machines without a Docker engine (our CI).
# Installs podman (and openssl, which the TLS fault test uses to make its certificates) from
# Debian's packages if missing, starts `podman system service` on a socket,
# and prints the DOCKER_HOST to use. Idempotent: a running service is reused.
set -euo pipefail
socket=/run/podman/podman.sock

if ! command -v podman >/dev/null || ! command -v mmdebstrap >/dev/null || ! command -v curl >/dev/null || ! command -v openssl >/dev/null; then
  echo "installing podman, runc, mmdebstrap and openssl from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc mmdebstrap curl openssl >&2
fi

# crun fails on these machines (cgroups v1 hybrid, setrlimit refused): use runc, no default ulimits.
mkdir -p /etc/containers
if ! grep -q 'runtime = "runc"' /etc/containers/containers.conf 2>/dev/null; then
  printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n' > /etc/containers/containers.conf
fi

if ! curl -sf --unix-socket "$socket" http://d/_ping >/dev/null 2>&1; then
  mkdir -p "$(dirname "$socket")"
  nohup podman system service --time=0 "unix://$socket" >/tmp/podman-service.log 2>&1 &
  for _ in $(seq 1 100); do
    curl -sf --unix-socket "$socket" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf --unix-socket "$socket" http://d/_ping >/dev/null || { cat /tmp/podman-service.log >&2; exit 1; }
fi
echo "unix://$socket"
