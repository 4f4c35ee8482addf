#!/usr/bin/env bash
# Run every Go fuzz target in the repository, one after another, for FUZZTIME each
# (default 60s). Not part of the default test run: `go test ./...` only replays the seeds.
#
#   bash bench/fuzz.sh                 # every target, 60 s each (~21 targets, ~25 min)
#   FUZZTIME=10s bash bench/fuzz.sh    # a quick pass
#   bash bench/fuzz.sh FuzzParseYAML   # only targets whose name matches
#
# A failure stops the run; the failing input is kept under the package's testdata/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-60s}"
filter="${1:-}"
n=0
while IFS=: read -r file name; do
  [ -z "$filter" ] || [[ "$name" == *"$filter"* ]] || continue
  pkg="./$(dirname "$file")"
  echo "== $pkg $name ($fuzztime)"
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel "${FUZZ_PARALLEL:-2}"
  n=$((n + 1))
done < <(grep -rHo --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+' internal | sed 's/func //' | sort)
echo "== $n fuzz targets ran for $fuzztime each, no failure"
