#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine, then runs them.
#   bash tests/run.sh [pytest arguments]
# - Python packages from requirements-dev.txt (the app's, pytest, the export extra, the linters)
#   and PyTorch 2.13 for the comparison and export tests.
# - Debian packages for Qt and real-window tests (Xvfb, GL/EGL and xcb libraries), when run as
#   root on a Debian-like system and they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

py=${PYTHON:-python3}
$py -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
$py -c "import torch" 2>/dev/null || $py -m pip install --quiet --disable-pip-version-check "torch==2.13.0"

need_apt=""
command -v Xvfb >/dev/null || need_apt=1
ldconfig -p 2>/dev/null | grep -q libEGL.so.1 || need_apt=1
ldconfig -p 2>/dev/null | grep -q libxkbcommon-x11 || need_apt=1
if [ -n "$need_apt" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq xvfb xauth libegl1 libgl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 \
    libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 libxcb-image0 \
    libdbus-1-3 fontconfig fonts-dejavu-core >/dev/null
fi

export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
exec $py -m pytest "$@"
