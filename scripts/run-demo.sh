#!/usr/bin/env bash
# Sets up and runs Ombud on a demo profile. Until the window exists (see the
# issues), that is ombud-cli showing a made-up PO team in Jämtland, with about
# three years of cases, in the encrypted store. A second run reuses the profile.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
scripts/build.sh build

cli=build/app/ombud-cli
profile=${OMBUD_DEMO_PROFILE:-${XDG_DATA_HOME:-$HOME/.local/share}/ombud/demo}
passphrase="demo-passphrase"   # a demo profile only; real ones come from the ombud

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
quiet() { printf '%s\n' "$passphrase" | "$cli" --profile "$profile" "$@"; }
ombud() { say "ombud-cli --profile $profile $*"; quiet "$@"; }

[[ -f "$profile/ombud.key" ]] || ombud init
# Also after an interrupted first run: demo-data refuses a profile with cases.
[[ "$(quiet case list --json)" != "[]" ]] || ombud demo-data

ombud case list | awk 'NR <= 16 || /cases:/ { print; next } !cut { print "…"; cut = 1 }'
ids=$(quiet case list --json | sed -n 's/^ *"id" : "\(.*\)",$/\1/p')
ombud case show "${ids%%$'\n'*}"
ombud search Kronofogden --limit 8
ombud conflicts
ombud stats --year "$(( $(date +%Y) - 1 ))"
ombud codes contact_form
ombud integrity

say "grep -c Kronofogden $profile/ombud.db*   # nothing on disk in clear"
grep -c "Kronofogden" "$profile"/ombud.db* || true

cat <<TEXT

The demo profile is in $profile (passphrase: $passphrase).
Try: $cli --profile $profile --help
TEXT
