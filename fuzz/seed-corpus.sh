#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the golden vectors in protocol/tests/vectors, adding the
# selector bytes each target expects (see fuzz/src/lib.rs and the targets' doc comments).
# Seeds are (re)written by name; inputs libFuzzer added to a corpus are left alone.
#
#   fuzz/seed-corpus.sh            # every target
#   fuzz/seed-corpus.sh frame      # only some
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vectors="$here/../protocol/tests/vectors"
corpus="$here/corpus"
manifest="$vectors/manifest.json"

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(request response round_trip frame record_batch consumer_protocol)
wants() { local t; for t in "${targets[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }

# Big-endian integers as raw bytes.
byte() { printf "\\x$(printf %02x $(( $1 & 255 )))"; }
be16() { byte $(( $1 >> 8 )); byte "$1"; }
be32() { be16 $(( ($1 >> 16) & 65535 )); be16 $(( $1 & 65535 )); }

# A message's header version from the manifest ("requestHeaderVersion" / "responseHeaderVersion").
header_version() { # file field
    local line
    line="$(grep -F "\"file\": \"$1\"" "$manifest" | head -n1)" || true
    [[ -n $line ]] || { echo "seed-corpus: $1 not in manifest.json" >&2; return 1; }
    sed -E "s/.*\"$2\": ([0-9]+).*/\\1/" <<<"$line"
}

for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done

shopt -s nullglob
n=0
for f in "$vectors"/req-*.bin "$vectors"/resp-*.bin; do
    name="$(basename "$f")"
    [[ $name =~ ^(req|resp)-([0-9]+)-v([0-9]+) ]] || continue
    kind="${BASH_REMATCH[1]}" key="${BASH_REMATCH[2]}" ver="${BASH_REMATCH[3]}"
    if [[ $kind == req ]]; then
        wants request && { be16 "$key"; be16 "$ver"; cat "$f"; } >"$corpus/request/$name"
        wants round_trip && { be16 "$key"; be16 "$ver"; cat "$f"; } >"$corpus/round_trip/$name"
        if wants frame; then
            hv="$(header_version "$name" requestHeaderVersion)"
            # [max=0xff] [chunk] then int32 size + request header + body.
            frame="$corpus/frame/$name"
            {
                byte 255; byte $(( n * 37 % 256 ))
                size=$(( 8 + 6 + $(stat -c %s "$f") + (hv >= 2 ? 1 : 0) ))
                be32 "$size"; be16 "$key"; be16 "$ver"; be32 $(( n + 1 ))
                be16 4; printf 'fuzz'
                (( hv >= 2 )) && byte 0
                cat "$f"
            } >"$frame"
        fi
    else
        wants response && { be16 "$key"; be16 "$ver"; cat "$f"; } >"$corpus/response/$name"
        if wants response; then
            hv="$(header_version "$name" responseHeaderVersion)"
            # Mode bit set: a whole payload, correlation id (+ empty tag buffer in v1) + body.
            { be16 $(( key | 0x8000 )); be16 "$ver"; be32 $(( n + 1 )); (( hv >= 1 )) && byte 0; cat "$f"; } \
                >"$corpus/response/framed-$name"
        fi
        wants round_trip && { be16 $(( key | 0x8000 )); be16 "$ver"; cat "$f"; } >"$corpus/round_trip/$name"
    fi
    n=$(( n + 1 ))
done

if wants frame; then
    # Streams of several frames back to back, per API (the selector bytes kept from the first).
    mapfile -t keys < <(for g in "$corpus/frame"/req-*-v*.bin; do g="${g##*/req-}"; echo "${g%%-*}"; done | sort -un)
    for key in "${keys[@]}"; do
        files=("$corpus/frame"/req-"$key"-v*.bin)
        out="$corpus/frame/stream-$key.bin"
        { printf '\xff\x00'; for g in "${files[@]}"; do tail -c +3 "$g"; done; } >"$out"
    done
    # The request headers on their own, framed (an empty body is valid for some APIs).
    for f in "$vectors"/reqhdr-*.bin; do
        name="$(basename "$f")"
        { byte 255; byte 7; be32 "$(stat -c %s "$f")"; cat "$f"; } >"$corpus/frame/$name"
    done
fi

if wants record_batch; then
    # Options byte (fuzz/src/lib.rs, mod opt): 0x0f = partial tail allowed, default cap, CRCs
    # fixed up by the harness; 0x1e = all batches complete, default cap, CRCs kept.
    # The 100 KiB bench batches are left out: they would raise libFuzzer's max_len tenfold.
    small=()
    for f in "$vectors"/batch-*.bin; do
        name="$(basename "$f")"
        [[ $name == batch-bench-* ]] && continue
        small+=("$f")
        { byte 0x0f; cat "$f"; } >"$corpus/record_batch/fixcrc-$name"
        { byte 0x1e; cat "$f"; } >"$corpus/record_batch/keepcrc-$name"
        # Compressed batches: their records payload alone, for direct decompression
        # (0x20 | default cap | (codec - 1) << 6).
        codec=$(( $(od -An -tu1 -j22 -N1 "$f") & 7 ))
        if (( codec >= 1 && codec <= 4 )); then
            { byte $(( 0x20 | 0x0e | ((codec - 1) << 6) )); tail -c +$(( 61 + 1 )) "$f"; } \
                >"$corpus/record_batch/decompress-$name"
        fi
    done
    # Several batches back to back, the last one cut short (a Fetch response at max_bytes).
    all="$(cat "${small[@]}" | od -An -v -tx1 | tr -d ' \n')"
    { byte 0x0f; xxd -r -p <<<"${all:0:$(( ${#all} - 20 ))}"; } >"$corpus/record_batch/stream-partial.bin"
fi

# consumer_protocol: kafka-clients' subscriptions and assignments, as they are.
if wants consumer_protocol; then
    for f in "$vectors"/consumer-*.bin; do
        cp "$f" "$corpus/consumer_protocol/$(basename "$f")"
    done
fi

for t in "${targets[@]}"; do
    echo "seed-corpus: $t: $(find "$corpus/$t" -type f | wc -l) inputs in fuzz/corpus/$t"
done
