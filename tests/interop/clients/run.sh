#!/usr/bin/env bash
# Run one real-client interop driver (built/installed by ../setup.sh):
#
#   clients/run.sh CLIENT produce --bootstrap B --topic T --count N [options]
#   clients/run.sh CLIENT consume --bootstrap B --topic T --expect N [--timeout-s 60]
#   clients/run.sh CLIENT group --bootstrap B --topic T --group G [--stop-after N] [--idle-s 8]
#   clients/run.sh --list
#
# CLIENT: librdkafka | kafka-python | java | franz-go (| kcat: group only). Each prints exactly one JSON line on
# stdout (logs go to stderr). See ../README.md for the options and the record scheme.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

CLIENTS=(librdkafka kafka-python java franz-go)
[[ "${1:-}" == --list ]] && { printf '%s\n' "${CLIENTS[@]}"; exit 0; }
[[ $# -ge 2 ]] || { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
client="$1"; shift

need() { [[ -e "$1" ]] || die "$client driver not installed ($1 missing): run tests/interop/setup.sh"; }

case "$client" in
  librdkafka|rdkafka)
    need "$VENV_DIR/bin/python"
    exec "$VENV_DIR/bin/python" "$INTEROP_DIR/clients/python/rdkafka_client.py" "$@" ;;
  kafka-python|kafkapython)
    need "$VENV_DIR/bin/python"
    exec "$VENV_DIR/bin/python" "$INTEROP_DIR/clients/python/kafkapython_client.py" "$@" ;;
  java)
    need "$JAVA_CLIENT_DIR/libs/kwire-interop-java-client.jar"
    # C1 only and serial GC: these runs are short, and start-up dominates on 2 cores.
    # shellcheck disable=SC2086
    exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m ${KWIRE_JAVA_CLIENT_OPTS:-} \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.logFile=System.err \
      -cp "$JAVA_CLIENT_DIR/libs/*" kwire.interop.JavaClient "$@" ;;
  kcat)
    # kcat -G (librdkafka's balanced consumer) for the group op only; see python/kcat_group.py
    need "$VENV_DIR/bin/python"
    KWIRE_KCAT="${KWIRE_KCAT:-$CACHE_DIR/kcat/kcat}"
    need "$KWIRE_KCAT"
    export KWIRE_KCAT
    exec "$VENV_DIR/bin/python" "$INTEROP_DIR/clients/python/kcat_group.py" "$@" ;;
  franz-go|franz|go)
    need "$BIN_DIR/kwire-franz"
    exec "$BIN_DIR/kwire-franz" "$@" ;;
  *) die "unknown client '$client' (one of: ${CLIENTS[*]})" ;;
esac
