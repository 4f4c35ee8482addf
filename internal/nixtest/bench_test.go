package nixtest

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkNixBuild measures what the post-build hook adds to a build: the same trivial
// derivation (fresh name each iteration, so it really builds) without a hook, with a hook
// that only exits, and with the hook script of `hush nix-config --hook-script`.
// Run: go test -run XXX -bench NixBuild -benchtime 20x ./internal/nixtest (as root, with Nix).
func BenchmarkNixBuild(b *testing.B) {
	e := New(b)
	hush := Hush(b)
	RequireScan(b)
	sdir := secretsDir(e, map[string]string{"a": secretValue(b), "b": secretValue(b)})
	r := e.Run(nil, hush, "nix-config", "--hook-script", "--hush", hush, "--secrets-dir", sdir)
	if r.Err != nil {
		b.Fatal(r.Err)
	}
	hushHook := e.WriteFile("hook.sh", r.Stdout, 0o755)
	noopHook := e.WriteFile("noop.sh", "#!/bin/sh\nexit 0\n", 0o755)
	e.WriteFile("bench.nix", `{ i }: derivation { name = "bench-${i}-`+e.Nonce+`"; system = builtins.currentSystem;
  builder = "/bin/sh"; args = [ "-c" "echo building; echo some output > $out" ]; }
`, 0o644)
	file := filepath.Join(e.Dir, "bench.nix")
	n := 0 // fresh names across the runs the benchmark framework makes
	for _, c := range []struct {
		name string
		opt  []string
	}{
		{"no-hook", nil},
		{"noop-hook", []string{"--option", "post-build-hook", noopHook}},
		{"hush-hook", []string{"--option", "post-build-hook", hushHook}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n++
				args := append([]string{"--argstr", "i", fmt.Sprintf("%s-%d", c.name, n)}, c.opt...)
				e.MustBuild(nil, file, "", args...)
			}
		})
	}
}
