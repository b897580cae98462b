#!/usr/bin/env bash
# Builds an Apache Kafka image (KRaft, single node) for machines without an image registry: a Debian
# root filesystem with a JRE from Debian's packages, plus the broker jars resolved from Maven Central
# by kafka/pom.xml. Users with Docker Hub use the official apache/kafka image (ANYMQ_KAFKA_IMAGE).
# Skips the build when the image exists. Usage: build-kafka-image.sh [kafka-version] [image-name]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${1:-3.9.1}"
image="${2:-localhost/anymq-kafka:$version}"

if podman image exists "$image"; then
  echo "$image exists" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
  -Dkafka.version="$version" -DincludeScope=runtime -DoutputDirectory="$work/libs" >&2
mmdebstrap --quiet --variant=apt --include=openjdk-17-jre-headless,ca-certificates \
  --customize-hook="mkdir -p \"\$1/opt/kafka\" && cp -r '$work/libs' \"\$1/opt/kafka/libs\"" \
  --customize-hook="cp '$here/kafka/start-kafka.sh' '$here/kafka/log4j.properties' \"\$1/opt/kafka/\"" \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  bookworm "$work/rootfs.tar"
podman import \
  --change 'CMD ["/opt/kafka/start-kafka.sh"]' \
  --change 'ENV KAFKA_HOME=/opt/kafka' \
  "$work/rootfs.tar" "$image" >&2
echo "built $image" >&2
