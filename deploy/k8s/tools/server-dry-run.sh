#!/usr/bin/env bash
# Server-side dry run of rendered manifests against a throw-away kube-apiserver + etcd that
# listen on 127.0.0.1 only (no cluster, no Docker, no network). The API server has the CRDs of
# deploy/k8s/crds applied, so `kubectl apply --dry-run=server --validate=strict` checks what
# no schema validator sees: the CRDs' CEL rules (x-kubernetes-validations), built-in
# validation beyond the OpenAPI schema, defaulting and the admission chain. Binaries come from
# deploy/k8s/tools.sh (kube-apiserver/kubectl v1.33.4, etcd), installed on first use.
#
#   server-dry-run.sh run MANIFEST...      start, dry-run each manifest, stop; exit 1 on the
#                                          first manifest the server rejects
#   server-dry-run.sh start STATE_DIR      start etcd + kube-apiserver, apply the CRDs, wait until
#                                          they are Established; STATE_DIR/kubeconfig is then usable
#   server-dry-run.sh apply STATE_DIR MANIFEST
#                                          create (for real) the namespaces the manifest's objects
#                                          name, then `kubectl apply --dry-run=server --validate=strict`
#   server-dry-run.sh stop STATE_DIR       stop kube-apiserver, then etcd (by their recorded pids)
#
# Environment: K8S_API_PORT (default 16443), K8S_ETCD_PORT (23790) and K8S_ETCD_PEER_PORT (23800),
# all on 127.0.0.1 and below 32768; K8S_CRDS (default <repo>/deploy/k8s/crds);
# K8S_START_TIMEOUT (seconds until /readyz, default 180). Adapted from the workplace's
# k8s-crds/tools/server-dry-run.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
TOOLS="$REPO/deploy/k8s/tools.sh"

API_PORT="${K8S_API_PORT:-16443}"
ETCD_PORT="${K8S_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${K8S_ETCD_PEER_PORT:-23800}"
CRDS="${K8S_CRDS:-$REPO/deploy/k8s/crds}"
START_TIMEOUT="${K8S_START_TIMEOUT:-180}"

log() { printf 'server-dry-run.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

kubectl_() { KUBECONFIG="$STATE/kubeconfig" "$KUBECTL" "$@"; }

# The pid recorded in $STATE/$1.pid if that process is still ours (its command line names
# $STATE), else nothing.
our_pid() {
  local pid
  pid="$(cat "$STATE/$1.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE/" && echo "$pid"
  return 0
}

stop_one() {
  local name=$1 grace=$2 pid waited=0
  pid="$(our_pid "$name")"
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < grace * 10)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$STATE/$name.pid"
}

# kube-apiserver first: stopped after etcd it spends a minute retrying etcd on shutdown.
cmd_stop() {
  stop_one kube-apiserver 20
  stop_one etcd 10
  log "stopped"
}

# Applies the CRDs and waits until each is Established (`kubectl wait` fails outright on a CRD
# whose status has no conditions yet, so poll instead). The $e of the template is Go's.
# shellcheck disable=SC2016
apply_crds() {
  kubectl_ apply --server-side -R -f "$CRDS" >/dev/null || return 1
  local deadline=$((SECONDS + START_TIMEOUT)) states
  # one line per CRD: the status of its Established condition, "none" while it has none
  local tpl='{{range .items}}{{$e := "none"}}{{range .status.conditions}}'
  tpl+='{{if eq .type "Established"}}{{$e = .status}}{{end}}{{end}}{{$e}}{{"\n"}}{{end}}'
  while :; do
    states="$(kubectl_ get crd -o go-template="$tpl")" || return 1
    [[ -n "$states" ]] && ! grep -qv '^True$' <<<"$states" && return 0
    ((SECONDS < deadline)) || { log "CRDs not Established within ${START_TIMEOUT}s"; return 1; }
    sleep 0.3
  done
}

cmd_start() {
  local etcd apiserver p
  etcd="$("$TOOLS" bin etcd)"
  apiserver="$("$TOOLS" bin kube-apiserver)"
  KUBECTL="$("$TOOLS" bin kubectl)"
  [[ -d "$CRDS" ]] || die "no CRD directory $CRDS"
  for p in "$API_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT"; do
    ((p < 32768)) || die "port $p is not below 32768"
    port_open "$p" && die "port $p on 127.0.0.1 is already in use"
  done
  [[ -z "$(our_pid etcd)$(our_pid kube-apiserver)" ]] || die "already running in $STATE"
  mkdir -p "$STATE"
  openssl genrsa -out "$STATE/sa.key" 2048 2>/dev/null
  openssl rsa -in "$STATE/sa.key" -pubout -out "$STATE/sa.pub" 2>/dev/null
  local token
  token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "$token,dry-run-admin,dry-run-admin,system:masters" >"$STATE/tokens.csv"
  chmod 600 "$STATE/sa.key" "$STATE/tokens.csv"

  setsid nohup "$etcd" --name=dry-run --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="dry-run=http://127.0.0.1:$ETCD_PEER_PORT" \
    >"$STATE/etcd.log" 2>&1 </dev/null &
  echo $! >"$STATE/etcd.pid"
  setsid nohup "$apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --cert-dir="$STATE/certs" --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$STATE/sa.pub" --service-account-signing-key-file="$STATE/sa.key" \
    --token-auth-file="$STATE/tokens.csv" --authorization-mode=RBAC \
    --service-cluster-ip-range=10.96.0.0/24 --allow-privileged=true \
    >"$STATE/kube-apiserver.log" 2>&1 </dev/null &
  echo $! >"$STATE/kube-apiserver.pid"

  kubectl_ config set-cluster dry-run --server="https://127.0.0.1:$API_PORT" \
    --insecure-skip-tls-verify=true >/dev/null
  kubectl_ config set-credentials dry-run --token="$token" >/dev/null
  kubectl_ config set-context dry-run --cluster=dry-run --user=dry-run >/dev/null
  kubectl_ config use-context dry-run >/dev/null

  local deadline=$((SECONDS + START_TIMEOUT)) name
  until [[ "$(kubectl_ get --raw /readyz 2>/dev/null)" == ok ]]; do
    for name in etcd kube-apiserver; do
      if [[ -z "$(our_pid "$name")" ]]; then
        tail -n 30 "$STATE/$name.log" >&2 || true
        cmd_stop
        die "$name exited during startup (log: $STATE/$name.log)"
      fi
    done
    if ((SECONDS >= deadline)); then
      tail -n 30 "$STATE/kube-apiserver.log" >&2 || true
      cmd_stop
      die "kube-apiserver not ready within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  apply_crds || { cmd_stop; die "the CRDs of $CRDS could not be applied"; }
  log "kube-apiserver ready on https://127.0.0.1:$API_PORT (etcd 127.0.0.1:$ETCD_PORT)," \
    "$(kubectl_ get crd -o name | wc -l) CRDs from $CRDS; KUBECONFIG=$STATE/kubeconfig"
}

# Namespaces named by top-level `metadata.namespace` (kustomize's output and any YAML written
# with a two-space indent).
namespaces_of() {
  awk '/^[^ #-]/ { in_meta = ($0 == "metadata:") }
       in_meta && /^  namespace: / { v = $2; gsub(/["'\'']/, "", v); print v }' "$1" | sort -u
}

cmd_apply() {
  local manifest=$1 ns
  KUBECTL="$("$TOOLS" bin kubectl)"
  [[ -f "$STATE/kubeconfig" && -n "$(our_pid kube-apiserver)" ]] || die "not started: $STATE"
  for ns in $(namespaces_of "$manifest"); do
    kubectl_ get namespace "$ns" >/dev/null 2>&1 \
      || kubectl_ create namespace "$ns" --save-config >/dev/null
  done
  kubectl_ apply --dry-run=server --validate=strict -f "$manifest"
}

cmd_run() {
  STATE="$(mktemp -d)"
  trap 'cmd_stop; rm -rf "$STATE"' EXIT
  cmd_start
  local m rc=0
  for m in "$@"; do
    log "dry run of $m"
    cmd_apply "$m" || { rc=1; break; }
  done
  return $rc
}

case "${1:-}" in
  start | stop)
    [[ $# -eq 2 ]] || die "usage: $0 $1 STATE_DIR"
    STATE="$(realpath -m "$2")"
    "cmd_$1"
    ;;
  apply)
    [[ $# -eq 3 ]] || die "usage: $0 apply STATE_DIR MANIFEST"
    STATE="$(realpath -m "$2")"
    cmd_apply "$3"
    ;;
  run)
    shift
    (($#)) || die "usage: $0 run MANIFEST..."
    cmd_run "$@"
    ;;
  *)
    echo "usage: $0 run MANIFEST... | start STATE_DIR | apply STATE_DIR MANIFEST | stop STATE_DIR" >&2
    exit 2
    ;;
esac
