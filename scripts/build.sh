#!/usr/bin/env bash
# Configures (once) and builds one build tree: scripts/build.sh DIR [meson options...]
set -euo pipefail
dir=$1; shift
if [[ -f "$dir/build.ninja" ]]; then
  meson configure "$dir" "$@" >/dev/null
else
  meson setup "$dir" "$@" >/dev/null
fi
meson compile -C "$dir" >/dev/null
