# shellcheck shell=bash
# Shared helpers for scripts/services.sh, scripts/run.sh and scripts/test.sh.
# Source it; it does not change shell options of the caller.

# Repository root, resolved from this file's location (no machine-specific paths).
SOUK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export SOUK_ROOT

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
  _c_red=$'\033[31m' _c_green=$'\033[32m' _c_yellow=$'\033[33m' _c_bold=$'\033[1m' _c_off=$'\033[0m'
else
  _c_red='' _c_green='' _c_yellow='' _c_bold='' _c_off=''
fi

# info/ok/warn/die print one concise line, prefixed with the script name.
_souk_tag() { printf '[%s]' "${SOUK_TAG:-$(basename "$0" .sh)}"; }
info() { printf '%s %s\n' "$(_souk_tag)" "$*"; }
ok() { printf '%s %s%s%s\n' "$(_souk_tag)" "$_c_green" "$*" "$_c_off"; }
warn() { printf '%s %s%s%s\n' "$(_souk_tag)" "$_c_yellow" "$*" "$_c_off" >&2; }
err() { printf '%s %s%s%s\n' "$(_souk_tag)" "$_c_red" "$*" "$_c_off" >&2; }
die() { err "$*"; exit 1; }
bold() { printf '%s%s%s' "$_c_bold" "$*" "$_c_off"; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' and sudo is not installed"
  fi
}

# apt_install PKG...: install Debian packages (apt-get update first).
apt_install() {
  (($# > 0)) || return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "missing packages: $* (no apt-get here; install them with your package manager)"
  info "installing missing packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# port_in_use PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" >/dev/null 2>&1
}

# http_status URL [CURL_ARGS...]: prints the HTTP status code (000 when unreachable).
http_status() {
  local url="$1"
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# pid_alive PIDFILE: true when the pid file exists and its process is alive.
pid_alive() {
  local f="$1" pid
  [[ -s "$f" ]] || return 1
  pid="$(tr -dc '0-9' <"$f" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# short_hash STRING: 8 hex chars, stable for the same input.
short_hash() {
  printf '%s' "$1" | cksum | awk '{printf "%08x", $1}'
}

# Quiet, fast .NET CLI.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# require_dotnet_sdk: check the .NET 10 SDK is there, explain how to get it otherwise.
require_dotnet_sdk() {
  if ! command -v dotnet >/dev/null 2>&1; then
    err "the .NET SDK (dotnet) is not on PATH."
    err "Install the .NET 10 SDK: https://learn.microsoft.com/dotnet/core/install/linux"
    err "(e.g. Microsoft's Debian/Ubuntu package 'dotnet-sdk-10.0', or dotnet-install.sh --channel 10.0)."
    exit 1
  fi
  if ! dotnet --list-sdks 2>/dev/null | grep -Eq '^(1[0-9]|[2-9][0-9])\.'; then
    err "dotnet is installed but no .NET 10 (or newer) SDK was found:"
    dotnet --list-sdks >&2 || true
    err "Install the .NET 10 SDK: https://learn.microsoft.com/dotnet/core/install/linux"
    exit 1
  fi
}
