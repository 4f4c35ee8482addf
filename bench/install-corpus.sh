#!/usr/bin/env bash
# Make the install benchmark's corpora with the real sops CLI, cached under
# bench/out/install/<corpus>/ (gitignored). Slow (one sops run per file: about a minute for
# 1,000 files on 2 cores), so it is a separate step from the benchmark itself:
#
#   bash bench/install-corpus.sh                 # all four corpora
#   bash bench/install-corpus.sh 100x10 1kx100   # some of them
#
# Corpora: 100x10 (100 secrets in 10 files), 1kx100, 10kx1000, 10kx1 (10,000 in one file).
# Each has key.txt (a throwaway age identity), src/fNNNN.yaml, changed/f0000.yaml (file 0
# with one value changed, for the "1 of N changed" run) and manifest.json in sops-nix's
# format, so that hush and sops-install-secrets install exactly the same thing.
set -euo pipefail
cd "$(dirname "$0")/.."

sops="${HUSH_SOPS:-$(command -v sops || true)}"
[ -x "$sops" ] || { echo "install-corpus: needs the sops CLI (set HUSH_SOPS)" >&2; exit 1; }
export SOPS_DISABLE_VERSION_CHECK=1
corpora="${*:-100x10 1kx100 10kx1000 10kx1}"

spec() { # corpus -> "files per-file"
	case "$1" in
	100x10) echo "10 10" ;;
	1kx100) echo "100 10" ;;
	10kx1000) echo "1000 10" ;;
	10kx1) echo "1 10000" ;;
	*) echo "install-corpus: unknown corpus $1" >&2; exit 1 ;;
	esac
}

for c in $corpora; do
	read -r files per <<<"$(spec "$c")"
	dir="bench/out/install/$c"
	if [ -f "$dir/manifest.json" ]; then
		echo "$c: cached in $dir"
		continue
	fi
	echo "$c: $files file(s) x $per secrets -> $dir"
	rm -rf "$dir" && mkdir -p "$dir/src" "$dir/plain" "$dir/changed"
	age-keygen -o "$dir/key.txt" 2>/dev/null
	rec="$(grep -o 'age1[0-9a-z]*' "$dir/key.txt" | head -1)"
	for ((f = 0; f < files; f++)); do
		name=$(printf 'f%04d' "$f")
		awk -v n="$per" -v seed="$f" 'BEGIN { srand(seed + 1); for (i = 0; i < n; i++) { s = ""; for (j = 0; j < 32; j++) s = s sprintf("%c", 97 + int(rand() * 26)); printf "s%d: %s\n", i, s } }' >"$dir/plain/$name.yaml"
	done
	sed '1s/: .*/: changed-value-for-the-benchmark/' "$dir/plain/f0000.yaml" >"$dir/plain/changed.yaml"
	ls "$dir/plain" | xargs -P "$(nproc)" -I{} sh -c "'$sops' encrypt --age '$rec' --input-type yaml --output-type yaml '$dir/plain/{}' > '$dir/src/{}'"
	mv "$dir/src/changed.yaml" "$dir/changed/f0000.yaml"
	rm -rf "$dir/plain"
	# The manifest, as sops-nix's module writes it (one entry per secret).
	abs="$(cd "$dir" && pwd)"
	{
		printf '{"secrets":['
		sep=""
		for ((f = 0; f < files; f++)); do
			for ((i = 0; i < per; i++)); do
				printf '%s{"name":"f%04d_s%d","key":"s%d","path":"/run/hush-bench/%s/f%04d_s%d","owner":null,"uid":0,"group":null,"gid":0,"sopsFile":"%s/src/f%04d.yaml","format":"yaml","mode":"0400","restartUnits":[],"reloadUnits":[]}' \
					"$sep" "$f" "$i" "$i" "$c" "$f" "$i" "$abs" "$f"
				sep=","
			done
		done
		printf '],"templates":[],"placeholderBySecretName":{},"secretsMountPoint":"/run/hush-bench/%s.d","symlinkPath":"/run/hush-bench/%s","keepGenerations":1,"sshKeyPaths":[],"gnupgHome":"","ageKeyFile":"%s/key.txt","ageSshKeyPaths":[],"useTmpfs":false,"userMode":false,"logging":{"keyImport":false,"secretChanges":false}}\n' "$c" "$c" "$abs"
	} >"$dir/manifest.json"
	echo "$c: done"
done
