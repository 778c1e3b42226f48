# Sourced by the scripts here: builds kwire-mock (dev profile: these runs are short) and starts
# one on free ports of 127.0.0.1, stopped when the sourcing script exits.
#
#   start_mock [kwire-mock args...]   sets MOCK_BOOTSTRAP, MOCK_CONTROL, MOCK_PID

build_mock() {
  ( cd "$REPO_ROOT" && timeout 1200 cargo build -q -p kwire-mock ) || die "cargo build -p kwire-mock failed"
  MOCK_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/kwire-mock"
}

start_mock() {
  [[ -n "${MOCK_BIN:-}" ]] || build_mock
  MOCK_DIR="$(mktemp -d)"
  "$MOCK_BIN" --port 0 --control 127.0.0.1:0 --ready-file "$MOCK_DIR/ready" "$@" \
    > "$MOCK_DIR/stdout" 2> "$MOCK_DIR/log" &
  MOCK_PID=$!
  trap stop_mock EXIT
  local i
  for i in $(seq 100); do
    [[ -s "$MOCK_DIR/ready" ]] && break
    kill -0 "$MOCK_PID" 2>/dev/null || die "kwire-mock exited: $(tail -n3 "$MOCK_DIR/log")"
    sleep 0.1
  done
  [[ -s "$MOCK_DIR/ready" ]] || die "kwire-mock not ready after 10 s"
  MOCK_BOOTSTRAP="$(sed -n 's/.*"bootstrap": *"\([^"]*\)".*/\1/p' "$MOCK_DIR/ready")"
  MOCK_CONTROL="$(sed -n 's/.*"control": *"\([^"]*\)".*/\1/p' "$MOCK_DIR/ready")"
}

stop_mock() {
  if [[ -n "${MOCK_PID:-}" ]]; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=""
  fi
  [[ -n "${MOCK_DIR:-}" ]] && rm -rf "$MOCK_DIR"
  return 0
}
