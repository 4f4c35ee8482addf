package nixstore_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/nixstore"
	"github.com/hush-nix/hush/internal/nixtest"
)

// TestQueriesRealNix checks Closure, Outputs, Deriver, BuildLogPath and ParseDerivation
// against derivations built by the real Nix.
func TestQueriesRealNix(t *testing.T) {
	e := nixtest.New(t)
	e.WriteFile("src-"+e.Nonce+".txt", "a source file\n", 0o644)
	e.WriteFile("q.nix", `let
  n = "`+e.Nonce+`";
  dep = derivation { name = "q-dep-${n}"; system = builtins.currentSystem; builder = "/bin/sh";
    outputs = [ "out" "dev" ]; args = [ "-c" "echo dep > $out; echo dev > $dev" ]; };
in derivation { name = "q-top-${n}"; system = builtins.currentSystem; builder = "/bin/sh";
  src = ./src-`+e.Nonce+`.txt; inherit dep; weird = "tab\tquote\"";
  args = [ "-c" "echo building top; echo ${dep} ${dep.dev} > $out" ]; }
`, 0o644)
	file := filepath.Join(e.Dir, "q.nix")
	drv := e.Instantiate(nil, file, "")
	out := e.MustBuild(nil, file, "")[0]
	for k, v := range map[string]string{"NIX_LOG_DIR": e.LogRoot, "NIX_REMOTE": "", "NIX_CONF_DIR": e.ConfDir} {
		t.Setenv(k, v)
	}

	outs, err := nixstore.Outputs(drv)
	if err != nil || !reflect.DeepEqual(outs, []string{out}) {
		t.Fatalf("Outputs = %v, %v; want [%s]", outs, err, out)
	}
	if d, err := nixstore.Deriver(out); err != nil || d != drv {
		t.Errorf("Deriver = %q, %v; want %s", d, err, drv)
	}
	cl, err := nixstore.Closure(out)
	if err != nil {
		t.Fatal(err)
	}
	// The output references both outputs of dep (their paths are in it), nothing else.
	if len(cl) != 3 || cl[0] > cl[1] || cl[1] > cl[2] {
		t.Errorf("Closure = %v, want 3 sorted paths", cl)
	}
	for _, p := range cl {
		if !nixstore.IsStorePath(p) {
			t.Errorf("closure member %q is not a store path", p)
		}
	}
	if _, err := nixstore.Closure("/nix/store/00000000000000000000000000000000-not-there"); err == nil {
		t.Error("Closure of a missing path succeeded")
	}

	log, ok := nixstore.BuildLogPath(drv)
	if !ok || !strings.HasPrefix(log, e.LogRoot+"/drvs/") || !strings.HasSuffix(log, ".drv.bz2") {
		t.Errorf("BuildLogPath = %q, %v", log, ok)
	}

	data, err := os.ReadFile(drv)
	if err != nil {
		t.Fatal(err)
	}
	d, err := nixstore.ParseDerivation(data)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Attr("weird"); v != "tab\tquote\"" {
		t.Errorf("weird = %q", v)
	}
	if len(d.InputDrvs) != 1 || len(d.InputSrcs) != 1 || d.Outputs[0].Path != out {
		t.Errorf("parsed: inputDrvs %v inputSrcs %v outputs %v", d.InputDrvs, d.InputSrcs, d.Outputs)
	}
	for p, names := range d.InputDrvs {
		if !nixstore.IsDerivation(p) || !reflect.DeepEqual(names, []string{"dev", "out"}) {
			t.Errorf("inputDrv %s %v", p, names)
		}
		// Outputs reads the .drv; it must agree with the store's own answer.
		got, err := nixstore.Outputs(p)
		want := e.Run(nil, "nix-store", "-q", "--outputs", p).Lines()
		sort.Strings(want)
		if err != nil || len(got) != 2 || !reflect.DeepEqual(got, want) {
			t.Errorf("Outputs(dep) = %v, %v; nix-store says %v", got, err, want)
		}
	}
	if _, err := nixstore.Outputs("/nix/store/00000000000000000000000000000000-missing.drv"); err == nil {
		t.Error("Outputs of a missing .drv succeeded")
	}
}
