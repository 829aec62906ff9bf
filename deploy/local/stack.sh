#!/usr/bin/env bash
# The whole system on one machine: PostgreSQL, Kafka, topics, migrations and the four services.
#
#   deploy/local/stack.sh up|down|status|logs|clean|install [dev|test]
#
# Profiles (second argument, default dev):
#   dev   data in .data/dev,  PostgreSQL 5544, Kafka 9192, services on 8001-8004
#   test  data in .data/test, PostgreSQL 5545, Kafka 9292, services on 18001-18004
#   bench data in .data/bench, PostgreSQL 5546, Kafka 9492, services on 28001-28004 (make bench)
#   fault data in .data/fault, PostgreSQL 5547, Kafka 9592, services on 38001-38004
#         (tests/resilience: the processes its tests kill are this stack's own). With
#         FAULT_KAFKA_PROXY_PORT set (a Toxiproxy listener forwarding to 127.0.0.1:9594), the
#         broker gets a second listener on 9594 advertising 127.0.0.1:$FAULT_KAFKA_PROXY_PORT and
#         the services reach Kafka through the proxy; topics are created on the direct one.
#
# Existing servers instead of local ones (as in production):
#   DATABASE_URL                 all services use it (each in its own schema); no local PostgreSQL
#   <SVC>_DATABASE_URL           one service only, e.g. PROJECT_SVC_DATABASE_URL
#   KAFKA_BOOTSTRAP_SERVERS      no local Kafka
#   JWT_SECRET or JWT_JWKS_URL   no generated development secret
#   PERSONAL_DATA_MASTER_KEY     the master key of every write service's key store (else one
#                                generated per service in .data/<profile>/secrets)
#
# `up` writes .data/<profile>/env (shell exports of the addresses, ports and secret) for tests
# and scripts to source. `down` keeps the data; `clean` removes it. `status` exits 0 when every
# part runs and 3 when one is stopped, its last line saying what to run.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"

CMD="${1:-}"
PROFILE="${2:-dev}"
# The services' own Kafka listener behind a proxy (fault profile only): its port on the broker
# and the proxy's port it advertises; empty: the services use the broker's listener directly.
KAFKA_PROXIED_PORT=""
KAFKA_PROXY_PORT=""

case "$PROFILE" in
  dev)
    PG_PORT=5544
    KAFKA_PORT=9192
    PORT_BASE=8000
    ENVIRONMENT=development
    ;;
  test)
    PG_PORT=5545
    KAFKA_PORT=9292
    PORT_BASE=18000
    ENVIRONMENT=test
    ;;
  bench)
    PG_PORT=5546
    KAFKA_PORT=9492
    PORT_BASE=28000
    ENVIRONMENT=test
    ;;
  fault)
    PG_PORT=5547
    KAFKA_PORT=9592
    PORT_BASE=38000
    ENVIRONMENT=test
    KAFKA_PROXY_PORT="${FAULT_KAFKA_PROXY_PORT:-}"
    [[ -z "$KAFKA_PROXY_PORT" ]] || KAFKA_PROXIED_PORT=$((KAFKA_PORT + 2))
    ;;
  *)
    echo "stack.sh: unknown profile '$PROFILE' (dev, test, bench or fault)" >&2
    exit 2
    ;;
esac

DATA="$REPO/.data/$PROFILE"
LOGS="$DATA/logs"
RUN="$DATA/run"
ENV_FILE="$DATA/env"
PG_DIR="$DATA/postgres"
KAFKA_DIR="$DATA/kafka"
JWT_SECRET_FILE="$DATA/jwt_secret"
SECRETS="$DATA/secrets"
# Write services: they store events, seal personal data and serve their key service.
WRITE_SERVICES=(project-svc program-svc portfolio-svc)
VENV="$REPO/.venv"
SVC_ENV=()
SERVICES_KAFKA_BOOTSTRAP=""
READY_TIMEOUT="${READY_TIMEOUT:-90}"
KAFKA_TOPIC_PARTITIONS="${KAFKA_TOPIC_PARTITIONS:-6}"

# name, python package, schema, port offset
SERVICES=(
  "project-svc project_svc project 1"
  "program-svc program_svc program 2"
  "portfolio-svc portfolio_svc portfolio 3"
  "reporting-svc reporting_svc reporting 4"
)

# A variable inherited from a sourced .data/<profile>/env describes that profile's local server,
# not an external one: the env file marks those with PMO_EXTERNAL_*=0.
external_database() { [[ -n "${DATABASE_URL:-}" && "${PMO_EXTERNAL_DATABASE:-1}" == 1 ]]; }
external_kafka() { [[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" && "${PMO_EXTERNAL_KAFKA:-1}" == 1 ]]; }
external_jwt() {
  [[ (-n "${JWT_SECRET:-}" || -n "${JWT_JWKS_URL:-}") && "${PMO_EXTERNAL_JWT:-1}" == 1 ]]
}

log() { printf '\033[1mstack[%s]:\033[0m %s\n' "$PROFILE" "$*" >&2; }
die() { log "$*"; exit 1; }

# --- install ---------------------------------------------------------------------------------

python_311() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [[ -n "$candidate" ]] || continue
    command -v "$candidate" >/dev/null || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

local_packages() {
  local dir
  [[ -f shared/pyproject.toml ]] && echo shared
  for dir in services/project-svc services/program-svc services/portfolio-svc \
    services/reporting-svc; do
    [[ -f "$dir/pyproject.toml" ]] && echo "$dir"
  done
  return 0
}

cmd_install() {
  if [[ ! -x "$VENV/bin/python" ]]; then
    local py
    py="$(python_311)" || die "Python 3.11 is needed (set PYTHON=/path/to/python3.11)"
    log "creating the virtual environment in .venv ($("$py" --version))"
    "$py" -m venv "$VENV"
  fi
  local packages=() stamp_file="$VENV/.pmo-install-stamp" stamp
  mapfile -t packages < <(local_packages)
  stamp="$(
    {
      printf '%s\n' "${packages[@]}"
      cat constraints.txt requirements-dev.txt
      for p in "${packages[@]}"; do cat "$p/pyproject.toml"; done
    } | sha256sum | cut -c1-32
  )"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
    return 0
  fi
  log "installing the packages into .venv (pinned by constraints.txt)"
  local editables=() p
  for p in "${packages[@]}"; do editables+=(-e "$p"); done
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q \
    -c constraints.txt -r requirements-dev.txt "${editables[@]}"
  echo "$stamp" >"$stamp_file"
}

# --- services --------------------------------------------------------------------------------

svc_pid() {
  local name="$1" pid_file="$RUN/$1.pid" pid
  [[ -f "$pid_file" ]] || return 0
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
  # Guard against pid reuse: the process carries this stack's marker in its environment.
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "PMO_STACK_SERVICE=$DATA/$name"
  then
    echo "$pid"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_status() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true; }

database_url_for() {
  local name="$1" var
  var="$(echo "${name//-/_}" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
  if [[ -n "${!var:-}" ]]; then
    echo "${!var}"
  else
    echo "$DATABASE_URL"
  fi
}

# Sets SVC_ENV to one service's environment (NAME=value words for `env`).
service_env() {
  local name="$1" schema="$2" port="$3"
  SVC_ENV=(
    SERVICE_NAME="$name" ENVIRONMENT="$ENVIRONMENT" HOST=127.0.0.1 PORT="$port"
    DATABASE_URL="$(database_url_for "$name")" DB_SCHEMA="$schema"
    KAFKA_BOOTSTRAP_SERVERS="${SERVICES_KAFKA_BOOTSTRAP:-$KAFKA_BOOTSTRAP_SERVERS}"
    KAFKA_TOPIC_PARTITIONS="$KAFKA_TOPIC_PARTITIONS"
    PMO_STACK_SERVICE="$DATA/$name"
  )
  # Worker processes: <SVC>_WEB_CONCURRENCY, else 2 for project-svc (the command path is
  # CPU-bound in Python; one process per core), else 1.
  local workers_var workers
  workers_var="$(echo "${name//-/_}" | tr '[:lower:]' '[:upper:]')_WEB_CONCURRENCY"
  workers="${!workers_var:-}"
  [[ -z "$workers" && "$name" == project-svc ]] && workers=2
  [[ -n "$workers" ]] && SVC_ENV+=("WEB_CONCURRENCY=$workers")
  [[ -n "${JWT_SECRET:-}" ]] && SVC_ENV+=("JWT_SECRET=$JWT_SECRET")
  [[ -n "${JWT_JWKS_URL:-}" ]] && SVC_ENV+=("JWT_JWKS_URL=$JWT_JWKS_URL")
  personal_data_env "$name"
  return 0
}

# The secrets of personal data: each write service's master key and the token reporting-svc
# presents to their key services (generated once per profile, kept with its data).
ensure_secrets() {
  local name
  (umask 077 && mkdir -p "$SECRETS")
  for name in "${WRITE_SERVICES[@]}"; do
    [[ -s "$SECRETS/$name.master_key" ]] \
      || (umask 077 && openssl rand -base64 32 >"$SECRETS/$name.master_key")
  done
  [[ -s "$SECRETS/reporting-svc.token" ]] \
    || (umask 077 && openssl rand -hex 32 >"$SECRETS/reporting-svc.token")
}

is_write_service() {
  local w
  for w in "${WRITE_SERVICES[@]}"; do [[ "$w" == "$1" ]] && return 0; done
  return 1
}

personal_data_env() {
  local name="$1" token key_services="" w offset
  [[ -s "$SECRETS/reporting-svc.token" ]] || return 0
  token="$(cat "$SECRETS/reporting-svc.token")"
  if is_write_service "$name"; then
    SVC_ENV+=("PERSONAL_DATA_MASTER_KEY=${PERSONAL_DATA_MASTER_KEY:-$(cat "$SECRETS/$name.master_key")}")
    SVC_ENV+=("INTERNAL_CLIENTS={\"reporting-svc\": \"$token\"}")
  elif [[ "$name" == reporting-svc ]]; then
    for w in "${WRITE_SERVICES[@]}"; do
      offset="$(service_offset "$w")"
      key_services+="${key_services:+, }\"$w\": \"http://127.0.0.1:$((PORT_BASE + offset))\""
    done
    SVC_ENV+=("SERVICE_TOKEN=$token" "KEY_SERVICES={$key_services}")
  fi
}

service_offset() {
  local entry name pkg schema offset
  for entry in "${SERVICES[@]}"; do
    read -r name pkg schema offset <<<"$entry"
    [[ "$name" == "$1" ]] && echo "$offset" && return 0
  done
  return 1
}

migrate() {
  local entry name pkg schema offset
  for entry in "${SERVICES[@]}"; do
    read -r name pkg schema offset <<<"$entry"
    if [[ ! -f "services/$name/alembic.ini" ]]; then
      log "warning: services/$name/alembic.ini is missing; no migrations for $name"
      continue
    fi
    service_env "$name" "$schema" "$((PORT_BASE + offset))"
    env "${SVC_ENV[@]}" "$VENV/bin/alembic" -c "services/$name/alembic.ini" upgrade head \
      >>"$LOGS/migrations.log" 2>&1 || {
      tail -n 40 "$LOGS/migrations.log" >&2
      die "migrations of $name failed (log: $LOGS/migrations.log)"
    }
  done
  log "migrations applied"
}

start_services() {
  local entry name pkg schema offset port pid metrics_dir
  for entry in "${SERVICES[@]}"; do
    read -r name pkg schema offset <<<"$entry"
    port=$((PORT_BASE + offset))
    if [[ ! -f "services/$name/pyproject.toml" ]]; then
      log "warning: services/$name/pyproject.toml does not exist yet; $name not started"
      continue
    fi
    pid="$(svc_pid "$name")"
    if [[ -n "$pid" ]]; then
      log "$name already running (pid $pid)"
      continue
    fi
    port_open "$port" && die "port $port (for $name) is already in use by another process"
    printf '\n===== %s start %s =====\n' "$name" "$(date -Is)" >>"$LOGS/$name.log"
    service_env "$name" "$schema" "$port"
    # The service's worker processes keep their Prometheus values in one directory, emptied at
    # each start, and /metrics adds them up (prometheus-client's multiprocess mode).
    metrics_dir="$RUN/metrics/$name"
    rm -rf "$metrics_dir" && mkdir -p "$metrics_dir"
    SVC_ENV+=("PROMETHEUS_MULTIPROC_DIR=$metrics_dir")
    # A simple command in the background: env, setsid and nohup exec in turn, so $! is the
    # service's own pid; setsid + nohup let it outlive the calling shell.
    env "${SVC_ENV[@]}" setsid nohup "$VENV/bin/python" -m "$pkg" \
      >>"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
  done
}

wait_ready() {
  local deadline=$(($(date +%s) + READY_TIMEOUT)) pending=() entry name pkg schema offset
  for entry in "${SERVICES[@]}"; do
    read -r name pkg schema offset <<<"$entry"
    [[ -f "services/$name/pyproject.toml" ]] && pending+=("$name:$((PORT_BASE + offset))")
  done
  while ((${#pending[@]})); do
    local still=() item
    for item in "${pending[@]}"; do
      name="${item%%:*}"
      if [[ -z "$(svc_pid "$name")" ]]; then
        log "$name exited during startup; last lines of $LOGS/$name.log:"
        tail -n 40 "$LOGS/$name.log" >&2 || true
        exit 1
      fi
      if [[ "$(http_status "http://127.0.0.1:${item##*:}/readyz")" == 200 ]]; then
        log "$name ready on http://127.0.0.1:${item##*:}"
      else
        still+=("$item")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    if (($(date +%s) >= deadline)); then
      for item in "${pending[@]}"; do
        name="${item%%:*}"
        log "$name: /readyz not 200 within ${READY_TIMEOUT}s (last: $(http_status \
          "http://127.0.0.1:${item##*:}/readyz")); last lines of $LOGS/$name.log:"
        tail -n 40 "$LOGS/$name.log" >&2 || true
      done
      exit 1
    fi
    sleep 0.5
  done
}

stop_services() {
  local entry name pkg schema offset pid pids=()
  for entry in "${SERVICES[@]}"; do
    read -r name pkg schema offset <<<"$entry"
    pid="$(svc_pid "$name")"
    if [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$name:$pid")
    fi
  done
  local item waited
  for item in "${pids[@]+"${pids[@]}"}"; do
    name="${item%%:*}"
    pid="${item##*:}"
    waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 300)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop within 30s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "$name stopped"
  done
  rm -f "$RUN"/*.pid 2>/dev/null || true
}

# --- commands --------------------------------------------------------------------------------

write_env_file() {
  local entry name pkg schema offset upper
  {
    echo "# Written by deploy/local/stack.sh up $PROFILE; source it to reach this stack."
    printf 'export %s=%q\n' \
      PMO_STACK_PROFILE "$PROFILE" \
      PMO_DATA_DIR "$DATA" \
      PMO_LOG_DIR "$LOGS" \
      ENVIRONMENT "$ENVIRONMENT" \
      PG_PORT "$PG_PORT" \
      PG_DIR "$PG_DIR" \
      DATABASE_URL "$DATABASE_URL" \
      KAFKA_PORT "$KAFKA_PORT" \
      KAFKA_DIR "$KAFKA_DIR" \
      KAFKA_BOOTSTRAP_SERVERS "$KAFKA_BOOTSTRAP_SERVERS" \
      KAFKA_TOPIC_PARTITIONS "$KAFKA_TOPIC_PARTITIONS" \
      PMO_EXTERNAL_DATABASE "$EXT_DB" \
      PMO_EXTERNAL_KAFKA "$EXT_KAFKA" \
      PMO_EXTERNAL_JWT "$EXT_JWT" \
      PMO_SECRETS_DIR "$SECRETS"
    [[ -n "${JWT_SECRET:-}" ]] && printf 'export JWT_SECRET=%q\n' "$JWT_SECRET"
    [[ -f "$JWT_SECRET_FILE" && "$EXT_JWT" == 0 ]] \
      && printf 'export JWT_SECRET_FILE=%q\n' "$JWT_SECRET_FILE"
    [[ -n "${JWT_JWKS_URL:-}" ]] && printf 'export JWT_JWKS_URL=%q\n' "$JWT_JWKS_URL"
    for entry in "${SERVICES[@]}"; do
      read -r name pkg schema offset <<<"$entry"
      upper="$(echo "${name%-svc}" | tr '[:lower:]' '[:upper:]')"
      printf 'export %s_URL=%q\n' "$upper" "http://127.0.0.1:$((PORT_BASE + offset))"
      printf 'export %s_PORT=%q\n' "$upper" "$((PORT_BASE + offset))"
    done
  } >"$ENV_FILE.tmp"
  chmod 600 "$ENV_FILE.tmp"
  mv -f "$ENV_FILE.tmp" "$ENV_FILE"
}

cmd_up() {
  local t0
  t0=$(date +%s)
  cmd_install
  mkdir -p "$LOGS" "$RUN"

  EXT_DB=0
  EXT_KAFKA=0
  EXT_JWT=0
  external_database && EXT_DB=1
  external_kafka && EXT_KAFKA=1
  external_jwt && EXT_JWT=1

  # PostgreSQL and Kafka start side by side.
  local pg_job="" kafka_job=""
  if ((EXT_DB)); then
    log "using DATABASE_URL (no local PostgreSQL)"
  else
    DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:$PG_PORT/pmo"
    PG_PORT="$PG_PORT" PG_DIR="$PG_DIR" "$HERE/postgres.sh" start &
    pg_job=$!
  fi
  if ((EXT_KAFKA)); then
    log "using KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS (no local Kafka)"
  else
    KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT"
    local proxied=()
    if [[ -n "$KAFKA_PROXIED_PORT" ]]; then
      SERVICES_KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PROXY_PORT"
      proxied=(KAFKA_PROXIED_PORT="$KAFKA_PROXIED_PORT"
        KAFKA_PROXIED_ADVERTISED="$SERVICES_KAFKA_BOOTSTRAP")
      log "services reach Kafka through $SERVICES_KAFKA_BOOTSTRAP (to the listener on" \
        "$KAFKA_PROXIED_PORT)"
    fi
    env "${proxied[@]+"${proxied[@]}"}" KAFKA_PORT="$KAFKA_PORT" \
      KAFKA_CONTROLLER_PORT="$((KAFKA_PORT + 1))" KAFKA_DIR="$KAFKA_DIR" \
      PYTHON="$VENV/bin/python" "$HERE/kafka.sh" start &
    kafka_job=$!
  fi
  [[ -z "$pg_job" ]] || wait "$pg_job" || die "PostgreSQL did not start (log: $PG_DIR/postgres.log)"
  [[ -z "$kafka_job" ]] || wait "$kafka_job" \
    || die "Kafka did not start (log: $KAFKA_DIR/logs/server.log)"
  export DATABASE_URL KAFKA_BOOTSTRAP_SERVERS

  KAFKA_TOPIC_PARTITIONS="$KAFKA_TOPIC_PARTITIONS" \
    "$VENV/bin/pmo-topics" --bootstrap-servers "$KAFKA_BOOTSTRAP_SERVERS" >/dev/null \
    || die "creating the Kafka topics failed"
  log "topics ready on $KAFKA_BOOTSTRAP_SERVERS ($KAFKA_TOPIC_PARTITIONS partitions)"

  if ((EXT_JWT == 0)); then
    unset JWT_JWKS_URL
    if [[ ! -s "$JWT_SECRET_FILE" ]]; then
      (umask 077 && openssl rand -hex 32 >"$JWT_SECRET_FILE")
      log "generated a development JWT secret in $JWT_SECRET_FILE"
    fi
    JWT_SECRET="$(cat "$JWT_SECRET_FILE")"
  fi

  ensure_secrets
  write_env_file
  migrate
  start_services
  wait_ready

  local entry name pkg schema offset url
  echo
  echo "PMO stack '$PROFILE' is up ($(($(date +%s) - t0))s)."
  for entry in "${SERVICES[@]}"; do
    read -r name pkg schema offset <<<"$entry"
    [[ -f "services/$name/pyproject.toml" ]] || continue
    url="http://127.0.0.1:$((PORT_BASE + offset))"
    printf '  %-14s %s   docs %s/docs   metrics %s/metrics\n' "$name" "$url" "$url" "$url"
  done
  echo "  Kafka          $KAFKA_BOOTSTRAP_SERVERS"
  echo "  PostgreSQL     $DATABASE_URL"
  echo "  Environment    $ENV_FILE (source it)"
  echo "  Logs           $LOGS (make logs)"
  if ((EXT_JWT == 0)); then
    if [[ "$PROFILE" == dev ]]; then
      echo "  Dev token      make token    (then: curl -H \"Authorization: Bearer \$TOKEN\" ...)"
    else
      echo "  Dev token      $VENV/bin/pmo-dev-token --secret-file $JWT_SECRET_FILE" \
        "--tenant demo --roles pmo --sub dev-user"
    fi
  fi
}

cmd_down() {
  stop_services
  KAFKA_PORT="$KAFKA_PORT" KAFKA_DIR="$KAFKA_DIR" "$HERE/kafka.sh" stop
  PG_PORT="$PG_PORT" PG_DIR="$PG_DIR" "$HERE/postgres.sh" stop
}

# The command that starts this profile's stack, as a user types it.
up_command() {
  if [[ "$PROFILE" == dev ]]; then echo "make up"; else echo "make up PROFILE=$PROFILE"; fi
}

# `status_summary PARTS [STOPPED...]`: the closing line of `status`, saying what to run when
# any of the PARTS parts is stopped; 3 then (as an init script's status), else 0.
status_summary() {
  local parts="$1"
  shift
  if (($# == 0)); then
    echo "The $PROFILE stack is up."
    return 0
  fi
  if (($# == parts)); then
    echo "The $PROFILE stack is not running: run $(up_command)."
  else
    local list
    list="$(printf '%s, ' "$@")"
    echo "The $PROFILE stack is partly running (stopped: ${list%, }): run $(up_command)" \
      "to start the rest."
  fi
  return 3
}

# Each service (with its /readyz code), Kafka and PostgreSQL, then what to run if any is stopped.
cmd_status() {
  local entry name pkg schema offset port pid code stopped=()
  for entry in "${SERVICES[@]}"; do
    read -r name pkg schema offset <<<"$entry"
    port=$((PORT_BASE + offset))
    pid="$(svc_pid "$name")"
    if [[ -n "$pid" ]]; then
      code="$(http_status "http://127.0.0.1:$port/readyz")"
      echo "$name: running (pid $pid) on http://127.0.0.1:$port, /readyz $code"
    else
      echo "$name: stopped (port $port)"
      stopped+=("$name")
    fi
  done
  KAFKA_PORT="$KAFKA_PORT" KAFKA_DIR="$KAFKA_DIR" "$HERE/kafka.sh" status || stopped+=(kafka)
  PG_PORT="$PG_PORT" PG_DIR="$PG_DIR" "$HERE/postgres.sh" status || stopped+=(postgres)
  status_summary "$((${#SERVICES[@]} + 2))" "${stopped[@]+"${stopped[@]}"}"
}

cmd_logs() {
  local files=() f
  for f in "$LOGS"/*.log "$KAFKA_DIR/logs/server.log" "$PG_DIR/postgres.log"; do
    [[ -f "$f" ]] && files+=("$f")
  done
  ((${#files[@]})) || die "no logs yet in $DATA"
  exec tail -n 20 -F "${files[@]}"
}

cmd_clean() {
  cmd_down
  rm -rf "$DATA"
  log "removed $DATA"
}

case "$CMD" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) cmd_logs ;;
  clean) cmd_clean ;;
  install) cmd_install ;;
  *)
    echo "usage: $0 up|down|status|logs|clean|install [dev|test|bench|fault]" >&2
    exit 2
    ;;
esac
