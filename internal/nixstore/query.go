package nixstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// nixStoreFallbacks are searched when nix-store is not on $PATH: a post-build hook may run
// with a bare environment.
var nixStoreFallbacks = []string{
	"/run/current-system/sw/bin",
	"/nix/var/nix/profiles/default/bin",
	"/usr/bin",
	"/usr/local/bin",
}

// NixStoreBin finds the nix-store program: $NIX_BIN_DIR/nix-store, then $PATH, then the
// usual install locations.
func NixStoreBin() (string, error) {
	if d := os.Getenv("NIX_BIN_DIR"); d != "" {
		p := filepath.Join(d, "nix-store")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("nix-store"); err == nil {
		return p, nil
	}
	for _, d := range nixStoreFallbacks {
		p := filepath.Join(d, "nix-store")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("nix-store not found on $PATH (set NIX_BIN_DIR to Nix's bin directory)")
}

// nixStore runs nix-store with args and returns its stdout lines (blank lines dropped).
func nixStore(args ...string) ([]string, error) {
	bin, err := NixStoreBin()
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 500 {
			msg = msg[:500] + "..."
		}
		if msg != "" {
			return nil, fmt.Errorf("nix-store %s: %w: %s", strings.Join(args, " "), err, msg)
		}
		return nil, fmt.Errorf("nix-store %s: %w", strings.Join(args, " "), err)
	}
	var lines []string
	for _, l := range strings.Split(stdout.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

func closure(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	out, err := nixStore(append([]string{"-qR", "--"}, paths...)...)
	if err != nil {
		return nil, fmt.Errorf("nixstore: closure: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

func outputs(drvPath string) ([]string, error) {
	// Input-addressed and fixed-output derivations name their output paths in the .drv:
	// reading it saves a nix-store process (~50 ms, on every post-build hook run). Floating
	// content-addressed outputs are known only to the store: ask nix-store.
	if data, err := os.ReadFile(drvPath); err == nil && IsDerivation(drvPath) {
		if d, err := ParseDerivation(data); err == nil && len(d.Outputs) > 0 {
			var paths []string
			for _, o := range d.Outputs {
				if !isStorePath(o.Path) {
					paths = nil
					break
				}
				paths = append(paths, o.Path)
			}
			if paths != nil {
				sort.Strings(paths)
				return paths, nil
			}
		}
	}
	out, err := nixStore("-q", "--outputs", "--", drvPath)
	if err != nil {
		return nil, fmt.Errorf("nixstore: outputs of %s: %w", drvPath, err)
	}
	sort.Strings(out)
	return out, nil
}

func inputSources(drvPath string) ([]string, error) {
	data, err := os.ReadFile(drvPath)
	if err != nil {
		return nil, err
	}
	// Nix writes no trailing newline; a .drv written by hand (or a test) may have one.
	d, err := ParseDerivation(bytes.TrimRight(data, "\n"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", drvPath, err)
	}
	srcs := append([]string(nil), d.InputSrcs...)
	sort.Strings(srcs)
	return srcs, nil
}

// Deriver returns the derivation that built the store path p (nix-store -q --deriver), or ""
// when Nix does not know it (e.g. a path added with nix-store --add).
func Deriver(p string) (string, error) {
	out, err := nixStore("-q", "--deriver", "--", p)
	if err != nil {
		return "", fmt.Errorf("nixstore: deriver of %s: %w", p, err)
	}
	if len(out) == 0 || out[0] == "unknown-deriver" {
		return "", nil
	}
	return out[0], nil
}
