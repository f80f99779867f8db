#!/usr/bin/env bash
# Souk Loop "run" command: local services + build + migrate + Api, Workers and Realtime.
#
#   scripts/run.sh [--keep-services] [--no-build] [--quiet]
#
# Stops everything it started on Ctrl+C (SIGINT) or SIGTERM. See docs/services.md.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SOUK_TAG=run

usage() {
  cat <<'EOF'
usage: scripts/run.sh [--keep-services] [--no-build] [--quiet]

Starts PostgreSQL, RabbitMQ and Redis ("run" profile, data in .services/run/), builds
SoukLoop.sln in Release, applies the EF Core migrations (Workers 'migrate'), then runs
Api (5080), Realtime (5081) and Workers (5082) in Development until Ctrl+C.

  --keep-services  leave PostgreSQL/RabbitMQ/Redis running on exit
                   (they are also left running when they were already running before)
  --no-build       use the existing Release build
  --quiet          do not echo the apps' logs to the console (they are always in
                   .services/run/logs/{api,workers,realtime}.log)

Environment: SOUK_API_PORT (5080), SOUK_REALTIME_PORT (5081), SOUK_WORKERS_PORT (5082),
SOUK_READY_TIMEOUT (seconds to wait for /health/ready, 180), SOUK_RUN_*_PORT for the services,
SOUK_STRIPE_PORT (12111) for the Stripe stand-in started when Stripe__SecretKey is not set.
EOF
}

keep_services=0 build=1 echo_logs=1
while (($#)); do
  case "$1" in
    --keep-services) keep_services=1 ;;
    --no-build) build=0 ;;
    --quiet) echo_logs=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

API_PORT="${SOUK_API_PORT:-5080}"
REALTIME_PORT="${SOUK_REALTIME_PORT:-5081}"
WORKERS_PORT="${SOUK_WORKERS_PORT:-5082}"
READY_TIMEOUT="${SOUK_READY_TIMEOUT:-180}"
RUN_DIR="$SOUK_ROOT/.services/run"
LOG_DIR="$RUN_DIR/logs"
SERVICES="$SOUK_ROOT/scripts/services.sh"
SLN="$SOUK_ROOT/SoukLoop.sln"

APPS=(api workers realtime)
declare -A PROJECT=(
  [api]="$SOUK_ROOT/src/Api/SoukLoop.Api.csproj"
  [workers]="$SOUK_ROOT/src/Workers/SoukLoop.Workers.csproj"
  [realtime]="$SOUK_ROOT/src/Realtime/SoukLoop.Realtime.csproj"
)
declare -A PORT=([api]="$API_PORT" [workers]="$WORKERS_PORT" [realtime]="$REALTIME_PORT")
declare -A PID=() READY=() DLL=()

# No Stripe key: run the Stripe stand-in (tools/StandIns) and point Api/Workers at it (docs/payments.md).
if [[ -z "${Stripe__SecretKey:-}" ]]; then
  APPS=(stripe "${APPS[@]}")
  PROJECT[stripe]="$SOUK_ROOT/tools/StandIns/SoukLoop.StandIns.csproj"
  PORT[stripe]="${SOUK_STRIPE_PORT:-12111}"
  export Stripe__StandInUrl="http://127.0.0.1:${PORT[stripe]}"
  export StandIns__Stripe__WebhookUrl="http://127.0.0.1:$API_PORT/api/v1/webhooks/stripe"
fi

print_urls() {
  local rmq_ui stripe_hint=""
  [[ -n "${Stripe__StandInUrl:-}" ]] &&
    stripe_hint="  stand-in, no money moves (test hooks: POST /_test/payment_intents/<id>/succeed or /fail)"
  rmq_ui="$(sed -n 's/^UI_PORT=//p' "$RUN_DIR/services.env" 2>/dev/null || true)"
  cat <<EOF

  Souk Loop is running (Development)
    Api                http://127.0.0.1:$API_PORT/api/v1
    OpenAPI / Scalar   http://127.0.0.1:$API_PORT/scalar
    Realtime hub       http://127.0.0.1:$REALTIME_PORT/hubs/realtime
    Workers health     http://127.0.0.1:$WORKERS_PORT/health/ready
    RabbitMQ UI        http://127.0.0.1:${rmq_ui:-15672}  (guest/guest)
    Support console    http://127.0.0.1:$API_PORT/support/  (support accounts: see README)
    Stripe             ${Stripe__StandInUrl:-real Stripe (Stripe__SecretKey)}$stripe_hint
    Logs               $(realpath --relative-to="$PWD" "$LOG_DIR" 2>/dev/null || echo "$LOG_DIR")/

EOF
}

all_live() {
  local app
  for app in "${APPS[@]}"; do
    [[ "$(http_status "http://127.0.0.1:${PORT[$app]}/health/live")" == 200 ]] || return 1
  done
}

# ---------------------------------------------------------------- second invocation?
require_dotnet_sdk
[[ -f "$SLN" ]] || die "SoukLoop.sln not found in $SOUK_ROOT"
mkdir -p "$LOG_DIR"
command -v curl >/dev/null 2>&1 || apt_install curl

# The lock is held by this script and inherited by the apps it starts: as long as either lives,
# another run.sh only reports that the system is already running.
exec 9>>"$RUN_DIR/run.lock"
if ! flock -n 9; then
  info "Souk Loop is already running (scripts/run.sh pid $(cat "$RUN_DIR/run.pid" 2>/dev/null || echo '?'))."
  all_live || warn "…but not every app answers /health/live yet (still starting?)"
  print_urls
  info "stop it with Ctrl+C in its terminal, or: kill \$(cat .services/run/run.pid)"
  exit 0
fi

taken=()
for app in "${APPS[@]}"; do
  port_in_use "${PORT[$app]}" && taken+=("$app:${PORT[$app]}")
done
if ((${#taken[@]})); then
  if ((${#taken[@]} == ${#APPS[@]})) && all_live; then
    info "the Souk Loop ports answer /health/live already (started outside scripts/run.sh?)"
    print_urls
    exit 0
  fi
  die "port(s) in use by another process: ${taken[*]} (set SOUK_API_PORT / SOUK_WORKERS_PORT / SOUK_REALTIME_PORT)"
fi
echo $$ >"$RUN_DIR/run.pid"

# ---------------------------------------------------------------- shutdown handling
services_were_running=0
services_started=0
shutting_down=0

stop_apps() {
  local app pid i alive
  for app in "${APPS[@]}"; do
    pid="${PID[$app]:-}"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null && info "stopping $app (pid $pid)"
  done
  for ((i = 0; i < 60; i++)); do # up to 30 s for a graceful stop (MassTransit waits up to 15 s)
    alive=0
    for app in "${APPS[@]}"; do
      pid="${PID[$app]:-}"
      [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    ((alive)) || break
    sleep 0.5
  done
  for app in "${APPS[@]}"; do
    pid="${PID[$app]:-}"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      warn "$app did not stop within 30 s, killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    if [[ -n "$pid" ]]; then wait "$pid" 2>/dev/null || true; fi
    PID[$app]=""
  done
}

cleanup() {
  local rc=$?
  ((shutting_down)) && return 0
  shutting_down=1
  # Best effort from here on: a console that went away (e.g. `run.sh | tee` hit by the same
  # Ctrl+C) must not stop the shutdown half-way.
  set +e
  trap '' INT TERM HUP PIPE
  stop_apps
  if ((services_started)); then
    if ((keep_services)); then
      info "services left running (--keep-services); stop them with: scripts/services.sh stop"
    elif ((services_were_running)); then
      info "services were already running before; left running (scripts/services.sh stop)"
    else
      "$SERVICES" stop run 9>&- 2>&1 | tee -p -a "$LOG_DIR/shutdown.log"
      ((PIPESTATUS[0] == 0)) || rc=1
    fi
  fi
  rm -f "$RUN_DIR/run.pid" "$RUN_DIR/apps.pid"
  wait 2>/dev/null || true # the log echo pipelines
  info "stopped"
  return "$rc"
}
on_signal() {
  trap '' PIPE
  set +e
  echo
  info "received SIG$1, shutting down"
  cleanup
  exit 0
}
trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

fail_with_log() { # fail_with_log APP MESSAGE
  err "$2"
  if [[ -s "$LOG_DIR/$1.log" ]]; then
    err "last lines of $LOG_DIR/$1.log:"
    tail -n 30 "$LOG_DIR/$1.log" | sed "s/^/    /" >&2
  fi
  exit 1
}

# ---------------------------------------------------------------- services, build, migrate
if [[ -n "${Stripe__StandInUrl:-}" ]]; then
  warn "no Stripe__SecretKey: payments go to the Stripe stand-in on ${PORT[stripe]} (no real money moves)"
else
  info "Stripe__SecretKey is set: payments go to real Stripe (Stripe__WebhookSecret must be set too)"
fi
if "$SERVICES" status run >/dev/null 2>&1; then services_were_running=1; fi
services_started=1
"$SERVICES" start run 9>&-
eval "$("$SERVICES" env run)"
export ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development

cd "$SOUK_ROOT"
if ((build)); then
  info "dotnet build -c Release SoukLoop.sln"
  dotnet build -c Release "$SLN" -nologo -v minimal 9>&- 2>&1 | tee "$LOG_DIR/build.log" ||
    die "build failed (log: $LOG_DIR/build.log)"
fi

for app in "${APPS[@]}"; do
  DLL[$app]="$(dotnet msbuild "${PROJECT[$app]}" -nologo -getProperty:TargetPath -p:Configuration=Release 9>&- 2>/dev/null || true)"
  [[ -f "${DLL[$app]}" ]] ||
    die "$app: ${DLL[$app]:-output of ${PROJECT[$app]}} not found (build first, without --no-build)"
done

info "applying database migrations (Workers migrate)"
if ! (cd "$(dirname "${DLL[workers]}")" && exec dotnet "${DLL[workers]}" migrate) >"$LOG_DIR/migrate.log" 2>&1 9>&-; then
  grep -q '42P07\|already exists' "$LOG_DIR/migrate.log" &&
    warn "the database seems to come from an older set of migrations; to start from an empty one:" &&
    warn "  scripts/services.sh stop && rm -rf .services/run/postgres"
  fail_with_log migrate "migrate failed (log: $LOG_DIR/migrate.log)"
fi
ok "database migrated"

# ---------------------------------------------------------------- apps
for app in "${APPS[@]}"; do
  log="$LOG_DIR/$app.log"
  : >"$log"
  url="http://127.0.0.1:${PORT[$app]}"
  # Run from the output folder (content root = appsettings*.json); --urls beats the appsettings 'Urls'.
  (cd "$(dirname "${DLL[$app]}")" && ASPNETCORE_URLS="$url" exec dotnet "${DLL[$app]}" --urls "$url") >>"$log" 2>&1 </dev/null &
  PID[$app]=$!
  info "started $app (pid ${PID[$app]}) on $url, log ${log#"$SOUK_ROOT/"}"
  if ((echo_logs)); then
    tail -n +1 -F --pid="${PID[$app]}" "$log" 2>/dev/null | sed -u "s/^/[$app] /" &
  fi
done
for app in "${APPS[@]}"; do printf '%s %s\n' "$app" "${PID[$app]}"; done >"$RUN_DIR/apps.pid"

deadline=$((SECONDS + READY_TIMEOUT))
while :; do
  pending=()
  for app in "${APPS[@]}"; do
    [[ -n "${READY[$app]:-}" ]] && continue
    if ! kill -0 "${PID[$app]}" 2>/dev/null; then
      wait "${PID[$app]}" && code=0 || code=$?
      PID[$app]=""
      fail_with_log "$app" "$app exited (code $code) before it was ready"
    fi
    if [[ "$(http_status "http://127.0.0.1:${PORT[$app]}/health/ready" --max-time 15)" == 200 ]]; then
      READY[$app]=1
      ok "$app ready (http://127.0.0.1:${PORT[$app]}/health/ready = 200)"
    else
      pending+=("$app")
    fi
  done
  ((${#pending[@]})) || break
  if ((SECONDS >= deadline)); then
    for app in "${pending[@]}"; do
      body="$(curl -s --max-time 5 "http://127.0.0.1:${PORT[$app]}/health/ready" 2>/dev/null || true)"
      err "$app: /health/ready not 200 after ${READY_TIMEOUT}s: ${body:-no answer}"
      tail -n 20 "$LOG_DIR/$app.log" | sed "s/^/    /" >&2 || true
    done
    die "timed out waiting for ${pending[*]} (logs in $LOG_DIR)"
  fi
  sleep 1
done

print_urls
info "press Ctrl+C to stop"

# ---------------------------------------------------------------- wait
while :; do
  for app in "${APPS[@]}"; do
    if ! kill -0 "${PID[$app]}" 2>/dev/null; then
      wait "${PID[$app]}" && code=0 || code=$?
      PID[$app]=""
      fail_with_log "$app" "$app exited unexpectedly (code $code); stopping the others"
    fi
  done
  sleep 1 &
  wait $! || true
done
