package cli

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReactivateOneChanged is the "1 of N files changed" re-activation in-process, for
// CPU profiles (go test -cpuprofile). It needs a corpus of bench/install-corpus.sh, root and
// a private mount namespace with a tmpfs over /run/hush-bench, so it only runs when
// HUSH_INSTALL_CORPUS names the corpus directory:
//
//	unshare -m --propagation private sh -c 'mount -t tmpfs none /run/hush-bench &&
//	  HUSH_INSTALL_CORPUS=$PWD/bench/out/install/10kx1000 XDG_RUNTIME_DIR=/run/hush-bench/xdg \
//	  go test ./internal/cli -run - -bench ReactivateOneChanged -cpuprofile /tmp/cpu.out'
func BenchmarkReactivateOneChanged(b *testing.B) {
	dir := os.Getenv("HUSH_INSTALL_CORPUS")
	if dir == "" {
		b.Skip("HUSH_INSTALL_CORPUS not set (see the comment)")
	}
	man := filepath.Join(dir, "manifest.json")
	src := filepath.Join(dir, "src/f0000.yaml")
	orig, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	changed, err := os.ReadFile(filepath.Join(dir, "changed/f0000.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	defer os.WriteFile(src, orig, 0o644)
	o := installOpts{ignorePasswd: true, sopsNixOutput: true}
	if err := runInstall(io.Discard, io.Discard, man, o); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		content := changed
		if i%2 == 1 {
			content = orig
		}
		if err := os.WriteFile(src, content, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := runInstall(io.Discard, io.Discard, man, o); err != nil {
			b.Fatal(err)
		}
	}
}
