# Sourced by bin/serve and bin/test: a venv in .venv with the requirements installed (re-installed when they
# change). bin/serve installs the runtime set (requirements.txt); bin/test sets REQUIREMENTS to
# requirements-dev.txt, which adds the test and lint tools on top.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REQUIREMENTS=${REQUIREMENTS:-requirements.txt}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want="$REQUIREMENTS:$(cat requirements.txt "$REQUIREMENTS" | sha256sum | cut -d' ' -f1)"
# The dev set includes the runtime set, so a venv stamped for it serves bin/serve too.
have=$(cat "$stamp" 2>/dev/null || true)
dev_have="requirements-dev.txt:$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ "$have" != "$want" ] && { [ "$REQUIREMENTS" != requirements.txt ] || [ "$have" != "$dev_have" ]; }; then
  echo "Installing $REQUIREMENTS into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$REQUIREMENTS"
  echo "$want" > "$stamp"
fi
