#!/usr/bin/env bash
# Sets up and runs every test: a normal build, then the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer. Ends with one line
# "N passed, N failed" counting individual test cases; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh || exit 1

status=0
logs=()
for variant in build:"" build-sanitize:"-Db_sanitize=address,undefined"; do
  dir=${variant%%:*}
  opts=${variant#*:}
  echo "== $dir ${opts}"
  # shellcheck disable=SC2086
  scripts/build.sh "$dir" $opts || { echo "build failed in $dir"; exit 1; }
  meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
  logs+=("$dir/meson-logs/testlog.junit.xml")
done

python3 scripts/count-cases.py "${logs[@]}" || status=1
exit $status
