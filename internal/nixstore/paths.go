package nixstore

import (
	"os"
	"path/filepath"
	"strings"
)

// DefaultStoreDir is the store directory of every standard Nix installation.
const DefaultStoreDir = "/nix/store"

// StoreDir is the Nix store directory: $NIX_STORE_DIR (what Nix itself honours), else
// /nix/store.
func StoreDir() string {
	if d := os.Getenv("NIX_STORE_DIR"); d != "" {
		return filepath.Clean(d)
	}
	return DefaultStoreDir
}

func logDir() string {
	// Nix's logDir is $NIX_LOG_DIR (default /nix/var/log/nix); per-derivation logs live in
	// its "drvs" subdirectory.
	base := "/nix/var/log/nix"
	if d := os.Getenv("NIX_LOG_DIR"); d != "" {
		base = filepath.Clean(d)
	}
	return filepath.Join(base, "drvs")
}

// BuildLogCandidates lists, in the order Nix reads them, every file that may hold the build
// log of drvPath: LogDir()/<2 chars>/<rest> and the older flat LogDir()/<name>, each plain and
// with .bz2 (compress-build-log, on by default).
func BuildLogCandidates(drvPath string) []string {
	base := filepath.Base(drvPath)
	if len(base) < 3 {
		return nil
	}
	dir := logDir()
	nested := filepath.Join(dir, base[:2], base[2:])
	flat := filepath.Join(dir, base)
	return []string{nested, nested + ".bz2", flat, flat + ".bz2"}
}

func buildLogPath(drvPath string) (string, bool) {
	c := BuildLogCandidates(drvPath)
	if c == nil {
		return "", false
	}
	for _, p := range c {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return c[1], false // where Nix would write it by default
}

// nixBase32 is Nix's base-32 alphabet (no e, o, u, t).
const nixBase32 = "0123456789abcdfghijklmnpqrsvwxyz"

// hashLen is the length of the hash part of a store path name.
const hashLen = 32

// validStoreName reports whether name is <32 base-32 chars>-<name> with Nix's name rules.
func validStoreName(name string) bool {
	if len(name) < hashLen+2 || name[hashLen] != '-' {
		return false
	}
	for i := 0; i < hashLen; i++ {
		if strings.IndexByte(nixBase32, name[i]) < 0 {
			return false
		}
	}
	rest := name[hashLen+1:]
	if len(rest) > 211 || rest[0] == '.' {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("+-._?=", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

func isStorePath(p string) bool {
	dir := StoreDir()
	if !strings.HasPrefix(p, dir+"/") {
		return false
	}
	return validStoreName(p[len(dir)+1:])
}

// StorePathOf returns the store path that contains p (p itself, or the top-level store path
// of a file inside one), and whether p lies in the store at all.
func StorePathOf(p string) (string, bool) {
	dir := StoreDir()
	p = filepath.Clean(p)
	if !strings.HasPrefix(p, dir+"/") {
		return "", false
	}
	name := p[len(dir)+1:]
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[:i]
	}
	if !validStoreName(name) {
		return "", false
	}
	return dir + "/" + name, true
}

// IsDerivation reports whether p names a store derivation (a store path ending in .drv).
func IsDerivation(p string) bool { return isStorePath(p) && strings.HasSuffix(p, ".drv") }
