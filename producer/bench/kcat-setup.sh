#!/usr/bin/env bash
# Puts kcat (Debian's package, unpacked without installing: no root needed) in .cache/kcat,
# running on the librdkafka of the confluent-kafka wheel (tests/interop/setup.sh --only python),
# so that kcat and the Python driver in compare.sh use the same librdkafka version. Prints the
# path of the kcat wrapper. Needs apt-get and dpkg-deb; the wheel must be installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${KWIRE_CACHE_DIR:-$root/.cache}"
dest="$cache/kcat"
installed() { [[ -x "$dest/kcat" ]] && "$dest/kcat" -V >/dev/null 2>&1; }
if installed; then echo "$dest/kcat"; exit 0; fi
# Scripts that run side by side may all find kcat missing: one installs it, the others wait for
# it under this lock and then find it installed (without it, one's rm -rf below removes what
# another is building).
mkdir -p "$cache"
exec 9>"$cache/.kcat-setup.lock"
flock -w 600 9 || { echo "kcat-setup: another kcat setup held the lock for 10 minutes" >&2; exit 2; }
if installed; then echo "$dest/kcat"; exit 0; fi
lib=""
for f in "$cache"/venv/lib/python3*/site-packages/confluent_kafka.libs/librdkafka-*.so.1; do
  [[ -e "$f" ]] && { lib="$f"; break; }
done
[[ -n "$lib" ]] || { echo "kcat-setup: no librdkafka in the confluent-kafka wheel: run tests/interop/setup.sh --only python" >&2; exit 2; }
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "kcat-setup: apt-get and dpkg-deb are needed" >&2; exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && timeout 300 apt-get download -q kcat libyajl2 >/dev/null 2>&1 ) \
  || { echo "kcat-setup: apt-get download kcat libyajl2 failed (apt-get update first?)" >&2; exit 2; }
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$tmp/x"; done
rm -rf "$dest" && mkdir -p "$dest/lib"
cp "$tmp/x/usr/bin/kcat" "$dest/kcat.bin"
cp -a "$tmp"/x/usr/lib/*/libyajl.so* "$dest/lib/"
ln -s "$lib" "$dest/lib/librdkafka.so.1"
cat > "$dest/kcat" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$dest/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$dest/kcat.bin" "\$@"
WRAP
chmod +x "$dest/kcat"
"$dest/kcat" -V >/dev/null
echo "$dest/kcat"
