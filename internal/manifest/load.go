package manifest

import (
	"errors"
	"fmt"
	"os"
)

// maxManifestSize bounds what Parse reads: a manifest of 10,000 secrets is ~5 MB.
const maxManifestSize = 256 << 20

// Load reads and parses the manifest at path.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return Parse(data, path)
}

// Parse parses a manifest, detecting whether it is hush's v1 format (a top-level "version")
// or sops-nix's manifest.json, validates it completely and applies every default. path is
// used in error messages only. On failure the error is an *Error listing every problem.
func Parse(data []byte, path string) (*Manifest, error) {
	var ps problems
	fail := func(format string, args ...any) (*Manifest, error) {
		ps.add(loc{}, "", format, args...)
		return nil, ps.err(path)
	}
	if len(data) > maxManifestSize {
		return fail("larger than %d bytes", maxManifestSize)
	}
	top, err := parseJSON(data)
	if err != nil {
		var se *syntaxErr
		if errors.As(err, &se) {
			return fail("invalid JSON: %s: %s", position(data, se.off), se.msg)
		}
		return fail("invalid JSON: %v", err)
	}
	if top.kind != kObject {
		return fail("expected an object, got %s", kindOf(top))
	}
	var m *Manifest
	switch {
	case top.has("version"):
		m = readHush(top, &ps)
	case looksLikeSopsNix(top):
		m = readSopsNix(top, &ps)
	default:
		return fail("missing field \"version\": a hush manifest starts with {\"version\": 1, ...}; " +
			"a sops-nix manifest.json has \"secretsMountPoint\"")
	}
	m.File = path
	if len(ps.list) > 0 {
		// Decoding failed somewhere. Still check the rest, so that one run reports every
		// independent problem, but drop what resolve says about entries that already have
		// a problem: about half-read entries it would only add confusing follow-ups.
		had := make(map[string]bool, len(ps.list))
		for _, p := range ps.list {
			had[p.Where] = true
		}
		var more problems
		m.resolve(&more)
		for _, p := range more.list {
			if !had[p.Where] {
				ps.list = append(ps.list, p)
			}
		}
		return nil, ps.err(path)
	}
	m.resolve(&ps)
	if err := ps.err(path); err != nil {
		return nil, err
	}
	return m, nil
}
