#!/usr/bin/env bash
# Builds the kwire-mock wheel (maturin, the executable inside), installs it into a fresh
# virtualenv with pytest and confluent-kafka, and runs the example suite in tests/ with it.
#
#   packaging/python/run.sh [PYTEST ARGS...]
#
# Downloads are cached in $KWIRE_CACHE_DIR/pip (default: .cache/ at the repository root); the
# Rust build goes to the workspace's target/. The wheel is left in $KWIRE_WHEEL_DIR if set.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${KWIRE_CACHE_DIR:-$ROOT/.cache}"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
pip_install() { PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 600 "$@" --cache-dir "$CACHE/pip" -q; }

t0=$SECONDS
"$PY" -m venv "$WORK/build"
pip_install "$WORK/build/bin/pip" install -r "$HERE/requirements-build.txt"
(cd "$HERE" && "$WORK/build/bin/maturin" build --release --quiet -o "$WORK/dist")
wheel=$(ls "$WORK"/dist/kwire_mock-*.whl)
echo "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB) in $((SECONDS - t0)) s"
[[ -n "${KWIRE_WHEEL_DIR:-}" ]] && mkdir -p "$KWIRE_WHEEL_DIR" && cp "$wheel" "$KWIRE_WHEEL_DIR/"

# a user's environment: nothing but the wheel and the test dependencies
"$PY" -m venv "$WORK/venv"
pip_install "$WORK/venv/bin/pip" install "$wheel" -r "$HERE/requirements-test.txt"
cd "$HERE/tests"
env -u KWIRE_MOCK_BIN "$WORK/venv/bin/python" -m pytest -p no:cacheprovider -q "$@"
