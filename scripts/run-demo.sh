#!/usr/bin/env bash
# Sets up and runs Ombud on a demo profile. Until the window exists (see the
# issues), that is ombud-cli showing the encrypted store at work.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
scripts/build.sh build

cli=build/app/ombud-cli
profile=${OMBUD_DEMO_PROFILE:-${XDG_DATA_HOME:-$HOME/.local/share}/ombud/demo}
passphrase="demo-passphrase"   # a demo profile only; real ones come from the ombud

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; printf '%s\n' "$passphrase" | "$@"; }

if [[ ! -f "$profile/ombud.key" ]]; then
  run "$cli" --profile "$profile" init
fi
run "$cli" --profile "$profile" put office "PO Jämtland, Östersund"
run "$cli" --profile "$profile" put note "Möte med Försäkringskassan om aktivitetsersättning"
run "$cli" --profile "$profile" get note
run "$cli" --profile "$profile" integrity

say "grep -c Försäkringskassan $profile/ombud.db   # the note is not on disk in clear"
grep -c "Försäkringskassan" "$profile"/ombud.db* || true

say "a wrong passphrase"
printf 'not-the-passphrase\n' | "$cli" --profile "$profile" get note || echo "(exit status $?)"

cat <<TEXT

The demo profile is in $profile (passphrase: $passphrase).
Try: $cli --profile $profile --help
TEXT
