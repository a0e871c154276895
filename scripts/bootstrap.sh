#!/usr/bin/env bash
# Creates .venv (Python 3.11) and installs requirements-dev.txt (the server's requirements.txt
# plus the test tools) into it. pip runs again only when either file changed since the last
# successful install (their hash is kept in a stamp file).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
if [ ! -x .venv/bin/python ]; then
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    if command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))'; then
      PYTHON=python3
    else
      echo "!! Python 3.11 is needed (python3.11 not found); set PYTHON=/path/to/python3.11" >&2
      exit 1
    fi
  fi
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.requirements.sha256
want="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "==> installing requirements-dev.txt (requirements.txt + test tools) into .venv"
  # Local mirrors configured for pip may warn about every package they lack: keep the output readable.
  .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" > "$stamp"
fi
