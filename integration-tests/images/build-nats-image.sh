#!/usr/bin/env bash
# Builds a NATS server image from Debian's nats-server package, for machines without access to an
# image registry. Users with Docker Hub can use the official image instead (ANYMQ_NATS_IMAGE, run
# with `-js`). Skips the build when the image exists. Usage: build-nats-image.sh [image-name]
set -euo pipefail
image="${1:-localhost/anymq-nats:debian}"

if podman image exists "$image"; then
  echo "$image exists" >&2
  exit 0
fi
rootfs="$(mktemp -d)/rootfs.tar"
mmdebstrap --quiet --variant=apt --include=nats-server \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  --customize-hook='mkdir -p "$1"/data' \
  bookworm "$rootfs"
# JetStream on, its store in /data; the server logs to stderr.
podman import \
  --change 'CMD ["/usr/sbin/nats-server", "-js", "-sd", "/data", "-p", "4222"]' \
  --change 'EXPOSE 4222' \
  "$rootfs" "$image" >&2
rm -f "$rootfs"
echo "built $image" >&2
