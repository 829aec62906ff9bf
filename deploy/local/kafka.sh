#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, broker+controller in one JVM) on loopback, for development and
# tests. The broker jars are resolved by Maven from deploy/local/kafka/pom.xml into Maven's local
# repository (~/.m2), outside the clone; the resolved classpath is cached in ~/.cache/pmo.
#
#   deploy/local/kafka.sh start|stop|kill|status
#
# Environment:
#   KAFKA_PORT             PLAINTEXT listener port                  (default 9192)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port           (default KAFKA_PORT+1)
#   KAFKA_DIR              data, generated server.properties, logs, kafka.pid
#                          (default <repo>/.data/dev/kafka)
#   KAFKA_HEAP             maximum JVM heap                         (default 512m)
#   KAFKA_PARTITIONS       num.partitions for auto-created topics   (default 6)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 60)
#   KAFKA_PROXIED_PORT     optional: a second client listener, PROXIED, on this port ...
#   KAFKA_PROXIED_ADVERTISED  ... advertising this host:port (a proxy's listener that forwards
#                          to it: tests/resilience put Toxiproxy there). Both or neither; unset,
#                          the broker has the PLAINTEXT listener only.
#   KAFKA_SSL_PORT         optional: a client listener, SSL, on this port that requires a client
#                          certificate (mTLS, as Strimzi's `tls` listener), with
#   KAFKA_SSL_KEYSTORE     ... the broker's unencrypted PKCS#8 private key and certificate chain
#                          (one PEM file; its certificate names 127.0.0.1), and
#   KAFKA_SSL_TRUSTSTORE   ... the PEM of the CA that client certificates must be signed by.
#                          All three or none; unset, server.properties has no SSL line.
#
# `start` is idempotent (a running broker is left alone) and formats the storage only once, so the
# data survives restarts. `stop` is a clean SIGTERM shutdown; `kill` is SIGKILL (crash simulation).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
POM="$HERE/kafka/pom.xml"
LOG4J_CONFIG="$HERE/kafka/log4j2.properties"

KAFKA_PORT="${KAFKA_PORT:-9192}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_DIR="${KAFKA_DIR:-$REPO/.data/dev/kafka}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-6}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
KAFKA_PROXIED_PORT="${KAFKA_PROXIED_PORT:-}"
KAFKA_PROXIED_ADVERTISED="${KAFKA_PROXIED_ADVERTISED:-}"
KAFKA_SSL_PORT="${KAFKA_SSL_PORT:-}"
KAFKA_SSL_KEYSTORE="${KAFKA_SSL_KEYSTORE:-}"
KAFKA_SSL_TRUSTSTORE="${KAFKA_SSL_TRUSTSTORE:-}"
if [[ -n "$KAFKA_PROXIED_PORT" && -z "$KAFKA_PROXIED_ADVERTISED" ]] \
  || [[ -z "$KAFKA_PROXIED_PORT" && -n "$KAFKA_PROXIED_ADVERTISED" ]]; then
  echo "kafka.sh: set both KAFKA_PROXIED_PORT and KAFKA_PROXIED_ADVERTISED, or neither" >&2
  exit 2
fi
if [[ -n "$KAFKA_SSL_PORT$KAFKA_SSL_KEYSTORE$KAFKA_SSL_TRUSTSTORE" ]]; then
  if [[ -z "$KAFKA_SSL_PORT" || -z "$KAFKA_SSL_KEYSTORE" || -z "$KAFKA_SSL_TRUSTSTORE" ]]; then
    echo "kafka.sh: set KAFKA_SSL_PORT, KAFKA_SSL_KEYSTORE and KAFKA_SSL_TRUSTSTORE, or none" >&2
    exit 2
  fi
  KAFKA_SSL_KEYSTORE="$(realpath -m "$KAFKA_SSL_KEYSTORE")"
  KAFKA_SSL_TRUSTSTORE="$(realpath -m "$KAFKA_SSL_TRUSTSTORE")"
fi

KAFKA_DIR="$(realpath -m "$KAFKA_DIR")"
PID_FILE="$KAFKA_DIR/kafka.pid"
CONFIG="$KAFKA_DIR/server.properties"
DATA_DIR="$KAFKA_DIR/data"
LOG_DIR="$KAFKA_DIR/logs"
SERVER_LOG="$LOG_DIR/server.log"
LOG_START_LINE=0
STDOUT_LOG="$LOG_DIR/stdout.log"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid of the running broker for this KAFKA_DIR, or nothing.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  # Guard against pid reuse: the process must be a Kafka broker using this directory's config.
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $CONFIG"; then
    echo "$pid"
  fi
}

classpath_file() {
  local hash cache_dir cp_file tmp
  hash="$(sha256sum "$POM" | cut -c1-16)"
  cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/pmo"
  cp_file="$cache_dir/kafka-classpath-$hash.txt"
  if [[ -s "$cp_file" ]]; then
    local missing=0 jar
    IFS=':' read -r -a jars <"$cp_file"
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { missing=1; break; }; done
    if [[ $missing == 0 ]]; then
      echo "$cp_file"
      return 0
    fi
    log "cached classpath refers to missing jars; resolving again"
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars"
  mkdir -p "$cache_dir"
  tmp="$cp_file.$$.tmp"
  log "resolving the Kafka broker classpath with Maven (first run downloads the jars into ~/.m2)"
  if ! mvn -q -B -o -f "$POM" dependency:build-classpath -Dmdep.outputFile="$tmp" \
    >/dev/null 2>&1; then
    mvn -q -B -f "$POM" dependency:build-classpath -Dmdep.outputFile="$tmp" >&2 \
      || { rm -f "$tmp"; die "Maven could not resolve $POM"; }
  fi
  [[ -s "$tmp" ]] || die "Maven wrote an empty classpath"
  mv -f "$tmp" "$cp_file"
  echo "$cp_file"
}

write_config() {
  # The optional PROXIED listener: a client that bootstraps through the proxy is told (in the
  # metadata of the listener its request came in on) to connect to the proxy again.
  local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
  local advertised="PLAINTEXT://127.0.0.1:$KAFKA_PORT"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n "$KAFKA_PROXIED_PORT" ]]; then
    listeners+=",PROXIED://127.0.0.1:$KAFKA_PROXIED_PORT"
    advertised+=",PROXIED://$KAFKA_PROXIED_ADVERTISED"
    protocols+=",PROXIED:PLAINTEXT"
  fi
  if [[ -n "$KAFKA_SSL_PORT" ]]; then
    listeners+=",SSL://127.0.0.1:$KAFKA_SSL_PORT"
    advertised+=",SSL://127.0.0.1:$KAFKA_SSL_PORT"
    protocols+=",SSL:SSL"
  fi
  cat >"$CONFIG" <<EOF
# Generated by deploy/local/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protocols
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=$KAFKA_PARTITIONS
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# After a crash (SIGKILL) the restarted broker cannot register until the old registration's
# session expires; a short session keeps that restart at a few seconds instead of ~10.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=1000
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.check.interval.ms=300000
EOF
  if [[ -n "$KAFKA_SSL_PORT" ]]; then
    cat >>"$CONFIG" <<EOF
# The SSL listener: PEM files; a client certificate signed by the truststore's CA is required.
listener.name.ssl.ssl.keystore.type=PEM
listener.name.ssl.ssl.keystore.location=$KAFKA_SSL_KEYSTORE
listener.name.ssl.ssl.truststore.type=PEM
listener.name.ssl.ssl.truststore.location=$KAFKA_SSL_TRUSTSTORE
listener.name.ssl.ssl.client.auth=required
EOF
  fi
}

# Does the broker answer a metadata request? Uses aiokafka when a Python that has it is at hand,
# otherwise the listener port plus the broker's own "started" log line.
broker_answers() {
  local py="${PYTHON:-$REPO/.venv/bin/python}"
  if [[ -x "$py" ]] && "$py" -c 'import aiokafka' 2>/dev/null; then
    timeout 15 "$py" - "127.0.0.1:$KAFKA_PORT" <<'PY' >/dev/null 2>&1
import asyncio, sys
from aiokafka.admin import AIOKafkaAdminClient

async def main() -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.describe_cluster()
    finally:
        await admin.close()

asyncio.run(main())
PY
    return $?
  fi
  port_open "$KAFKA_PORT" \
    && tail -n "+$((LOG_START_LINE + 1))" "$SERVER_LOG" 2>/dev/null | grep -q "Kafka Server started"
}

cmd_start() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    log "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  rm -f "$PID_FILE"
  command -v java >/dev/null || die "java (17+) is needed to run Kafka"
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is already in use by another process"
  fi
  if [[ -n "$KAFKA_PROXIED_PORT" ]] && port_open "$KAFKA_PROXIED_PORT"; then
    die "port $KAFKA_PROXIED_PORT (PROXIED listener) is already in use by another process"
  fi
  if [[ -n "$KAFKA_SSL_PORT" ]]; then
    if port_open "$KAFKA_SSL_PORT"; then
      die "port $KAFKA_SSL_PORT (SSL listener) is already in use by another process"
    fi
    [[ -r "$KAFKA_SSL_KEYSTORE" && -r "$KAFKA_SSL_TRUSTSTORE" ]] \
      || die "cannot read $KAFKA_SSL_KEYSTORE or $KAFKA_SSL_TRUSTSTORE"
  fi

  local cp_file cp
  cp_file="$(classpath_file)"
  cp="$(cat "$cp_file")"
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  write_config

  if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
    [[ -n "$cluster_id" ]] || die "could not generate a cluster id"
    log "formatting storage in $DATA_DIR (cluster $cluster_id)"
    java -cp "$cp" -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" >>"$STDOUT_LOG" 2>&1 \
      || { tail -n 20 "$STDOUT_LOG" >&2; die "formatting the storage failed"; }
  fi

  # The log check in broker_answers only looks at the lines this start writes.
  touch "$SERVER_LOG"
  LOG_START_LINE="$(wc -l <"$SERVER_LOG")"
  local started
  started=$(date +%s)
  # setsid + nohup: the broker outlives the calling shell and its terminal.
  setsid nohup java -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$cp" kafka.Kafka "$CONFIG" >>"$STDOUT_LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((started + KAFKA_START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the broker exited during startup; last lines of its logs:"
      tail -n 30 "$STDOUT_LOG" "$SERVER_LOG" >&2 || true
      rm -f "$PID_FILE"
      exit 1
    fi
    if port_open "$KAFKA_PORT" && broker_answers; then
      break
    fi
    if (($(date +%s) >= deadline)); then
      log "the broker did not answer within ${KAFKA_START_TIMEOUT}s; last lines of its log:"
      tail -n 30 "$SERVER_LOG" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "started (pid $pid) on 127.0.0.1:$KAFKA_PORT in $(($(date +%s) - started))s; data in $KAFKA_DIR"
}

wait_exit() {
  local pid="$1" timeout="$2" waited=0
  while kill -0 "$pid" 2>/dev/null; do
    ((waited >= timeout * 10)) && return 1
    sleep 0.1
    waited=$((waited + 1))
  done
  return 0
}

cmd_stop() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_exit "$pid" "$KAFKA_STOP_TIMEOUT"; then
    log "no clean shutdown within ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 10 || die "pid $pid did not exit"
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_kill() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait_exit "$pid" 10 || die "pid $pid did not exit after SIGKILL"
  rm -f "$PID_FILE"
  log "killed (SIGKILL) pid $pid"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    echo "kafka: running (pid $pid) on 127.0.0.1:$KAFKA_PORT, data in $KAFKA_DIR"
    return 0
  fi
  echo "kafka: stopped (127.0.0.1:$KAFKA_PORT, data in $KAFKA_DIR)"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  kill) cmd_kill ;;
  status) cmd_status ;;
  classpath) cat "$(classpath_file)" ;;
  *)
    echo "usage: $0 start|stop|kill|status|classpath" >&2
    exit 2
    ;;
esac
