#!/bin/sh
# Starts a single-node Apache Kafka in KRaft mode (broker and controller in one process).
# KAFKA_PORT: the port clients dial, both inside and outside the container (map it 1:1, so that the
# advertised listener is the address the client dials). KAFKA_ADVERTISED_HOST: default 127.0.0.1.
set -eu
home="${KAFKA_HOME:-/opt/kafka}"
port="${KAFKA_PORT:-9092}"
host="${KAFKA_ADVERTISED_HOST:-127.0.0.1}"
data="${KAFKA_DATA:-/var/lib/kafka}"
mkdir -p "$data"
cat > "$data/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:29093
listeners=PLAINTEXT://0.0.0.0:${port},CONTROLLER://127.0.0.1:29093
advertised.listeners=PLAINTEXT://${host}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${data}/logs
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPERTIES
if [ ! -f "$data/logs/meta.properties" ]; then
  java -cp "$home/libs/*" -Dlog4j.configuration="file:$home/log4j.properties" \
    kafka.tools.StorageTool format -t anymq-test-cluster-0001 -c "$data/server.properties"
fi
exec java -Xms256m -Xmx768m -cp "$home/libs/*" -Dlog4j.configuration="file:$home/log4j.properties" \
  kafka.Kafka "$data/server.properties"
