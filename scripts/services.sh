#!/usr/bin/env bash
# Souk Loop local infrastructure: PostgreSQL, RabbitMQ (management + prometheus) and Redis,
# each started as a private, project-local server (own ports, own data folder).
#
#   scripts/services.sh start|stop|status|env [run|test] [--dir DIR]
#
# See docs/services.md for profiles, ports and environment overrides.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SOUK_TAG=services

usage() {
  cat <<'EOF'
usage: scripts/services.sh COMMAND [run|test] [--dir DIR]

commands:
  start    install missing Debian packages, start PostgreSQL, RabbitMQ and Redis for the
           profile (already running ones are left alone) and wait until they are ready
  stop     stop the profile's servers cleanly
  status   one line per server; exit 0 when all three are running, 3 otherwise
  env      print the 'export ...' lines the apps read (eval "$(scripts/services.sh env)")

profiles (default: run):
  run      PG 55432, AMQP 55672, RabbitMQ UI 15672, prometheus 15692, dist 25672, Redis 56379
           data in .services/run/
  test     PG 55442, AMQP 55682, RabbitMQ UI 15682, prometheus 15702, dist 25682, Redis 56389
           data in .services/test/ unless --dir is given (scripts/test.sh uses a fresh folder)

Every port can be overridden, e.g. SOUK_RUN_PG_PORT, SOUK_RUN_AMQP_PORT, SOUK_RUN_RABBIT_UI_PORT,
SOUK_RUN_RABBIT_PROMETHEUS_PORT, SOUK_RUN_RABBIT_DIST_PORT, SOUK_RUN_REDIS_PORT
(SOUK_TEST_... for the test profile). The ports a folder was started with are remembered in
DIR/services.env, so stop/status/env need no overrides.

  --only postgres|rabbitmq|redis   start or stop that one server (the fault drill, scripts/drill.sh,
                                   stops and starts them one at a time)
EOF
}

# ---------------------------------------------------------------- arguments
command="${1:-}"
[[ -n "$command" ]] || {
  usage >&2
  exit 2
}
shift
case "$command" in
  start | stop | status | env) ;;
  -h | --help | help)
    usage
    exit 0
    ;;
  *)
    err "unknown command: $command"
    usage >&2
    exit 2
    ;;
esac

profile=run
dir=""
only=""
while (($#)); do
  case "$1" in
    run | test) profile="$1" ;;
    --dir)
      [[ $# -ge 2 ]] || die "--dir needs a value"
      dir="$2"
      shift
      ;;
    --dir=*) dir="${1#--dir=}" ;;
    --only)
      [[ $# -ge 2 ]] || die "--only needs a value"
      only="$2"
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
[[ -n "$dir" ]] || dir="$SOUK_ROOT/.services/$profile"
case "$only" in
  "" | postgres | rabbitmq | redis) ;;
  *) die "--only takes postgres, rabbitmq or redis, not '$only'" ;;
esac
[[ -z "$only" || "$command" == start || "$command" == stop ]] || die "--only applies to start and stop"
# wants SERVER: true when this command covers SERVER (all of them unless --only names one).
wants() { [[ -z "$only" || "$only" == "$1" ]]; }
dir="$(realpath -m -- "$dir")"

# Show paths relative to the repo when they are inside it.
rel() {
  local p="$1"
  if [[ "$p" == "$SOUK_ROOT/"* ]]; then printf '%s' "${p#"$SOUK_ROOT/"}"; else printf '%s' "$p"; fi
}

# ---------------------------------------------------------------- ports and layout
P="${profile^^}" # RUN / TEST
if [[ "$profile" == run ]]; then
  d_pg=55432 d_amqp=55672 d_ui=15672 d_prom=15692 d_dist=25672 d_redis=56379
else
  d_pg=55442 d_amqp=55682 d_ui=15682 d_prom=15702 d_dist=25682 d_redis=56389
fi
port_var() { # port_var NAME DEFAULT -> value of SOUK_<PROFILE>_NAME or DEFAULT
  local v="SOUK_${P}_$1"
  printf '%s' "${!v:-$2}"
}
PG_PORT="$(port_var PG_PORT "$d_pg")"
AMQP_PORT="$(port_var AMQP_PORT "$d_amqp")"
UI_PORT="$(port_var RABBIT_UI_PORT "$d_ui")"
PROM_PORT="$(port_var RABBIT_PROMETHEUS_PORT "$d_prom")"
DIST_PORT="$(port_var RABBIT_DIST_PORT "$d_dist")"
REDIS_PORT="$(port_var REDIS_PORT "$d_redis")"
RMQ_NODE="souk-${profile}-$(short_hash "$dir")@localhost"
EPMD_STARTED=0

STATE_FILE="$dir/services.env"
LOG_DIR="$dir/logs"
SERVICES_LOG="$LOG_DIR/services.log"

PG_DIR="$dir/postgres"
PGDATA_DIR="$PG_DIR/data"
PG_SOCK="$PG_DIR/socket"
PG_LOG="$PG_DIR/postgres.log"

RMQ_DIR="$dir/rabbitmq"
RMQ_HOME="$RMQ_DIR/home"
RMQ_PID="$RMQ_DIR/rabbitmq.pid"
RMQ_CONF="$RMQ_DIR/rabbitmq.conf"
RMQ_PLUGINS="$RMQ_DIR/enabled_plugins"
RMQ_LOG_DIR="$RMQ_DIR/log"

REDIS_DIR="$dir/redis"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

# The folder remembers the ports it was started with: use them for everything but a fresh start.
load_state() {
  [[ -f "$STATE_FILE" ]] || return 0
  local key value
  while IFS='=' read -r key value; do
    case "$key" in
      PG_PORT | AMQP_PORT | UI_PORT | PROM_PORT | DIST_PORT | REDIS_PORT | EPMD_STARTED)
        [[ "$value" =~ ^[0-9]+$ ]] && printf -v "$key" '%s' "$value"
        ;;
      RMQ_NODE) [[ "$value" =~ ^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$ ]] && RMQ_NODE="$value" ;;
    esac
  done <"$STATE_FILE"
  return 0
}
save_state() {
  cat >"$STATE_FILE" <<EOF
PROFILE=$profile
PG_PORT=$PG_PORT
AMQP_PORT=$AMQP_PORT
UI_PORT=$UI_PORT
PROM_PORT=$PROM_PORT
DIST_PORT=$DIST_PORT
REDIS_PORT=$REDIS_PORT
RMQ_NODE=$RMQ_NODE
EPMD_STARTED=$EPMD_STARTED
EOF
}

log() { printf '%s %s\n' "$(date '+%F %T')" "$*" >>"$SERVICES_LOG"; }

# ---------------------------------------------------------------- binaries and packages
RMQ_BIN="${SOUK_RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}"
PG_BIN=""
find_pg_bin() {
  local d v candidates=()
  if [[ -n "${SOUK_PG_BIN:-}" ]]; then
    PG_BIN="$SOUK_PG_BIN"
    return 0
  fi
  # Prefer PostgreSQL 15 (what production uses), else the newest installed.
  shopt -s nullglob
  candidates=(/usr/lib/postgresql/*/bin)
  shopt -u nullglob
  mapfile -t candidates < <(printf '%s\n' "${candidates[@]}" | sort -t/ -k4 -rn)
  for d in /usr/lib/postgresql/15/bin "${candidates[@]}"; do
    if [[ -x "$d/pg_ctl" && -x "$d/initdb" && -x "$d/pg_isready" && -x "$d/psql" ]]; then
      PG_BIN="$d"
      return 0
    fi
  done
  if v="$(command -v pg_ctl 2>/dev/null)" && [[ -x "$(dirname "$v")/initdb" ]]; then
    PG_BIN="$(dirname "$v")"
    return 0
  fi
  return 1
}

ensure_packages() {
  local pkgs=()
  find_pg_bin || pkgs+=(postgresql)
  [[ -x "$RMQ_BIN/rabbitmq-server" && -x "$RMQ_BIN/rabbitmqctl" ]] || pkgs+=(rabbitmq-server)
  command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || pkgs+=(redis-tools)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  command -v flock >/dev/null 2>&1 || pkgs+=(util-linux)
  if ((${#pkgs[@]})); then
    apt_install "${pkgs[@]}"
    find_pg_bin || die "PostgreSQL binaries not found after installing 'postgresql'"
    [[ -x "$RMQ_BIN/rabbitmq-server" ]] || die "RabbitMQ not found in $RMQ_BIN after install (set SOUK_RABBITMQ_BIN)"
  fi
}

# Processes we spawn must not inherit the lock descriptors (8: this script, 9: run.sh),
# or a long-lived server would hold the lock forever.
spawn() { "$@" </dev/null 8>&- 9>&-; }

# ---------------------------------------------------------------- PostgreSQL
# initdb/pg_ctl refuse to run as root: run them as the 'postgres' user then.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_running() {
  [[ -f "$PGDATA_DIR/PG_VERSION" ]] || return 1
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}
pg_pid() { head -n1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true; }

pg_prepare_dirs() {
  mkdir -p "$PG_DIR"
  if is_root; then
    getent passwd postgres >/dev/null || die "user 'postgres' does not exist (is the postgresql package installed?)"
    if [[ "$(stat -c %U "$PG_DIR")" != postgres ]]; then chown -R postgres:postgres "$PG_DIR"; fi
    chmod 0755 "$PG_DIR"
    # mktemp -d folders are 0700: let the postgres user through the folder we were given.
    if ! runuser -u postgres -- test -x "$dir" && [[ "$(stat -c %u "$dir")" == 0 ]]; then chmod a+x "$dir"; fi
    runuser -u postgres -- test -w "$PG_DIR" ||
      die "the 'postgres' user cannot write $PG_DIR: a parent folder is not traversable; use --dir elsewhere"
  fi
  as_pg mkdir -p "$PG_SOCK"
}

pg_write_conf() {
  local conf="$PGDATA_DIR/souk.conf"
  {
    echo "# Written by scripts/services.sh on every start: edits here are lost."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$PG_SOCK'"
    echo "max_connections = 200"
    echo "shared_buffers = 128MB"
    if [[ "$profile" == test ]]; then
      echo "# throw-away data: durability is not needed"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_pg tee "$conf" >/dev/null
  if ! grep -q "^include_if_exists = 'souk.conf'" "$PGDATA_DIR/postgresql.conf"; then
    echo "include_if_exists = 'souk.conf'" | as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
  fi
}

pg_initdb() {
  local pwfile="$PG_DIR/.pwfile"
  info "postgres: initdb in $(rel "$PGDATA_DIR")"
  printf 'souk\n' | as_pg tee "$pwfile" >/dev/null
  as_pg chmod 600 "$pwfile"
  if ! spawn as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U souk --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >>"$LOG_DIR/initdb.log" 2>&1; then
    rm -f "$pwfile"
    tail -n 20 "$LOG_DIR/initdb.log" >&2 || true
    die "postgres: initdb failed (log: $(rel "$LOG_DIR/initdb.log"))"
  fi
  rm -f "$pwfile"
}

pg_wait_ready() {
  local i
  for ((i = 0; i < 120; i++)); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres; then
      return 0
    fi
    sleep 0.5
  done
  tail -n 20 "$PG_LOG" >&2 || true
  die "postgres: not ready on 127.0.0.1:$PG_PORT after 60s (log: $(rel "$PG_LOG"))"
}

pg_ensure_db() {
  local exists
  exists="$(as_pg "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U souk -d postgres -tAqc \
    "SELECT 1 FROM pg_database WHERE datname = 'soukloop'")"
  if [[ "$exists" != 1 ]]; then
    as_pg "$PG_BIN/createdb" -h "$PG_SOCK" -p "$PG_PORT" -U souk -E UTF8 soukloop
    log "postgres: created database soukloop"
  fi
  # The apps connect over TCP with a password: prove that path works.
  PGPASSWORD=souk PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" "host=127.0.0.1 port=$PG_PORT dbname=soukloop user=souk" \
    -tAqc 'SELECT 1' >/dev/null ||
    die "postgres: password login souk/souk to soukloop on 127.0.0.1:$PG_PORT failed"
}

pg_start() {
  if pg_running; then
    pg_wait_ready
    pg_ensure_db
    ok "postgres  already running  127.0.0.1:$PG_PORT  (pid $(pg_pid))"
    return 0
  fi
  [[ -f "$PGDATA_DIR/PG_VERSION" ]] || pg_initdb
  pg_write_conf
  log "postgres: starting on $PG_PORT"
  if ! spawn as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 -s start >>"$SERVICES_LOG" 2>&1; then
    tail -n 20 "$PG_LOG" >&2 || true
    die "postgres: failed to start (log: $(rel "$PG_LOG"))"
  fi
  pg_wait_ready
  pg_ensure_db
  ok "postgres  started          127.0.0.1:$PG_PORT  (pid $(pg_pid), db soukloop, user souk)"
}

pg_preflight() {
  pg_running && return 0
  port_in_use "$PG_PORT" &&
    die "postgres: port $PG_PORT is used by another process; set SOUK_${P}_PG_PORT to a free port"
  pg_prepare_dirs
}

pg_stop() {
  if ! pg_running; then
    info "postgres  not running"
    return 0
  fi
  log "postgres: stopping"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 -s stop >>"$SERVICES_LOG" 2>&1; then
    warn "postgres: fast shutdown failed, trying immediate"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w -t 30 -s stop >>"$SERVICES_LOG" 2>&1 ||
      die "postgres: could not stop (see $(rel "$SERVICES_LOG"))"
  fi
  ok "postgres  stopped"
}

pg_status() {
  if pg_running; then
    printf 'postgres  running  127.0.0.1:%s  pid %s  data %s\n' "$PG_PORT" "$(pg_pid)" "$(rel "$PGDATA_DIR")"
  else
    printf 'postgres  stopped  127.0.0.1:%s\n' "$PG_PORT"
    return 1
  fi
}

# ---------------------------------------------------------------- RabbitMQ
# The /usr/sbin wrappers switch to the 'rabbitmq' user; the scripts in $RMQ_BIN run as us,
# with every path pointing into the project folder. HOME holds the Erlang cookie, which the
# CLI tools need as well, so every rabbitmq command goes through rmq.
rmq() {
  env HOME="$RMQ_HOME" \
    RABBITMQ_NODENAME="$RMQ_NODE" \
    RABBITMQ_USE_LONGNAME=false \
    RABBITMQ_DIST_PORT="$DIST_PORT" \
    RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia" \
    RABBITMQ_LOG_BASE="$RMQ_LOG_DIR" \
    RABBITMQ_CONFIG_FILE="$RMQ_CONF" \
    RABBITMQ_CONFIG_FILES="$RMQ_DIR/conf.d" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config" \
    RABBITMQ_CONF_ENV_FILE="$RMQ_DIR/rabbitmq-env.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_PLUGINS" \
    RABBITMQ_PID_FILE="$RMQ_PID" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$@"
}
rmq_ctl() { rmq "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" "$@"; }
rmq_diag() { rmq "$RMQ_BIN/rabbitmq-diagnostics" -n "$RMQ_NODE" "$@"; }
rmq_pid() { tr -dc '0-9' <"$RMQ_PID" 2>/dev/null || true; }

# The pid file appears only some seconds after a launch: ask the node itself when it is missing.
rmq_running() {
  pid_alive "$RMQ_PID" && return 0
  [[ -d "$RMQ_DIR/mnesia" && -f "$RMQ_HOME/.erlang.cookie" ]] || return 1
  rmq_diag -q ping --timeout 5 >/dev/null 2>&1
}

rmq_preflight() {
  local port var name
  rmq_running && return 0
  for var in AMQP_PORT:AMQP_PORT UI_PORT:RABBIT_UI_PORT PROM_PORT:RABBIT_PROMETHEUS_PORT DIST_PORT:RABBIT_DIST_PORT; do
    name="${var%%:*}"
    port="${!name}"
    port_in_use "$port" &&
      die "rabbitmq: port $port is used by another process; set SOUK_${P}_${var#*:} to a free port"
  done
  return 0
}

rmq_launch() {
  mkdir -p "$RMQ_HOME" "$RMQ_DIR/mnesia" "$RMQ_LOG_DIR" "$RMQ_DIR/conf.d"
  cat >"$RMQ_CONF" <<EOF
# Written by scripts/services.sh on every start: edits here are lost.
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $UI_PORT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $PROM_PORT
log.console = false
log.file.level = info
EOF
  # shovel + shovel_management: the UI's "Move messages" re-drives an _error queue (docs/operations.md).
  echo '[rabbitmq_management,rabbitmq_prometheus,rabbitmq_shovel,rabbitmq_shovel_management].' >"$RMQ_PLUGINS"
  rm -f "$RMQ_PID"
  # Erlang starts epmd (port 4369, shared by all nodes of the machine) when none runs.
  if port_in_use 4369; then EPMD_STARTED=0; else EPMD_STARTED=1; fi
  save_state
  log "rabbitmq: starting node $RMQ_NODE (amqp $AMQP_PORT, ui $UI_PORT, prometheus $PROM_PORT, dist $DIST_PORT)"
  spawn rmq "$RMQ_BIN/rabbitmq-server" -detached >>"$RMQ_LOG_DIR/startup.log" 2>&1 ||
    die "rabbitmq: rabbitmq-server -detached failed (log: $(rel "$RMQ_LOG_DIR/startup.log"))"
}

rmq_fail() {
  local f
  for f in "$RMQ_LOG_DIR/startup.log" "$RMQ_LOG_DIR/$RMQ_NODE.log"; do
    [[ -s "$f" ]] && tail -n 20 "$f" >&2
  done
  die "rabbitmq: $* (logs: $(rel "$RMQ_LOG_DIR"))"
}

rmq_wait_ready() {
  local i code
  rmq_ctl wait "$RMQ_PID" --timeout 120 >>"$SERVICES_LOG" 2>&1 ||
    rmq_fail "node $RMQ_NODE did not start within 120s"
  rmq_diag -q check_port_connectivity >>"$SERVICES_LOG" 2>&1 ||
    rmq_fail "listeners not reachable (check_port_connectivity failed)"
  for ((i = 0; i < 60; i++)); do
    code="$(http_status "http://127.0.0.1:$UI_PORT/api/overview" -u guest:guest)"
    [[ "$code" == 200 ]] && break
    sleep 0.5
  done
  [[ "$code" == 200 ]] || rmq_fail "management API on 127.0.0.1:$UI_PORT answered $code"
  code="$(http_status "http://127.0.0.1:$PROM_PORT/metrics")"
  [[ "$code" == 200 ]] || rmq_fail "prometheus endpoint on 127.0.0.1:$PROM_PORT answered $code"
}

rmq_start() { # after rmq_launch (or when it was already running)
  rmq_wait_ready
  ok "rabbitmq  $1  amqp://guest:guest@127.0.0.1:$AMQP_PORT  ui http://127.0.0.1:$UI_PORT  (pid $(rmq_pid))"
}

rmq_stop() {
  local pid i
  if ! rmq_running; then
    info "rabbitmq  not running"
    rm -f "$RMQ_PID"
    maybe_stop_epmd
    return 0
  fi
  pid="$(rmq_pid)"
  log "rabbitmq: stopping node $RMQ_NODE (pid $pid)"
  if ! rmq_ctl stop "$RMQ_PID" >>"$SERVICES_LOG" 2>&1; then
    warn "rabbitmq: 'rabbitmqctl stop' failed, sending SIGTERM to $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      warn "rabbitmq: still alive, killing $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$RMQ_PID"
  maybe_stop_epmd
  ok "rabbitmq  stopped"
}

# Stop epmd only when this folder's node started it and no node is registered any more.
maybe_stop_epmd() {
  local names epmd found
  [[ "$EPMD_STARTED" == 1 ]] || return 0
  epmd="$(command -v epmd || true)"
  if [[ -z "$epmd" ]]; then
    for found in /usr/lib/erlang/erts-*/bin/epmd; do epmd="$found"; done
  fi
  [[ -n "$epmd" && -x "$epmd" ]] || return 0
  names="$("$epmd" -names 2>/dev/null || true)"
  if [[ -n "$names" ]] && ! grep -q '^name ' <<<"$names"; then
    "$epmd" -kill >/dev/null 2>&1 || true
    log "epmd: stopped (started by this folder's node, no nodes left)"
  fi
  EPMD_STARTED=0
  [[ -f "$STATE_FILE" ]] && save_state
  return 0
}

rmq_status() {
  if rmq_running; then
    printf 'rabbitmq  running  amqp 127.0.0.1:%s  ui http://127.0.0.1:%s  metrics :%s  node %s  pid %s\n' \
      "$AMQP_PORT" "$UI_PORT" "$PROM_PORT" "$RMQ_NODE" "$(rmq_pid)"
  else
    printf 'rabbitmq  stopped  amqp 127.0.0.1:%s  ui 127.0.0.1:%s\n' "$AMQP_PORT" "$UI_PORT"
    return 1
  fi
}

# ---------------------------------------------------------------- Redis
redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
redis_running() { pid_alive "$REDIS_PID"; }
redis_pid() { tr -dc '0-9' <"$REDIS_PID" 2>/dev/null || true; }

redis_wait_ready() {
  local i
  for ((i = 0; i < 60; i++)); do
    redis_ping && return 0
    sleep 0.5
  done
  tail -n 20 "$REDIS_LOG" >&2 || true
  die "redis: no PONG on 127.0.0.1:$REDIS_PORT after 30s (log: $(rel "$REDIS_LOG"))"
}

redis_start() {
  if redis_running; then
    redis_wait_ready
    ok "redis     already running  127.0.0.1:$REDIS_PORT  (pid $(redis_pid))"
    return 0
  fi
  mkdir -p "$REDIS_DIR"
  {
    echo "# Written by scripts/services.sh on every start: edits here are lost."
    echo "bind 127.0.0.1"
    echo "port $REDIS_PORT"
    echo "protected-mode yes"
    echo "daemonize yes"
    echo "dir \"$REDIS_DIR\""
    echo "pidfile \"$REDIS_PID\""
    echo "logfile \"$REDIS_LOG\""
    if [[ "$profile" == test ]]; then
      echo "appendonly no"
      echo 'save ""'
    else
      echo "appendonly yes"
    fi
  } >"$REDIS_CONF"
  rm -f "$REDIS_PID"
  log "redis: starting on $REDIS_PORT"
  spawn redis-server "$REDIS_CONF" >>"$SERVICES_LOG" 2>&1 ||
    die "redis: redis-server failed to start (log: $(rel "$REDIS_LOG"))"
  redis_wait_ready
  ok "redis     started          127.0.0.1:$REDIS_PORT  (pid $(redis_pid))"
}

redis_preflight() {
  redis_running && return 0
  port_in_use "$REDIS_PORT" &&
    die "redis: port $REDIS_PORT is used by another process; set SOUK_${P}_REDIS_PORT to a free port"
  return 0
}

redis_stop() {
  local pid i
  if ! redis_running; then
    info "redis     not running"
    rm -f "$REDIS_PID"
    return 0
  fi
  pid="$(redis_pid)"
  log "redis: stopping (pid $pid)"
  if [[ "$profile" == test ]]; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  else
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  fi
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    ((i == 20)) && kill -TERM "$pid" 2>/dev/null
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "redis: still alive, killing $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$REDIS_PID"
  ok "redis     stopped"
}

redis_status() {
  if redis_running; then
    printf 'redis     running  127.0.0.1:%s  pid %s\n' "$REDIS_PORT" "$(redis_pid)"
  else
    printf 'redis     stopped  127.0.0.1:%s\n' "$REDIS_PORT"
    return 1
  fi
}

# ---------------------------------------------------------------- commands
lock_dir() {
  mkdir -p "$dir" "$LOG_DIR"
  exec 8>>"$dir/.lock"
  flock -w 600 8 || die "another services.sh is working on $(rel "$dir") (lock held for 10 minutes)"
}

any_running() { pg_running || rmq_running || redis_running; }

cmd_start() {
  lock_dir
  ensure_packages
  # A folder whose servers still run keeps the ports it was started with.
  if [[ -f "$STATE_FILE" ]] && any_running; then load_state; fi
  save_state
  info "starting '$profile' services in $(rel "$dir")"
  # Check every port and folder before launching anything.
  if wants postgres; then pg_preflight; fi
  if wants rabbitmq; then rmq_preflight; fi
  if wants redis; then redis_preflight; fi
  trap 'start_failed $?' EXIT
  local rmq_was_running=0
  if wants rabbitmq; then
    if rmq_running; then rmq_was_running=1; else rmq_launch; fi # slowest: boots while the others start
  fi
  if wants postgres; then pg_start; fi
  if wants redis; then redis_start; fi
  if wants rabbitmq; then
    if ((rmq_was_running)); then rmq_start "already running"; else rmq_start "started        "; fi
  fi
  log "all services ready"
  trap - EXIT
}

start_failed() {
  ((${1:-1} == 0)) && return 0
  local args=("$profile")
  [[ "$dir" == "$SOUK_ROOT/.services/$profile" ]] || args+=(--dir "$dir")
  err "start failed; what did start keeps running: scripts/services.sh stop ${args[*]}"
}

cmd_stop() {
  if [[ ! -d "$dir" ]]; then
    info "nothing to stop: $(rel "$dir") does not exist"
    return 0
  fi
  lock_dir
  load_state
  find_pg_bin || true
  info "stopping '$profile' services in $(rel "$dir")"
  # RabbitMQ takes the longest to shut down: stop it alongside the other two.
  local rmq_job=""
  if ! wants rabbitmq; then
    :
  elif [[ -x "$RMQ_BIN/rabbitmqctl" ]]; then
    rmq_stop &
    rmq_job=$!
  else
    info "rabbitmq  not installed"
  fi
  if wants postgres; then
    if [[ -n "$PG_BIN" ]]; then pg_stop; else info "postgres  not installed"; fi
  fi
  if wants redis; then
    if command -v redis-cli >/dev/null 2>&1; then redis_stop; else info "redis     not installed"; fi
  fi
  [[ -z "$rmq_job" ]] || wait "$rmq_job"
}

cmd_status() {
  load_state
  find_pg_bin || true
  local rc=0
  if [[ -n "$PG_BIN" ]]; then pg_status || rc=3; else
    echo "postgres  not installed"
    rc=3
  fi
  rmq_status || rc=3
  redis_status || rc=3
  return "$rc"
}

cmd_env() {
  load_state
  cat <<EOF
export ConnectionStrings__Postgres='Host=127.0.0.1;Port=$PG_PORT;Database=soukloop;Username=souk;Password=souk'
export ConnectionStrings__Redis='127.0.0.1:$REDIS_PORT'
export RabbitMq__Host='127.0.0.1'
export RabbitMq__Port='$AMQP_PORT'
export RabbitMq__ManagementPort='$UI_PORT'
export RabbitMq__Username='guest'
export RabbitMq__Password='guest'
export RabbitMq__VirtualHost='/'
EOF
  if [[ "$profile" == run ]]; then
    echo "export ASPNETCORE_ENVIRONMENT='Development'"
  fi
}

"cmd_$command"
