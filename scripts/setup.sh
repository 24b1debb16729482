#!/usr/bin/env bash
# Prepares a checkout on Debian/Ubuntu: installs the missing system packages, creates
# .venv, installs the Python tools, and builds + installs pyperf_tensor into .venv.
# Idempotent and quick when everything is already in place.
#   scripts/setup.sh            test tools
#   scripts/setup.sh bench      also the benchmark peers (PyTorch CPU)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- system packages ------------------------------------------------------------------
missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v "$PYTHON" >/dev/null || missing+=(python3)
for pkg in libxsimd-dev xtl-dev libxtensor-dev doctest-dev libbenchmark-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if command -v "$PYTHON" >/dev/null; then
  "$PYTHON" -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
  [ -f "$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] || missing+=(python3-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- virtualenv and Python tools ------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
stamp() { sha1sum "$@" | sha1sum | cut -c1-12; }
want="$(stamp requirements/test.txt)"
if [ "$(cat "$VENV/.test-requirements" 2>/dev/null)" != "$want" ]; then
  log "installing test requirements"
  "${PIP[@]}" install -r requirements/test.txt
  echo "$want" > "$VENV/.test-requirements"
fi
if [ "${1:-}" = "bench" ]; then
  want="$(stamp requirements/bench.txt)"
  if [ "$(cat "$VENV/.bench-requirements" 2>/dev/null)" != "$want" ]; then
    log "installing benchmark peers (PyTorch CPU)"
    "${PIP[@]}" install -r requirements/bench.txt
    echo "$want" > "$VENV/.bench-requirements"
  fi
fi

# --- the package itself (incremental: scikit-build-core keeps build/python-*) -----------
log "building and installing pyperf_tensor into $VENV"
"${PIP[@]}" install --no-build-isolation --no-deps .
