package install

import (
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// Decrypter turns one source file's bytes into something values are looked up in. The
// engine calls Open once per source file (never per secret), concurrently for different
// files.
type Decrypter interface {
	// Describe lists the identities' public parts (for the input digest and errors).
	Describe() []string
	Open(kind SourceKind, path, format string, data []byte) (Opened, error)
}

// Opened is a decrypted source file. Value returns a fresh copy the caller may keep.
type Opened interface {
	Value(key []any) ([]byte, error)
}

// NewDecrypter loads the identities once and returns the real decrypter (sopsfile + keys).
func NewDecrypter(ids Identities) (Decrypter, error) {
	opts := keys.LoadOptions{SSHKeyPaths: ids.SSHKeyPaths, GnuPGHome: ids.GnuPGHome}
	if ids.AgeKeyFile != "" {
		opts.Files = []string{ids.AgeKeyFile}
	}
	// When the manifest names its keys, only those are used; otherwise (user mode, ad hoc
	// use) the usual places (~/.config/sops/age/keys.txt, SOPS_AGE_KEY_FILE) apply.
	opts.NoDefaults = ids.AgeKeyFile != "" || len(ids.SSHKeyPaths) > 0 || ids.GnuPGHome != ""
	set, err := keys.Load(opts)
	if err != nil {
		return nil, fmt.Errorf("loading identities: %w", err)
	}
	return &realDecrypter{ids: set}, nil
}

type realDecrypter struct{ ids *keys.Set }

func (d *realDecrypter) Describe() []string { return d.ids.Describe() }

func (d *realDecrypter) Open(kind SourceKind, path, format string, data []byte) (Opened, error) {
	switch kind {
	case SourceFile:
		return wholeValue(data), nil
	case SourceAge:
		plain, err := sopsfile.DecryptAgeFile(path, data, d.ids)
		if err != nil {
			return nil, err
		}
		return wholeValue(plain), nil
	case SourceSops:
		f, err := sopsfile.Decrypt(path, data, sopsfile.Format(format), d.ids)
		if err != nil {
			return nil, err
		}
		return &sopsValues{f: f, format: sopsfile.Format(format)}, nil
	}
	return nil, fmt.Errorf("%s: unknown source kind %q", path, kind)
}

type wholeValue []byte

func (w wholeValue) Value(key []any) ([]byte, error) {
	if len(key) != 0 {
		return nil, errors.New("a whole-file source has no keys")
	}
	return append([]byte(nil), w...), nil
}

type sopsValues struct {
	f      *sopsfile.File
	format sopsfile.Format
	mu     sync.Mutex
	// index maps a branch (by the key path leading to it) to its keys: Branch.Get is a
	// linear scan, and 10,000 secrets from one 10,000-key file would cost 50 million
	// comparisons (140 ms) through File.Lookup.
	index map[string]map[string]any
}

// indexMin is the branch size from which a map beats Branch.Get's scan.
const indexMin = 32

func (s *sopsValues) Value(key []any) ([]byte, error) {
	if len(key) == 0 {
		return s.f.Plaintext(s.format)
	}
	if len(s.f.Docs) == 0 {
		return nil, fmt.Errorf("%s: no document", s.f.Path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur any = s.f.Docs[0]
	prefix := ""
	for i, e := range key {
		switch e := e.(type) {
		case string:
			b, ok := cur.(sopsfile.Branch)
			if !ok {
				return nil, fmt.Errorf("%s is not a mapping", keyString(key[:i]))
			}
			v, ok := s.get(prefix, b, e)
			if !ok {
				return nil, fmt.Errorf("the key %s cannot be found", keyString(key[:i+1]))
			}
			cur = v
		case int:
			l, ok := cur.([]any)
			if !ok || e < 0 || e >= len(l) {
				return nil, fmt.Errorf("the index %s cannot be found", keyString(key[:i+1]))
			}
			cur = l[e]
		default:
			return nil, fmt.Errorf("bad key path element %T", e)
		}
		prefix += fmt.Sprintf("%T:%v\x00", e, e)
	}
	return scalarBytes(key, cur)
}

// get looks k up in branch b (reached by prefix), through a map for big branches. The first
// occurrence of a key wins, as with Branch.Get.
func (s *sopsValues) get(prefix string, b sopsfile.Branch, k string) (any, bool) {
	if len(b) < indexMin {
		return b.Get(k)
	}
	m, ok := s.index[prefix]
	if !ok {
		m = make(map[string]any, len(b))
		for _, it := range b {
			if name, ok := it.Key.(string); ok {
				if _, dup := m[name]; !dup {
					m[name] = it.Value
				}
			}
		}
		if s.index == nil {
			s.index = map[string]map[string]any{}
		}
		s.index[prefix] = m
	}
	v, ok := m[k]
	return v, ok
}

// scalarBytes is the installed form of a looked-up value: strings as they are, other
// scalars in their canonical text. Mappings and lists are an error (sops-nix: "not a
// string"); the error names the key, never the value.
func scalarBytes(key []any, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case int:
		return []byte(strconv.Itoa(v)), nil
	case int64:
		return []byte(strconv.FormatInt(v, 10)), nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'g', -1, 64)), nil
	case bool:
		return []byte(strconv.FormatBool(v)), nil
	}
	return nil, fmt.Errorf("the value of key %s is not a string (a %T)", keyString(key), v)
}

// keyString prints a key path in sops-nix's slash form.
func keyString(key []any) string {
	s := ""
	for i, k := range key {
		if i > 0 {
			s += "/"
		}
		s += fmt.Sprint(k)
	}
	return s
}
