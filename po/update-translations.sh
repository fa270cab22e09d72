#!/usr/bin/env bash
# Regenerates po/ombud.pot from the files POTFILES.in lists (C sources, .ui
# files, desktop file, metainfo, GSettings schema) and merges it into every
# language of LINGUAS, so new strings show up untranslated in po/sv.po.
#
#   po/update-translations.sh            # write po/ombud.pot, update po/*.po
#   po/update-translations.sh --pot FILE # only write the template to FILE
#
# The keywords are meson's glib preset, so this and `ninja ombud-pot` agree.
set -euo pipefail

po_dir="$(cd "$(dirname "$0")" && pwd)"
top="$(dirname "$po_dir")"
pot="$po_dir/ombud.pot"
merge=1
if [[ $# -gt 0 ]]; then
  if [[ $# -ne 2 || "$1" != "--pot" ]]; then
    echo "usage: $0 [--pot FILE]" >&2
    exit 2
  fi
  pot="$2"
  merge=0
fi

version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n 1)

cd "$top"
xgettext \
  --package-name=ombud --package-version="$version" \
  --msgid-bugs-address=https://github.com/ombud/ombud/issues \
  --from-code=UTF-8 --add-comments=Translators --sort-by-file \
  --files-from="$po_dir/POTFILES.in" --output="$pot" \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format \
  --flag=g_printf:1:c-format --flag=g_fprintf:2:c-format \
  --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format

[[ $merge -eq 1 ]] || exit 0

while read -r lang; do
  [[ -z "$lang" || "$lang" == \#* ]] && continue
  msgmerge --quiet --update --backup=none --previous "$po_dir/$lang.po" "$pot"
  echo "po/$lang.po: $(msgfmt --statistics -o /dev/null "$po_dir/$lang.po" 2>&1)"
done < "$po_dir/LINGUAS"
