#!/usr/bin/env bash
# Builds a RabbitMQ image from Debian's packages, for machines without access to an image registry.
# Users with Docker Hub use the official image instead (ANYMQ_RABBITMQ_IMAGE). Skips the build
# when the image exists. Usage: build-rabbitmq-image.sh [image-name]
set -euo pipefail
image="${1:-localhost/anymq-rabbitmq:debian}"

if podman image exists "$image"; then
  echo "$image exists" >&2
  exit 0
fi
rootfs="$(mktemp -d)/rootfs.tar"
# mmdebstrap with no mirror uses this machine's apt sources. The Debian package's server reads
# RABBITMQ_* variables; the tests pass RABBITMQ_LOGS=- so that the log goes to stdout.
mmdebstrap --quiet --variant=apt --include=rabbitmq-server,ca-certificates \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  bookworm "$rootfs"
podman import \
  --change 'CMD ["/usr/sbin/rabbitmq-server"]' \
  --change 'ENV HOME=/var/lib/rabbitmq' \
  --change 'ENV RABBITMQ_LOGS=-' \
  --change 'EXPOSE 5672' \
  "$rootfs" "$image" >&2
rm -f "$rootfs"
echo "built $image" >&2
