#!/usr/bin/env bash
# Which protocol features librdkafka enables against real Kafka and against kwire-mock: it
# derives them from ApiVersions (LZ4 needs FindCoordinator, the balanced consumer the group
# APIs, ...), so a mock that advertises less makes clients take other code paths than in
# production.
#
#   features.sh     (Kafka: $KWIRE_KAFKA_BOOTSTRAP, e.g. under `kafka.sh with single`)
#
# Prints feature -> Kafka / kwire-mock. Exits 1 when the sets differ other than as listed in
# `known` below (each with its reason, also in kwire-mock's README "Differences from Kafka"),
# or when a listed difference is gone (so that the list stays true).
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=mock.sh
source "$INTEROP_DIR/differential/mock.sh"

# feature -> why kwire-mock's set differs from Kafka's there.
declare -A known=()
[[ -n "${KWIRE_KAFKA_BOOTSTRAP:-}" ]] || die "KWIRE_KAFKA_BOOTSTRAP is not set (tests/interop/kafka.sh with single -- $0)"
[[ -x "$VENV_DIR/bin/python" ]] || die "no Python venv: run tests/interop/setup.sh --only python"

probe() { timeout 60 "$VENV_DIR/bin/python" "$INTEROP_DIR/differential/features.py" "$1"; }
features_of() { sed -n 's/.*"features": *\[\(.*\)\].*/\1/p' | tr -d '" ' | tr ',' '\n'; }

kafka="$(probe "$KWIRE_KAFKA_BOOTSTRAP" | features_of)" || die "librdkafka against Kafka failed"
start_mock --brokers 1 --replication-factor 1
mock="$(probe "$MOCK_BOOTSTRAP" | features_of)" || die "librdkafka against kwire-mock failed"

[[ -n "$kafka" ]] || die "librdkafka logged no feature set against Kafka"
[[ -n "$mock" ]] || die "librdkafka logged no feature set against kwire-mock"

printf '%-24s %-7s %s\n' feature Kafka kwire-mock
same=0 differ=0 explained=0 stale=0
while read -r f; do
  [[ -n "$f" ]] || continue
  k=no m=no note=
  grep -qx "$f" <<<"$kafka" && k=yes
  grep -qx "$f" <<<"$mock" && m=yes
  if [[ "$k" == "$m" ]]; then
    same=$((same + 1))
    [[ -n "${known[$f]:-}" ]] && { stale=$((stale + 1)); note="   <- listed as known but equal: remove it"; }
  elif [[ -n "${known[$f]:-}" ]]; then
    explained=$((explained + 1)); note="   (known: ${known[$f]})"
  else
    differ=$((differ + 1)); note="   <- DIFFERS"
  fi
  printf '%-24s %-7s %s%s\n' "$f" "$k" "$m" "$note"
done < <(printf '%s\n%s\n' "$kafka" "$mock" | sort -u)
echo "features: $same equal, $explained known differences, $differ unexplained, $stale stale"
[[ "$differ" == 0 && "$stale" == 0 ]]
