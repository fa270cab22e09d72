#!/usr/bin/env bash
# Sets up and runs Ombud on a demo team: an office (ombud-office) on its
# embedded SQLite store, the coordinator's laptop holding a made-up PO team
# in Jämtland with about three years of cases, and an ombud's laptop that is
# enrolled, confirmed and synced, so that her own caseload — and only hers —
# arrives on it. Then the window (ombud) opens on her laptop while the
# office keeps running, so a sync can be seen. Without a display it stops
# after the command-line demo. A second run reuses all three.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
scripts/build.sh build

cli=build/app/ombud-cli
office_bin=build/office/ombud-office
window_bin=build/ui/ombud
base=${OMBUD_DEMO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/ombud/demo-team}
port=${OMBUD_DEMO_PORT:-8470}
coord="$base/coordinator"
ombud="$base/ombud"
office="$base/office"
url="http://127.0.0.1:$port"
passphrase="demo-passphrase"   # demo profiles only; real ones come from their users

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
quiet() { local p=$1; shift; printf '%s\n' "$passphrase" | "$cli" --profile "$p" "$@"; }
on() { local p=$1; shift; say "ombud-cli --profile $p $*"; quiet "$p" "$@"; }
admin() { say "ombud-office --data $office $*"; "$office_bin" --data "$office" "$@"; }
invite() { "$office_bin" --data "$office" invite --ombud "$1" ${2:-} | tail -n 1; }

mkdir -p "$base"
[[ -f "$office/office.db" ]] || admin init --org "PO Jämtland (demo)"

# The office runs for the length of the demo, on loopback only.
"$office_bin" --data "$office" serve --listen "127.0.0.1:$port" >"$base/office.out" 2>"$base/office.log" &
office_pid=$!
trap 'kill "$office_pid" 2>/dev/null || true; wait "$office_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q Listening "$base/office.out" 2>/dev/null && break; sleep 0.1; done
grep -q Listening "$base/office.out" || { cat "$base/office.log" >&2; echo "the office did not start (port $port taken? set OMBUD_DEMO_PORT)" >&2; exit 1; }

# The coordinator's laptop: the team's demo caseload, then enrolled as the
# organisation's first coordinator, and everything sent to the office.
if [[ ! -f "$coord/ombud.key" ]]; then
  on "$coord" init
  on "$coord" demo-data
fi
if ! quiet "$coord" status | grep -q "^Office: *http"; then
  on "$coord" enrol "$url" "$(invite "Eva Strand" --coordinator)"
fi
on "$coord" sync

# An ombud's laptop: enrolled with her invite, confirmed by the coordinator
# after comparing fingerprints, then synced.
if [[ ! -f "$ombud/ombud.key" ]]; then
  on "$ombud" init
  on "$ombud" enrol "$url" "$(invite "Karin Öberg")"
  on "$ombud" sync
  device=$(quiet "$ombud" status | sed -n 's/^Device: *//p')
  on "$coord" sync
  on "$coord" devices
  on "$coord" confirm "$device"
fi
on "$ombud" sync
on "$ombud" status
on "$ombud" case list | awk 'NR <= 12 || /cases:/ { print; next } !cut { print "…"; cut = 1 }'
on "$coord" case list | tail -n 2
admin devices

say "grep -c Kronofogden $office/office.db*   # the office holds nothing in clear"
grep -c "Kronofogden" "$office"/office.db* || true
say "tail -n 3 $base/office.log   # one line per request, never a body"
tail -n 3 "$base/office.log"

cat <<TEXT

The demo team is in $base (passphrase: $passphrase):
  the coordinator's laptop  $coord
  Karin Öberg's laptop      $ombud
  the office's store        $office
Try: $cli --profile $ombud --help
The office stops with this script; start it again with
  $office_bin --data $office serve --listen 127.0.0.1:$port
TEXT

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  cat <<TEXT

No display (\$DISPLAY and \$WAYLAND_DISPLAY are unset): the window is not opened.
On a desktop, this script opens it on Karin Öberg's laptop; by hand:
  $window_bin --profile $ombud
TEXT
  exit 0
fi

# The window on Karin's laptop; the office runs until it is closed, so
# "Sync Now" in the header bar reaches it. The settings schema comes from
# the build (nothing is installed).
say "ombud --profile $ombud   # unlock with: $passphrase"
GSETTINGS_SCHEMA_DIR="$PWD/build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}" \
  "$window_bin" --profile "$ombud"
