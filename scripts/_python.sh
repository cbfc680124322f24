# Sourced by scripts/run and scripts/test: find Python >= 3.12 and prepare .venv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for cand in python3.13 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  for cand in "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3.1[23] /usr/bin/python3.1[23]; do
    if [ -x "$cand" ]; then echo "$cand"; return 0; fi
  done
  echo "DOM CCTV needs Python >= 3.12 (python3.12 not found)" >&2
  return 1
}

ensure_venv() {
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
    rm -rf .venv
    "$(find_python)" -m venv .venv
  fi
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    rm -f .venv/.installed-*; touch "$stamp"
  fi
}

ensure_env_file() {
  if [ ! -f .env ]; then
    secret=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')
    sed "s|^JWT_SECRET=.*|JWT_SECRET=${secret}|" .env.example > .env
    echo "created .env with a fresh JWT_SECRET"
  fi
}

install_web() {
  # npm ci only when package-lock.json changed since the last install.
  local stamp=web/node_modules/.installed-$(sha256sum web/package-lock.json | cut -c1-16)
  if [ ! -f "$stamp" ]; then
    echo "installing the dashboard's packages (npm ci; a minute on first use)..."
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

build_web() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: skipping the dashboard build (API and GraphiQL still work)" >&2
    return 0
  fi
  if [ -f web/package.json ]; then
    install_web
    (cd web && npm run build --silent)
  fi
}
