#!/usr/bin/env bash
# Regenerates protocol/tests/vectors/ with Apache's own kafka-clients (see tests/reference/README.md).
#
#   tests/reference/generate-vectors.sh           rewrite protocol/tests/vectors/
#   tests/reference/generate-vectors.sh --check   regenerate into a temp dir and fail (exit 1),
#                                                 naming each file, if anything differs from
#                                                 the committed vectors
#
# Needs Java 17+ and Maven 3.8+. The first run on a fresh machine lets Maven download the
# dependencies; later runs build offline.
set -euo pipefail

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

mode=write
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
proj="$here/java"
vectors="$root/protocol/tests/vectors"
# Files in the vectors directory that are not generated (kept, and not compared).
keep_re='^README\.md$'

for tool in java mvn; do
    command -v "$tool" >/dev/null 2>&1 || { echo "generate-vectors: '$tool' not found on PATH" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/kwire-vectors.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# ---- build (output goes to tests/reference/java/target) --------------------------------------
rm -rf "$proj/target/lib" # copy-dependencies refills it; no stale jars after a version bump
mvn_args=(-q -B -Dstyle.color=never -f "$proj/pom.xml" compile)
if ! mvn -o "${mvn_args[@]}" >"$work/mvn-offline.log" 2>&1; then
    # Offline failed: most likely a fresh machine without the dependencies yet.
    if ! mvn "${mvn_args[@]}" >"$work/mvn.log" 2>&1; then
        cat "$work/mvn.log" >&2
        echo "generate-vectors: maven build failed" >&2
        exit 1
    fi
fi

# ---- generate -------------------------------------------------------------------------------
out="$work/vectors"
java -cp "$proj/target/classes:$proj/target/lib/*" dev.kwire.reference.Vectors "$out" >"$work/gen.log" || {
    cat "$work/gen.log" >&2
    echo "generate-vectors: generator failed" >&2
    exit 1
}

list_files() { # generated-looking files of a directory, one name per line, sorted
    [ -d "$1" ] || return 0
    find "$1" -maxdepth 1 -type f -printf '%f\n' | grep -Ev "$keep_re" | LC_ALL=C sort || true
}

if [ "$mode" = check ]; then
    status=0
    while IFS= read -r f; do
        if [ ! -e "$vectors/$f" ]; then
            echo "missing from protocol/tests/vectors: $f"
            status=1
        elif ! cmp -s "$out/$f" "$vectors/$f"; then
            echo "differs: protocol/tests/vectors/$f"
            status=1
        fi
    done < <(list_files "$out")
    while IFS= read -r f; do
        if [ ! -e "$out/$f" ]; then
            echo "no longer generated: protocol/tests/vectors/$f"
            status=1
        fi
    done < <(list_files "$vectors")
    if [ "$status" -ne 0 ]; then
        echo "generate-vectors --check: committed vectors are out of date; run tests/reference/generate-vectors.sh" >&2
        exit 1
    fi
    echo "generate-vectors --check: $(list_files "$out" | wc -l) files match"
    exit 0
fi

mkdir -p "$vectors"
while IFS= read -r f; do rm -f "$vectors/$f"; done < <(list_files "$vectors")
cp "$out"/* "$vectors"/
cat "$work/gen.log"
echo "wrote $(list_files "$vectors" | wc -l) files to protocol/tests/vectors"
