#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Sourcebook needs (idempotent: only what is missing).
#   bash .ci/system-deps.sh run    Python's venv and the libraries Qt needs for a real window
#   bash .ci/system-deps.sh test   all of that plus the tools the tests use (the default)
#   ... --check                    only report what is missing (exit 1 if anything is)
# Installing needs root, or sudo.
set -euo pipefail
group=${1:-test}
check=${2:-}
run_pkgs=(
  # Python 3.11+ with venv (ensurepip) to create .venv
  python3 python3-venv
  # Qt's xcb platform (a real window) on a bare Debian 12
  libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxcb-randr0
  libxcb-xfixes0 libxcb-sync1 libxcb-shm0 fonts-dejavu-core
)
test_pkgs=(
  # tests: PDF text and pages, .docx conversion, a virtual X server
  poppler-utils libreoffice-writer-nogui xvfb xauth
  # the PostgreSQL server used by the storage tests (.ci/pg.sh starts a throwaway cluster)
  postgresql
)
case "$group" in
  run) pkgs=("${run_pkgs[@]}") ;;
  test) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages ($group): all present"
  exit 0
fi
if [ "$check" = "--check" ]; then
  echo "system packages ($group) missing: ${missing[*]}"
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "system-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "system packages ($group): installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >/dev/null
echo "system packages ($group): done"
