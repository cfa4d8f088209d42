#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Sourcebook's window and tests need (idempotent).
set -euo pipefail
pkgs=(
  # Qt's xcb platform (a real window) on a bare Debian 12
  libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxcb-randr0
  libxcb-xfixes0 libxcb-sync1 libxcb-shm0 fonts-dejavu-core
  # tests: PDF text and pages, .docx conversion, a virtual X server
  poppler-utils libreoffice-writer-nogui xvfb xauth
  # the PostgreSQL server used by the storage tests
  postgresql
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >/dev/null
