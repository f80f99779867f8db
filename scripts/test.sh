#!/usr/bin/env bash
# Souk Loop "test" command: throw-away services ("test" profile, fresh folder), dotnet test on
# the whole solution, then one summary line, always the last line: "N passed, N failed".
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter Category=Offers]
#
# Works while scripts/run.sh is running (other ports, other folder). See docs/services.md.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SOUK_TAG="test"

case "${1:-}" in
  -h | --help)
    cat <<'EOF'
usage: scripts/test.sh [dotnet test arguments...]

Starts PostgreSQL, RabbitMQ and Redis with the "test" profile (PG 55442, AMQP 55682, UI 15682,
Redis 56389) in a fresh .services/test-<pid>/ folder, exports their connection settings, runs
`dotnet test SoukLoop.sln -c Release` with a TRX logger, stops and deletes the services, and
prints the summed TRX counters as the last line: "N passed, N failed" (skipped tests are reported above it).
Exit code 0 only when tests ran and none failed.

Environment: SOUK_TEST_RESULTS_DIR (default TestResults/<timestamp>-<pid>),
SOUK_TEST_TIMEOUT (e.g. 60m: stop dotnet test after that long), SOUK_TEST_*_PORT (ports).
EOF
    exit 0
    ;;
esac

SLN="$SOUK_ROOT/SoukLoop.sln"
SERVICES="$SOUK_ROOT/scripts/services.sh"
SVC_DIR="$SOUK_ROOT/.services/test-$$"
RESULTS_DIR="${SOUK_TEST_RESULTS_DIR:-$SOUK_ROOT/TestResults/$(date +%Y%m%d-%H%M%S)-$$}"

services_up=0
cleanup_services() {
  ((services_up)) || return 0
  services_up=0
  "$SERVICES" stop test --dir "$SVC_DIR" || warn "could not stop the test services in $SVC_DIR"
  rm -rf "$SVC_DIR"
}
test_pid=""
# Ctrl+C / SIGTERM: stop dotnet test (its own process group, see below), then the services.
# shellcheck disable=SC2317 # invoked by the traps below
on_interrupt() {
  local i
  trap '' INT TERM
  set +e
  echo
  err "interrupted"
  if [[ -n "$test_pid" ]] && kill -0 "$test_pid" 2>/dev/null; then
    kill -TERM "$test_pid" 2>/dev/null
    for ((i = 0; i < 60; i++)); do
      kill -0 "$test_pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$test_pid" 2>/dev/null
  fi
  cleanup_services
  echo "0 passed, 1 failed"
  exit "$1"
}
trap cleanup_services EXIT
trap 'on_interrupt 130' INT
trap 'on_interrupt 143' TERM

# finish PASSED FAILED SKIPPED RC: stop services, print the summary as the very last line, exit.
finish() {
  cleanup_services
  trap - EXIT
  (($3 > 0)) && warn "$3 test(s) were skipped"
  echo "$1 passed, $2 failed"
  exit "$4"
}

require_dotnet_sdk
[[ -f "$SLN" ]] || {
  err "SoukLoop.sln not found in $SOUK_ROOT"
  finish 0 1 0 1
}

# ---------------------------------------------------------------- services
# Another test run (another checkout, say) may hold the test ports: unless ports were set
# explicitly, move the whole set up by 10, 20, ... until all six are free.
pick_test_ports() {
  local names=(PG_PORT AMQP_PORT RABBIT_UI_PORT RABBIT_PROMETHEUS_PORT RABBIT_DIST_PORT REDIS_PORT)
  local bases=(55442 55682 15682 15702 25682 56389)
  local name offset i busy
  for name in "${names[@]}"; do
    [[ -z "$(printenv "SOUK_TEST_$name" || true)" ]] || return 0
  done
  for ((offset = 0; offset <= 200; offset += 10)); do
    busy=0
    for i in "${!bases[@]}"; do
      if port_in_use $((bases[i] + offset)); then
        busy=1
        break
      fi
    done
    if ((!busy)); then
      ((offset == 0)) || info "default test ports are busy (another test run?): using them +$offset"
      for i in "${!names[@]}"; do export "SOUK_TEST_${names[i]}=$((bases[i] + offset))"; done
      return 0
    fi
  done
}
pick_test_ports
services_up=1
if ! "$SERVICES" start test --dir "$SVC_DIR"; then
  err "could not start the test services"
  finish 0 1 0 1
fi
eval "$("$SERVICES" env test --dir "$SVC_DIR")"

# ---------------------------------------------------------------- browser
# The support console's browser tests drive Debian's Chromium through Playwright (no browser download).
[[ -x /usr/bin/chromium ]] || apt_install chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# ---------------------------------------------------------------- dotnet test
mkdir -p "$RESULTS_DIR"
# No MSBuild worker nodes left behind once the run is over (CI waits for its processes).
export MSBUILDDISABLENODEREUSE=1
cmd=(dotnet test "$SLN" -c Release --logger "trx;LogFilePrefix=soukloop" --results-directory "$RESULTS_DIR" "$@")
info "${cmd[*]}"
# `timeout` (duration 0 = none) leads its own process group: a signal sent to it reaches
# dotnet test, the test hosts and whatever they started. Run in the background so that the
# traps above fire at once.
exec {log_fd}> >(tee "$RESULTS_DIR/dotnet-test.log")
tee_pid=$!
timeout --kill-after=60s "${SOUK_TEST_TIMEOUT:-0}" "${cmd[@]}" </dev/null >&"$log_fd" 2>&1 &
test_pid=$!
wait "$test_pid" && test_rc=0 || test_rc=$?
test_pid=""
exec {log_fd}>&-
wait "$tee_pid" 2>/dev/null || true
((test_rc == 124)) && err "dotnet test timed out after $SOUK_TEST_TIMEOUT"

cleanup_services

# ---------------------------------------------------------------- TRX summary
total=0 passed=0 failed=0 skipped=0 files=0 n=0
attr() { # attr NAME ELEMENT -> numeric attribute value or 0
  local v
  v="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2")"
  printf '%s' "${v:-0}"
}
while IFS= read -r -d '' trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n1 || true)"
  if [[ -z "$counters" ]]; then
    warn "no <Counters> in ${trx#"$SOUK_ROOT/"}"
    failed=$((failed + 1))
    continue
  fi
  files=$((files + 1))
  total=$((total + $(attr total "$counters")))
  passed=$((passed + $(attr passed "$counters")))
  failed=$((failed + $(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters")))
  # VSTest counts skipped tests in total but not in executed (notExecuted stays 0).
  n=$(($(attr total "$counters") - $(attr executed "$counters")))
  ((n > 0)) || n=$(attr notExecuted "$counters")
  skipped=$((skipped + n))
done < <(find "$RESULTS_DIR" -name '*.trx' -type f -print0 2>/dev/null)

info "$files TRX file(s) in ${RESULTS_DIR#"$SOUK_ROOT/"}/ ($total tests), dotnet test exit code $test_rc"
rc=0
if ((files == 0)); then
  err "no TRX file was produced (build failure, or no test project in the solution?)"
  failed=$((failed > 0 ? failed : 1))
  rc=1
elif ((test_rc != 0 && failed == 0)); then
  err "dotnet test failed (exit $test_rc) without a failing test in the TRX files (build error, crash or timeout?)"
  failed=1
  rc=1
elif ((passed + failed == 0)); then
  err "no test was executed"
  rc=1
fi
((failed == 0)) || rc=1
finish "$passed" "$failed" "$skipped" "$rc"
