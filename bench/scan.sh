#!/usr/bin/env bash
# Leak scan and redaction benchmarks, in one run (results: docs/benchmarks.md, "Leak scan and
# redaction").
#
#   hush scan  vs  rg -F -a -uuu -c -f patterns  vs  cat (the floor), over the same tree
#   hush redact (one core)  vs  a naive perl substitution, on the same text
#
# Self-contained: builds hush, generates the corpus under bench/out/scan (gitignored; 512 MiB
# tree + 256 MiB redaction input, reused when present), warms the page cache, and times each
# command REPEAT times (best and median). Bounded: about 1-3 minutes on 2 cores.
# Knobs: SIZE_MIB (tree size, default 512), REPEAT (default 5), PERL_MIB (perl input, 64).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/scan
SIZE_MIB=${SIZE_MIB:-512}
REPEAT=${REPEAT:-5}
PERL_MIB=${PERL_MIB:-64}
export LC_ALL=C

command -v rg >/dev/null || { echo "needs ripgrep (rg)" >&2; exit 2; }
mkdir -p bench/out
go run ./bench/scangen -out "$OUT" -mib "$SIZE_MIB" -secrets 1000 -redact-mib 256
HUSH=bench/out/scan-hush
go build -o "$HUSH" ./cmd/hush
TREE=$OUT/tree

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "go: $(go version | cut -d' ' -f3), $(rg --version 2>/dev/null | sed -n 1p), perl $(perl -e 'print $^V')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tree: $(ls "$TREE" | wc -l) files, $(du -sm "$TREE" | cut -f1) MiB; patterns for rg/perl: $(wc -l <"$OUT/patterns.txt")"

# time_cmd NAME CMD...: run REPEAT times; print the best and median wall time and the least
# CPU time (user+sys, children included: on a shared machine the honest per-core figure).
# Sets BEST_NAME and CPU_NAME in milliseconds.
time_cmd() {
	local name=$1
	shift
	local walls=() cpus=() line
	for _ in $(seq "$REPEAT"); do
		line=$( { TIMEFORMAT='%R %U %S'; time { "$@" >/dev/null 2>&1; echo $? >bench/out/.scan-rc; }; } 2>&1 | tail -1)
		local rc
		rc=$(cat bench/out/.scan-rc)
		if [ "$rc" -gt 1 ]; then # rg and hush exit 1 when they find something
			echo "$name: exit status $rc: $*" >&2
			exit 2
		fi
		read -r w u sy <<<"$line"
		walls+=("$(echo "$w*1000/1" | bc)")
		cpus+=("$(echo "($u+$sy)*1000/1" | bc)")
	done
	local sw best med cpu
	sw=$(printf '%s\n' "${walls[@]}" | sort -n)
	best=$(echo "$sw" | head -1)
	med=$(echo "$sw" | sed -n "$(((REPEAT + 1) / 2))p")
	cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | head -1)
	printf '%-22s wall best %7.3f s  median %7.3f s   cpu %7.3f s\n' "$name" \
		"$(echo "$best/1000" | bc -l)" "$(echo "$med/1000" | bc -l)" "$(echo "$cpu/1000" | bc -l)"
	[ "$best" -gt 0 ] || best=1
	[ "$cpu" -gt 0 ] || cpu=1
	eval "BEST_$name=$best CPU_$name=$cpu"
}

cat "$TREE"/* >/dev/null # warm the page cache
echo
echo "== scan: ${SIZE_MIB} MiB, page cache warm"
time_cmd cat sh -c "cat $TREE/* >/dev/null"
time_cmd rg rg -F -a -uuu -c -f "$OUT/patterns.txt" "$TREE"
time_cmd hush_raw_hex_base64 "$HUSH" scan --no-progress --encodings raw,hex,base64 --values-file "$OUT/values.txt" "$TREE"
time_cmd hush_all_encodings "$HUSH" scan --no-progress --values-file "$OUT/values.txt" "$TREE"

# Both must find the same planted leaks (files), so the race is between equals.
rg_files=$(rg -F -a -uuu -l -f "$OUT/patterns.txt" "$TREE" | xargs -n1 basename | sort | tr '\n' ' ' || true)
hush_files=$("$HUSH" scan --no-progress --json --encodings raw,hex,base64 --values-file "$OUT/values.txt" "$TREE" |
	grep '"path"' | sed 's/.*"path": "\(.*\)".*/\1/' | xargs -n1 basename | sort -u | tr '\n' ' ' || true)
echo "files with leaks: rg: $rg_files"
echo "                  hush: $hush_files"
[ "$rg_files" = "$hush_files" ] && echo "  (same)" || echo "  DIFFERENT"
printf 'wall: rg / hush (raw,hex,base64) %.1fx, rg / hush (all) %.1fx; hush / cat %.1fx, hush (all) / cat %.1fx\n' \
	"$(echo "$BEST_rg/$BEST_hush_raw_hex_base64" | bc -l)" "$(echo "$BEST_rg/$BEST_hush_all_encodings" | bc -l)" \
	"$(echo "$BEST_hush_raw_hex_base64/$BEST_cat" | bc -l)" "$(echo "$BEST_hush_all_encodings/$BEST_cat" | bc -l)"
printf 'cpu:  rg / hush (raw,hex,base64) %.1fx, rg / hush (all) %.1fx\n' \
	"$(echo "$CPU_rg/$CPU_hush_raw_hex_base64" | bc -l)" "$(echo "$CPU_rg/$CPU_hush_all_encodings" | bc -l)"

echo
echo "== redact: one core, 1,000 secrets"
IN=$OUT/redact-input.txt
PERL_IN=$OUT/redact-perl-input.txt
PERL_SMALL=$OUT/redact-perl-small.txt
head -c $((PERL_MIB << 20)) "$IN" >"$PERL_IN"
head -c 100000 "$IN" >"$PERL_SMALL"
mb() { echo $(($(stat -c %s "$1") / 1000000)); }
PIN="taskset -c 0"
command -v taskset >/dev/null || PIN=""
# perl: one alternation of all quoted strings, s///g line by line (the naive filter).
PERL_SUB='open my $p, "<", shift; my @p = map { chomp; quotemeta } <$p>; my $re = join "|", @p; while (<STDIN>) { s/$re/[hush]/go; print }'
time_cmd hush_redact sh -c "GOMAXPROCS=1 $PIN $HUSH redact --values-file $OUT/values.txt <$IN >/dev/null"
REPEAT=1 time_cmd perl_raw sh -c "$PIN timeout 120 perl -e '$PERL_SUB' $OUT/values.txt <$PERL_IN >/dev/null"
REPEAT=1 time_cmd perl_forms sh -c "$PIN timeout 120 perl -e '$PERL_SUB' $OUT/patterns.txt <$PERL_SMALL >/dev/null || true"
npat=$({ "$HUSH" scan --values-file "$OUT/values.txt" "$OUT/stamp" 2>&1 || true; } | sed -n 's/.*secrets, \([0-9]*\) patterns.*/\1/p')
printf 'hush redact (all encodings, %s patterns): %.0f MB per CPU-second (wall: %.0f MB/s) on %d MB\n' "$npat" \
	"$(echo "$(mb "$IN")*1000/$CPU_hush_redact" | bc -l)" "$(echo "$(mb "$IN")*1000/$BEST_hush_redact" | bc -l)" "$(mb "$IN")"
printf 'perl, 1,000 raw values: %.1f MB per CPU-second on %d MB;  perl, the 5,000 raw/hex/base64 forms: %.3f MB per CPU-second on 0.1 MB\n' \
	"$(echo "$(mb "$PERL_IN")*1000/$CPU_perl_raw" | bc -l)" "$(mb "$PERL_IN")" "$(echo "0.1*1000/$CPU_perl_forms" | bc -l)"
# Redaction must actually replace: count tags on the perl input.
echo "replacements on the ${PERL_MIB} MiB input: hush $("$HUSH" redact --values-file "$OUT/values.txt" <"$PERL_IN" | grep -o '\[hush:' | wc -l)," \
	"perl (raw only) $(perl -e "$PERL_SUB" "$OUT/values.txt" <"$PERL_IN" | grep -o '\[hush\]' | wc -l)"
