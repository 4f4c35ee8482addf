package nixstore

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsStorePath(t *testing.T) {
	const h = "dg2lyi6580sim15cgb8affqsx0rm77z9"
	for p, want := range map[string]bool{
		"/nix/store/" + h + "-hush-seed-simple.drv": true,
		"/nix/store/" + h + "-a+b-1.0_x?=y":         true,
		"/nix/store/" + h + "-simple/bin/sh":        false, // inside a store path
		"/nix/store/" + h + "-":                     false,
		"/nix/store/" + h + "-.hidden":              false,
		"/nix/store/" + h[:31] + "-short":           false,
		"/nix/store/" + h[:31] + "e-bad-alphabet":   false,
		"/nix/store/" + h + "-sp ace":               false,
		"/nix/store/" + h + "_no-dash":              false,
		"/nix/store":                                false,
		"/tmp/" + h + "-x":                          false,
		"nix/store/" + h + "-x":                     false,
		"/nix/store//" + h + "-x":                   false,
	} {
		if got := IsStorePath(p); got != want {
			t.Errorf("IsStorePath(%q) = %v", p, got)
		}
	}
	t.Setenv("NIX_STORE_DIR", "/gnu/store/")
	if !IsStorePath("/gnu/store/"+h+"-x") || IsStorePath("/nix/store/"+h+"-x") {
		t.Error("NIX_STORE_DIR not honoured")
	}
	if p, ok := StorePathOf("/gnu/store/" + h + "-x/bin/y"); !ok || p != "/gnu/store/"+h+"-x" {
		t.Errorf("StorePathOf = %q %v", p, ok)
	}
	if _, ok := StorePathOf("/gnu/storex/" + h + "-x"); ok {
		t.Error("StorePathOf outside the store")
	}
	if !IsDerivation("/gnu/store/"+h+"-x.drv") || IsDerivation("/gnu/store/"+h+"-x") {
		t.Error("IsDerivation")
	}
}

func TestBuildLogPath(t *testing.T) {
	t.Setenv("NIX_LOG_DIR", "")
	if LogDir() != "/nix/var/log/nix/drvs" {
		t.Errorf("default LogDir = %q", LogDir())
	}
	dir := t.TempDir()
	t.Setenv("NIX_LOG_DIR", dir)
	if LogDir() != filepath.Join(dir, "drvs") {
		t.Fatalf("LogDir = %q", LogDir())
	}
	drv := "/nix/store/dg2lyi6580sim15cgb8affqsx0rm77z9-x.drv"
	p, ok := BuildLogPath(drv)
	want := filepath.Join(dir, "drvs", "dg", "2lyi6580sim15cgb8affqsx0rm77z9-x.drv.bz2")
	if ok || p != want {
		t.Errorf("missing log: %q %v, want %q", p, ok, want)
	}
	for _, rel := range []string{
		"drvs/dg2lyi6580sim15cgb8affqsx0rm77z9-x.drv", // old flat layout
		"drvs/dg/2lyi6580sim15cgb8affqsx0rm77z9-x.drv.bz2",
		"drvs/dg/2lyi6580sim15cgb8affqsx0rm77z9-x.drv", // uncompressed wins, as in Nix
	} {
		f := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("log"), 0o644); err != nil {
			t.Fatal(err)
		}
		if p, ok := BuildLogPath(drv); !ok || p != f {
			t.Errorf("after %s: %q %v", rel, p, ok)
		}
	}
}
