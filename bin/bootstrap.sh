# Sourced by bin/start and bin/test: installs what Clientela needs on a fresh machine.
# Python 3.12 (chosen by .python-version), uv, the locked Python packages, the npm assets.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

find_python() {
  local candidate
  for candidate in python3.12 python python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "Clientela needs Python 3.12 (pyenv selects it from .python-version)." >&2
  return 1
}

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then UV=(uv); return; fi
  if "$PYTHON" -m uv --version >/dev/null 2>&1; then UV=("$PYTHON" -m uv); return; fi
  say "Installing uv"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
  UV=("$PYTHON" -m uv)
}

ensure_python_packages() {
  say "Installing Python packages from uv.lock"
  # Compiled to bytecode once, as pip would: every command, server, worker and helper process
  # otherwise compiles Django and the app again when Python may not keep its bytecode
  # (PYTHONDONTWRITEBYTECODE), about a second of CPU each. Up-to-date files are skipped.
  "${UV[@]}" sync --frozen --quiet --compile-bytecode --python "$PYTHON" "$@"
}

ensure_assets() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "Clientela needs Node.js and npm to install its front-end assets." >&2
    return 1
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing front-end assets from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  npm run --silent build >/dev/null
}

bootstrap() {
  PYTHON="$(find_python)"
  ensure_uv
  ensure_python_packages "$@"
  ensure_assets
  export PATH="$ROOT/.venv/bin:$PATH"
}
