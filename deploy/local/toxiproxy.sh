#!/usr/bin/env bash
# Toxiproxy (https://github.com/Shopify/toxiproxy), a TCP proxy whose faults (latency, bandwidth,
# resets, partitions) are set over its HTTP API: the resilience tests put it between a service
# and PostgreSQL. The server is built once with `go install` into a cache outside the clone
# (~/.cache/pmo/toxiproxy-<version>), as the Kafka jars are. In the pinned release the server's
# package is cmd/server (later ones name it cmd/toxiproxy-server); it is installed under the
# name toxiproxy-server either way.
#
#   deploy/local/toxiproxy.sh install|start|stop|status|path
#
# Environment:
#   TOXIPROXY_PORT     port of the HTTP API on 127.0.0.1   (default 8474)
#   TOXIPROXY_DIR      toxiproxy.pid and toxiproxy.log     (default <repo>/.data/dev/toxiproxy)
#   TOXIPROXY_VERSION  the pinned release                  (default v2.5.0)
#   TOXIPROXY_PACKAGE  its server's package under cmd/     (default server)
#
# `start` is idempotent (a running server is left alone) and returns once the API answers;
# proxies are created by the caller through the API. `stop` is SIGTERM, then SIGKILL.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

TOXIPROXY_VERSION="${TOXIPROXY_VERSION:-v2.5.0}"
TOXIPROXY_PACKAGE="${TOXIPROXY_PACKAGE:-server}"
TOXIPROXY_PORT="${TOXIPROXY_PORT:-8474}"
TOXIPROXY_DIR="$(realpath -m "${TOXIPROXY_DIR:-$REPO/.data/dev/toxiproxy}")"
TOXIPROXY_START_TIMEOUT="${TOXIPROXY_START_TIMEOUT:-20}"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/pmo/toxiproxy-$TOXIPROXY_VERSION"
BIN="$CACHE_DIR/bin/toxiproxy-server"
PID_FILE="$TOXIPROXY_DIR/toxiproxy.pid"
LOG_FILE="$TOXIPROXY_DIR/toxiproxy.log"

log() { printf 'toxiproxy.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

api_answers() {
  [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$TOXIPROXY_PORT/version" \
    2>/dev/null || true)" == 200 ]]
}

cmd_install() {
  [[ -x "$BIN" ]] && return 0
  command -v go >/dev/null || die "Go is needed to build toxiproxy-server (go install)"
  log "building toxiproxy-server $TOXIPROXY_VERSION into $CACHE_DIR (once)"
  mkdir -p "$CACHE_DIR"
  # GOBIN puts the binary in the versioned cache; the module cache is Go's own (~/go/pkg/mod).
  GOBIN="$CACHE_DIR/bin.tmp.$$" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install "github.com/Shopify/toxiproxy/v2/cmd/$TOXIPROXY_PACKAGE@$TOXIPROXY_VERSION" >&2 \
    || { rm -rf "$CACHE_DIR/bin.tmp.$$"; die "go install of toxiproxy-server failed"; }
  [[ -x "$CACHE_DIR/bin.tmp.$$/toxiproxy-server" ]] \
    || mv "$CACHE_DIR/bin.tmp.$$/$TOXIPROXY_PACKAGE" "$CACHE_DIR/bin.tmp.$$/toxiproxy-server"
  rm -rf "${CACHE_DIR:?}/bin"
  mv "$CACHE_DIR/bin.tmp.$$" "$CACHE_DIR/bin"
}

# The pid of the server of this TOXIPROXY_DIR, or nothing.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
  # Guard against pid reuse: the process must be our binary on our port.
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-port $TOXIPROXY_PORT"; then
    echo "$pid"
  fi
}

cmd_start() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    log "already running (pid $pid) on 127.0.0.1:$TOXIPROXY_PORT"
    return 0
  fi
  cmd_install
  port_open "$TOXIPROXY_PORT" && die "port $TOXIPROXY_PORT is already in use by another process"
  mkdir -p "$TOXIPROXY_DIR"
  # setsid + nohup: the server outlives the calling shell; $! is the server's own pid.
  setsid nohup "$BIN" -host 127.0.0.1 -port "$TOXIPROXY_PORT" >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$(($(date +%s) + TOXIPROXY_START_TIMEOUT))
  until api_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "toxiproxy-server exited during startup"
    fi
    (($(date +%s) < deadline)) || die "the API did not answer within ${TOXIPROXY_START_TIMEOUT}s"
    sleep 0.2
  done
  log "started (pid $pid), API on http://127.0.0.1:$TOXIPROXY_PORT"
}

cmd_stop() {
  local pid waited=0
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    echo "toxiproxy: running (pid $pid), API on http://127.0.0.1:$TOXIPROXY_PORT"
    return 0
  fi
  echo "toxiproxy: stopped (API port $TOXIPROXY_PORT)"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  path) cmd_install && echo "$BIN" ;;
  *)
    echo "usage: $0 install|start|stop|status|path" >&2
    exit 2
    ;;
esac
