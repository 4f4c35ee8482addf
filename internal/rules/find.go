package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the configuration file sops looks for; AlternateFileName is recognised only to
// warn that sops ignores it.
const (
	FileName          = ".sops.yaml"
	AlternateFileName = ".sops.yml"
)

// maxDepth is how many directories sops walks up before giving up.
const maxDepth = 100

// ErrNotFound means no .sops.yaml was found.
var ErrNotFound = errors.New("no " + FileName + " found")

// Find walks up from dir looking for .sops.yaml, as sops does (at most 100 levels). It
// returns the path found, and a warning when a .sops.yml was seen on the way (sops ignores
// that name, and so does hush, but the user probably meant it).
func Find(dir string) (path, warning string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	var alternate string
	for i := 0; i < maxDepth; i++ {
		p := filepath.Join(abs, FileName)
		if _, err := os.Stat(p); err == nil {
			if alternate != "" {
				warning = fmt.Sprintf("ignoring %s: the configuration file must be called %s; using %s", alternate, FileName, p)
			}
			return p, warning, nil
		}
		if alternate == "" {
			if _, err := os.Stat(filepath.Join(abs, AlternateFileName)); err == nil {
				alternate = filepath.Join(abs, AlternateFileName)
			}
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			break
		}
		abs = parent
	}
	if alternate != "" {
		warning = fmt.Sprintf("ignoring %s: the configuration file must be called %s", alternate, FileName)
	}
	return "", warning, ErrNotFound
}

// Load reads and parses a .sops.yaml.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	return Parse(path, data)
}
