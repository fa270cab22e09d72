#!/usr/bin/env bash
# Installs the Debian 12 packages Ombud needs to build, run and test, when missing.
# Idempotent: a second run installs nothing. Every package is listed once, here.
set -euo pipefail

packages=(
  # build
  gcc libc6-dev meson ninja-build pkg-config
  # libraries (shared/)
  libglib2.0-dev libsqlite3-dev libsodium-dev libjson-glib-dev libzstd-dev
  # sync/ and office/
  libcurl4-openssl-dev libmicrohttpd-dev
  # the window (app/, ui/)
  libgtk-4-dev libadwaita-1-dev
  # the window's resources (xml-stripblanks)
  libxml2-utils
  # tests: the window under a virtual X display, with a session bus
  xvfb xauth dbus dbus-x11 adwaita-icon-theme fonts-cantarell librsvg2-common
  # tests: the closed case's PDF export is read back as text
  poppler-utils
  # tests: certificates for the TLS tests
  openssl
  # tests: the junit summary is read with python3 (meson needs it anyway)
  python3
  # data/ and po/: translations, desktop file, metainfo, schema, icons
  gettext desktop-file-utils appstream libglib2.0-bin gtk-update-icon-cache
  # tests/data: the validators and the icon rendering
  flatpak-builder librsvg2-bin libgdk-pixbuf-2.0-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing: ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
