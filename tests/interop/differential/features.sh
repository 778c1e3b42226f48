#!/usr/bin/env bash
# Which protocol features librdkafka enables against real Kafka and against kwire-mock: it
# derives them from ApiVersions (LZ4 needs FindCoordinator, the balanced consumer the group
# APIs, ...), so a mock that advertises less makes clients take other code paths than in
# production.
#
#   features.sh [--strict]     (Kafka: $KWIRE_KAFKA_BOOTSTRAP, e.g. under `kafka.sh with single`)
#
# Prints feature -> Kafka / kwire-mock and the differences; --strict exits 1 on any.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=mock.sh
source "$INTEROP_DIR/differential/mock.sh"

strict=0
[[ "${1:-}" == --strict ]] && strict=1
[[ -n "${KWIRE_KAFKA_BOOTSTRAP:-}" ]] || die "KWIRE_KAFKA_BOOTSTRAP is not set (tests/interop/kafka.sh with single -- $0)"
[[ -x "$VENV_DIR/bin/python" ]] || die "no Python venv: run tests/interop/setup.sh --only python"

probe() { timeout 60 "$VENV_DIR/bin/python" "$INTEROP_DIR/differential/features.py" "$1"; }
features_of() { sed -n 's/.*"features": *\[\(.*\)\].*/\1/p' | tr -d '" ' | tr ',' '\n'; }

kafka="$(probe "$KWIRE_KAFKA_BOOTSTRAP" | features_of)" || die "librdkafka against Kafka failed"
start_mock --brokers 1 --replication-factor 1
mock="$(probe "$MOCK_BOOTSTRAP" | features_of)" || die "librdkafka against kwire-mock failed"

printf '%-24s %-7s %s\n' feature Kafka kwire-mock
differ=0
while read -r f; do
  [[ -n "$f" ]] || continue
  k=no m=no
  grep -qx "$f" <<<"$kafka" && k=yes
  grep -qx "$f" <<<"$mock" && m=yes
  [[ "$k" == "$m" ]] || differ=$((differ + 1))
  printf '%-24s %-7s %s%s\n' "$f" "$k" "$m" "$([[ "$k" == "$m" ]] || echo '   <- differs')"
done < <(printf '%s\n%s\n' "$kafka" "$mock" | sort -u)
echo "features: $differ differ"
[[ "$strict" == 0 || "$differ" == 0 ]]
