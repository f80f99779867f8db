#!/usr/bin/env bash
# Souk Loop fault drill (issue 12, docs/operations.md "Fault drill"): the whole system on its own ports and data folder,
# many clients for a few minutes, faults injected meanwhile, then the checks. Exit 0 only when nothing was lost or doubled.
#
#   scripts/drill.sh [--duration 00:04:00] [--keep-services] [--no-build] [-- --Drill:Sellers=20 ...]
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SOUK_TAG=drill

usage() {
  cat <<'EOF2'
usage: scripts/drill.sh [--duration HH:MM:SS] [--dir DIR] [--keep-services] [--no-build] [-- DRILL_SETTINGS...]

Starts PostgreSQL, RabbitMQ and Redis in a fresh DIR (default .services/drill), builds tools/Drill (and with it
Api, Workers, Realtime and the Stripe stand-in), migrates, creates a support account, then runs the drill
(tools/Drill): it starts the apps as its own child processes, drives sellers, buyers and chat for --duration
(default 00:04:00) while it kills, restarts, stops and pauses parts of the system, checks the database, the
broker and the clients, prints the table and writes bench/results/drill-<time>.json.

  --duration       how long the clients drive load (the six faults are spread over it)
  --dir DIR        the services' data folder; wiped at start (default .services/drill)
  --keep-services  leave PostgreSQL/RabbitMQ/Redis running at the end (to look at the data)
  --no-build       use the existing Release build

Anything after -- is passed to the drill, e.g. --Drill:Sellers=20 --Drill:OfferExpiresAfter=00:03:00
(every setting: tools/Drill/DrillOptions.cs).

Its own ports, so it runs beside scripts/run.sh and scripts/test.sh: PostgreSQL 55579, AMQP 55819,
RabbitMQ UI 15819, prometheus 15839, Erlang distribution 25819, Redis 56526, Api 5180, Realtime 5181,
Workers 5182, Stripe stand-in 12180 (SOUK_DRILL_PG_PORT, SOUK_DRILL_AMQP_PORT, SOUK_DRILL_RABBIT_UI_PORT,
SOUK_DRILL_RABBIT_PROMETHEUS_PORT, SOUK_DRILL_RABBIT_DIST_PORT, SOUK_DRILL_REDIS_PORT, SOUK_DRILL_API_PORT,
SOUK_DRILL_REALTIME_PORT, SOUK_DRILL_WORKERS_PORT, SOUK_DRILL_STRIPE_PORT).

Exit code: 0 no loss, no double, every invariant holds; 1 the drill found a loss, a double or a broken
invariant; 2 the drill itself could not run.
EOF2
}

duration=00:04:00 keep_services=0 build=1 dir="$SOUK_ROOT/.services/drill"
drill_args=()
while (($#)); do
  case "$1" in
    --duration)
      [[ $# -ge 2 ]] || die "--duration needs a value"
      duration="$2"
      shift
      ;;
    --dir)
      [[ $# -ge 2 ]] || die "--dir needs a value"
      dir="$2"
      shift
      ;;
    --keep-services) keep_services=1 ;;
    --no-build) build=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    --)
      shift
      drill_args=("$@")
      break
      ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
dir="$(realpath -m -- "$dir")"

# The drill's services use the "run" profile (durable settings, as in production) on ports of their own.
export SOUK_RUN_PG_PORT="${SOUK_DRILL_PG_PORT:-55579}"
export SOUK_RUN_AMQP_PORT="${SOUK_DRILL_AMQP_PORT:-55819}"
export SOUK_RUN_RABBIT_UI_PORT="${SOUK_DRILL_RABBIT_UI_PORT:-15819}"
export SOUK_RUN_RABBIT_PROMETHEUS_PORT="${SOUK_DRILL_RABBIT_PROMETHEUS_PORT:-15839}"
export SOUK_RUN_RABBIT_DIST_PORT="${SOUK_DRILL_RABBIT_DIST_PORT:-25819}"
export SOUK_RUN_REDIS_PORT="${SOUK_DRILL_REDIS_PORT:-56526}"
API_URL="http://127.0.0.1:${SOUK_DRILL_API_PORT:-5180}"
REALTIME_URL="http://127.0.0.1:${SOUK_DRILL_REALTIME_PORT:-5181}"
WORKERS_URL="http://127.0.0.1:${SOUK_DRILL_WORKERS_PORT:-5182}"
STRIPE_URL="http://127.0.0.1:${SOUK_DRILL_STRIPE_PORT:-12180}"
SERVICES="$SOUK_ROOT/scripts/services.sh"
DRILL_PROJECT="$SOUK_ROOT/tools/Drill/SoukLoop.Drill.csproj"
LOG_DIR="$dir/logs"

require_dotnet_sdk
for url in "$API_URL" "$REALTIME_URL" "$WORKERS_URL" "$STRIPE_URL"; do
  port_in_use "${url##*:}" && die "port ${url##*:} is in use (set the SOUK_DRILL_*_PORT variables, see --help)"
done

stop_services() {
  if ((keep_services)); then
    info "services left running: scripts/services.sh stop run --dir $dir"
  else
    "$SERVICES" stop run --dir "$dir" >/dev/null 2>&1 || warn "could not stop the services in $dir"
  fi
}

# A fresh folder every time: the checks read whole tables and queues.
if [[ -d "$dir" ]]; then
  "$SERVICES" stop run --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
fi
"$SERVICES" start run --dir "$dir"
trap stop_services EXIT
eval "$("$SERVICES" env run --dir "$dir")"
export ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development
mkdir -p "$LOG_DIR"

cd "$SOUK_ROOT"
if ((build)); then
  info "dotnet build -c Release tools/Drill (with Api, Workers, Realtime, StandIns)"
  dotnet build -c Release "$DRILL_PROJECT" -nologo -v minimal >"$LOG_DIR/build.log" 2>&1 ||
    { tail -n 30 "$LOG_DIR/build.log" >&2; die "build failed (log: $LOG_DIR/build.log)"; }
fi
# The Release output of each project (the target framework is set once, in Directory.Build.props).
tfm="$(sed -n 's:.*<TargetFramework>\(.*\)</TargetFramework>.*:\1:p' Directory.Build.props | head -n1)"
output() { printf '%s/bin/Release/%s/%s.dll' "$SOUK_ROOT/$1" "$tfm" "$2"; }
API_DLL="$(output src/Api SoukLoop.Api)"
WORKERS_DLL="$(output src/Workers SoukLoop.Workers)"
REALTIME_DLL="$(output src/Realtime SoukLoop.Realtime)"
STANDINS_DLL="$(output tools/StandIns SoukLoop.StandIns)"
DRILL_DLL="$(output tools/Drill SoukLoop.Drill)"
for f in "$API_DLL" "$WORKERS_DLL" "$REALTIME_DLL" "$STANDINS_DLL" "$DRILL_DLL"; do
  [[ -f "$f" ]] || die "$f not found (build first, without --no-build)"
done

info "applying database migrations (Workers migrate)"
(cd "$(dirname "$WORKERS_DLL")" && dotnet "$WORKERS_DLL" migrate) >"$LOG_DIR/migrate.log" 2>&1 ||
  { tail -n 30 "$LOG_DIR/migrate.log" >&2; die "migrate failed"; }
support_email=drill-support@example.com support_password=drill-support-password
(cd "$(dirname "$WORKERS_DLL")" && dotnet "$WORKERS_DLL" create-support-user "$support_email" "$support_password" 'Drill Support') \
  >>"$LOG_DIR/migrate.log" 2>&1 || die "create-support-user failed (log: $LOG_DIR/migrate.log)"

info "drill: load for $duration, faults meanwhile; app logs in ${LOG_DIR#"$SOUK_ROOT/"}/"
set +e
dotnet "$DRILL_DLL" \
  --Drill:Duration="$duration" \
  --Drill:ApiUrl="$API_URL" --Drill:RealtimeUrl="$REALTIME_URL" --Drill:WorkersUrl="$WORKERS_URL" --Drill:StripeUrl="$STRIPE_URL" \
  --Drill:ApiDll="$API_DLL" --Drill:WorkersDll="$WORKERS_DLL" --Drill:RealtimeDll="$REALTIME_DLL" --Drill:StandInsDll="$STANDINS_DLL" \
  --Drill:LogDir="$LOG_DIR" --Drill:ServicesScript="$SERVICES" --Drill:ServicesProfile=run --Drill:ServicesDir="$dir" \
  --Drill:SupportEmail="$support_email" --Drill:SupportPassword="$support_password" \
  "${drill_args[@]}"
rc=$?
set -e
case "$rc" in
  0) ok "drill passed: nothing lost, nothing doubled, every invariant holds" ;;
  1) err "drill FAILED: see the table above" ;;
  *) err "the drill could not run (exit $rc); logs in $LOG_DIR" ;;
esac
exit "$rc"
