#!/usr/bin/env bash
# Time `hush sops-install-secrets` (and, with SOPS_INSTALL_SECRETS=/path, sops-nix's own
# installer in the same run) on the corpora of bench/install-corpus.sh: a cold install into
# an empty RAM filesystem, a re-activation with nothing changed, and one with 1 source file
# of N changed. Wall time, CPU (user+sys) and peak RSS of the child (getrusage, bench/installtime); the median of
# REPS runs. Needs root: everything happens in a private mount namespace on a private tmpfs
# over /run/hush-bench, with -ignore-passwd so the host's /etc/group is never touched.
#
#   bash bench/install-corpus.sh && sudo bash bench/install-bench.sh
#   REPS=9 CORPORA="10kx1000" SOPS_INSTALL_SECRETS=/path/to/sops-install-secrets bash bench/install-bench.sh
#
# Results: bench/out/install.md (a markdown table), quoted in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "install-bench: needs root (mount namespace, ramfs)" >&2; exit 1; }

if [ -z "${HUSH_BENCH_IN_NS:-}" ]; then
	mkdir -p bench/out
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bench/out/hush ./cmd/hush
	go build -o bench/out/installtime ./bench/installtime
	HUSH_BENCH_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

reps="${REPS:-5}"
corpora="${CORPORA:-100x10 1kx100 10kx1000 10kx1}"
hush="$PWD/bench/out/hush"
sis="${SOPS_INSTALL_SECRETS:-}"
mkdir -p /run/hush-bench
mount -t tmpfs -o mode=0755 none /run/hush-bench
# hush's quick-path records go to $XDG_RUNTIME_DIR/hush: keep them in the private tmpfs too.
export XDG_RUNTIME_DIR=/run/hush-bench/xdg
mkdir -p "$XDG_RUNTIME_DIR"
out=bench/out/install.md

# timeit CMD... -> "wall_ms cpu_ms maxrss_kb" (getrusage of the child, see bench/installtime)
timeit() { bench/out/installtime "$@"; }
# median of a column over lines on stdin
median() { awk NF | sort -n -k"$1" | awk -v k="$1" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'; }
reset() { # $1 corpus: empty the tree
	umount -l "/run/hush-bench/$1.d" 2>/dev/null || true
	rm -rf "/run/hush-bench/$1.d" "/run/hush-bench/$1"
}
row() { # name corpus what lines
	local w c m
	w="$(echo "$4" | median 1)" c="$(echo "$4" | median 2)" m="$(echo "$4" | median 3)"
	printf '| %s | %s | %s | %s ms | %s ms | %s MB |\n' "$1" "$2" "$3" "$w" "$c" "$((m / 1024))" | tee -a "$out"
}

{
	echo "Machine: $(nproc) vCPU, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(uname -r); $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "| installer | corpus | run | wall (median of $reps) | CPU user+sys | peak RSS |"
	echo "|---|---|---|---|---|---|"
} | tee "$out"

for c in $corpora; do
	dir="bench/out/install/$c"
	[ -f "$dir/manifest.json" ] || { echo "install-bench: corpus $c missing: run bash bench/install-corpus.sh $c" >&2; exit 1; }
	cp "$dir/src/f0000.yaml" "$dir/orig-f0000.yaml" 2>/dev/null || true
	run() { timeit "$hush" sops-install-secrets -ignore-passwd "$dir/manifest.json"; }

	cold=""
	for ((r = 0; r < reps; r++)); do reset "$c"; cold+="$(run)"$'\n'; done
	row hush "$c" "cold install" "$cold"
	same=""
	for ((r = 0; r < reps; r++)); do same+="$(run)"$'\n'; done
	row hush "$c" "unchanged re-activation" "$same"
	one=""
	for ((r = 0; r < reps; r++)); do
		if ((r % 2 == 0)); then cp "$dir/changed/f0000.yaml" "$dir/src/f0000.yaml"; else cp "$dir/orig-f0000.yaml" "$dir/src/f0000.yaml"; fi
		one+="$(run)"$'\n'
	done
	cp "$dir/orig-f0000.yaml" "$dir/src/f0000.yaml"
	row hush "$c" "1 file changed" "$one"

	if [ -n "$sis" ]; then
		if [ "$c" = 10kx1 ] && [ -z "${FORCE_SLOW:-}" ]; then
			echo "| sops-install-secrets | $c | cold install | skipped (it re-decrypts the file per secret: hours; FORCE_SLOW=1) | | |" | tee -a "$out"
			continue
		fi
		s=""
		sreps=$reps
		[ "$c" = 10kx1000 ] && sreps=1
		for ((r = 0; r < sreps; r++)); do reset "$c"; s+="$(timeit "$sis" -ignore-passwd "$dir/manifest.json")"$'\n'; done
		row sops-install-secrets "$c" "cold install" "$s"
		hw="$(echo "$cold" | median 1)" sw="$(echo "$s" | median 1)"
		awk -v h="$hw" -v s="$sw" -v c="$c" 'BEGIN { printf "| ratio | %s | sops-install-secrets / hush | %.1fx | | |\n", c, s / h }' | tee -a "$out"
	fi
	reset "$c"
done
echo "results in $out"
