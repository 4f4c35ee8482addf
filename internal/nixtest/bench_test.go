package nixtest

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkNixBuild measures what the post-build hook adds to a build: the same trivial
// derivation (fresh name each iteration, so it really builds) without a hook, with a hook
// that only exits, and with the hook script of `hush nix-config --hook-script`; and the two
// hooks run alone on a built derivation.
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
	// The hooks alone, run as Nix runs them (DRV_PATH of a built derivation): what a hook
	// costs without the noise of the build around it.
	n := 0 // fresh names across the runs the benchmark framework makes
	e.MustBuild(nil, file, "", "--argstr", "i", "alone")
	built := e.Run(nil, "nix-instantiate", file, "--argstr", "i", "alone").Lines()[0]
	for _, c := range []struct{ name, script string }{{"noop-hook-alone", noopHook}, {"hush-hook-alone", hushHook}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if r := e.Run([]string{"DRV_PATH=" + built, "OUT_PATHS="}, c.script); r.Err != nil {
					b.Fatalf("%s: %v\n%s", c.name, r.Err, r.Stderr)
				}
			}
		})
	}
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
