#!/usr/bin/env bash
# Compare `hush decrypt` with `sops decrypt` on YAML and JSON files with 10, 1,000 and
# 100,000 values (encrypted by the real sops), both timed in one hyperfine run per file;
# then the size of a release build of hush and the start-up time of `hush --version`.
#
#   bash bench/decrypt.sh            # needs hyperfine and sops ($HUSH_SOPS or on $PATH)
#   SIZES="10 1000" RUNS=5 bash bench/decrypt.sh
#
# Results (markdown tables) go to bench/out/; docs/benchmarks.md quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."

sops="${HUSH_SOPS:-$(command -v sops || true)}"
[ -x "$sops" ] || { echo "bench: needs the sops CLI (set HUSH_SOPS)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine" >&2; exit 1; }
sizes="${SIZES:-10 1000 100000}"
out=bench/out
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOPS_DISABLE_VERSION_CHECK=1

echo "== build hush (CGO_ENABLED=0, -trimpath, -ldflags '-s -w')"
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/hush" ./cmd/hush
hush="$work/hush"

age-keygen -o "$work/key.txt" 2>/dev/null || "$hush" keygen -o "$work/key.txt" >/dev/null
rec="$(grep -o 'age1[0-9a-z]*' "$work/key.txt" | head -1)"
export SOPS_AGE_KEY_FILE="$work/key.txt"

for fmt in yaml json; do
  for n in $sizes; do
    go run ./bench/gen -format "$fmt" -n "$n" > "$work/plain-$n.$fmt"
    "$sops" encrypt --age "$rec" "$work/plain-$n.$fmt" > "$work/enc-$n.$fmt"
    # Same output, or the timing means nothing.
    if ! cmp -s <("$sops" decrypt "$work/enc-$n.$fmt") <("$hush" decrypt "$work/enc-$n.$fmt"); then
      echo "bench: hush and sops disagree on $fmt/$n" >&2; exit 1
    fi
    runs="${RUNS:-}"
    [ -n "$runs" ] || { [ "$n" -ge 100000 ] && runs=5 || runs=20; }
    echo "== decrypt $fmt, $n values"
    hyperfine -N --warmup 2 --runs "$runs" \
      --export-markdown "$out/decrypt-$fmt-$n.md" --export-json "$out/decrypt-$fmt-$n.json" \
      -n "hush decrypt ($fmt, $n)" "$hush decrypt $work/enc-$n.$fmt" \
      -n "sops decrypt ($fmt, $n)" "$sops decrypt $work/enc-$n.$fmt"
  done
done

echo "== start-up"
hyperfine -N --warmup 5 --runs "${STARTRUNS:-200}" --export-markdown "$out/startup.md" --export-json "$out/startup.json" \
  -n "hush --version" "$hush --version" \
  -n "sops --version" "$sops --version --disable-version-check"

size=$(stat -c %s "$hush")
awk -v s="$size" 'BEGIN { printf "hush binary: %d bytes (%.1f MB)\n", s, s/1000000 }' | tee "$out/size.txt"
