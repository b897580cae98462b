#!/usr/bin/env bash
# Builds a Redis server image from Debian's redis-server package, for machines without access to an
# image registry. Users with Docker Hub can use the official image instead (ANYMQ_REDIS_IMAGE).
# Skips the build when the image exists. Usage: build-redis-image.sh [image-name]
set -euo pipefail
image="${1:-localhost/anymq-redis:debian}"

if podman image exists "$image"; then
  echo "$image exists" >&2
  exit 0
fi
rootfs="$(mktemp -d)/rootfs.tar"
mmdebstrap --quiet --variant=apt --include=redis-server \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  --customize-hook='mkdir -p "$1"/data' \
  bookworm "$rootfs"
# redis-server on PATH as in the official image (Testcontainers' Redis module runs `redis-server`);
# the tests choose persistence and protected mode on its command line. Logs go to stdout.
podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /data' \
  --change 'CMD ["redis-server", "--protected-mode", "no", "--dir", "/data"]' \
  --change 'EXPOSE 6379' \
  "$rootfs" "$image" >&2
rm -f "$rootfs"
echo "built $image" >&2
