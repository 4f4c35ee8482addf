package rules

import (
	"errors"
	"os"
	"path/filepath"
)

// Lookup says where the configuration for a file comes from.
type Lookup struct {
	// ConfigPath is an explicit configuration file (--config, or $SOPS_CONFIG); when set,
	// nothing is searched and a missing file is an error.
	ConfigPath string
	// Warn receives notes such as "ignoring .sops.yml"; nil discards them.
	Warn func(string)
}

// FindFor returns the configuration file that applies to file: the explicit one, else the
// first .sops.yaml walking up from the file's directory, else the first walking up from the
// working directory (where sops itself starts looking, so that whatever sops finds, hush
// finds too). It returns ErrNotFound when there is none.
//
// Starting at the file's directory makes the answer independent of where hush is run; in
// the usual layout (one .sops.yaml at the top of the repository, run from anywhere inside
// it) both searches find the same file.
func (l Lookup) FindFor(file string) (string, error) {
	if l.ConfigPath != "" {
		if _, err := os.Stat(l.ConfigPath); err != nil {
			return "", err
		}
		return l.ConfigPath, nil
	}
	p, warn, err := Find(filepath.Dir(file))
	l.warn(warn)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	p, warn, err = Find(".")
	l.warn(warn)
	return p, err
}

func (l Lookup) warn(s string) {
	if s != "" && l.Warn != nil {
		l.Warn(s)
	}
}

// ForFile finds the configuration for file, loads it and returns the matching rule's
// result. With no configuration file, or one without creation_rules, it returns an error
// wrapping ErrNotFound or ErrNoRules so that callers can say "give --age or write a
// .sops.yaml".
func (l Lookup) ForFile(file string) (*Result, error) {
	p, err := l.FindFor(file)
	if err != nil {
		return nil, err
	}
	c, err := Load(p)
	if err != nil {
		return nil, err
	}
	return c.ForFile(file)
}

// StoresFor returns the stores section of the configuration for file, or the defaults when
// there is none.
func (l Lookup) StoresFor(file string) (Stores, error) {
	def := Stores{JSONIndent: -1, JSONBinaryIndent: -1}
	p, err := l.FindFor(file)
	if errors.Is(err, ErrNotFound) {
		return def, nil
	}
	if err != nil {
		return def, err
	}
	return LoadStores(p)
}
