#!/usr/bin/env bash
# Runs the kwire-protocol fuzz targets one after the other and prints, per target, how many
# inputs it executed, how fast, and whether it crashed.
#
#   fuzz/run.sh                    # every target, 30 s each
#   fuzz/run.sh 300                # 5 minutes each
#   fuzz/run.sh 600 round_trip     # some targets only
#
# Exits non-zero if any target crashed (panic, out-of-memory, oversized malloc, timeout); the
# reproducer's path is printed. Full libFuzzer logs: fuzz/artifacts/logs/<target>.log.
#
# Environment: FUZZ_ARGS adds libFuzzer flags (e.g. FUZZ_ARGS="-max_len=70000").
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

secs="${1:-30}"
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2; }
shift $(( $# > 0 ? 1 : 0 ))

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked || exit 1
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# One build for all targets (debug assertions and overflow checks come from Cargo.toml's
# release profile; the default address sanitizer is what makes -malloc_limit_mb work).
cargo +nightly fuzz build || exit 1

"$here/seed-corpus.sh" "${targets[@]}" >/dev/null || exit 1
mkdir -p artifacts/logs

stat_of() { # log name
    sed -nE "s/^stat::$2:[[:space:]]*([0-9]+).*/\\1/p" "$1" | tail -n1
}

status=0
rows=()
for t in "${targets[@]}"; do
    log="artifacts/logs/$t.log"
    echo "run.sh: fuzzing $t for ${secs}s (log: fuzz/$log)" >&2
    # --jobs 1: one libFuzzer process (cargo-fuzz would otherwise use -fork). The targets
    # run one after the other, so this uses one core.
    # shellcheck disable=SC2086
    cargo +nightly fuzz run --jobs 1 "$t" "corpus/$t" -- \
        -max_total_time="$secs" \
        -rss_limit_mb=2048 \
        -malloc_limit_mb=256 \
        -timeout=10 \
        -print_final_stats=1 \
        ${FUZZ_ARGS:-} \
        >"$log" 2>&1
    rc=$?
    execs="$(stat_of "$log" number_of_executed_units)"
    rate="$(stat_of "$log" average_exec_per_sec)"
    if [[ -z $execs ]]; then # no final stats (e.g. killed): use the last status line
        last="$(grep -E '^#[0-9]+' "$log" | tail -n1)"
        execs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")"
        rate="$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")"
    fi
    artifact="$(sed -nE 's/.*Test unit written to ([^ ]+).*/\1/p' "$log" | tail -n1)"
    crashes=0
    if [[ $rc -ne 0 || -n $artifact ]]; then
        crashes=1
        status=1
    fi
    rows+=("$(printf '%-14s %12s %10s %8s  %s' "$t" "${execs:-?}" "${rate:-?}" "$crashes" \
        "${artifact:+artifact: $artifact}")")
    if [[ $crashes -ne 0 ]]; then
        echo "run.sh: $t crashed (exit $rc); tail of the log:" >&2
        grep -vE '^#[0-9]+' "$log" | tail -n 40 >&2
    fi
done

printf '%-14s %12s %10s %8s\n' target execs 'execs/s' crashes
printf '%s\n' "${rows[@]}"
exit "$status"
